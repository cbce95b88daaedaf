"""Late tweets: which tweets have a window the watermark had closed (Spark batch, no services)."""
from __future__ import annotations

from datetime import datetime, timezone

from tweetics.late import LateCounter, late_tweets
from tweetics.transforms import WindowSpec

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
WM = int(T0.timestamp() * 1000) + 60_000  # watermark 09:01:00


def _tweets(spark, rows):
    return spark.createDataFrame(
        [(tid, datetime.fromtimestamp(T0.timestamp() + s, tz=timezone.utc), [{"key": "k", "spelling": "K"}])
         for tid, s in rows], "id string, event_time timestamp, tags array<struct<key:string,spelling:string>>")


def test_tumbling_a_tweet_is_late_when_its_window_ended_at_or_before_the_watermark(spark):
    df = _tweets(spark, [("a", 5), ("b", 59.999), ("c", 60), ("d", 90), ("a", 5)])
    ids = {r.id for r in late_tweets(df, WindowSpec("1 minute", "1 minute", "2 minutes"), WM).collect()}
    assert ids == {"a", "b"}  # [09:00, 09:01) ended at the watermark; "a" twice counts once


def test_sliding_a_tweet_with_one_closed_window_is_late(spark):
    # windows of 1 minute every 20 s: a tweet at 09:00:50 is in [09:00:00, 09:01:00) (closed) and two open ones
    df = _tweets(spark, [("x", 50), ("y", 61)])
    ids = {r.id for r in late_tweets(df, WindowSpec("1 minute", "20 seconds", "1 minute"), WM).collect()}
    assert ids == {"x"}


def test_no_dropped_group_means_zero_without_reading_kafka():
    counter = LateCounter(spark=None, bootstrap_servers="127.0.0.1:1", spec=WindowSpec("1 minute", "1 minute", "0 seconds"),
                          checkpoint_fs=None)
    assert counter({"batchId": 3}, 0) == 0
    assert counter({"batchId": 3}, 2) is None  # a recount that fails is reported as unknown, never raised
