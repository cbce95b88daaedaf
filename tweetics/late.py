"""The exact number of late tweets of a micro-batch, recounted only when Spark dropped something.

Spark's aggregation reports ``numRowsDroppedByWatermark`` after its partial aggregation, so it counts
(window, hashtag) groups per partition, not tweets (SPARK-24634 says as much). No dropped group means no
late tweet, so most batches cost nothing here. When a batch did drop groups, its Kafka offset range (from
the progress event) is read again as a batch DataFrame through the same parse and hashtag rules, and the
distinct tweets that have a window ending at or before the watermark Spark filtered late rows with are
counted. That watermark is the previous batch's (its offset log entry), which is what Spark uses for late
rows in a query with one stateful operator.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pyspark.sql import functions as F

from tweetics.transforms import WindowSpec, parse_envelopes, tweet_hashtags

logger = logging.getLogger(__name__)


def late_tweets(tweets: Any, spec: WindowSpec, watermark_ms: int) -> Any:
    """Distinct ids of ``tweets`` (``id, event_time, tags``) with a window that ended at or before the watermark."""
    windows = tweets.select("id", F.window("event_time", spec.window, spec.slide).alias("w"))
    return windows.where(F.col("w.end") <= F.timestamp_millis(F.lit(watermark_ms))).select("id").distinct()


def _offsets(value: Any) -> dict[str, dict[str, int]] | None:
    """A source offset of the progress JSON (an object, or a JSON string in some versions)."""
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) and value else None


class LateCounter:
    """``counter(progress, dropped_groups) -> late tweets`` (``None`` when the recount failed)."""

    def __init__(self, spark: Any, bootstrap_servers: str, spec: WindowSpec, checkpoint_fs: Any) -> None:
        self.spark, self.bootstrap_servers, self.spec, self.ckpt = spark, bootstrap_servers, spec, checkpoint_fs

    def previous_watermark(self, batch_id: int) -> int:
        if batch_id <= 0:
            return 0
        lines = self.ckpt.read(f"offsets/{batch_id - 1}").decode("utf-8").splitlines()
        return int(json.loads(lines[1]).get("batchWatermarkMs", 0))

    def __call__(self, progress: dict[str, Any], dropped_groups: int) -> int | None:
        if not dropped_groups:
            return 0
        try:
            watermark = self.previous_watermark(int(progress["batchId"]))
            total = 0
            for source in progress.get("sources") or []:
                start, end = _offsets(source.get("startOffset")), _offsets(source.get("endOffset"))
                if not end:
                    continue
                raw = (self.spark.read.format("kafka")
                       .option("kafka.bootstrap.servers", self.bootstrap_servers)
                       .option("subscribe", ",".join(end))
                       .option("startingOffsets", json.dumps(start) if start else "earliest")
                       .option("endingOffsets", json.dumps(end))
                       .load())
                total += late_tweets(tweet_hashtags(parse_envelopes(raw)), self.spec, watermark).count()
            return total
        except Exception as exc:  # metrics only: never stop the stream over them
            logger.warning("could not recount the late tweets of batch %s: %s", progress.get("batchId"),
                           str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__)
            return None
