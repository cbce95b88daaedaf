"""Mastodon over one WebSocket (``--mastodon-transport websocket``) against a local server, into the real Kafka."""

from __future__ import annotations

import logging

import pytest

from tweetdev.openstreams import DropConn, FakeMastodonWs, On, RawBytes, status, update
from tweetpub.exceptions import CredentialsError
from tweetpub.live.client import Backoff
from tweetpub.live.openrun import OpenOptions
from tweetpub.live.opensinks import run_open_stream

from .conftest import producer_for, read_topic

pytestmark = pytest.mark.integration


def test_one_websocket_for_two_hashtags_across_a_drop(kafka_bootstrap: str, kafka_topic, mastodon_token: str,
                                                      caplog: pytest.LogCaptureFixture,
                                                      capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    topic, dlq = kafka_topic(), kafka_topic()
    s = [status(n, tags=("rust",) if n % 2 else ("golang",)) for n in range(1, 7)]
    with FakeMastodonWs(mastodon_token) as api:
        api.add_connection(update(s[0]), On(["hashtag", "golang"], update(s[1])), RawBytes(b"{not json"),
                           On(["hashtag", "rust"], update(s[2])), DropConn())
        api.add_connection(On(["hashtag", "golang"], update(dict(s[2], id="7"))), update(s[3]), update(s[4]),
                           On(["hashtag", "rust"], update(s[5])))
        opts = OpenOptions("mastodon", api.url, tags=("rust", "golang"), transport="websocket", limit=6,
                           duration=60, backoff=Backoff.scaled(0.01))
        summary = run_open_stream(opts, producer=producer_for(kafka_bootstrap, topic, dlq), handle_signals=False)
        subs = list(api.subscriptions)
    records = read_topic(kafka_bootstrap, topic, 6)
    ids = [r["id"] for r in records]
    assert sorted(ids) == sorted(st["uri"] for st in s) and len(set(ids)) == len(ids)
    assert all(r["dialect"] == "mastodon" and r["source"] == "mastodon" for r in records)
    assert summary.duplicates == 1 and summary.reconnects == 1 and summary.dead_letters == 1
    assert {"type": "subscribe", "stream": "hashtag", "tag": "golang"} in subs
    assert [d["reason"] for d in read_topic(kafka_bootstrap, dlq, 1)] == ["invalid-json"]
    out, err = capfd.readouterr()
    assert mastodon_token not in caplog.text + out + err


def test_a_rejected_token_ends_the_websocket_run_with_one_clean_error(mastodon_token: str) -> None:
    with FakeMastodonWs("another-" + mastodon_token) as api:
        opts = OpenOptions("mastodon", api.url, transport="websocket", dry_run=True, backoff=Backoff.scaled(0.01))
        with pytest.raises(CredentialsError) as got:
            run_open_stream(opts, producer=None, handle_signals=False)
    assert str(got.value) == f"the Mastodon server at {api.url} rejected the access token (401)"
    assert api.rejected == 1


def test_the_handshake_headers_logged_at_debug_carry_no_token(mastodon_token: str) -> None:
    import os
    import subprocess
    import sys

    with FakeMastodonWs(mastodon_token) as api:
        api.add_connection(update(status(1)))
        done = subprocess.run([sys.executable, "-m", "tweetpub", "-vv", "stream", "--source", "mastodon",
                               "--mastodon-transport", "websocket", "--mastodon-url", api.url, "--dry-run"],
                              env={**os.environ, "MASTODON_TOKEN": mastodon_token}, capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    # websockets logs the upgrade request's headers at DEBUG: the line is there, the token is not
    assert "> Authorization: Bearer <redacted>" in done.stderr
    assert mastodon_token not in done.stderr + done.stdout
