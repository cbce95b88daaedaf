"""The foreachBatch writer: exactly-once running and final counts on HDFS, compaction, latest.json.

Each micro-batch's updated (window, hashtag) rows become ``counts/date=D/hour=H/batch-<id>.jsonl``
(written whole, renamed into place). Spark hands a re-run batch (after a crash) the same rows under
the same id, the watermark comes from the checkpoint's offset log entry of that id, and the open-window
state is loaded from the file the previous batch saved: so a replay rewrites byte-identical files and
the final counts stay exact (docs/contracts.md section 4).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson
from pyspark.sql import DataFrame

from tweetics.fsio import HadoopFS
from tweetcontract.output.counts import dump_lines, parse_lines, resolve, sorted_rows
from tweetcontract.output.layout import (COUNTS_DIR, HOUR_MS, LATEST, batch_file, compact_file, hour_partition,
                                        is_counts_file, partition_start)
from tweetcontract.times import format_utc_ms
from tweetcontract.output.sources import FIELD as SOURCES_FIELD, SourceSeen, sources_field
from tweetics.provenance import RecentSources
from tweetics.state import SinkState, Update

logger = logging.getLogger(__name__)

STATE_DIR = "tweetics-sink"  # under the checkpoint: it belongs to the query's progress, not the output
_STATE_FILE = re.compile(r"^state-(\d+)\.json$")
_KEEP_STATE_FILES = 3


def offset_log_metadata(ckpt: HadoopFS, batch_id: int) -> dict[str, Any]:
    """The metadata line of ``<checkpoint>/offsets/<batch_id>``: batchWatermarkMs, batchTimestampMs, conf."""
    text = ckpt.read(f"offsets/{batch_id}").decode("utf-8").splitlines()
    return dict(orjson.loads(text[1]))


def initial_offsets(ckpt: HadoopFS) -> dict[str, dict[str, int]] | None:
    """Where the query's first batch started reading Kafka: ``<checkpoint>/sources/0/0``, which the Kafka
    source writes once for a new checkpoint (a zero byte, ``v1``, then the offsets JSON). ``None`` when
    absent or unreadable (metrics only)."""
    try:
        lines = ckpt.read("sources/0/0").lstrip(b"\x00").decode("utf-8").splitlines()
        found = orjson.loads(lines[-1])
    except Exception:  # never fail a batch over a metric
        logger.warning("could not read the initial Kafka offsets of the checkpoint", exc_info=True)
        return None
    return found if isinstance(found, dict) else None


@dataclass(frozen=True)
class SinkConfig:
    """What the writer needs to know about the query."""

    window: str
    slide: str
    window_ms: int
    slide_ms: int
    baseline_windows: int = 5
    compact_every: int = 60
    retention_ms: int = 7 * 24 * HOUR_MS
    latest_every_s: float = 30.0


@dataclass
class _Partition:
    batch_files: int = 0
    compact_files: int = 0


@dataclass
class BatchReport:
    """What one call wrote (merged into the batch's metrics line by the listener)."""

    rows_written: int = 0
    finals: int = 0
    files_written: int = 0
    compacted: int = 0
    partitions_dropped: int = 0
    sink_ms: int = 0
    compute_ms: int = 0


class CountsWriter:
    """``foreachBatch`` function object; keep one per query (it caches state between batches)."""

    def __init__(self, spark: Any, output: str, checkpoint: str, config: SinkConfig) -> None:
        self.config = config
        self.out = HadoopFS(spark, output)
        self.ckpt = HadoopFS(spark, checkpoint)
        self.reports: dict[int, BatchReport] = {}
        self._state: SinkState | None = None
        self._state_batch: int | None = None
        self._partitions: dict[str, _Partition] | None = None
        self._latest_written = 0.0
        self._latest_pending: bytes | None = None
        self._latest_future: Future[None] | None = None
        self._latest_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tweetics-latest")
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tweetics-write")
        self._state_ids: set[int] | None = None
        self._input_lock = threading.Lock()
        self.recent_sources = RecentSources()  # fed by the metrics listener, read for latest.json
        self._sources_written: dict[str, SourceSeen] = {}
        self._input_pending: dict[int, dict[str, int]] = {}

    def add_input_counts(self, batch_id: int, counts: dict[str, int]) -> None:
        """The listener hands each batch's ``implausible_time`` and ``lost_offsets`` here (after the batch
        ran); the next batch folds them into the sink state's totals, which latest.json carries."""
        with self._input_lock:
            self._input_pending[batch_id] = dict(counts)

    # -- the batch step -----------------------------------------------------------------------------

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        # Aggregated rows only (bounded by windows x hashtags changed in this batch), fine to collect.
        updates = [Update(r.start_ms, r.end_ms, r.hashtag, r["count"], r.display)
                   for r in batch.select("start_ms", "end_ms", "hashtag", "count", "display").collect()]
        computed = time.monotonic()
        report = self.write_batch(updates, batch_id)
        report.compute_ms = int((computed - started) * 1000)  # the micro-batch's Spark job runs in collect()
        report.sink_ms = int((time.monotonic() - computed) * 1000)

    def write_batch(self, updates: list[Update], batch_id: int) -> BatchReport:
        """Everything but the collect: testable with a plain list of updates."""
        report = self.reports.setdefault(batch_id, BatchReport())
        metadata = offset_log_metadata(self.ckpt, batch_id)
        watermark = int(metadata.get("batchWatermarkMs", 0))
        # Processing time of the batch (stable on a re-run): bounds what retention and pruning measure from.
        now = int(metadata.get("batchTimestampMs") or time.time() * 1000)
        state = self._load_state(batch_id)
        self._state_batch = None  # invalid until this batch completes
        lines = state.apply(updates, watermark, batch_id, now_ms=now)
        counted = self._fold_input_counts(state, batch_id)
        if lines or counted:
            report.rows_written = len(lines)
            report.finals = sum(1 for line in lines if line["final"])
            writes = self._write_counts(lines, batch_id)
            writes.append((f"{STATE_DIR}/state-{batch_id:09d}.json", orjson.dumps(state.to_json())))
            report.files_written = len(writes) - 1
            # Counts and state must be durable before the batch commits; written side by side because
            # each HDFS create/close/rename is a few round trips of latency, not work.
            list(self._pool.map(lambda w: (self.ckpt if w[0].startswith(STATE_DIR) else self.out)
                                .write_atomic(*w), writes))
            self._prune_state_files(batch_id)
        if lines or counted or time.monotonic() - self._latest_written >= self.config.latest_every_s:
            self._write_latest(state, batch_id, watermark)
        report.compacted, report.partitions_dropped = self._maintain(watermark, batch_id, now)
        self._state, self._state_batch = state, batch_id
        return report

    def _fold_input_counts(self, state: SinkState, batch_id: int) -> bool:
        """Fold the input counts of earlier batches into ``state``; True if the totals changed."""
        with self._input_lock:
            ready = sorted(b for b in self._input_pending if b < batch_id)
            changed = False
            for b in ready:
                counts = self._input_pending.pop(b)
                if state.add_input_counts(b, counts) and any(counts.values()):
                    changed = True
            return changed

    def batch_watermark(self, batch_id: int) -> int:
        """The watermark Spark used for ``batch_id``, from the checkpoint's offset log (stable on replay)."""
        return int(offset_log_metadata(self.ckpt, batch_id).get("batchWatermarkMs", 0))

    # -- counts files ----------------------------------------------------------------------------

    def _write_counts(self, lines: list[dict[str, Any]], batch_id: int) -> int:
        parts: dict[str, list[dict[str, Any]]] = {}
        for line in lines:
            parts.setdefault(hour_partition(line.pop("_start_ms")), []).append(line)
        known = self._known_partitions()
        writes = []
        for part, rows in sorted(parts.items()):
            writes.append((f"{COUNTS_DIR}/{part}/{batch_file(batch_id)}", dump_lines(rows)))
            known.setdefault(part, _Partition()).batch_files += 1
        return writes

    def _known_partitions(self) -> dict[str, _Partition]:
        """Partition -> file counts; listed once per process, then kept up to date in memory."""
        if self._partitions is None:
            self._partitions = {}
            for day in self.out.list("counts"):
                if not (day.is_dir and day.name.startswith("date=")):
                    continue
                for hour in self.out.list(f"counts/{day.name}"):
                    if hour.is_dir and hour.name.startswith("hour="):
                        part = f"{day.name}/{hour.name}"
                        names = [e.name for e in self.out.list(f"counts/{part}") if is_counts_file(e.name)]
                        self._partitions[part] = _Partition(
                            sum(n.startswith("batch-") for n in names), sum(n.startswith("compact-") for n in names))
        return self._partitions

    def _maintain(self, watermark: int, batch_id: int, now_ms: int | None = None) -> tuple[int, int]:
        """Compact closed (or crowded) hour partitions; drop partitions older than the retention.

        Retention is measured from the watermark but never from later than the batch's processing time
        (``now_ms``): a partition goes only when it is older than ``--retention`` by both clocks, so no time
        a record carries can make the job delete data younger than that."""
        compacted = dropped = 0
        parts = self._known_partitions()
        horizon = watermark if now_ms is None else min(watermark, now_ms)
        for part in sorted(parts):
            info = parts[part]
            start = partition_start(part)
            if start is None:
                continue
            if start + HOUR_MS < horizon - self.config.retention_ms:
                self.out.delete(f"counts/{part}", recursive=True)
                del parts[part]
                dropped += 1
                continue
            closed = start + HOUR_MS + self.config.window_ms <= watermark
            if (closed and info.batch_files + info.compact_files > 1) or info.batch_files >= self.config.compact_every:
                self.compact(part, batch_id)
                parts[part] = _Partition(0, 1)
                compacted += 1
        if dropped:
            for day in self.out.list("counts"):
                if day.is_dir and not self.out.list(f"counts/{day.name}"):
                    self.out.delete(f"counts/{day.name}", recursive=True)
        return compacted, dropped

    def compact(self, part: str, batch_id: int) -> None:
        """Merge a partition's files into ``compact-<batch_id>.jsonl`` (resolved rows), then delete them.

        Idempotent: the resolved content of the partition is the same before and after, so a re-run
        after a crash between the write and the deletes writes the same file again.
        """
        names = [e.name for e in self.out.list(f"counts/{part}") if is_counts_file(e.name)]
        rows = []
        bad = 0
        for name in names:
            good, skipped = parse_lines(self.out.read(f"{COUNTS_DIR}/{part}/{name}"))
            rows.extend(good)
            bad += skipped
        if bad:
            logger.warning("compaction of %s skipped %d unreadable counts lines", part, bad)
        target = compact_file(batch_id)
        self.out.write_atomic(f"counts/{part}/{target}", dump_lines(sorted_rows(resolve(rows))))
        for name in names:
            if name != target:
                self.out.delete(f"counts/{part}/{name}")
        logger.info("compacted %s: %d files into %s", part, len(names), target)

    # -- latest.json -----------------------------------------------------------------------------

    def _write_latest(self, state: SinkState, batch_id: int, watermark: int) -> None:
        """Summary now, upload in the background: not needed for exactness, so off the batch's path.
        One worker keeps the uploads in order; a pending older one is superseded."""
        now_ms = int(time.time() * 1000)
        doc = state.latest(batch_id=batch_id, watermark_ms=watermark, updated_at=format_utc_ms(now_ms),
                           window=self.config.window, slide=self.config.slide)
        self._sources_written = self.recent_sources.seen(now_ms)
        doc[SOURCES_FIELD] = sources_field(self._sources_written)  # where the data came from
        summary = orjson.dumps(doc)
        self._latest_pending = summary
        if self._latest_future is None or self._latest_future.done():
            self._latest_future = self._latest_pool.submit(self._upload_latest)
        self._latest_written = time.monotonic()

    def _upload_latest(self) -> None:
        while self._latest_pending is not None:
            data, self._latest_pending = self._latest_pending, None
            try:
                self.out.write_atomic(LATEST, data)
            except Exception:  # the next batch writes it again
                logger.warning("could not write latest.json", exc_info=True)

    def finish(self) -> None:
        """At the end of a run: fold the input counts the listener reported after the last batch (no
        next batch will) into that batch's sink state and latest.json, then wait for the upload. Only
        call it once the query has stopped and its last progress event was handled."""
        state, batch_id = self._state, self._state_batch
        if state is not None and batch_id is not None and self._fold_input_counts(state, batch_id + 1):
            self.ckpt.write_atomic(f"{STATE_DIR}/state-{batch_id:09d}.json", orjson.dumps(state.to_json()))
            self._prune_state_files(batch_id)
            self._write_latest(state, batch_id, self.batch_watermark(batch_id))
        elif state is not None and batch_id is not None and \
                self._sources_written != self.recent_sources.seen(int(time.time() * 1000)):
            self._write_latest(state, batch_id, self.batch_watermark(batch_id))  # the last batch's sources
        self.flush()

    def flush(self, timeout: float = 30.0) -> None:
        """Wait for the background latest.json upload (call before the session stops)."""
        if self._latest_future is not None:
            self._latest_future.result(timeout=timeout)

    # -- sink state ------------------------------------------------------------------------------

    def _state_files(self) -> dict[int, str]:
        found = {}
        for entry in self.ckpt.list(STATE_DIR):
            match = _STATE_FILE.match(entry.name)
            if match:
                found[int(match.group(1))] = entry.name
        return found

    def _load_state(self, batch_id: int) -> SinkState:
        if self._state is not None and self._state_batch == batch_id - 1:
            return self._state
        earlier = {b: n for b, n in self._state_files().items() if b < batch_id}
        if not earlier:
            return SinkState(self.config.window_ms, self.config.slide_ms, self.config.baseline_windows)
        newest = max(earlier)
        state = SinkState.from_json(orjson.loads(self.ckpt.read(f"{STATE_DIR}/{earlier[newest]}")))
        logger.info("resumed sink state of batch %d for batch %d", newest, batch_id)
        return state

    def _prune_state_files(self, batch_id: int) -> None:
        if self._state_ids is None:
            self._state_ids = set(self._state_files())
        self._state_ids.add(batch_id)
        for old in sorted(self._state_ids)[:-_KEEP_STATE_FILES]:
            self.ckpt.delete(f"{STATE_DIR}/state-{old:09d}.json")
            self._state_ids.discard(old)
