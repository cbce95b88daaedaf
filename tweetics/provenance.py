"""Which sources fed the recent batches: the pure side of ``latest.json`` ``"sources"`` (contract 4).

The job counts, per micro-batch, the valid records of each envelope ``source`` inside the metrics
aggregate it already computes (:func:`tweetics.transforms.observe_input`), so knowing where the data came
from costs a few counters, not another pass over the batch. The metrics listener hands each batch's
counts here; the writer asks for the summary when it writes ``latest.json``. The two run on different
threads, hence the lock.
"""

from __future__ import annotations

import threading

from tweetcontract.output.sources import RECENT_MS, SOURCES, SourceSeen


class RecentSources:
    """Per-batch source counts of the last ``recent_ms`` of processing time."""

    def __init__(self, recent_ms: int = RECENT_MS) -> None:
        self.recent_ms = recent_ms
        self._batches: dict[int, tuple[int, dict[str, int]]] = {}  # batch id -> (processing time, counts)
        self._lock = threading.Lock()

    def add(self, batch_id: int, at_ms: int, counts: dict[str, int]) -> None:
        """One batch's counts (keyed by batch id: a batch re-run after a restart replaces itself)."""
        kept = {name: int(n) for name, n in counts.items() if name in SOURCES and int(n) > 0}
        with self._lock:
            if kept:
                self._batches[batch_id] = (at_ms, kept)
            else:
                self._batches.pop(batch_id, None)

    def seen(self, now_ms: int) -> dict[str, SourceSeen]:
        """Records and last batch time per source over the recent batches; older batches are forgotten."""
        with self._lock:
            self._batches = {b: v for b, v in self._batches.items() if v[0] >= now_ms - self.recent_ms}
            batches = list(self._batches.values())
        out: dict[str, SourceSeen] = {}
        for at_ms, counts in batches:
            for name, n in counts.items():
                prev = out.get(name)
                out[name] = SourceSeen(n + (prev.records if prev else 0), max(at_ms, prev.last_seen_ms if prev else at_ms))
        return out
