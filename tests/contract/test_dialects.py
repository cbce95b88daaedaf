"""Dialect detection, v2 page flattening and the line decoder."""

from __future__ import annotations

import orjson
import pytest

from tweetcontract.decode import BadLine, decode_line
from tweetcontract.dialects import NotATweet, detect, flatten_page, normalize

V1 = {"id": 5, "id_str": "5", "text": "hi", "user": {"id_str": "9"}, "created_at": "Wed Feb 29 19:42:02 +0000 2012"}
V2 = {"id": "6", "text": "hi", "author_id": "9", "edit_history_tweet_ids": ["6"]}
PAGE = {
    "data": [{"id": "10", "text": "a #x", "author_id": "1", "geo": {"place_id": "p1"},
              "referenced_tweets": [{"type": "retweeted", "id": "11"}], "attachments": {"media_keys": ["m1"]}},
             {"id": "12", "text": "b", "author_id": "2", "in_reply_to_user_id": "1"}],
    "includes": {"users": [{"id": "1", "username": "one"}, {"id": "2", "username": "two"}],
                 "places": [{"id": "p1", "full_name": "Boston, MA", "geo": {"bbox": [-71.2, 42.2, -71.0, 42.4]}}],
                 "tweets": [{"id": "11", "text": "orig #Y", "author_id": "2"}],
                 "media": [{"media_key": "m1", "type": "photo"}]},
    "meta": {"result_count": 2},
    "matching_rules": [{"id": "1", "tag": "t"}],
    "__twarc": {"url": "u", "version": "2.14.1", "retrieved_at": "2026-01-01T00:00:00Z"},
}


def test_detect() -> None:
    assert detect(V1) == "v1.1"
    assert detect(V2) == "v2"
    assert detect(PAGE) == "v2-page"
    assert detect({"data": {"id": "1", "text": "x"}}) == "v2-page"


@pytest.mark.parametrize("msg,kind", [
    ({"delete": {"status": {"id": 1}}}, "delete"), ({"limit": {"track": 3}}, "limit"),
    ({"scrub_geo": {}}, "scrub_geo"), ({"disconnect": {"code": 7}}, "disconnect"),
    ({"errors": [{"title": "operational-disconnect"}]}, "errors"), ({"meta": {"result_count": 0}}, "empty-page"),
    ({"data": [], "meta": {"result_count": 0}}, "empty-page"),
])
def test_stream_messages_are_not_tweets(msg: dict, kind: str) -> None:
    with pytest.raises(NotATweet) as info:
        normalize(msg)
    assert info.value.kind == kind


def test_flatten_page_inlines_expansions() -> None:
    flat = flatten_page(PAGE)
    assert [t["id"] for t in flat] == ["10", "12"]
    first = flat[0]
    assert first["author"]["username"] == "one"
    assert first["geo"]["place"]["full_name"] == "Boston, MA" and first["geo"]["place_id"] == "p1"
    ref = first["referenced_tweets"][0]
    assert ref["type"] == "retweeted" and ref["text"] == "orig #Y" and ref["author"]["username"] == "two"
    assert first["attachments"]["media"] == [{"media_key": "m1", "type": "photo"}]
    assert first["matching_rules"] == PAGE["matching_rules"] and first["__twarc"] == PAGE["__twarc"]
    assert flat[1]["in_reply_to_user"]["username"] == "one"
    assert "author" not in PAGE["data"][0]  # the page itself is not modified


def test_normalize_ids_and_verbatim() -> None:
    (t,) = normalize(V1)
    assert (t.id, t.dialect, t.verbatim) == ("5", "v1.1", True)
    (t,) = normalize(V2)
    assert (t.id, t.dialect) == ("6", "v2")
    tweets = normalize(PAGE)
    assert [(t.id, t.dialect, t.verbatim) for t in tweets] == [("10", "v2", False), ("12", "v2", False)]


@pytest.mark.parametrize("raw,reason,malformed", [
    (b'{"id_str":"1","text":"tru', "invalid-json", True),
    (b'{"id_str":"1","text":"\xff"}', "not-utf8", True),
    (b"[1,2]", "not-an-object", True),
    (b'{"foo":1}', "unknown-object", True),
    (b'{"id_str":null,"user":{}}', "no-id", True),
    (b'{"delete":{"status":{"id":1}}}', "not-a-tweet:delete", False),
    (b'{"limit":{"track":42}}', "not-a-tweet:limit", False),
])
def test_decode_line_reasons(raw: bytes, reason: str, malformed: bool) -> None:
    with pytest.raises(BadLine) as info:
        decode_line(raw)
    assert (info.value.reason, info.value.malformed) == (reason, malformed)


def test_decode_line_ok() -> None:
    assert [t.id for t in decode_line(orjson.dumps(PAGE))] == ["10", "12"]
    assert decode_line(b'  {"id_str":"7","user":{}}  ')[0].id == "7"
