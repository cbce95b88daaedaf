"""The live source against the local fake X API: rule sync, streaming, reconnects, errors, secrecy."""

from __future__ import annotations

import logging
import socket

import pytest

from tweetdev.fakestream import (
    OPERATIONAL_DISCONNECT, RULES_PATH, TOO_MANY_CONNECTIONS, Drop, End, FakeXApi, Hold, KeepAlive, Page, Raw,
    Status, tweet_page,
)
from tests.tweetpub_live.test_live_units import ListSink
from tweetcontract.defaults import BOSTON_BOX, TRACK_WORDS
from tweetpub.exceptions import CredentialsError, LiveSourceError
from tweetpub.live.client import Backoff, LiveStreamClient
from tweetpub.live.rules import RuleLimitError, build_rules
from tweetpub.live.rulesync import sync_rules
from tweetpub.live.run import LiveOptions, run_live

TAG = "tweetpub:test"


def run(api: FakeXApi, sink: ListSink, **kw):
    args = dict(track=TRACK_WORDS, locations=[BOSTON_BOX], api_base=api.base_url, access_level="elevated",
                rule_tag=TAG, backoff=Backoff.scaled(0.01), read_timeout=5.0, progress=False, duration=30.0)
    args.update(kw)
    extra = {k: args.pop(k) for k in ("handle_signals", "on_rules") if k in args}
    return run_live(sink, LiveOptions(**args), **extra)


def ours(n: int, **kw) -> Page:
    return Page(tweet_page(n, **kw), matching_tag=TAG)


def posts(api: FakeXApi) -> list:
    return [r for r in api.requests if r.method == "POST" and r.path == RULES_PATH]


# ------------------------------------------------------------------------------------------- rule sync


def test_rule_sync_adds_ours_deletes_our_stale_and_leaves_others(fake_api: FakeXApi, token: str) -> None:
    foreign = fake_api.seed_rule("from:someone", "their-app")
    untagged = fake_api.seed_rule("cats has:images")
    other_instance = fake_api.seed_rule("old words", "tweetpub:another")
    stale = fake_api.seed_rule("kubernetes OR stale", TAG)
    plan = build_rules(TRACK_WORDS, [BOSTON_BOX], access_level="elevated", tag=TAG)
    client = LiveStreamClient(token, api_base=fake_api.base_url)
    result = sync_rules(client, plan)
    rules = fake_api.rules
    assert {foreign, untagged, other_instance} <= set(rules) and stale not in rules
    mine = sorted(r["value"] for r in rules.values() if r.get("tag") == TAG)
    assert mine == sorted(plan.values)
    assert sorted(result.rule_ids) == sorted(r["id"] for r in rules.values() if r.get("tag") == TAG)
    assert (result.added, result.deleted, result.kept, result.foreign) == (len(plan.rules), 1, 0, 3)
    # validated with dry_run before anything was deleted
    first = posts(fake_api)[0]
    assert first.query.get("dry_run") == ["true"] and "add" in first.body

    # a second run is a no-op: nothing posted
    before = len(posts(fake_api))
    again = sync_rules(client, plan)
    assert len(posts(fake_api)) == before
    assert (again.added, again.deleted, again.kept) == (0, 0, len(plan.rules))


def test_a_foreign_rule_with_our_value_is_shared_not_duplicated(fake_api: FakeXApi, token: str) -> None:
    plan = build_rules(["python"], [], tag=TAG)
    theirs = fake_api.seed_rule("python", "their-app")
    result = sync_rules(LiveStreamClient(token, api_base=fake_api.base_url), plan)
    assert result.rule_ids == [theirs] and result.added == 0
    assert list(fake_api.rules) == [theirs]


def test_others_rules_count_against_the_level_limit(fake_api: FakeXApi, token: str) -> None:
    for i in range(24):
        fake_api.seed_rule(f"other{i}", "their-app")
    plan = build_rules(TRACK_WORDS, [BOSTON_BOX], access_level="elevated", tag=TAG)  # 2 rules; 24 + 2 > 25
    with pytest.raises(RuleLimitError, match="exceed the 25-rule limit"):
        sync_rules(LiveStreamClient(token, api_base=fake_api.base_url), plan)
    assert len(fake_api.rules) == 24 and posts(fake_api) == []


def test_dry_run_changes_nothing(fake_api: FakeXApi) -> None:
    stale = fake_api.seed_rule("stale", TAG)
    summary = run(fake_api, ListSink(), dry_run=True)
    assert summary.stopped_by == "dry-run" and summary.rules_added == 2 and summary.rules_deleted == 1
    assert list(fake_api.rules) == [stale]
    assert all(r.query.get("dry_run") == ["true"] for r in posts(fake_api))
    assert fake_api.stream_connections == 0


def test_rules_the_api_refuses_give_one_clear_line(token: str) -> None:
    with FakeXApi(token, max_rule_length=100) as api:  # the server's limit is lower than the level's
        sink = ListSink()
        with pytest.raises(LiveSourceError) as err:
            run(api, sink)
        msg = str(err.value)
        assert "refused" in msg and "100 characters" in msg and "\n" not in msg
        assert api.rules == {} and sink.closed


def test_wrong_token_is_a_credentials_error_without_the_token(fake_api: FakeXApi, monkeypatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", "wrong-token-value")
    with pytest.raises(CredentialsError) as err:
        run(fake_api, ListSink())
    assert "401" in str(err.value) and "wrong-token-value" not in str(err.value)


def test_unreachable_api_is_one_line(token: str) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(LiveSourceError) as err:
        run_live(ListSink(), LiveOptions(["python"], [], api_base=f"http://127.0.0.1:{port}", progress=False))
    assert "cannot reach the X API" in str(err.value) and "\n" not in str(err.value)


# ---------------------------------------------------------------------------------------------- stream


def test_stream_survives_drops_429_5xx_and_disconnect_messages(fake_api: FakeXApi, token: str, caplog) -> None:
    caplog.set_level(logging.DEBUG)  # everything, urllib3 and tweepy included: the token must not appear
    fake_api.add_connection(ours(1), KeepAlive(2), ours(2), ours(3), Drop())
    fake_api.add_connection(Status(429, TOO_MANY_CONNECTIONS, reset_in=0))
    fake_api.add_connection(Status(503))
    fake_api.add_connection(ours(4), Raw(b"{garbage"), Page({"errors": [{"title": "Not Found Error"}]}),
                            ours(5), Page(OPERATIONAL_DISCONNECT), End())
    fake_api.add_connection(KeepAlive(), End())  # the server closes without data
    fake_api.add_connection(ours(3), Page(tweet_page(6), matching_tag="their-app"), ours(6), ours(7), Hold())
    fake_api.seed_rule("from:someone", "their-app")
    sink = ListSink()
    summary = run(fake_api, sink, limit=6)

    assert [p["data"]["id"] for p in sink.pages] == [tweet_page(n)["data"]["id"] for n in (1, 2, 3, 4, 5, 6)]
    assert all(p["includes"]["places"][0]["full_name"] == "Boston, MA" for p in sink.pages)
    assert summary.stopped_by == "limit" and summary.delivered == 6
    assert summary.duplicates == 1 and summary.foreign == 1  # tweet 3 re-sent; tweet 6 only for their rule
    assert summary.http_errors == {429: 1, 503: 1}
    assert summary.operational_disconnects == 1
    assert [d[0] for d in sink.dead] == ["invalid json", "stream error message", "operational disconnect"]
    assert summary.keep_alives >= 3
    assert summary.connections == 4 and summary.reconnects == 5
    assert sink.closed

    streams = fake_api.stream_requests()
    assert len(streams) == 6 and all(r.authorized for r in streams)
    q = streams[0].query
    assert "geo.place_id" in q["expansions"][0].split(",")
    assert {"full_name", "geo", "country_code", "place_type"} <= set(q["place.fields"][0].split(","))
    assert {"created_at", "entities", "geo", "note_tweet", "referenced_tweets"} <= set(q["tweet.fields"][0].split(","))
    assert any("backing off 0.60s" in r.getMessage() for r in caplog.records)  # 429: X's 60 s at 1/100
    assert token not in caplog.text


def test_gives_up_after_max_retries(fake_api: FakeXApi) -> None:
    for _ in range(3):
        fake_api.add_connection(Status(503))
    with pytest.raises(LiveSourceError, match="gave up after 3 failed connection attempts"):
        run(fake_api, ListSink(), max_retries=2)
    assert fake_api.stream_connections == 3


def test_a_stream_401_stops_with_a_credentials_error(fake_api: FakeXApi) -> None:
    fake_api.add_connection(Status(401, {"title": "Unauthorized", "status": 401}))
    with pytest.raises(CredentialsError, match="401"):
        run(fake_api, ListSink())
    assert fake_api.stream_connections == 1  # not retried


def test_a_stalled_stream_is_detected_by_the_read_timeout(fake_api: FakeXApi) -> None:
    # no keep-alive for longer than the read timeout: X says reconnect (its keep-alives come every 20 s)
    fake_api.add_connection(ours(1), Hold(seconds=3, interval=2.0))
    fake_api.add_connection(ours(2), Hold())
    sink = ListSink()
    summary = run(fake_api, sink, limit=2, read_timeout=0.5)
    assert [p["data"]["id"] for p in sink.pages] == [tweet_page(n)["data"]["id"] for n in (1, 2)]
    assert summary.network_errors == 1 and summary.connections == 2


def test_duration_ends_a_quiet_stream(fake_api: FakeXApi) -> None:
    fake_api.add_connection(ours(1), Hold(seconds=20))
    sink = ListSink()
    summary = run(fake_api, sink, duration=1.0)
    assert summary.stopped_by == "duration" and summary.delivered == 1 and sink.closed


def test_token_file_is_used_and_env_ignored(fake_api: FakeXApi, token: str, tmp_path, monkeypatch) -> None:
    path = tmp_path / "bearer"
    path.write_text(token + "\n")
    monkeypatch.setenv("X_BEARER_TOKEN", "not-the-token")
    fake_api.add_connection(ours(1), Hold())
    summary = run(fake_api, ListSink(), bearer_token_file=path, limit=1)
    assert summary.delivered == 1 and all(r.authorized for r in fake_api.requests)
