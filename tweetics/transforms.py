"""Pure DataFrame -> DataFrame steps of the job: parse, event time, hashtags, dedup, window counts.

Everything here is Spark SQL (no Python UDFs): the hashtag rules of docs/contracts.md section 3 are
expressed with CASE/transform/filter over the pruned schema, twitter-text extraction with Java's
``regexp_extract_all`` on tweetpub's ``HASHTAG_PATTERN``, and NFKC + case folding through ICU4J (bundled
with pyspark) via ``reflect``. The same functions run on a Kafka stream and on a batch DataFrame.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from tweetics.schema import CORRUPT_FIELD, envelope_schema
from tweetcontract.hashtags import (BLUESKY_MAX_RECORD_TAGS, BLUESKY_TAG_FEATURE, DIALECTS, HASHTAG_PATTERN,
                                   INVISIBLE, JOINERS, LEADING, MAX_TAG_LENGTH, MAX_TAGS)
from tweetcontract.output.sources import SOURCES

OBSERVATION = "tweetics_input"
STATUS_OK = "ok"
#: Observed per-source counters are named ``source_<name>`` (tweetcontract.output.sources.SOURCES).
SOURCE_METRIC = "source_"
#: Why a record was dropped before counting; each is a metric (contracts: bad data is counted, not fatal).
#: ``implausible_time``: ``created_at`` later than the record's ingest time plus ``--max-future``.
DROP_REASONS = ("malformed", "non_tweet", "missing_fields", "implausible_time")

_V1_TIME = "MMM d HH:mm:ss Z yyyy"  # v1.1 created_at after its day name: "Feb 29 19:42:02 +0000 2012"


@dataclass(frozen=True)
class WindowSpec:
    """Window length, slide and watermark delay as Spark interval strings."""

    window: str
    slide: str
    watermark: str
    max_future_ms: int | None = None  # tolerance of created_at ahead of ingest time; None: no guard


def ingest_ceiling(raw: DataFrame, max_future_ms: int | None) -> Column | None:
    """The latest plausible event time of a record: its ingest time plus the tolerance, or ``None``
    (no guard) for frames without Kafka's ``timestamp`` column or without a tolerance.

    Ingest time is the Kafka record timestamp, but never later than the batch's processing time
    (``current_timestamp()``: in a stream it is the micro-batch's timestamp from the offset log, so a
    re-run batch decides the same way): a producer's clock cannot lift the ceiling either.
    """
    if max_future_ms is None or "timestamp" not in raw.columns:
        return None
    ingest = F.least(F.col("timestamp"), F.current_timestamp())
    return F.timestamp_millis(F.unix_millis(ingest) + F.lit(int(max_future_ms)))


def parse_envelopes(raw: DataFrame, max_future_ms: int | None = None) -> DataFrame:
    """Kafka rows (binary ``value``) -> ``id, dialect, tweet, event_time, status``.

    ``status`` is ``ok`` or one of :data:`DROP_REASONS`; nothing is dropped here so that the caller can
    count every reason before filtering. With ``max_future_ms`` (and Kafka's ``timestamp`` column) a
    tweet whose event time is later than its ingest time plus that tolerance is set aside as
    ``implausible_time``: it never reaches the watermark, and it is counted, not silently lost.
    """
    ceiling = ingest_ceiling(raw, max_future_ms)
    env = F.from_json(F.col("value").cast("string"), envelope_schema(),
                      {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_FIELD}).alias("env")
    parsed = raw.select(env, *([ceiling.alias("ceiling")] if ceiling is not None else []))
    created = F.when(F.col("env.dialect") == "bluesky", F.col("env.tweet.commit.record.createdAt")) \
        .otherwise(F.col("env.tweet.created_at"))  # a Jetstream event: the post record's time
    event_time = (F.when(created.rlike("^[0-9]"), F.try_to_timestamp(created))
                  .otherwise(F.try_to_timestamp(F.substring(created, 5, 64), F.lit(_V1_TIME))))
    status = (
        F.when(F.col("env").isNull() | F.col(f"env.{CORRUPT_FIELD}").isNotNull(), F.lit("malformed"))
        .when(~F.coalesce(F.col("env.schema").startswith("tweetpub/"), F.lit(False))
              | ~F.coalesce(F.col("env.dialect").isin(*DIALECTS), F.lit(False))
              | F.col("env.tweet").isNull(), F.lit("non_tweet"))
        .when(F.coalesce(F.col("env.id"), F.lit("")) == "", F.lit("missing_fields"))
        .when(event_time.isNull(), F.lit("missing_fields"))
    )
    if ceiling is not None:
        status = status.when(event_time > F.col("ceiling"), F.lit("implausible_time"))
    status = status.otherwise(F.lit(STATUS_OK))
    return parsed.select(
        F.col("env.id").alias("id"),
        F.col("env.dialect").alias("dialect"),
        F.col("env.source").alias("source"),
        F.col("env.tweet").alias("tweet"),
        event_time.alias("event_time"),
        status.alias("status"),
    )


def observe_input(parsed: DataFrame) -> DataFrame:
    """Attach per-batch counts of valid and dropped records (read back by the metrics listener)."""
    counts = [F.count(F.lit(1)).alias("records"),
              F.count_if(F.col("status") == STATUS_OK).alias("valid")]
    counts += [F.count_if(F.col("status") == reason).alias(reason) for reason in DROP_REASONS]
    # where the valid records came from: a few more counters in the same aggregate (latest.json "sources")
    ok = F.col("status") == STATUS_OK
    counts += [F.count_if(ok & (F.col("source") == name)).alias(SOURCE_METRIC + name) for name in SOURCES]
    return parsed.observe(OBSERVATION, *counts)


def _empty() -> Column:
    return F.array().cast("array<string>")


def _content(t: Column, dialect: str) -> Column:
    """One dialect-neutral struct per tweet body: the fullest entity names, the plain entity names, the
    fullest text, so that the rule below (and its regex) appears once in the plan, not once per dialect.

    Bluesky's facet tags and record ``tags`` are its fullest entities (``p_ok`` when the record has
    either field: only a record with neither is read from its text); Mastodon's ``tags[].name`` always
    are (no text fallback: ``content`` is HTML).
    """
    none = F.lit(None).cast("array<string>")
    if dialect == "bluesky":
        record = t["commit"]["record"]
        facet_tags = F.flatten(F.transform(record["facets"], lambda f: F.coalesce(F.transform(
            F.filter(f["features"], lambda x: x["$type"] == BLUESKY_TAG_FEATURE), lambda x: x["tag"]), _empty())))
        names = F.concat(F.coalesce(facet_tags, _empty()),
                         F.coalesce(F.slice(record["tags"], 1, BLUESKY_MAX_RECORD_TAGS), _empty()))
        return F.struct(names.alias("p_tags"), (record["facets"].isNotNull() | record["tags"].isNotNull()).alias("p_ok"),
                        none.alias("e_tags"), F.lit(False).alias("e_ok"), record["text"].alias("text"))
    if dialect == "mastodon":
        return F.struct(F.transform(t["tags"], lambda h: h["name"]).alias("p_tags"), F.lit(True).alias("p_ok"),
                        none.alias("e_tags"), F.lit(False).alias("e_ok"), F.lit(None).cast("string").alias("text"))
    if dialect == "v1.1":
        field, primary, text = "text", t["extended_tweet"]["entities"], F.coalesce(
            F.nullif(t["extended_tweet"]["full_text"], F.lit("")), F.nullif(t["full_text"], F.lit("")), t["text"])
    else:
        field, primary = "tag", t["note_tweet"]["entities"]
        text = F.coalesce(F.nullif(t["note_tweet"]["text"], F.lit("")), t["text"])
    return F.struct(F.transform(primary["hashtags"], lambda h: h[field]).alias("p_tags"), primary.isNotNull().alias("p_ok"),
                    F.transform(t["entities"]["hashtags"], lambda h: h[field]).alias("e_tags"),
                    t["entities"].isNotNull().alias("e_ok"), text.alias("text"))


def _original_v2(tweet: Column) -> Column:
    """The inlined original of a v2 retweet (first ``retweeted`` reference that carries content)."""
    return F.get(F.filter(
        tweet["referenced_tweets"],
        lambda r: (r["type"] == "retweeted")
        & (r["text"].isNotNull() | r["entities"].isNotNull() | r["note_tweet"].isNotNull())), 0)


def tweet_content(tweet: Column, dialect: Column) -> Column:
    """The content struct the hashtag rule reads: a retweet's original, else the tweet itself.

    A retweet takes its original's hashtags: v1.1 ``retweeted_status``, v2 the first inlined
    ``referenced_tweets`` entry of type ``retweeted``, a Mastodon reblog its ``reblog``.
    """
    original_v2 = _original_v2(tweet)
    v1 = F.when(tweet["retweeted_status"].isNotNull(), _content(tweet["retweeted_status"], "v1.1")) \
        .otherwise(_content(tweet, "v1.1"))
    v2 = F.when(original_v2.isNotNull(), _content(original_v2, "v2")).otherwise(_content(tweet, "v2"))
    mastodon = F.when(tweet["reblog"].isNotNull(), _content(tweet["reblog"], "mastodon")) \
        .otherwise(_content(tweet, "mastodon"))
    return (F.when(dialect == "v1.1", v1).when(dialect == "v2", v2)
            .when(dialect == "bluesky", _content(tweet, "bluesky")).when(dialect == "mastodon", mastodon))


def content_spellings(content: Column) -> Column:
    """Entity hashtags of the fullest text, else entities, else twitter-text extraction from the text.

    ``HASHTAG_PATTERN`` has no repeated group, so java.util.regex never recurses per character: any
    length of text is safe on the default thread stack (vectors of 100,000 tag characters).
    """
    spellings = (F.when(content["p_ok"], content["p_tags"])
                 .when(content["e_ok"], content["e_tags"])
                 .otherwise(F.regexp_extract_all(content["text"], F.lit(HASHTAG_PATTERN), F.lit(1))))
    return F.coalesce(spellings, _empty())


def clean_tag(spelling: Column) -> Column:
    """tweetcontract's ``clean_tag``: invisible and bidi characters removed, leading ``#``/``＃`` and
    ZWNJ/ZWJ at either end stripped (translate and trims: linear, no regex)."""
    visible = F.translate(spelling, INVISIBLE, "")
    return F.rtrim(F.ltrim(visible, F.lit(LEADING)), F.lit(JOINERS))


def bounded_spellings(spellings: Column) -> Column:
    """tweetcontract's ``bounded_spellings``: cleaned, empty and over-long ones dropped, the first
    ``MAX_TAGS`` kept, so everything after this is bounded whatever the tweet holds."""
    cleaned = F.filter(F.transform(spellings, clean_tag),
                       lambda s: (F.length(s) > 0) & (F.length(s) <= MAX_TAG_LENGTH))
    return F.slice(cleaned, 1, MAX_TAGS)


def normalize_tag(tag: Column) -> Column:
    """NFKC then full case folding (Python's ``str.casefold``), through ICU4J without a Python UDF."""
    nfkc = F.reflect(F.lit("com.ibm.icu.text.Normalizer"), F.lit("compose"), tag, F.lit(True))
    return F.reflect(F.lit("com.ibm.icu.lang.UCharacter"), F.lit("foldCase"), nfkc, F.lit(True))


def distinct_hashtags(spellings: Column) -> Column:
    """``array<struct<key, spelling>>`` of the bounded spellings (keys not yet distinct: see below)."""
    return F.transform(bounded_spellings(spellings),
                       lambda s: F.struct(normalize_tag(s).alias("key"), s.alias("spelling")))


def _first_of_each_key(tags: Column) -> Column:
    # Quadratic in the tags, but they are at most MAX_TAGS (bounded above): the whole rule stays linear
    # in the size of the tweet.
    keys = F.transform(tags, lambda x: x["key"])
    return F.filter(tags, lambda x, i: (x["key"] != "") & (F.array_position(keys, x["key"]) == i + 1))


def tweet_hashtags(parsed: DataFrame) -> DataFrame:
    """Valid tweets with at least one hashtag -> ``id, event_time, tags`` (tags distinct per tweet)."""
    valid = parsed.where(F.col("status") == STATUS_OK)
    # Staged selects: Spark does not inline a costly expression used several times, so the content
    # struct (and the retweet lookup inside it) is computed once per tweet.
    content = valid.select("id", "event_time", "dialect", tweet_content(F.col("tweet"), F.col("dialect")).alias("c"))
    with_tags = content.select("id", "event_time", distinct_hashtags(content_spellings(F.col("c"))).alias("all"))
    return (with_tags.select("id", "event_time", _first_of_each_key(F.col("all")).alias("tags"))
            .where(F.size("tags") > 0))


def _most_frequent(values: Column) -> Column:
    """The most frequent string of an array, ties to the smallest (code point order, like Python's min)."""
    def occurrences(v: Column) -> Column:
        return F.size(F.filter(values, lambda y: y == v))

    start = F.struct(F.lit(None).cast("string").alias("value"), F.lit(0).alias("n"))
    return F.aggregate(
        F.array_distinct(values), start,
        lambda acc, v: F.when((occurrences(v) > acc["n"]) | ((occurrences(v) == acc["n"]) & (v < acc["value"])),
                              F.struct(v.alias("value"), occurrences(v).alias("n"))).otherwise(acc),
        lambda acc: acc["value"])


def window_counts(tweets: DataFrame, spec: WindowSpec) -> DataFrame:
    """``start_ms, end_ms, hashtag, count, display`` per (window, hashtag).

    Deduplication happens here: the state of each (window, hashtag) is the set of distinct
    ``(tweet id, spelling)`` it has seen, and the count is the set's size. A tweet id seen twice
    (producer retry, replay) carries the same event time, so it lands in the same windows and the
    set absorbs it; a copy arriving after its windows closed is behind the watermark and dropped
    (and counted as late). One stateful operator and one shuffle instead of a dedup operator before
    the aggregation: that is most of TweeTics' speed. ``display`` is the most used spelling among
    the distinct tweets, ties to the smallest.
    """
    tags = (tweets.withWatermark("event_time", spec.watermark)
            .select("id", "event_time", F.explode("tags").alias("t")))
    seen = (tags.groupBy(F.window("event_time", spec.window, spec.slide).alias("w"),
                         F.col("t.key").alias("hashtag"))
            .agg(F.collect_set(F.struct(F.col("id"), F.col("t.spelling").alias("spelling"))).alias("seen")))
    return seen.select(F.unix_millis(F.col("w.start")).alias("start_ms"),
                       F.unix_millis(F.col("w.end")).alias("end_ms"),
                       "hashtag", F.size("seen").alias("count"),
                       _most_frequent(F.transform("seen", lambda x: x["spelling"])).alias("display"))


def hashtag_counts(raw: DataFrame, spec: WindowSpec) -> DataFrame:
    """The whole pipeline from Kafka rows to windowed counts, with input metrics observed."""
    parsed = observe_input(parse_envelopes(raw, spec.max_future_ms))
    return window_counts(tweet_hashtags(parsed), spec)
