"""Per-batch metrics through a StreamingQueryListener: logged, and appended beside the output.

One JSON line per micro-batch in ``metrics/batches-<date>.jsonl`` (contracts section 4): input and
processing rates, batch duration, watermark, records dropped as malformed / non-tweet / missing fields
(observed in the query), ``late_groups``: the (window, hashtag) groups Spark's aggregation dropped
behind the watermark (``numRowsDroppedByWatermark``, counted after its partial aggregation), and
``late``: the tweets behind them, recounted exactly by :mod:`tweetics.late` when there were any;
``lost_offsets``: Kafka offsets the batch planned to read but never got (deleted by retention before the
read, skipped under ``failOnDataLoss=false``): the batch's offset range minus the rows the source read,
plus, on a new checkpoint's first batch, ``skipped_offsets``: the offsets below where that batch started
(``--starting-offsets latest`` on a topic that already held records, or records retention had deleted
before the job first ran), so that nothing the topic ever held goes uncounted.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any, Callable

import orjson
from pyspark.sql.streaming import StreamingQueryListener

from tweetcontract.output.layout import metrics_file

from tweetcontract.output.sources import SOURCES
from tweetcontract.times import parse_utc_ms
from tweetics.transforms import DROP_REASONS, OBSERVATION, SOURCE_METRIC

logger = logging.getLogger(__name__)

_AGG_OPERATOR = "stateStoreSave"
#: The per-batch counts the writer carries into latest.json as running totals (and the dashboard shows).
INPUT_COUNTERS = ("implausible_time", "lost_offsets")


def _offsets(value: Any) -> dict[str, dict[str, int]] | None:
    """A source offset of the progress JSON (an object, or a JSON string in some versions)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) and value else None


def lost_offsets(source: dict[str, Any], initial: dict[str, dict[str, int]] | None = None) -> int | None:
    """Offsets of one Kafka source's batch range that produced no row: ``sum(end - start) - numInputRows``.

    ``initial`` is the start of the very first batch (Spark's progress reports no ``startOffset`` for it;
    the Kafka source keeps it in ``<checkpoint>/sources/0/0``). ``None`` when the range is unknown.
    A partition missing from the start (created during the batch) is read from offset 0. Caveat: a
    transactional producer's commit markers and a compacted topic's holes also take offsets without
    rows, and count here too (tweetpub writes neither).
    """
    end = _offsets(source.get("endOffset"))
    start = _offsets(source.get("startOffset")) or initial
    if not end or not start:
        return None
    planned = 0
    for topic, parts in end.items():
        for part, until in parts.items():
            begin = start.get(topic, {}).get(part, 0)
            if not isinstance(until, int) or not isinstance(begin, int) or begin < 0 or until < 0:
                return None  # a symbolic offset (-1 latest, -2 earliest): not a range we can measure
            planned += max(0, until - begin)
    return max(0, planned - int(source.get("numInputRows") or 0))


def skipped_offsets(initial: dict[str, dict[str, int]] | None) -> int | None:
    """Offsets below a new checkpoint's first start (``<checkpoint>/sources/0/0``): never read by this query,
    skipped by ``--starting-offsets latest`` or gone to retention before the first read. ``None`` when unknown."""
    if not initial:
        return None
    total = 0
    for parts in initial.values():
        for begin in (parts or {}).values():
            if not isinstance(begin, int) or begin < 0:
                return None  # symbolic (-1 latest, -2 earliest): not resolved, nothing to measure
            total += begin
    return total


def metrics_line(progress: dict[str, Any], sink: dict[str, Any] | None = None,
                 late_counter: Callable[[dict[str, Any], int], int | None] | None = None,
                 initial_offsets: Callable[[], dict[str, dict[str, int]] | None] | None = None) -> dict[str, Any]:
    """The metrics line of one batch from Spark's progress JSON (plus what the writer reported).

    ``late_counter(progress, dropped_groups)`` gives the late tweets; without one, ``late`` is ``None``
    unless nothing was dropped. ``initial_offsets()`` gives the first batch's start offsets (only asked
    when the progress has none); ``lost_offsets`` is ``None`` when no range is known.
    """
    observed = (progress.get("observedMetrics") or {}).get(OBSERVATION) or {}
    operators = progress.get("stateOperators") or []

    def dropped(name: str) -> int:
        return sum(int(op.get("numRowsDroppedByWatermark") or 0) for op in operators if op.get("operatorName") == name)

    line = {
        "batch_id": progress.get("batchId"),
        "timestamp": progress.get("timestamp"),
        "input_rows": progress.get("numInputRows", 0),
        "input_rate": round(float(progress.get("inputRowsPerSecond") or 0.0), 1),
        "processing_rate": round(float(progress.get("processedRowsPerSecond") or 0.0), 1),
        "batch_duration_ms": progress.get("batchDuration") or (progress.get("durationMs") or {}).get("triggerExecution"),
        "watermark": (progress.get("eventTime") or {}).get("watermark"),
        "records": int(observed.get("records") or 0),
        "valid": int(observed.get("valid") or 0),
        **{reason: int(observed.get(reason) or 0) for reason in DROP_REASONS},
        # valid records per envelope source, the ones seen in this batch (latest.json "sources")
        "sources": {name: int(observed[SOURCE_METRIC + name]) for name in SOURCES
                    if int(observed.get(SOURCE_METRIC + name) or 0) > 0},
        "late": None,
        "late_groups": dropped(_AGG_OPERATOR),
        "state_rows": sum(int(op.get("numRowsTotal") or 0) for op in operators),
        "durations_ms": progress.get("durationMs") or {},
    }
    lost: int | None = 0
    skipped: int | None = 0
    for source in progress.get("sources") or []:
        if source.get("startOffset") is None and source.get("endOffset") is None:
            continue
        first = _offsets(source.get("startOffset")) is None  # a new checkpoint's first batch
        initial = initial_offsets() if initial_offsets and first else None
        found = lost_offsets(source, initial)
        before = skipped_offsets(initial) if first else 0
        skipped = None if before is None or skipped is None else skipped + before
        lost = None if found is None or lost is None else lost + found + (before or 0)
    line["lost_offsets"] = lost  # everything never read, the offsets skipped before the first batch included
    line["skipped_offsets"] = skipped
    line["late"] = late_counter(progress, line["late_groups"]) if late_counter else (
        0 if not line["late_groups"] else None)
    line.update(sink or {})
    return line


class MetricsListener(StreamingQueryListener):
    """Logs each batch's metrics line and hands it to ``write`` (the output's metrics file)."""

    def __init__(self, write: Callable[[dict[str, Any]], None],
                 sink_reports: Callable[[int], dict[str, Any]] | None = None,
                 late_counter: Callable[[dict[str, Any], int], int | None] | None = None,
                 initial_offsets: Callable[[], dict[str, dict[str, int]] | None] | None = None,
                 input_counts: Callable[[int, dict[str, int]], None] | None = None,
                 source_counts: Callable[[int, int, dict[str, int]], None] | None = None,
                 observe: Callable[[dict[str, Any], dict[str, Any]], None] | None = None) -> None:
        self._write = write
        self._sink_reports = sink_reports
        self._late_counter = late_counter
        self._initial_offsets = initial_offsets
        self._input_counts = input_counts  # hands INPUT_COUNTERS to the writer (latest.json totals)
        self._source_counts = source_counts  # hands (batch id, batch time, "sources") to the writer
        self._observe = observe  # hands (metrics line, progress) to /metrics (tweetics.prom)
        self.last_batch_id: int | None = None
        self.totals: dict[str, int] = {}
        self._seen = threading.Condition()

    def onQueryStarted(self, event: Any) -> None:
        logger.info("query %s started (run %s)", event.name or event.id, event.runId)

    def onQueryProgress(self, event: Any) -> None:
        try:
            progress = json.loads(event.progress.json)
            sink = self._sink_reports(progress.get("batchId")) if self._sink_reports else None
            line = metrics_line(progress, sink, self._late_counter, self._initial_offsets)
            if self._input_counts is not None and line["batch_id"] is not None:
                self._input_counts(int(line["batch_id"]), {k: int(line.get(k) or 0) for k in INPUT_COUNTERS})
            if self._source_counts is not None and line["batch_id"] is not None and line["timestamp"]:
                self._source_counts(int(line["batch_id"]), parse_utc_ms(line["timestamp"]), line["sources"])
            for key in ("input_rows", "valid", *DROP_REASONS, "late", "late_groups", "lost_offsets", "skipped_offsets"):
                self.totals[key] = self.totals.get(key, 0) + int(line.get(key) or 0)
            if line["late"] is None:  # dropped groups whose tweets could not be recounted
                self.totals["late_unknown_batches"] = self.totals.get("late_unknown_batches", 0) + 1
            logger.info("batch %s: %s rows in %s ms (%.1f rows/s), watermark %s, malformed %s, non-tweet %s, "
                        "missing %s, implausible time %s, late %s tweets (%s groups), lost offsets %s (skipped before the first batch %s)", line["batch_id"],
                        line["input_rows"], line["batch_duration_ms"], line["processing_rate"], line["watermark"],
                        line["malformed"], line["non_tweet"], line["missing_fields"], line["implausible_time"],
                        line["late"], line["late_groups"], line["lost_offsets"], line["skipped_offsets"])
            self._write(line)
            if self._observe is not None:
                self._observe(line, progress)
        except Exception:  # a metrics hiccup must never stop the stream
            logger.exception("could not record batch metrics")
        finally:
            with self._seen:
                self.last_batch_id = event.progress.batchId
                self._seen.notify_all()

    def onQueryIdle(self, event: Any) -> None:
        pass

    def onQueryTerminated(self, event: Any) -> None:
        if event.exception:
            logger.error("query stopped with an error: %s", str(event.exception).splitlines()[0])

    def wait_for(self, batch_id: int | None, timeout: float = 60.0) -> bool:
        """Block until the progress event of ``batch_id`` was handled (events arrive asynchronously)."""
        if batch_id is None:
            return True
        with self._seen:
            return self._seen.wait_for(
                lambda: self.last_batch_id is not None and self.last_batch_id >= batch_id, timeout)


def metrics_file_writer(fs: Any) -> Callable[[dict[str, Any]], None]:
    """Append metrics lines to ``metrics/batches-<UTC date of the batch>.jsonl`` under the output."""
    def write(line: dict[str, Any]) -> None:
        date = str(line.get("timestamp") or "")[:10] or "unknown"
        fs.append(metrics_file(date), orjson.dumps(line) + b"\n")
    return write
