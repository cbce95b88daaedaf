"""Late tweets: which tweets have a window the watermark had closed, and how a batch is re-read."""
from __future__ import annotations

import json

import pytest

from tests.tweetics import tweetgen
from tweetics.late import LateCounter, kafka_range, late_tweets, late_watermark
from tweetics.transforms import WindowSpec, parse_envelopes

T0 = 1795251600000  # 2026-11-21T09:00:00Z
WM = T0 + 60_000    # watermark 09:01:00


def _v2(tid: str, offset_ms: int, text: str = "on time #Cloud") -> dict:
    return tweetgen.envelope(tid, "v2", {"id": tid, "text": text, "created_at": tweetgen._iso_time(T0 + offset_ms)})


def _late_ids(spark, envelopes: list, spec: WindowSpec) -> set[str]:
    raw = spark.createDataFrame([(tweetgen.encode(e)[1],) if isinstance(e, dict) else (e,) for e in envelopes],
                                "value binary")
    return {r.id for r in late_tweets(parse_envelopes(raw), spec, WM).collect()}


def test_tumbling_a_tweet_is_late_when_its_window_ended_at_or_before_the_watermark(spark):
    envelopes = [_v2("a", 5_000), _v2("b", 59_999), _v2("c", 60_000), _v2("d", 90_000), _v2("a", 5_000),
                 _v2("e", 1_000, text="no hashtag here"), b"not json"]
    # [09:00, 09:01) ended at the watermark: a and b; "a" twice counts once; e has nothing to count
    assert _late_ids(spark, envelopes, WindowSpec("1 minute", "1 minute", "2 minutes")) == {"a", "b"}


def test_sliding_a_tweet_with_one_closed_window_is_late(spark):
    # 1-minute windows every 20 s: at 09:00:50 a tweet is in [09:00:00, 09:01:00) (closed) and two open ones
    assert _late_ids(spark, [_v2("x", 50_000), _v2("y", 61_000)],
                     WindowSpec("1 minute", "20 seconds", "1 minute")) == {"x"}


def test_kafka_range_from_progress_offsets():
    source = {"startOffset": {"t": {"0": 10, "1": 4}}, "endOffset": json.dumps({"t": {"0": 30, "1": 9, "2": 5}})}
    topics, start, end = kafka_range(source)
    assert topics == "t"
    assert json.loads(start) == {"t": {"0": 10, "1": 4, "2": -2}}  # partition 2 appeared: from its beginning
    assert json.loads(end) == {"t": {"0": 30, "1": 9, "2": 5}}
    assert kafka_range({"startOffset": None, "endOffset": {"t": {"0": 3}}}) is None


@pytest.mark.parametrize("allow_multiple, want", [(True, 100), (False, 200)])
def test_late_rows_are_filtered_with_the_watermark_spark_used(allow_multiple, want):
    logs = {4: {"batchWatermarkMs": 100}, 5: {"batchWatermarkMs": 200}}
    assert late_watermark(logs.__getitem__, 5, allow_multiple) == want


def test_counter_skips_batches_without_dropped_groups_and_never_raises():
    def no_log(batch_id: int) -> dict:
        raise OSError("checkpoint unreadable")

    counter = LateCounter(spark=None, bootstrap_servers="127.0.0.1:1",
                          spec=WindowSpec("1 minute", "1 minute", "0 seconds"), metadata=no_log)
    assert counter({"batchId": 3}, 0) == 0         # nothing dropped: nothing read at all
    assert counter({"batchId": 3}, 2) is None      # a failed recount is reported as unknown, not raised
