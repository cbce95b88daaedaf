"""The open sources' pure logic (events to posts, SSE framing, dedup, the filter, cursor rewind) and the
command line's refusals: no services needed."""

from __future__ import annotations

import json
import socket

import pytest
from click.testing import CliRunner

from tweetdev.openstreams import post_event, status
from tweetpub.cli import main
from tweetpub.filters import parse_track
from tweetpub.live import jetstream, mastodon
from tweetpub.live.openrun import Dedup, Post, PostFilter


def test_subscribe_url_asks_for_posts_from_the_cursor() -> None:
    url = jetstream.subscribe_url("wss://js.example", 1_764_000_000_000_000)
    assert url == "wss://js.example/subscribe?wantedCollections=app.bsky.feed.post&cursor=1764000000000000"
    assert jetstream.subscribe_url("ws://127.0.0.1:6008/subscribe/", compress=True) == \
        "ws://127.0.0.1:6008/subscribe?wantedCollections=app.bsky.feed.post&compress=true"
    with pytest.raises(Exception, match="ws:// or wss://"):
        jetstream.subscribe_url("https://js.example")


def test_cursor_rewinds_by_seconds_in_microseconds() -> None:
    assert jetstream.rewound(10_000_000, 3) == 7_000_000
    assert jetstream.rewound(1_000_000, 3) == 0
    assert jetstream.rewound(None, 3) is None


def test_a_created_post_becomes_a_post_with_its_at_uri_and_exact_bytes() -> None:
    event = post_event(7, did="did:plc:abc", text="Ünïcode first", facet_tags=("Rust", "日本語"), tags=("OSS",),
                       langs=("de",), time_us=5)
    raw = json.dumps(event, ensure_ascii=False).encode()
    post = jetstream.to_post(event, raw)
    assert post.id == "at://did:plc:abc/app.bsky.feed.post/3k00000000007"
    assert post.dialect == "bluesky" and post.raw is raw
    assert post.hashtags == ("Rust", "日本語", "OSS") and post.langs == ("de",)
    facet = event["commit"]["record"]["facets"][1]["index"]
    assert raw.decode() and event["commit"]["record"]["text"].encode()[facet["byteStart"]:facet["byteEnd"]] == \
        "#日本語".encode()


@pytest.mark.parametrize("event, kind", [
    ({"did": "did:plc:a", "time_us": 1, "kind": "identity", "identity": {}}, "identity"),
    ({"did": "did:plc:a", "time_us": 1, "kind": "account", "account": {}}, "account"),
    ({"did": "did:plc:a", "time_us": 1, "kind": "commit",
      "commit": {"operation": "delete", "collection": "app.bsky.feed.post", "rkey": "x"}}, "delete"),
    ({"did": "did:plc:a", "time_us": 1, "kind": "commit",
      "commit": {"operation": "create", "collection": "app.bsky.feed.like", "rkey": "x", "record": {}}},
     "collection:app.bsky.feed.like"),
])
def test_deletes_and_other_kinds_are_skipped_not_posts(event: dict, kind: str) -> None:
    with pytest.raises(jetstream.Skip) as got:
        jetstream.to_post(event, b"{}")
    assert got.value.kind == kind


@pytest.mark.parametrize("event, reason", [
    ([1, 2], "not-an-object"),
    ({"kind": "commit"}, "not-a-jetstream-event"),
    ({"did": "did:plc:a", "time_us": 1, "kind": "commit", "commit": {"operation": "create",
      "collection": "app.bsky.feed.post", "rkey": "k", "record": {"createdAt": "x"}}}, "post-without-text"),
])
def test_malformed_events_are_bad(event: object, reason: str) -> None:
    with pytest.raises(jetstream.BadEvent) as got:
        jetstream.to_post(event, b"{}")
    assert got.value.reason == reason


def test_sse_parser_frames_events_and_counts_heartbeats() -> None:
    parser = mastodon.SSEParser()
    out = [parser.feed(line) for line in
           [b":)", b"event: update", b'data: {"a":', b"data: 1}", b"", b":thump", b"event: delete\r",
            b"data: 123\r", b"\r", b"id: 9", b""]]
    assert [o for o in out if o] == [("update", b'{"a":\n1}'), ("delete", b"123")]
    assert parser.comments == 2


def test_an_update_becomes_a_post_identified_by_its_uri() -> None:
    st = status(3, tags=("OpenStack", "Kafka"), text="Hello <b>world</b> &amp; <a href=\"https://x.example/p\">link</a>",
                lang="fr")
    data = json.dumps(st).encode()
    post = mastodon.to_post("update", data)
    assert post.id == st["uri"] and post.dialect == "mastodon" and post.raw is data
    assert post.hashtags == ("openstack", "kafka") and post.langs == ("fr",)
    assert "Hello world & link" in post.text and post.urls == ("https://x.example/p",)
    for event in ("delete", "status.update", "notification"):
        with pytest.raises(mastodon.Skip):
            mastodon.to_post(event, data)
    with pytest.raises(mastodon.BadEvent, match="invalid-json"):
        mastodon.to_post("update", b"{nope")
    with pytest.raises(mastodon.BadEvent, match="status-without-uri"):
        mastodon.to_post("update", b'{"content": "x", "created_at": "y"}')


def test_stream_paths_one_connection_per_hashtag_else_the_public_timeline() -> None:
    assert mastodon.stream_paths(["#Rust", "rust", "go"]) == [
        ("/api/v1/streaming/hashtag", {"tag": "Rust"}), ("/api/v1/streaming/hashtag", {"tag": "rust"}),
        ("/api/v1/streaming/hashtag", {"tag": "go"})]
    assert mastodon.stream_paths([]) == [("/api/v1/streaming/public", {})]
    assert mastodon.stream_paths([], local=True) == [("/api/v1/streaming/public/local", {})]


def test_dedup_is_bounded_and_forgets_the_oldest() -> None:
    d = Dedup(3)
    assert [d.add(k) for k in "abca"] == [True, True, True, False]
    assert d.add("d") and len(d) == 3
    assert d.add("b")  # forgotten: b was the least recently seen
    assert not d.add("a")


def test_filter_uses_track_semantics_on_text_hashtags_and_links_and_the_language() -> None:
    f = PostFilter(parse_track("openstack,big data,example.com"), ["en"])
    post = lambda **kw: Post("id", "bluesky", b"{}", **{"langs": ("en-US",), **kw})  # noqa: E731
    assert f.match(post(text="Running OpenStack!"))
    assert f.match(post(text="nothing", hashtags=("OpenStack",)))
    assert f.match(post(text="data is big"))
    assert not f.match(post(text="bigdata"))
    assert f.match(post(text="see", urls=("https://www.example.com",)))
    assert not f.match(post(text="Running OpenStack", langs=("ja",)))
    assert not f.match(post(text="Running OpenStack", langs=()))
    assert PostFilter([], []).match(post(text="anything", langs=()))


def test_locations_are_refused_for_the_open_sources() -> None:
    for source in ("bluesky", "mastodon"):
        result = CliRunner().invoke(main, ["stream", "--source", source, "--locations", "-71,42,-70,43"])
        assert result.exit_code == 2
        assert result.output.strip().splitlines() == [
            f"tweetpub: error: --locations cannot filter --source {source}: its posts carry no location"]


def test_an_unreachable_source_fails_with_one_line() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(main, ["stream", "--source", "bluesky", "--dry-run",
                                       "--jetstream-url", f"ws://127.0.0.1:{port}"])
    assert result.exit_code == 1
    # the summary log line says "1 network errors"; the error lines are the ones in the CLI's error style
    errors = [line for line in result.output.splitlines() if "error:" in line or "Traceback" in line]
    assert errors == [f"tweetpub: error: cannot reach Jetstream at ws://127.0.0.1:{port}: "
                      "ConnectionRefusedError: [Errno 111] Connection refused"]


def test_bluesky_mentions_come_from_the_text_span_of_their_facet() -> None:
    text = "héllo @alice.bsky.social and #tag"
    start = len("héllo ".encode("utf-8"))
    end = start + len("@alice.bsky.social")
    event = post_event(1, text=text)
    event["commit"]["record"]["facets"] = [{"index": {"byteStart": start, "byteEnd": end}, "features": [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice"}]}]
    post = jetstream.to_post(event, b"{}")
    assert post.mentions == ("alice.bsky.social",)
    assert PostFilter(parse_track("alice.bsky.social")).match(post)
    assert not PostFilter(parse_track("bob")).match(post)
