"""Dialect detection, v2 page flattening and the line decoder."""

from __future__ import annotations

import orjson
import pytest

from tweetcontract.decode import BadLine, decode_line
from tweetcontract.dialects import NotATweet, detect, flatten_page, normalize
from tweetcontract.errors import BadTweet

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


def _jetstream(kind: str = "commit", operation: str = "create", collection: str = "app.bsky.feed.post",
               record: object = None) -> dict:
    commit = {"rev": "3l", "operation": operation, "collection": collection, "rkey": "3kabc"}
    if operation != "delete":
        commit.update(cid="bafy", record=record if record is not None else
                      {"$type": collection, "text": "hi #x", "createdAt": "2026-11-21T09:00:00.000Z"})
    event = {"did": "did:plc:abc", "time_us": 1795251600000000, "kind": kind}
    if kind == "commit":
        event["commit"] = commit
    else:
        event[kind] = {"did": "did:plc:abc", "seq": 1}
    return event


STATUS = {"id": "113", "uri": "https://example.social/users/alice/statuses/113", "created_at": "2026-11-21T09:00:00.000Z",
          "account": {"id": "1", "acct": "alice"}, "content": "<p>hi</p>", "text": None, "tags": [{"name": "x"}]}


def test_bluesky_post_create_is_a_tweet_with_its_at_uri() -> None:
    event = _jetstream()
    assert detect(event) == "bluesky"
    (t,) = normalize(event)
    assert (t.id, t.dialect, t.data, t.verbatim) == (
        "at://did:plc:abc/app.bsky.feed.post/3kabc", "bluesky", event, True)


@pytest.mark.parametrize("event,kind", [
    (_jetstream(operation="delete"), "bluesky-delete"),
    (_jetstream(operation="update"), "bluesky-update"),
    (_jetstream(collection="app.bsky.feed.like", record={"subject": {}}), "bluesky-other-collection"),
    (_jetstream(kind="identity"), "bluesky-identity"),
    (_jetstream(kind="account"), "bluesky-account"),
    ({"did": "did:plc:abc", "time_us": 1, "kind": "something-new"}, "bluesky-event"),
])
def test_other_jetstream_events_are_not_tweets(event: dict, kind: str) -> None:
    with pytest.raises(NotATweet) as info:
        normalize(event)
    assert info.value.kind == kind
    with pytest.raises(BadLine) as line:
        decode_line(orjson.dumps(event))
    assert (line.value.reason, line.value.malformed) == (f"not-a-tweet:{kind}", False)


def test_broken_bluesky_posts_are_bad() -> None:
    no_rkey = _jetstream()
    del no_rkey["commit"]["rkey"]
    with pytest.raises(BadTweet) as info:
        normalize(no_rkey)
    assert info.value.reason == "no-id"
    no_record = _jetstream()
    no_record["commit"]["record"] = "x"
    with pytest.raises(BadTweet):
        normalize(no_record)


def test_mastodon_status_and_streaming_message() -> None:
    assert detect(STATUS) == "mastodon"  # not v2, although it has an id and a text
    (t,) = normalize(STATUS)
    assert (t.id, t.dialect, t.verbatim) == (STATUS["uri"], "mastodon", True)
    message = {"stream": ["hashtag", "rust"], "event": "update", "payload": orjson.dumps(STATUS).decode()}
    (t,) = decode_line(orjson.dumps(message))
    assert (t.id, t.dialect, t.data, t.verbatim) == (STATUS["uri"], "mastodon", STATUS, False)
    assert orjson.loads(t.body) == STATUS


@pytest.mark.parametrize("message,reason,malformed", [
    ({"stream": ["public"], "event": "delete", "payload": "113"}, "not-a-tweet:mastodon-delete", False),
    ({"stream": ["public"], "event": "status.update", "payload": "{}"}, "not-a-tweet:mastodon-status.update", False),
    ({"stream": ["public"], "event": "weird", "payload": ""}, "not-a-tweet:mastodon-event", False),
    ({"stream": ["public"], "event": "update", "payload": "{not json"}, "bad-mastodon-payload", True),
    ({"stream": ["public"], "event": "update", "payload": "{\"id\": \"1\"}"}, "bad-mastodon-payload", True),
    ({**STATUS, "uri": ""}, "no-id", True),
])
def test_mastodon_non_statuses(message: dict, reason: str, malformed: bool) -> None:
    with pytest.raises(BadLine) as info:
        decode_line(orjson.dumps(message))
    assert (info.value.reason, info.value.malformed) == (reason, malformed)
