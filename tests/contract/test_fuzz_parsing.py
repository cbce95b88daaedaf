"""Fuzzing the dialect parser and the envelope: any input yields tweets or a typed error with a reason.

Every field of every record can be hostile, so the properties are about *all* inputs: bytes that are
not JSON, JSON of any shape, tweet-like objects whose fields hold the wrong types, v2 pages whose
expansions point anywhere, strings with lone surrogates. The example counts are bounded so the file
runs in seconds inside ``make test``.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import HealthCheck, example, given, settings, strategies as st

from tweetcontract.decode import BadLine, decode_line, tweet_json
from tweetcontract.dialects import NotATweet, Tweet, flatten_page, normalize
from tweetcontract.envelope import (
    DIALECTS, build_dead_letter, build_value, parse_dead_letter, parse_value, Stamp,
)
from tweetcontract.errors import BadTweet

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Strings include lone surrogates (hypothesis leaves category Cs out unless asked).
TEXT = st.text(st.characters(codec=None), max_size=12) | st.sampled_from(["\ud800", "a\udfffb", "", "1", "2"])
IDS = st.sampled_from(["1", "2", "3", 1, 2, 3, True, None, "", 2**70, -1, 1.5, [1], {"id": "1"}, "\ud800", "9" * 2000])
SCALARS = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | TEXT | IDS
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)

# Keys the dialect detection and the page flattening look at, so generated objects reach deep branches.
KEYS = ["id", "id_str", "text", "user", "data", "includes", "meta", "errors", "author_id", "in_reply_to_user_id",
        "geo", "place_id", "attachments", "media_keys", "poll_ids", "referenced_tweets", "matching_rules",
        "__twarc", "delete", "limit", "note_tweet", "edit_history_tweet_ids", "author", "created_at", "entities",
        "did", "time_us", "kind", "commit", "uri", "account", "event", "payload", "users", "places", "media",
        "polls", "tweets", "media_key", "type", "record", "collection", "operation", "rkey"]


def _objects(depth: int) -> st.SearchStrategy[Any]:
    leaf = JSON if depth == 0 else _objects(depth - 1)
    return st.dictionaries(st.sampled_from(KEYS), leaf | IDS | st.lists(leaf, max_size=3), max_size=6)


TWEETISH = _objects(2)
# The two shapes most lines have, with every id the fuzzer knows (the id becomes the Kafka key).
SIMPLE = (st.fixed_dictionaries({"id_str": IDS, "user": st.just({})}, optional={"text": TEXT})
          | st.fixed_dictionaries({"id": IDS, "text": TEXT}))
PAGES = st.fixed_dictionaries(
    {"data": st.lists(TWEETISH, max_size=3) | TWEETISH},
    optional={"includes": st.dictionaries(st.sampled_from(["users", "places", "media", "polls", "tweets"]),
                                          st.lists(TWEETISH, max_size=3), max_size=5),
              "matching_rules": JSON, "__twarc": JSON, "meta": JSON})


def _check_tweets(tweets: list[Tweet]) -> None:
    """What a caller relies on: an id usable as a Kafka key, a tweet that serializes, a valid envelope."""
    assert isinstance(tweets, list) and tweets
    for t in tweets:
        assert isinstance(t, Tweet) and isinstance(t.id, str) and t.id
        key = t.id.encode("utf-8")  # never a UnicodeEncodeError
        assert len(t.id) <= 1024
        body = tweet_json(t)
        assert isinstance(orjson.loads(body), dict)
        value = build_value(t.id, t.dialect, "replay", Stamp()(), body)
        env = parse_value(value)
        assert env["id"] == t.id and env["dialect"] == t.dialect and key


def _decode(raw: bytes) -> None:
    try:
        tweets = decode_line(raw)
    except BadLine as bad:
        assert bad.reason and isinstance(bad.reason, str) and isinstance(bad.malformed, bool)
        return
    _check_tweets(tweets)


@FUZZ
@given(st.binary(max_size=200))
def test_any_bytes_decode_to_tweets_or_a_bad_line(raw: bytes) -> None:
    _decode(raw)


@FUZZ
@given(SIMPLE | JSON | TWEETISH | PAGES)
def test_any_json_decodes_to_tweets_or_a_bad_line(obj: Any) -> None:
    try:
        raw = orjson.dumps(obj)
    except TypeError:  # lone surrogates cannot be written as UTF-8: write them as escapes instead
        import json

        raw = json.dumps(obj).encode("ascii")
    _decode(raw)


@FUZZ
@given(SIMPLE | TWEETISH | PAGES | JSON)
@example({"id_str": "\ud800", "user": {}})  # what json.loads makes of a "\ud800" escape
@example({"data": [{"id": "1", "attachments": {"media_keys": [[1]], "poll_ids": [{}]}}]})  # unhashable refs
def test_normalize_raises_only_typed_errors(obj: Any) -> None:
    # objects as a lenient parser (the stdlib's json) would hand them over: lone surrogates included
    try:
        tweets = normalize(obj)
    except (NotATweet, BadTweet) as exc:
        assert getattr(exc, "kind", None) or getattr(exc, "reason", None)
        return
    for t in tweets:
        assert isinstance(t.id, str) and t.id
        t.id.encode("utf-8")


@FUZZ
@given(PAGES)
def test_flatten_page_raises_only_bad_tweet(page: dict) -> None:
    try:
        flat = flatten_page(page)
    except BadTweet as exc:
        assert exc.reason in ("amplifying-page", "unserializable")
        return
    assert all(isinstance(t, dict) for t in flat)


@FUZZ
@given(st.integers(1, 25), st.integers(0, 3))
def test_nesting_and_surrogates_are_reasons_not_exceptions(depth_k: int, which: int) -> None:
    tweet = '{"id_str":"7","user":{},"text":%s}'
    inner = ["[" * (depth_k * 50) + "]" * (depth_k * 50), '"\\ud800"', '"ok\\udfff"', '"fine"'][which]
    raw = (tweet % inner).encode()
    _decode(raw)
    page = ('{"data":{"id":"7","text":"t","x":%s}}' % inner).encode()
    _decode(page)


def test_known_poison_pills_have_their_reasons() -> None:
    cases = {
        b"[" * 5000 + b"]" * 5000: "too-deep",
        b'{"id_str":"1","user":{},"text":"\\ud800"}': "lone-surrogate",
        b'{"data":{"id":"1","text":"t","x":' + b"[" * 400 + b"]" * 400 + b"}}": "unserializable",
        b'{"id_str":"' + b"9" * 5000 + b'","user":{}}': "bad-id",
    }
    for raw, reason in cases.items():
        try:
            decode_line(raw)
        except BadLine as bad:
            assert bad.reason == reason, (raw[:40], bad.reason)
        else:
            raise AssertionError(f"{raw[:40]!r} decoded")


def test_an_amplifying_page_is_refused_not_expanded() -> None:
    big = {"id": "2", "text": "x" * 2000}
    page = {"data": [{"id": str(10 + i), "text": "t", "referenced_tweets": [{"id": "2"}] * 400} for i in range(20)],
            "includes": {"tweets": [big]}}
    line = orjson.dumps(page)
    assert len(line) < 200_000  # a small line that would inline 16 MB of copies
    try:
        decode_line(line)
    except BadLine as bad:
        assert bad.reason == "amplifying-page"
    else:
        raise AssertionError("an amplifying page was flattened")
    small = {"data": [{"id": "10", "text": "t", "referenced_tweets": [{"id": "2", "type": "quoted"}]}],
             "includes": {"tweets": [big]}}
    (t,) = decode_line(orjson.dumps(small))
    assert t.data["referenced_tweets"][0]["text"] == big["text"]  # a real page still inlines


@FUZZ
@given(TEXT, TEXT, st.integers(0, 2**40), st.binary(max_size=300), st.integers(0, 400))
def test_dead_letters_build_and_parse_for_any_field(reason: str, source: str, line: int, raw: bytes,
                                                    limit: int) -> None:
    value = build_dead_letter(reason, source, line, raw, limit)
    dead = parse_dead_letter(value)
    assert dead["line"] == line and len(dead["raw"].encode("utf-8")) <= 3 * limit
    assert dead["source"] == source or "\ufffd" in dead["source"]


@FUZZ
@given(TEXT, st.sampled_from(DIALECTS), TEXT, JSON)
def test_values_build_and_parse_for_any_id(tweet_id: str, dialect: str, source: str, tweet: Any) -> None:
    body = orjson.dumps({"t": tweet}) if _encodable(tweet) else b'{"t":null}'
    env = parse_value(build_value(tweet_id, dialect, source, Stamp()(), body))
    assert env["dialect"] == dialect and isinstance(env["tweet"], dict)
    assert env["id"] == tweet_id or "\ufffd" in env["id"]


@FUZZ
@given(st.binary(max_size=200) | JSON.map(lambda o: orjson.dumps(o) if _encodable(o) else b"[]"))
def test_parsing_values_raises_only_value_error(value: bytes) -> None:
    for parse in (parse_value, parse_dead_letter):
        try:
            parse(value)
        except ValueError:
            pass


def _encodable(obj: Any) -> bool:
    try:
        orjson.dumps(obj)
        return True
    except TypeError:
        return False
