"""The pruned read schema: only the envelope and tweet fields the hashtag rules and event time need.

One struct serves every dialect (from_json ignores fields a record does not have): v1.1 hashtags carry
``text``, v2 ones ``tag``; a Bluesky Jetstream event brings ``commit.record`` (``createdAt``, ``text``,
the facets' features, ``tags``); a Mastodon Status ``tags[].name`` and its reblog's. Keeping the schema this small is what makes parsing cheap: Spark's JSON reader
skips every other field of a tweet without building it.
"""

from __future__ import annotations

from pyspark.sql.types import ArrayType, StringType, StructField, StructType

CORRUPT_FIELD = "_corrupt_record"


def _hashtags() -> StructType:
    tag = StructType([StructField("text", StringType()), StructField("tag", StringType())])
    return StructType([StructField("hashtags", ArrayType(tag))])


def _content_fields() -> list[StructField]:
    """Fields that hold a tweet's text and hashtag entities, in either dialect."""
    return [
        StructField("text", StringType()),
        StructField("full_text", StringType()),
        StructField("entities", _hashtags()),
        StructField("extended_tweet", StructType([
            StructField("full_text", StringType()),
            StructField("entities", _hashtags()),
        ])),
        StructField("note_tweet", StructType([
            StructField("text", StringType()),
            StructField("entities", _hashtags()),
        ])),
    ]


def _bluesky_commit() -> StructType:
    """A Jetstream commit: only the post record's time, text, facet features and tags."""
    feature = StructType([StructField("$type", StringType()), StructField("tag", StringType())])
    return StructType([StructField("record", StructType([
        StructField("createdAt", StringType()),
        StructField("text", StringType()),
        StructField("facets", ArrayType(StructType([StructField("features", ArrayType(feature))]))),
        StructField("tags", ArrayType(StringType())),
    ]))])


def _mastodon_tags() -> StructField:
    return StructField("tags", ArrayType(StructType([StructField("name", StringType())])))


def tweet_schema() -> StructType:
    """The tweet object: its own content, event time, and the original of a retweet (every dialect)."""
    return StructType([
        StructField("created_at", StringType()),
        *_content_fields(),
        StructField("retweeted_status", StructType(_content_fields())),
        StructField("referenced_tweets", ArrayType(StructType([
            StructField("type", StringType()),
            *_content_fields(),
        ]))),
        StructField("commit", _bluesky_commit()),
        _mastodon_tags(),
        StructField("reblog", StructType([_mastodon_tags()])),
    ])


def envelope_schema() -> StructType:
    """tweetpub's Kafka value (contracts section 2), plus the corrupt-record column for bad JSON."""
    return StructType([
        StructField("schema", StringType()),
        StructField("id", StringType()),
        StructField("dialect", StringType()),
        StructField("source", StringType()),
        StructField("tweet", tweet_schema()),
        StructField(CORRUPT_FIELD, StringType()),
    ])
