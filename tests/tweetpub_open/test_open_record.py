"""``record --source bluesky|mastodon`` writes each post exactly as received, and ``tweetpub replay`` of the
recording yields the same records as the live run into Kafka (the dialects are recognized line by line)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tweetdev.openstreams import Conn, DropConn, FakeJetstream, FakeMastodon, post_event, status, update
from tweetpub.cli import main
from tweetpub.filters import parse_track
from tweetpub.live.client import Backoff
from tweetpub.live.openrun import OpenOptions
from tweetpub.live.opensinks import run_open_record, run_open_stream

from .conftest import producer_for, read_topic

pytestmark = pytest.mark.integration
FAST = Backoff.scaled(0.01)
TRACK = parse_track("openstack,kafka")


def recorded_lines(directory: Path) -> list[bytes]:
    out: list[bytes] = []
    for path in sorted(directory.glob("*.jsonl.gz")):
        out += gzip.decompress(path.read_bytes()).splitlines()
    return out


def replay(files: list[Path], bootstrap: str, topic: str) -> None:
    result = CliRunner().invoke(main, ["replay", *map(str, files), "--no-filter", "--bootstrap-servers", bootstrap,
                                       "--topic", topic])
    assert result.exit_code == 0, result.output


def same_records(live: list[dict], replayed: list[dict], source: str) -> None:
    assert len(live) == len({r["id"] for r in live}) and len(replayed) == len({r["id"] for r in replayed})
    assert {r["id"]: (r["dialect"], r["tweet"]) for r in live} == \
        {r["id"]: (r["dialect"], r["tweet"]) for r in replayed}
    assert {r["source"] for r in live} == {source} and {r["source"] for r in replayed} == {"replay"}


def test_bluesky_recorded_then_replayed_gives_the_live_records(kafka_bootstrap: str, kafka_topic,
                                                                tmp_path: Path) -> None:
    live_topic, replay_topic = kafka_topic(), kafka_topic()
    with FakeJetstream() as js:
        for n in range(1, 25):
            js.publish(post_event(n, text="off topic" if n % 4 == 0 else None, facet_tags=("Kafka", "データ")))
        js.publish({"did": "did:plc:z", "kind": "commit",
                    "commit": {"operation": "delete", "collection": "app.bsky.feed.post", "rkey": "x"}})
        expected = 18
        js.add_connection(Conn(drop_after=7))
        opts = OpenOptions("bluesky", js.url, track=TRACK, cursor=1, rewind_seconds=3, limit=expected, backoff=FAST)
        live = run_open_stream(opts, producer=producer_for(kafka_bootstrap, live_topic, live_topic + ".dlq"),
                               handle_signals=False)
        js.add_connection(Conn(drop_after=11))
        rec = run_open_record(opts, out_dir=tmp_path, prefix="bsky", handle_signals=False)
        frames = {e.payload.encode() for e in js.log if isinstance(e.payload, str)}
    assert live.delivered == rec.delivered == expected and rec.duplicates > 0
    lines = recorded_lines(tmp_path)
    assert len(lines) == expected and set(lines) <= frames  # each line is a frame exactly as the server sent it
    replay(sorted(tmp_path.glob("*.jsonl.gz")), kafka_bootstrap, replay_topic)
    same_records(read_topic(kafka_bootstrap, live_topic, expected), read_topic(kafka_bootstrap, replay_topic, expected),
                 "bluesky")


def test_mastodon_recorded_then_replayed_gives_the_live_records(kafka_bootstrap: str, kafka_topic, tmp_path: Path,
                                                                 mastodon_token: str) -> None:
    live_topic, replay_topic = kafka_topic(), kafka_topic()
    statuses = [status(n, tags=("kafka",), text="Ünïcode toot" if n % 2 else None, lang="de" if n % 3 else "en")
                for n in range(1, 9)]
    with FakeMastodon(mastodon_token) as api:
        for _ in range(2):  # the same script for the live run and for the recording
            api.add_connection("hashtag:kafka", *map(update, statuses[:4]), DropConn())
            api.add_connection("hashtag:kafka", update(statuses[3]), *map(update, statuses[4:]))
        opts = OpenOptions("mastodon", api.url, tags=("kafka",), limit=8, backoff=FAST)
        live = run_open_stream(opts, producer=producer_for(kafka_bootstrap, live_topic, live_topic + ".dlq"),
                               handle_signals=False)
        rec = run_open_record(opts, out_dir=tmp_path, prefix="masto", handle_signals=False)
    assert live.delivered == rec.delivered == 8 and rec.duplicates == 1
    lines = recorded_lines(tmp_path)
    assert [json.loads(line)["uri"] for line in lines] == [s["uri"] for s in statuses]
    replay(sorted(tmp_path.glob("*.jsonl.gz")), kafka_bootstrap, replay_topic)
    same_records(read_topic(kafka_bootstrap, live_topic, 8), read_topic(kafka_bootstrap, replay_topic, 8), "mastodon")


def test_sigterm_stops_record_cleanly_with_every_post_in_finished_files(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    from .conftest import wait_for

    with FakeJetstream() as js:
        for n in range(1, 11):
            js.publish(post_event(n))
        proc = subprocess.Popen([sys.executable, "-m", "tweetpub", "record", "--source", "bluesky", "--no-filter",
                                 "--jetstream-url", js.url, "--cursor", "1", "-d", str(tmp_path), "--prefix", "b"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            wait_for(lambda: js.caught_up.is_set(), what="the recorder to read the log")
            wait_for(lambda: any(tmp_path.glob("*.part")), what="the recording file")
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err[-2000:]
    import re

    delivered = int(re.search(r"bluesky: (\d+) posts delivered", err).group(1))  # type: ignore[union-attr]
    assert "stopped by signal" in err and delivered >= 1
    assert not list(tmp_path.glob("*.part"))
    assert len(recorded_lines(tmp_path)) == delivered  # every post counted is in a finished file
