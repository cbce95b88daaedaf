"""Pure sink logic: running and final rows per batch, the trend score, and the latest summary.

The job's aggregation emits, per micro-batch, the (window, hashtag) counts that changed. This module
keeps what the writer needs to go from those updates to the contract's output:

* ``open``: the current count of every window the watermark has not closed yet;
* ``closed``: recent final counts, the baseline of the trend and the older windows of ``latest.json``.

A window closes in batch N when the batch's watermark reaches its end: Spark evicts its state then and
will never update it again, so its last count is final.

Trend: ``(count + 1) / (baseline + 1)`` where ``baseline`` is the mean count of the same hashtag in the
``K`` preceding non-overlapping windows (start - k * window length, k = 1..K) that the stream covers
(a quiet window counts as 0); 1.0 when no preceding window is covered yet. 1.0 means "as usual",
3.0 "three times its recent level" (the +1 keeps new hashtags from dividing by zero).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from tweetcontract.output.counts import count_line
from tweetcontract.output.latest import latest_document
from tweetcontract.output.layout import LATEST_TAGS, LATEST_WINDOWS
from tweetcontract.times import format_utc_ms

WindowKey = tuple[int, int, str]  # (start_ms, end_ms, hashtag)


@dataclass
class Update:
    """One changed (window, hashtag) count as the aggregation emitted it."""

    start_ms: int
    end_ms: int
    hashtag: str
    count: int
    display: str


@dataclass
class SinkState:
    """Open and recently closed counts; serializable so a restart resumes exactly."""

    window_ms: int
    slide_ms: int
    baseline_windows: int = 5
    first_start_ms: int | None = None
    open: dict[WindowKey, tuple[int, str]] = field(default_factory=dict)
    closed: dict[WindowKey, tuple[int, str]] = field(default_factory=dict)
    #: running totals of input the job set aside (implausible_time, lost_offsets), for latest.json
    input_counts: dict[str, int] = field(default_factory=dict)
    counted_through: int = -1  # the newest batch id whose input counts are in ``input_counts``

    # -- batch step -----------------------------------------------------------------------------

    def apply(self, updates: Iterable[Update], watermark_ms: int, batch_id: int,
              now_ms: int | None = None) -> list[dict[str, Any]]:
        """Merge one batch's updates, close windows the watermark passed; return the lines to write
        (``_start_ms`` is bookkeeping for the writer's partitioning, not part of the line). ``now_ms``
        is the batch's processing time: pruning never measures from a window later than it."""
        changed: list[WindowKey] = []
        for u in updates:
            key = (u.start_ms, u.end_ms, u.hashtag)
            self.open[key] = (u.count, u.display)
            changed.append(key)
            if self.first_start_ms is None or u.start_ms < self.first_start_ms:
                self.first_start_ms = u.start_ms
        closing = [k for k in self.open if k[1] <= watermark_ms]
        lookup = self._counts_by_start()
        lines = []
        closing_set = set(closing)
        for key in changed:
            if key not in closing_set:
                lines.append(self._line(key, self.open[key], lookup, batch_id, final=False))
        for key in closing:
            lines.append(self._line(key, self.open[key], lookup, batch_id, final=True))
            self.closed[key] = self.open.pop(key)
        self._prune(now_ms)
        return lines

    def add_input_counts(self, batch_id: int, counts: dict[str, int]) -> bool:
        """Fold one batch's input counts into the totals once (a batch at or below
        ``counted_through`` is already in); True if the totals took it."""
        if batch_id <= self.counted_through:
            return False
        for key, value in counts.items():
            self.input_counts[key] = self.input_counts.get(key, 0) + int(value)
        self.counted_through = batch_id
        return True

    def _line(self, key: WindowKey, value: tuple[int, str], lookup: dict[tuple[int, str], int],
              batch_id: int, *, final: bool) -> dict[str, Any]:
        count, display = value
        line = count_line(key[0], key[1], key[2], display, count, self._trend(key, count, lookup), batch_id, final)
        line["_start_ms"] = key[0]
        return line

    # -- trend ----------------------------------------------------------------------------------

    def _counts_by_start(self) -> dict[tuple[int, str], int]:
        lookup = {(k[0], k[2]): v[0] for k, v in self.closed.items()}
        lookup.update({(k[0], k[2]): v[0] for k, v in self.open.items()})
        return lookup

    def _trend(self, key: WindowKey, count: int, lookup: dict[tuple[int, str], int]) -> float:
        starts = [key[0] - k * self.window_ms for k in range(1, self.baseline_windows + 1)]
        covered = [s for s in starts if self.first_start_ms is not None and s >= self.first_start_ms]
        if not covered:
            return 1.0
        baseline = sum(lookup.get((s, key[2]), 0) for s in covered) / len(covered)
        return round((count + 1) / (baseline + 1), 2)

    def _prune(self, now_ms: int | None = None) -> None:
        """Keep closed windows the trend or latest.json can still need, measured back from the newest
        window, but never from one later than the processing time: a window a record's time put in the
        future must not push every real one out."""
        if not self.closed:
            return
        newest = max(k[0] for k in (*self.open, *self.closed))
        if now_ms is not None:
            newest = min(newest, now_ms)
        keep = max(self.baseline_windows * self.window_ms, LATEST_WINDOWS * self.slide_ms) + self.window_ms
        self.closed = {k: v for k, v in self.closed.items() if k[0] >= newest - keep}

    # -- latest.json ----------------------------------------------------------------------------

    def latest(self, *, batch_id: int, watermark_ms: int, updated_at: str, window: str,
               slide: str) -> dict[str, Any]:
        """The dashboard's one-request summary: last 60 windows, top 200 tags each, newest last."""
        lookup = self._counts_by_start()
        by_window: dict[tuple[int, int], list[tuple[str, int, str, bool]]] = {}
        for source, final in ((self.closed, True), (self.open, False)):
            for (start, end, tag), (count, display) in source.items():
                by_window.setdefault((start, end), []).append((tag, count, display, final))
        windows = []
        for start, end in sorted(by_window)[-LATEST_WINDOWS:]:  # the trend only for what will be shown
            tags = sorted(by_window[(start, end)], key=lambda t: (-t[1], t[0]))[:LATEST_TAGS]
            windows.append({
                "start": format_utc_ms(start), "end": format_utc_ms(end),
                "final": all(t[3] for t in by_window[(start, end)]),
                "tags": [{"hashtag": t, "display": d, "count": c, "trend": self._trend((start, end, t), c, lookup)}
                         for t, c, d, _ in tags]})
        return latest_document(updated_at=updated_at, batch_id=batch_id, watermark=format_utc_ms(watermark_ms),
                               window=window, slide=slide, windows=windows, input_counts=self.input_counts)

    # -- persistence ----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "window_ms": self.window_ms, "slide_ms": self.slide_ms,
                "baseline_windows": self.baseline_windows, "first_start_ms": self.first_start_ms,
                "open": [[*k, *v] for k, v in self.open.items()],
                "closed": [[*k, *v] for k, v in self.closed.items()],
                "input_counts": dict(self.input_counts), "counted_through": self.counted_through}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SinkState":
        state = cls(window_ms=data["window_ms"], slide_ms=data["slide_ms"],
                    baseline_windows=data["baseline_windows"], first_start_ms=data["first_start_ms"])
        state.open = {(s, e, t): (c, d) for s, e, t, c, d in data["open"]}
        state.closed = {(s, e, t): (c, d) for s, e, t, c, d in data["closed"]}
        state.input_counts = {str(k): int(v) for k, v in (data.get("input_counts") or {}).items()}
        state.counted_through = int(data.get("counted_through", -1))  # absent in older state files
        return state
