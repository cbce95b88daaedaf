"""The Spark SQL hashtag rules against the shared vectors and the Python rules (batch path, no Kafka)."""
from __future__ import annotations

import json
import random

import pytest

from tests.contract.vectors import all_vectors
from tests.tweetics import tweetgen
from tweetcontract.hashtags import event_time, extract_hashtags


def _frame(spark, values):
    return spark.createDataFrame([(v,) for v in values], "value string")


def _spark_tags(spark, envelopes):
    from tweetics import transforms as T

    parsed = T.parse_envelopes(_frame(spark, [json.dumps(e, ensure_ascii=False) for e in envelopes]))
    tags = T.tweet_hashtags(parsed).collect()
    return {r.id: [(t.key, t.spelling) for t in r.tags] for r in tags}


def test_every_shared_vector(spark):
    """Every vector of every dialect, the 100,000-character ones included, through a real SparkSession
    (default thread stack): the same keys as the vector, the same spellings and order as the Python rules."""
    vectors = all_vectors()
    assert {v["dialect"] for v in vectors} == {"v1.1", "v2", "bluesky", "mastodon"}
    envelopes = []
    for i, v in enumerate(vectors):
        tweet = dict(v["tweet"], created_at=v["tweet"].get("created_at", "2026-11-21T09:00:00.000Z"))
        envelopes.append(tweetgen.envelope(str(i), v["dialect"], tweet))
    got = _spark_tags(spark, envelopes)
    failures = [(v["name"][:80], got.get(str(i), [])[:5], v["hashtags"][:5]) for i, v in enumerate(vectors)
                if sorted(k for k, _ in got.get(str(i), [])) != v["hashtags"]
                or got.get(str(i), []) != extract_hashtags(v["tweet"], v["dialect"])]
    assert not failures, failures


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spark_rules_equal_python_rules_on_generated_tweets(spark, seed):
    envelopes = list(tweetgen.generate(400, 1795251600000, 3_600_000, seed=seed))
    got = _spark_tags(spark, envelopes)
    for env in envelopes:
        expected = extract_hashtags(env["tweet"], env["dialect"])
        # the same keys, same first spellings, same order; tweets without hashtags are dropped
        assert got.get(env["id"], []) == expected, env


def test_text_extraction_agrees_on_random_text(spark):
    rng = random.Random(11)
    alphabet = ["#", "＃", "a", "Z", "é", "ß", "1", "_", " ", ".", "/", "&", ":", "日", "ـ", "\u200c", "\u0301",
                "\ufe0f", "\u20e3", "·", "-", "İ", "ς"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(600)]
    envelopes = [tweetgen.envelope(str(i), "v2", {"created_at": "2026-11-21T09:00:00.000Z", "text": t})
                 for i, t in enumerate(texts)]
    got = _spark_tags(spark, envelopes)
    mismatches = [(env["tweet"]["text"], got.get(env["id"], []), extract_hashtags(env["tweet"], "v2"))
                  for env in envelopes if got.get(env["id"], []) != extract_hashtags(env["tweet"], "v2")]
    assert not mismatches, mismatches[:5]


def test_event_time_both_forms(spark):
    from tweetics import transforms as T

    times = ["Wed Feb 29 19:42:02 +0000 2012", "Sat Nov 21 09:10:11 +0000 2026", "Sat Nov 21 11:10:11 +0200 2026",
             "2021-08-21T16:35:50.000Z", "2026-11-21T09:10:11.123Z", "2026-11-21T09:10:11+01:00"]
    envelopes = [tweetgen.envelope(str(i), "v1.1" if t[0].isalpha() else "v2", {"created_at": t, "text": "#x"})
                 for i, t in enumerate(times)]
    parsed = T.parse_envelopes(_frame(spark, [json.dumps(e) for e in envelopes]))
    got = {r.id: r.ms for r in parsed.selectExpr("id", "unix_micros(event_time) div 1000 as ms").collect()}
    for env in envelopes:
        assert got[env["id"]] == int(event_time(env["tweet"], env["dialect"]).timestamp() * 1000), env


def test_late_recount_runs_the_same_rules_on_hostile_text(spark):
    """The late recount (tweetics.late) parses tweets again with the same rules: the 100,000-character
    vectors are counted there too, without a StackOverflowError."""
    from tests.contract.vectors import long_vectors
    from tweetics import transforms as T
    from tweetics.late import late_tweets

    vectors = long_vectors()
    envelopes = [tweetgen.envelope(str(i), v["dialect"], dict(v["tweet"], created_at="2026-11-21T09:00:00.000Z"))
                 for i, v in enumerate(vectors)]
    with_tags = {str(i) for i, v in enumerate(vectors) if v["hashtags"]}
    parsed = T.parse_envelopes(_frame(spark, [json.dumps(e, ensure_ascii=False) for e in envelopes]))
    spec = T.WindowSpec(window="60 seconds", slide="60 seconds", watermark="0 seconds")
    late = {r.id for r in late_tweets(parsed, spec, 1795251600000 + 3_600_000).collect()}  # an hour after them
    assert late == with_tags and len(late) >= 3


def test_event_time_and_status_of_new_dialects(spark):
    """Bluesky's time is the record's ``createdAt`` (a top-level ``created_at`` is not read); Mastodon's
    ``created_at``; both dialects pass the dialect filter, an unknown one does not."""
    from tweetics import transforms as T

    bluesky = {"did": "did:plc:a", "kind": "commit", "created_at": "2000-01-01T00:00:00Z",
               "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "r",
                          "record": {"createdAt": "2026-11-21T09:10:11.123456Z", "text": "#x"}}}
    mastodon = {"uri": "https://e.example/s/1", "account": {}, "created_at": "2026-11-21T10:10:11.123+01:00",
                "tags": [{"name": "x"}]}
    envelopes = [tweetgen.envelope("b", "bluesky", bluesky), tweetgen.envelope("m", "mastodon", mastodon),
                 tweetgen.envelope("u", "threads", mastodon),
                 tweetgen.envelope("n", "bluesky", {"did": "d", "commit": {"record": {"text": "#x"}}})]
    parsed = T.parse_envelopes(_frame(spark, [json.dumps(e) for e in envelopes]))
    got = {r.id: (r.status, r.ms) for r in parsed.selectExpr("id", "status", "unix_micros(event_time) div 1000 as ms").collect()}
    for env in envelopes[:2]:
        assert got[env["id"]] == ("ok", int(event_time(env["tweet"], env["dialect"]).timestamp() * 1000)), env
    assert got["u"][0] == "non_tweet" and got["n"][0] == "missing_fields"


def test_bad_records_are_classified_not_fatal(spark):
    from tweetics import transforms as T

    values = [v.decode("utf-8", "replace") for v in tweetgen.BAD_VALUES]
    good = json.dumps(tweetgen.envelope("1", "v2", {"created_at": "2026-11-21T09:00:00.000Z", "text": "#ok"}))
    parsed = T.parse_envelopes(_frame(spark, [*values, good]))
    statuses = [r.status for r in parsed.collect()]
    # not json, truncated, a JSON array and the undecodable bytes are malformed; a dlq record and an unknown
    # dialect are not tweets; the envelope without created_at misses a field
    assert sorted(statuses) == sorted(["malformed"] * 4 + ["non_tweet"] * 2 + ["missing_fields", "ok"])
    counts = T.window_counts(T.tweet_hashtags(parsed),
                             T.WindowSpec(window="60 seconds", slide="60 seconds", watermark="0 seconds"))
    assert [(r.hashtag, r["count"]) for r in counts.collect()] == [("ok", 1)]


def test_window_counts_match_reference_for_tumbling_and_sliding(spark):
    from tests.tweetics import reference
    from tweetics import transforms as T
    from tweetcontract.times import format_utc_ms as iso_utc

    envelopes = list(tweetgen.generate(300, 1795251600000, 600_000, seed=5, duplicates=0.1))
    frame = _frame(spark, [json.dumps(e, ensure_ascii=False) for e in envelopes])
    for window_s, slide_s in ((60, 60), (60, 20)):
        spec = T.WindowSpec(window=f"{window_s} seconds", slide=f"{slide_s} seconds", watermark="0 seconds")
        tweets = T.tweet_hashtags(T.parse_envelopes(frame))  # duplicates included: window_counts dedups
        got = {(iso_utc(r.start_ms), iso_utc(r.end_ms), r.hashtag): (r["count"], r.display)
               for r in T.window_counts(tweets, spec).collect()}
        assert got == reference.window_counts(envelopes, window_s, slide_s)
