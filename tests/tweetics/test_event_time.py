"""Event time cannot run ahead of ingest time: the ``implausible_time`` rule of parse_envelopes (local Spark)."""
from __future__ import annotations

from datetime import datetime, timezone

from tests.tweetics import tweetgen
from tweetics.transforms import parse_envelopes

MIN = 60_000
NOW = 1795251600000  # 2026-11-21T09:00:00Z, the Kafka timestamp of every record below
FIVE_MIN = 5 * MIN


def _frame(spark, items: list[tuple[str, int, int]]):
    """(id, created_at ms, Kafka timestamp ms) -> Kafka-shaped rows: value and timestamp."""
    rows = []
    for tid, created, ingest in items:
        env = tweetgen.envelope(tid, "v2", {"id": tid, "text": "#Cloud", "created_at": tweetgen._iso_time(created)})
        rows.append((tweetgen.encode(env)[1], datetime.fromtimestamp(ingest / 1000, tz=timezone.utc)))
    return spark.createDataFrame(rows, "value binary, timestamp timestamp")


def _status(spark, items, max_future_ms=FIVE_MIN) -> dict[str, str]:
    return {r.id: r.status for r in parse_envelopes(_frame(spark, items), max_future_ms).collect()}


def test_a_tweet_dated_past_ingest_plus_the_tolerance_is_set_aside(spark):
    year_2099 = 4070908800000
    status = _status(spark, [("past", NOW - 60 * MIN, NOW), ("at", NOW + FIVE_MIN, NOW),
                             ("ahead", NOW + FIVE_MIN + 1, NOW), ("2099", year_2099, NOW),
                             # a producer whose clock says 2099 lifts nothing: ingest is capped at processing time
                             ("both-2099", year_2099, year_2099)])
    assert status == {"past": "ok", "at": "ok", "ahead": "implausible_time", "2099": "implausible_time",
                      "both-2099": "implausible_time"}


def test_no_tolerance_or_no_kafka_timestamp_means_no_guard(spark):
    assert _status(spark, [("2099", 4070908800000, NOW)], max_future_ms=None) == {"2099": "ok"}
    value_only = _frame(spark, [("2099", 4070908800000, NOW)]).select("value")
    assert [r.status for r in parse_envelopes(value_only, FIVE_MIN).collect()] == ["ok"]
