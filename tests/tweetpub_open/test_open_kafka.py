"""The Bluesky and Mastodon sources against local servers speaking their protocols, into the real Kafka:
dropped connections, a restarted server, malformed frames and events, a slow server, zstd, the token."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tweetdev.openstreams import (Conn, DropConn, EndStream, Event, FakeJetstream, FakeMastodon, Heartbeat, HttpStatus,
                                  Pause, RawBytes, post_event, status, update)
from tweetpub.filters import parse_track
from tweetpub.live.client import Backoff
from tweetpub.live.openrun import OpenOptions, OpenSummary
from tweetpub.live.opensinks import run_open_stream

from .conftest import producer_for, read_topic, wait_for

pytestmark = pytest.mark.integration
FAST = Backoff.scaled(0.01)
TRACK = parse_track("openstack,kafka")


def run_in_thread(opts: OpenOptions, producer) -> tuple[threading.Thread, dict]:
    box: dict = {}

    def body() -> None:
        try:
            box["summary"] = run_open_stream(opts, producer=producer, handle_signals=False)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            box["error"] = exc

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread, box


def bsky_post(n: int) -> dict:
    """Every fifth post matches nothing in TRACK (the filter drops it)."""
    return post_event(n, text="nothing to see here" if n % 5 == 0 else None)


def test_bluesky_loses_and_duplicates_nothing_across_drops_a_restart_and_bad_frames(
        kafka_bootstrap: str, kafka_topic) -> None:
    topic, dlq = kafka_topic(), kafka_topic()
    with FakeJetstream() as js:
        for n in range(3):
            js.publish(bsky_post(n))
        js.publish("this is not json")                      # text frame, not JSON
        js.publish(b"\x00\xff binary")                        # a binary frame without compress=true
        js.publish('{"kind":"commit","commit":{}}')            # JSON, not a Jetstream event
        js.publish({"did": "did:plc:x", "kind": "identity", "identity": {"handle": "x.example"}})
        js.publish({"did": "did:plc:x", "kind": "commit",
                    "commit": {"operation": "delete", "collection": "app.bsky.feed.post", "rkey": "3k00000000001"}})
        for n in range(3, 30):
            js.publish(bsky_post(n))
        js.add_connection(Conn(drop_after=8), Conn(close_after=6, close_code=1011), Conn(reject=503))
        expected = {f"at://did:plc:user{n % 97:04d}/app.bsky.feed.post/3k{n:011d}" for n in range(40) if n % 5}
        opts = OpenOptions("bluesky", js.url, track=TRACK, cursor=1, rewind_seconds=1.5, limit=len(expected),
                           duration=60, backoff=FAST, read_timeout=30)  # duration: a loss ends the run, not the test
        thread, box = run_in_thread(opts, producer_for(kafka_bootstrap, topic, dlq))
        wait_for(js.caught_up.is_set, what="the client to read the whole log")
        js.restart(down_for=0.3)                               # every connection dies; same port, same log
        for n in range(30, 40):
            js.publish(bsky_post(n))
        thread.join(90)
    assert "error" not in box, box.get("error")
    summary: OpenSummary = box["summary"]
    records = read_topic(kafka_bootstrap, topic, len(expected))
    ids = [r["id"] for r in records]
    lost, duplicated = expected - set(ids), len(ids) - len(set(ids))
    print(f"bluesky reconnect test: lost={len(lost)} duplicated={duplicated} reconnects={summary.reconnects}")
    assert lost == set() and duplicated == 0 and set(ids) == expected
    assert all(r["source"] == "bluesky" and r["dialect"] == "bluesky" and r["_key"] == r["id"] for r in records)
    assert all(r["tweet"]["commit"]["rkey"] == r["id"].rsplit("/", 1)[1] for r in records)
    assert summary.duplicates > 0 and summary.reconnects >= 4 and summary.http_errors == {503: 1}
    assert summary.filtered_out == 8 and summary.skipped.get("identity", 0) >= 1 and summary.skipped["delete"] >= 1
    dead = read_topic(kafka_bootstrap, dlq, 3)
    assert sorted(d["reason"] for d in dead) == ["binary-frame", "invalid-json", "not-a-jetstream-event"]
    assert all(d["schema"] == "tweetpub-dlq/1" and d["source"] == "bluesky" for d in dead)


def test_bluesky_from_a_slow_server_with_zstd_frames(kafka_bootstrap: str, kafka_topic, tmp_path: Path) -> None:
    topic, dlq = kafka_topic(), kafka_topic()
    with FakeJetstream(delay=0.05) as js:
        dictionary = tmp_path / "zstd_dictionary"
        dictionary.write_bytes(js.dictionary)
        for n in range(1, 13):
            js.publish(post_event(n, facet_tags=("Kafka",)))
        opts = OpenOptions("bluesky", js.url, cursor=1, limit=12, backoff=FAST, compress=True,
                           zstd_dictionary=str(dictionary))
        summary = run_open_stream(opts, producer=producer_for(kafka_bootstrap, topic, dlq), handle_signals=False)
        assert js.requests[0]["compress"] == ["true"]
    records = read_topic(kafka_bootstrap, topic, 12)
    assert sorted(r["tweet"]["commit"]["rkey"] for r in records) == [f"3k{n:011d}" for n in range(1, 13)]
    assert summary.delivered == 12 and summary.dead_letters == 0


def _mastodon_script(api: FakeMastodon) -> tuple[list[dict], set[str]]:
    s = [status(n, tags=("openstack",) if n % 2 else ("kafka",)) for n in range(1, 9)]
    edited = dict(s[4], content="<p>edited #kafka</p>")
    api.add_connection("hashtag:openstack", update(s[0]), Heartbeat(), update(s[1]),
                       RawBytes(b"event: update\ndata: {broken json\n\n"), Event("delete", "113000000000000001"),
                       update(s[2]), DropConn())
    api.add_connection("hashtag:openstack", HttpStatus(502))
    api.add_connection("hashtag:openstack", update(dict(s[2], id="99")), update(s[3]))     # s3 again, another id
    api.add_connection("hashtag:kafka", update(dict(s[1], id="98")), update(s[4]),          # s2 via a second stream
                       Event("status.update", json.dumps(edited)), EndStream())
    api.add_connection("hashtag:kafka", Pause(0.5), Heartbeat(), Pause(0.5), update(s[5]))  # a slow server
    return s, {st["uri"] for st in s}


def test_mastodon_loses_and_duplicates_nothing_across_streams_drops_and_a_restart(
        kafka_bootstrap: str, kafka_topic, mastodon_token: str, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    topic, dlq = kafka_topic(), kafka_topic()
    with FakeMastodon(mastodon_token, heartbeat=0.1) as api:
        statuses, expected = _mastodon_script(api)
        opts = OpenOptions("mastodon", api.url, tags=("openstack", "kafka"), track=TRACK, limit=len(expected),
                           duration=60, backoff=FAST, read_timeout=10)  # duration: a loss ends the run
        thread, box = run_in_thread(opts, producer_for(kafka_bootstrap, topic, dlq))
        wait_for(lambda: api.holding["hashtag:openstack"] >= 1 and api.holding["hashtag:kafka"] >= 1,
                 what="both streams to run out of script")
        api.add_connection("hashtag:openstack", update(statuses[6]), Heartbeat())
        api.add_connection("hashtag:kafka", update(statuses[7]))
        api.restart(down_for=0.3)
        thread.join(90)
    assert "error" not in box, box.get("error")
    summary: OpenSummary = box["summary"]
    records = read_topic(kafka_bootstrap, topic, len(expected))
    ids = [r["id"] for r in records]
    lost, duplicated = expected - set(ids), len(ids) - len(set(ids))
    assert lost == set() and duplicated == 0 and set(ids) == expected
    assert all(r["source"] == "mastodon" and r["dialect"] == "mastodon" and r["tweet"]["uri"] == r["id"]
               for r in records)
    assert summary.duplicates == 2 and summary.http_errors == {502: 1} and summary.heartbeats > 0
    assert summary.skipped == {"delete": 1, "status.update": 1}
    dead = read_topic(kafka_bootstrap, dlq, 1)
    assert [d["reason"] for d in dead] == ["invalid-json"] and "{broken json" in dead[0]["raw"]
    assert all(ok for _path, _query, ok in api.requests)
    out, err = capfd.readouterr()
    assert mastodon_token not in caplog.text + out + err
    assert caplog.text  # the run did log (so the check above looked at something)
    print(f"mastodon reconnect test: lost={len(lost)} duplicated={duplicated} reconnects={summary.reconnects}")


def test_a_rejected_or_logged_token_never_shows(mastodon_token: str, tmp_path: Path, kafka_bootstrap: str,
                                                kafka_topic, capfd: pytest.CaptureFixture[str]) -> None:
    topic = kafka_topic()
    with FakeMastodon(mastodon_token) as api:
        api.add_connection("public", update(status(1)), update(status(2)))
        env = {**os.environ, "MASTODON_TOKEN": mastodon_token}
        ok = subprocess.run([sys.executable, "-m", "tweetpub", "-vv", "stream", "--source", "mastodon",
                             "--mastodon-url", api.url, "--no-filter", "--limit", "2",
                             "--bootstrap-servers", kafka_bootstrap, "--topic", topic],
                            env=env, capture_output=True, text=True, timeout=60)
        assert ok.returncode == 0, ok.stderr[-2000:]
        assert "2 posts delivered" in ok.stderr and "Authorization" not in ok.stderr
        wrong = tmp_path / "token"
        wrong.write_text("wrong-" + mastodon_token + "\n")
        bad = subprocess.run([sys.executable, "-m", "tweetpub", "-vv", "stream", "--source", "mastodon", "--dry-run",
                              "--mastodon-url", api.url, "--token-file", str(wrong)],
                             env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1] == \
        f"tweetpub: error: the Mastodon server at {api.url} rejected the access token (401)"
    for stream in (ok.stdout, ok.stderr, bad.stdout, bad.stderr):
        assert mastodon_token not in stream
