"""tweetpub replay against the real local Kafka: consume back and compare with the input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Consumer, TopicPartition

from tweetcontract.defaults import DEFAULT_LOCATIONS, DEFAULT_TRACK
from tweetpub.generate import GenOptions, generate, open_output
from tweetcontract.decode import BadLine, decode_line
from tweetcontract.envelope import parse_dead_letter, parse_value
from tweetpub.filters import TweetFilter, parse_locations, parse_track
from tweetcontract.hashtags import event_time

pytestmark = pytest.mark.integration


def _recording(path: Path, **kw) -> Path:
    out = open_output(str(path))
    try:
        generate(GenOptions(**kw), out)
    finally:
        out.close()
    return path


def _expected(path: Path) -> tuple[list[tuple[str, str, dict]], list[tuple[int, str]]]:
    """(id, dialect, tweet) of every tweet and (line, reason) of every bad line, read independently."""
    import gzip

    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    tweets, bad = [], []
    for n, raw in enumerate(data.split(b"\n"), start=1):
        if not raw:
            continue
        try:
            tweets += [(t.id, t.dialect, t.data) for t in decode_line(raw)]
        except BadLine as exc:
            bad.append((n, exc.reason))
    return tweets, bad


def _consume(bootstrap: str, topic: str, want: int, timeout: float = 60.0) -> list:
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"t-{topic}-{time.time()}", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    try:
        md = c.list_topics(topic, timeout=10)
        parts = sorted(md.topics[topic].partitions)
        total = sum(c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts)
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        msgs, deadline = [], time.monotonic() + timeout
        target = max(want, total)
        while len(msgs) < target and time.monotonic() < deadline:
            for m in c.consume(500, timeout=1.0):
                if m.error() is None:
                    msgs.append(m)
        # a short extra wait catches anything beyond what was expected (duplicates)
        msgs += [m for m in c.consume(500, timeout=1.0) if m.error() is None]
        return msgs
    finally:
        c.close()


def _tweetpub(*args: str, stdin: bytes | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tweetpub", *args], input=stdin, capture_output=True,
                          timeout=timeout, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_replay_round_trip_and_dead_letters(tmp_path: Path, kafka_bootstrap: str, kafka_topic) -> None:
    rec = _recording(tmp_path / "rec.jsonl.gz", count=400, seed=11, malformed=8)
    topic = kafka_topic(partitions=3)
    dlq = kafka_topic(name=topic + ".dlq")
    # No filter flag: replay keeps every valid record by default (a generated recording is 30% outside the box).
    res = _tweetpub("replay", str(rec), "--bootstrap-servers", kafka_bootstrap, "--topic", topic)
    assert res.returncode == 0, res.stderr.decode()
    assert b"Traceback" not in res.stderr
    tweets, bad = _expected(rec)
    assert len(tweets) == 400 and len(bad) == 8

    msgs = _consume(kafka_bootstrap, topic, len(tweets))
    got = {}
    for m in msgs:
        env = parse_value(m.value())
        assert m.key().decode() == env["id"]
        assert env["source"] == "replay" and env["produced_at"].endswith("Z")
        assert env["id"] not in got, f"duplicate {env['id']}"
        got[env["id"]] = (env["dialect"], env["tweet"])
    assert got == {i: (d, t) for i, d, t in tweets}

    dead = [parse_dead_letter(m.value()) for m in _consume(kafka_bootstrap, dlq, len(bad))]
    assert sorted((d["line"], d["reason"]) for d in dead) == bad
    assert all(d["source"] == str(rec) for d in dead)
    summary = res.stderr.decode().strip().splitlines()[-1]
    assert "read=400" in summary and "produced=400" in summary and f"dead_lettered={len(bad)}" in summary


def test_filter_keeps_what_the_rules_match(tmp_path: Path, kafka_bootstrap: str, kafka_topic) -> None:
    rec = _recording(tmp_path / "rec.jsonl", count=300, seed=5)
    topic = kafka_topic()
    kafka_topic(name=topic + ".dlq")
    res = _tweetpub("replay", str(rec), "--bootstrap-servers", kafka_bootstrap, "--topic", topic, "--demo-filter")
    assert res.returncode == 0, res.stderr.decode()
    flt = TweetFilter(parse_track(DEFAULT_TRACK), parse_locations([DEFAULT_LOCATIONS]))
    want = {i for i, d, t in _expected(rec)[0] if flt.match(t, d)}
    assert 0 < len(want) < 300
    got = [parse_value(m.value())["id"] for m in _consume(kafka_bootstrap, topic, len(want))]
    assert sorted(got) == sorted(want)


def test_stdin_and_bad_lines_never_stop_the_run(tmp_path: Path, kafka_bootstrap: str, kafka_topic) -> None:
    good = [orjson.dumps({"id_str": str(i), "id": i, "text": "python", "user": {}}) for i in range(1, 6)]
    data = b"\n".join([good[0], b"\xff\xfe", good[1], b'{"limit":{"track":1}}', b"x" * 3000, good[2], b"{tru",
                       good[3], b"", good[4]])
    topic = kafka_topic()
    dlq = kafka_topic(name=topic + ".dlq")
    res = _tweetpub("replay", "-", "--bootstrap-servers", kafka_bootstrap, "--topic", topic, "--no-filter",
                    "--max-line-bytes", "2048", stdin=data)
    assert res.returncode == 0, res.stderr.decode()
    assert sorted(parse_value(m.value())["id"] for m in _consume(kafka_bootstrap, topic, 5)) == ["1", "2", "3", "4", "5"]
    dead = sorted((d["line"], d["reason"], d["source"]) for d in
                  (parse_dead_letter(m.value()) for m in _consume(kafka_bootstrap, dlq, 4)))
    assert dead == [(2, "not-utf8", "-"), (4, "not-a-tweet:limit", "-"), (5, "line-too-long", "-"),
                    (7, "invalid-json", "-")]
    assert b"malformed=3 skipped=1" in res.stderr


def test_resume_after_sigkill_duplicates_nothing_and_loses_nothing(tmp_path: Path, kafka_bootstrap: str,
                                                                    kafka_topic) -> None:
    rec = _recording(tmp_path / "rec.jsonl.gz", count=1500, seed=21, malformed=6)
    topic = kafka_topic(partitions=3)
    dlq = kafka_topic(name=topic + ".dlq")
    args = ["replay", str(rec), "--bootstrap-servers", kafka_bootstrap, "--topic", topic, "--no-filter",
            "--linger-ms", "5"]
    proc = subprocess.Popen([sys.executable, "-m", "tweetpub", *args, "--rate", "400"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    c = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": "w", "enable.auto.commit": False})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            n = sum(c.get_watermark_offsets(TopicPartition(topic, p), timeout=5)[1] for p in range(3))
            if n >= 300 or proc.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        c.close()
    assert proc.poll() is None, "replay finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    partial = _consume(kafka_bootstrap, topic, 0, timeout=5)
    assert 300 <= len(partial) < 1500

    res = _tweetpub(*args, "--resume")
    assert res.returncode == 0, res.stderr.decode()
    ids = [parse_value(m.value())["id"] for m in _consume(kafka_bootstrap, topic, 1500)]
    tweets, bad = _expected(rec)
    assert len(ids) == len(set(ids)) == 1500
    assert set(ids) == {i for i, _, _ in tweets}
    dead = [(d["line"], d["reason"]) for d in (parse_dead_letter(m.value()) for m in _consume(kafka_bootstrap, dlq, 6))]
    assert sorted(dead) == bad
    assert b"resumed=" in res.stderr and b"resumed=0 " not in res.stderr


def test_loop_shifts_event_times_and_suffixes_ids(tmp_path: Path, kafka_bootstrap: str, kafka_topic) -> None:
    rec = _recording(tmp_path / "rec.jsonl", count=40, seed=8, dialect="mixed")
    topic = kafka_topic()
    kafka_topic(name=topic + ".dlq")
    started = datetime.now(timezone.utc)
    res = _tweetpub("replay", str(rec), "--bootstrap-servers", kafka_bootstrap, "--topic", topic, "--no-filter",
                    "--loops", "2", "--speed", "100000")
    assert res.returncode == 0, res.stderr.decode()
    envs = [parse_value(m.value()) for m in _consume(kafka_bootstrap, topic, 80)]
    original = {i: t for i, _, t in _expected(rec)[0]}
    assert sorted(e["id"] for e in envs) == sorted(list(original) + [i + "~2" for i in original])
    for e in envs:
        base_id = e["id"].split("~")[0]
        orig = original[base_id]
        shifted = event_time(e["tweet"], e["dialect"])
        assert started - timedelta(seconds=5) <= shifted <= datetime.now(timezone.utc) + timedelta(seconds=5)
        assert {k: v for k, v in e["tweet"].items() if k != "created_at"} == \
            {k: v for k, v in orig.items() if k != "created_at"}


def test_unreachable_broker_is_one_clear_line(tmp_path: Path) -> None:
    rec = _recording(tmp_path / "rec.jsonl", count=5, seed=1)
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = _tweetpub("replay", str(rec), "--bootstrap-servers", f"127.0.0.1:{port}", "--timeout", "2", timeout=60)
    lines = res.stderr.decode().strip().splitlines()
    assert res.returncode == 3
    assert len(lines) == 1 and lines[0].startswith("tweetpub: error: cannot reach Kafka at 127.0.0.1:")
    assert "Traceback" not in res.stderr.decode()
