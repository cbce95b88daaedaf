"""The exact number of late tweets of a micro-batch, recounted only when Spark dropped something.

Spark's aggregation reports ``numRowsDroppedByWatermark`` after its partial aggregation, so it counts
(window, hashtag) groups per partition, not tweets (SPARK-24634 says as much). No dropped group means no
late tweet, so most batches cost nothing here. When a batch did drop groups, its Kafka offset range (from
the progress event) is read again as a batch DataFrame through the same parse and hashtag rules, and the
distinct tweets that have a window ending at or before the watermark Spark filtered late rows with are
counted. Which watermark that is depends on the session's
``spark.sql.streaming.statefulOperator.allowMultiple`` (the offset log does not record it): with ``true``,
Spark's default, late rows are filtered with the previous batch's watermark; with ``false``, with the
batch's own.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable

from pyspark.sql import functions as F

from tweetics.transforms import STATUS_OK, WindowSpec, parse_envelopes, tweet_hashtags

logger = logging.getLogger(__name__)

ALLOW_MULTIPLE = "spark.sql.streaming.statefulOperator.allowMultiple"
EARLIEST = -2  # Kafka's JSON offsets: -2 = earliest


def late_tweets(parsed: Any, spec: WindowSpec, watermark_ms: int) -> Any:
    """Distinct ids of ``parsed`` envelopes (:func:`parse_envelopes`) that count and have a window
    that ended at or before the watermark."""
    cutoff = F.timestamp_millis(F.lit(watermark_ms))
    # Every window of a tweet ends after its event time, so only tweets older than the watermark can be
    # late: filter those first and run the hashtag rules on them alone.
    old = parsed.where((F.col("status") == STATUS_OK) & (F.col("event_time") < cutoff))
    windows = tweet_hashtags(old).select("id", F.window("event_time", spec.window, spec.slide).alias("w"))
    return windows.where(F.col("w.end") <= cutoff).select("id").distinct()


def _offsets(value: Any) -> dict[str, dict[str, int]] | None:
    """A source offset of the progress JSON (an object, or a JSON string in some versions)."""
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) and value else None


def kafka_range(source: dict[str, Any]) -> tuple[str, str, str] | None:
    """``(topics, startingOffsets, endingOffsets)`` of one progress source for a batch read, or ``None``
    when the batch has no known start (nothing to recount then). A partition the start does not name
    (added during the batch) is read from its beginning, as the stream did."""
    start, end = _offsets(source.get("startOffset")), _offsets(source.get("endOffset"))
    if not start or not end:
        return None
    full_start = {topic: {p: start.get(topic, {}).get(p, EARLIEST) for p in parts} for topic, parts in end.items()}
    return ",".join(sorted(end)), json.dumps(full_start, sort_keys=True), json.dumps(end, sort_keys=True)


def late_watermark(metadata: Callable[[int], dict[str, Any]], batch_id: int, allow_multiple: bool = True) -> int:
    """The watermark Spark filtered late rows of ``batch_id`` with (``metadata``: offset-log metadata by id)."""
    if not allow_multiple:
        return int(metadata(batch_id).get("batchWatermarkMs", 0))
    return int(metadata(batch_id - 1).get("batchWatermarkMs", 0)) if batch_id > 0 else 0


class LateCounter:
    """``counter(progress, dropped_groups) -> late tweets`` (``None`` when the recount failed)."""

    def __init__(self, spark: Any, bootstrap_servers: str | dict[str, str], spec: WindowSpec,
                 metadata: Callable[[int], dict[str, Any]]) -> None:
        # The brokers, or the stream's own kafka.* options (security included: the job's --kafka-config-file),
        # so the recount reads the topic exactly as the stream does.
        self.kafka_options = ({"kafka.bootstrap.servers": bootstrap_servers} if isinstance(bootstrap_servers, str)
                              else dict(bootstrap_servers))
        self.spark, self.spec, self.metadata = spark, spec, metadata
        self.allow_multiple = spark is None or str(spark.conf.get(ALLOW_MULTIPLE, "true")).lower() != "false"

    def __call__(self, progress: dict[str, Any], dropped_groups: int) -> int | None:
        if not dropped_groups:
            return 0
        try:
            watermark = late_watermark(self.metadata, int(progress["batchId"]), self.allow_multiple)
            total = 0
            for source in progress.get("sources") or []:
                span = kafka_range(source)
                if span is None:
                    return None
                topics, start, end = span
                raw = (self.spark.read.format("kafka")
                       .options(**self.kafka_options)
                       .option("subscribe", topics)
                       .option("startingOffsets", start)
                       .option("endingOffsets", end)
                       .option("failOnDataLoss", "false")  # as the stream: retention may have run since
                       .load())
                total += late_tweets(parse_envelopes(raw, self.spec.max_future_ms), self.spec, watermark).count()
            return total
        except Exception as exc:  # metrics only: never stop the stream over them
            logger.warning("could not recount the late tweets of batch %s: %s", progress.get("batchId"),
                           str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__)
            return None
