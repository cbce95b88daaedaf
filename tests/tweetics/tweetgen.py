"""Deterministic tweetpub envelopes for tests and the benchmark: both dialects, every hashtag path.

Covers entity hashtags (v1.1 ``entities`` and ``extended_tweet``, v2 ``entities`` and ``note_tweet``),
retweets (v1.1 ``retweeted_status``, v2 inlined ``referenced_tweets``), tweets without entities (text
extraction), case/width variants of one tag, non-Latin tags, and tweets without hashtags.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone
from typing import Any, Iterator

TAGS = ["OpenStack", "openstack", "OPENSTACK", "Kubernetes", "k8s", "Python", "python", "golang", "SDN", "NFV",
        "WeAreOpenStack", "Docker", "docker", "HybridCloud", "AWS", "Azure", "DevOps", "devops", "BigData",
        "IoT", "CloudComputing", "Straße", "STRASSE", "ＫＵＢＥＲＮＥＴＥＳ", "日本語", "café", "Café", "api", "API",
        "redhat", "coreos", "container", "Boston", "MA", "tech", "ai", "ML", "data_science", "Ünïcödé"]
WORDS = ["cloud", "deploy", "cluster", "today", "great", "talk", "summit", "boston", "new", "release", "#123",
         "x#not", "http://example.com/#frag", "&#amp;", "ok", "the", "and", "with", "for", "is"]


def _v1_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%a %b %d %H:%M:%S +0000 %Y")


def _iso_time(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _user(rng: random.Random, n: int) -> dict[str, Any]:
    """A realistic-size v1.1 user object (the bulk of a real tweet's bytes)."""
    return {"id": 1000 + n, "id_str": str(1000 + n), "name": f"User {n}", "screen_name": f"user{n}",
            "location": "Boston, MA", "url": None, "description": "Cloud engineer. Opinions are my own. " * 2,
            "protected": False, "verified": False, "followers_count": rng.randint(0, 50000),
            "friends_count": rng.randint(0, 2000), "listed_count": 3, "favourites_count": 120,
            "statuses_count": 4411, "created_at": "Mon Apr 06 12:00:00 +0000 2009", "lang": None,
            "profile_background_color": "C0DEED", "profile_image_url_https":
                "https://pbs.twimg.com/profile_images/1/abc_normal.jpg", "default_profile": True}


def make_tweet(rng: random.Random, n: int, event_ms: int, *, full: bool = False) -> tuple[str, dict[str, Any]]:
    """One ``(dialect, tweet)`` with a mix of features chosen by ``rng``."""
    tags = rng.sample(TAGS, rng.choice([0, 1, 1, 2, 2, 3, 4]))
    words = rng.sample(WORDS, 4)
    text = " ".join(words[:2] + [f"#{t}" for t in tags] + words[2:])
    shape = rng.random()
    tid = str(1460000000000000000 + n)
    if rng.random() < 0.6:
        tweet: dict[str, Any] = {"created_at": _v1_time(event_ms), "id": int(tid), "id_str": tid, "text": text}
        entities = {"hashtags": [{"text": t, "indices": [0, 1]} for t in tags], "urls": [], "user_mentions": []}
        if shape < 0.45:
            tweet["entities"] = entities
        elif shape < 0.6:
            tweet["truncated"] = True
            tweet["text"] = text[:20]
            tweet["entities"] = {"hashtags": [], "urls": []}
            tweet["extended_tweet"] = {"full_text": text + " and more", "entities": entities}
        elif shape < 0.8:
            rt_tags = rng.sample(TAGS, 2)
            rt_text = " ".join(f"#{t}" for t in rt_tags) + " original"
            tweet["text"] = f"RT @someone: {rt_text}"
            tweet["entities"] = entities
            tweet["retweeted_status"] = {"created_at": _v1_time(event_ms - 60000), "text": rt_text,
                                         "entities": {"hashtags": [{"text": t} for t in rt_tags]}}
        # else: no entities at all -> text extraction
        if full:
            tweet["user"] = _user(rng, n)
            tweet["source"] = '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>'
            tweet["place"] = {"id": "67b98f17fdcf20be", "full_name": "Boston, MA", "country_code": "US",
                              "bounding_box": {"type": "Polygon", "coordinates": [[[-71.19, 42.22], [-70.98, 42.22],
                                                                                    [-70.98, 42.39], [-71.19, 42.39]]]}}
            tweet.update({"lang": "en", "favorite_count": 0, "retweet_count": 0, "filter_level": "low",
                          "timestamp_ms": str(event_ms)})
        return "v1.1", tweet
    tweet = {"id": tid, "created_at": _iso_time(event_ms), "text": text, "author_id": str(1000 + n)}
    entities = {"hashtags": [{"start": 0, "end": 1, "tag": t} for t in tags]} if tags else {"urls": []}
    if shape < 0.45:
        tweet["entities"] = entities
    elif shape < 0.6:
        tweet["text"] = text[:20]
        tweet["note_tweet"] = {"text": text + " long", "entities": entities}
    elif shape < 0.8:
        rt_tags = rng.sample(TAGS, 2)
        rt_text = " ".join(f"#{t}" for t in rt_tags) + " original"
        tweet["text"] = f"RT @someone: {rt_text}"
        tweet["entities"] = entities
        tweet["referenced_tweets"] = [{"type": "retweeted", "id": "1", "text": rt_text,
                                       "entities": {"hashtags": [{"tag": t} for t in rt_tags]}}]
    if full:
        tweet["author"] = _user(rng, n)
        tweet["lang"] = "en"
        tweet["public_metrics"] = {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0}
        tweet["geo"] = {"place_id": "67b98f17fdcf20be"}
    return "v2", tweet


def envelope(tweet_id: str, dialect: str, tweet: dict[str, Any]) -> dict[str, Any]:
    return {"schema": "tweetpub/1", "id": tweet_id, "dialect": dialect, "source": "test",
            "produced_at": "2026-11-21T09:10:11.123Z", "tweet": tweet}


def generate(n: int, start_ms: int, span_ms: int, *, seed: int = 7, duplicates: float = 0.0,
             full: bool = False, id_offset: int = 0) -> Iterator[dict[str, Any]]:
    """``n`` envelopes with event times spread over ``span_ms`` in order (small jitter);
    a ``duplicates`` share of them is emitted twice in a row (a producer retry)."""
    rng = random.Random(seed)
    for i in range(n):
        event_ms = start_ms + (i * span_ms) // max(n, 1) + rng.randint(0, 999)
        dialect, tweet = make_tweet(rng, i + id_offset, event_ms, full=full)
        env = envelope(str(tweet.get("id_str") or tweet["id"]), dialect, tweet)
        yield env
        if rng.random() < duplicates:
            yield env


BAD_VALUES = [b"not json at all", b'{"schema": "tweetpub/1", "id": "x", "dialect": "v1.1", "tweet": {"text": "#nodate"}}',
              b'{"schema": "tweetpub-dlq/1", "reason": "bad", "raw": "..."}', b"[1, 2, 3]", b"\xff\xfe\x00garbage",
              b'{"schema": "tweetpub/1", "id": "y", "dialect": "v3", "tweet": {"created_at": "2026-11-21T09:00:00Z"}}',
              b'{"truncated json": ']


def encode(env: dict[str, Any]) -> tuple[bytes, bytes]:
    """Kafka ``(key, value)`` for an envelope."""
    return env["id"].encode(), json.dumps(env, ensure_ascii=False).encode()
