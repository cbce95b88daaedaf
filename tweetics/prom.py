"""``/metrics`` of the job's driver (Prometheus text format), when ``--metrics-port`` is given.

Fed by :class:`tweetics.listener.MetricsListener` with each batch's metrics line (the one written to
``metrics/batches-*.jsonl``) and Spark's progress JSON, so the figures are those of the contract's
metrics file. Kafka lag per partition is the source's ``latestOffset`` (the topic's end when the batch
was planned) minus its ``endOffset`` (what the batch read up to): the records waiting for a later batch.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from tweetcontract.times import parse_utc_ms
from tweetics.transforms import DROP_REASONS

logger = logging.getLogger(__name__)

ENVVAR = "TWEETICS_METRICS_PORT"
#: Micro-batch durations: a few hundred ms on a quiet stream, tens of seconds when catching up.
DURATION_BUCKETS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)


def _offsets(value: Any) -> dict[str, dict[str, int]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def partition_lag(source: dict[str, Any]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """``{(topic, partition): (latest, end, lag)}`` of one Kafka source of a progress; symbolic offsets
    (-1, -2) and partitions missing from either side are left out."""
    latest, end = _offsets(source.get("latestOffset")), _offsets(source.get("endOffset"))
    out = {}
    for topic, parts in latest.items():
        for part, top in parts.items():
            done = end.get(topic, {}).get(part)
            if isinstance(top, int) and isinstance(done, int) and top >= 0 and done >= 0:
                out[(topic, str(part))] = (top, done, max(0, top - done))
    return out


class JobMetrics:
    """The driver's metrics on their own registry (nothing else of the process is exported)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
        from prometheus_client.process_collector import ProcessCollector

        disable_created_metrics()  # no *_created series: the counters start with the process
        self.registry = r = CollectorRegistry()
        ProcessCollector(registry=r)
        self.batches = Counter("tweetics_batches", "Micro-batches committed.", registry=r)
        self.duration = Histogram("tweetics_batch_duration_seconds", "Micro-batch duration.",
                                  buckets=DURATION_BUCKETS, registry=r)
        self.input_rows = Counter("tweetics_input_rows", "Kafka records read.", registry=r)
        self.valid = Counter("tweetics_valid_records", "Records counted (valid tweets).", registry=r)
        self.dropped = Counter("tweetics_dropped_records", "Records set aside, by reason.", ["reason"], registry=r)
        self.late = Counter("tweetics_late_tweets", "Tweets behind the watermark, not counted.", registry=r)
        self.late_groups = Counter("tweetics_late_groups", "(window, hashtag) groups dropped behind the watermark.",
                                   registry=r)
        self.late_unknown = Counter("tweetics_late_unknown_batches", "Batches whose late tweets could not be "
                                    "recounted.", registry=r)
        self.lost = Counter("tweetics_lost_offsets", "Kafka offsets planned but never read (retention).", registry=r)
        self.input_rate = Gauge("tweetics_input_rate", "Input rows per second (last batch).", registry=r)
        self.processing_rate = Gauge("tweetics_processing_rate", "Processed rows per second (last batch).",
                                     registry=r)
        self.lag = Gauge("tweetics_kafka_lag", "Records in the topic not read yet, per partition.",
                         ["topic", "partition"], registry=r)
        self.latest_offset = Gauge("tweetics_kafka_latest_offset", "The partition's end offset at the last batch.",
                                   ["topic", "partition"], registry=r)
        self.processed_offset = Gauge("tweetics_kafka_processed_offset", "Offset the last batch read up to.",
                                      ["topic", "partition"], registry=r)
        self.state_rows = Gauge("tweetics_state_rows", "Rows in Spark's state store.", registry=r)
        self.state_bytes = Gauge("tweetics_state_memory_bytes", "Memory of Spark's state store.", registry=r)
        self.rows_written = Counter("tweetics_count_rows_written", "Count lines written to the output.", registry=r)
        self.finals = Counter("tweetics_final_counts", "Count lines written final (window closed).", registry=r)
        self.last_batch = Gauge("tweetics_last_batch_id", "Id of the last committed batch.", registry=r)
        self.last_batch_time = Gauge("tweetics_last_batch_timestamp_seconds",
                                     "Start time of the last committed batch (epoch seconds).", registry=r)
        self.watermark = Gauge("tweetics_watermark_timestamp_seconds", "Event-time watermark (epoch seconds).",
                               registry=r)

    def observe(self, line: dict[str, Any], progress: dict[str, Any]) -> None:
        """Fold one batch (its metrics line and Spark's progress) into the figures."""
        self.batches.inc()
        if line.get("batch_duration_ms") is not None:
            self.duration.observe(float(line["batch_duration_ms"]) / 1000.0)
        self.input_rows.inc(int(line.get("input_rows") or 0))
        self.valid.inc(int(line.get("valid") or 0))
        for reason in DROP_REASONS:
            self.dropped.labels(reason).inc(int(line.get(reason) or 0))
        if line.get("late") is None and line.get("late_groups"):
            self.late_unknown.inc()
        self.late.inc(int(line.get("late") or 0))
        self.late_groups.inc(int(line.get("late_groups") or 0))
        self.lost.inc(int(line.get("lost_offsets") or 0))
        self.input_rate.set(float(line.get("input_rate") or 0.0))
        self.processing_rate.set(float(line.get("processing_rate") or 0.0))
        for source in progress.get("sources") or []:
            for (topic, part), (latest, end, lag) in partition_lag(source).items():
                self.lag.labels(topic, part).set(lag)
                self.latest_offset.labels(topic, part).set(latest)
                self.processed_offset.labels(topic, part).set(end)
        operators = progress.get("stateOperators") or []
        self.state_rows.set(int(line.get("state_rows") or 0))
        self.state_bytes.set(sum(int(op.get("memoryUsedBytes") or 0) for op in operators))
        self.rows_written.inc(int(line.get("rows_written") or 0))
        self.finals.inc(int(line.get("finals") or 0))
        if line.get("batch_id") is not None:
            self.last_batch.set(int(line["batch_id"]))
        if line.get("timestamp"):
            self.last_batch_time.set(parse_utc_ms(line["timestamp"]) / 1000.0)
        if line.get("watermark"):
            try:
                self.watermark.set(parse_utc_ms(line["watermark"]) / 1000.0)
            except ValueError:
                pass

    def serve(self, port: int, addr: str = "0.0.0.0") -> Any:
        """Start the HTTP server (a daemon thread in the driver)."""
        from prometheus_client import start_http_server

        server, _thread = start_http_server(port, addr, registry=self.registry)
        logger.info("metrics on http://%s:%d/metrics", addr, port)
        return server
