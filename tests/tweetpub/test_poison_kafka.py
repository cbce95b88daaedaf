"""Hostile lines against the real local Kafka: each poison pill is dead-lettered with its reason and the
line after it arrives; a gzip bomb is read in bounded memory; a record the broker refuses is dead-lettered
and a resumed run neither re-sends nor loses anything (issue 12)."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, NewTopic

from tweetcontract.envelope import parse_dead_letter, parse_value

pytestmark = pytest.mark.integration


def _tweet(n: int, created: str = "Sat Nov 21 09:00:%02d +0000 2026", text: str = "python") -> bytes:
    return orjson.dumps({"id_str": str(n), "id": n, "text": text, "user": {"id_str": "9"},
                         "created_at": created % (n % 60) if "%" in created else created})


def _consume(bootstrap: str, topic: str, timeout: float = 30.0) -> list:
    """Every record of ``topic`` (waits until the end offsets are read)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"t-{topic}-{time.time()}",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        parts = sorted(c.list_topics(topic, timeout=10).topics[topic].partitions)
        total = sum(c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts)
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        msgs, deadline = [], time.monotonic() + timeout
        while len(msgs) < total and time.monotonic() < deadline:
            msgs += [m for m in c.consume(500, timeout=1.0) if m.error() is None]
        return msgs
    finally:
        c.close()


def _replay(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tweetpub", "replay", *args], capture_output=True,
                          timeout=timeout, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_each_poison_pill_is_dead_lettered_and_the_next_line_arrives(tmp_path: Path, kafka_bootstrap: str,
                                                                      kafka_topic) -> None:
    big = {"id": "500", "text": "x" * 2000}
    amplifying = {"data": [{"id": str(600 + i), "text": "t", "referenced_tweets": [{"id": "500"}] * 400}
                           for i in range(20)], "includes": {"tweets": [big]}}
    lines = [
        _tweet(1),
        b"[" * 5000 + b"]" * 5000,                                            # 2: deeper than any parser allows
        _tweet(2),
        b'{"id_str":"77","user":{},"text":"cut \\ud83d"}',                   # 4: a lone surrogate
        _tweet(3),
        orjson.dumps(amplifying),                                             # 6: 150 KB that would inline 16 MB
        _tweet(4),
        b'{"data":{"id":"88","text":"t","x":' + b"[" * 400 + b"]" * 400 + b"}}",  # 8: parses, cannot be written
        _tweet(5),
        _tweet(2099, created="Thu Jan 01 00:00:00 +0000 2099"),              # 10: far future, valid
        _tweet(6),
        _tweet(7, created="Thu Jan 01 00:00:00 +0000 1970"),                 # 12: far past, valid
        _tweet(8),
    ]
    rec = tmp_path / "poison.jsonl"
    rec.write_bytes(b"\n".join(lines) + b"\n")
    topic = kafka_topic()
    dlq = kafka_topic(name=topic + ".dlq")
    # --speed 1000 would wait 73 years / 1000 = 27 days for the 2099 line without the cap
    res = _replay(str(rec), "--bootstrap-servers", kafka_bootstrap, "--topic", topic, "--no-filter",
                  "--speed", "1000", "--max-gap", "60", timeout=120)
    err = res.stderr.decode()
    assert res.returncode == 0, err
    assert "Traceback" not in err
    ids = sorted(parse_value(m.value())["id"] for m in _consume(kafka_bootstrap, topic))
    assert ids == sorted(["1", "2", "3", "4", "5", "2099", "6", "7", "8"])
    dead = sorted((d["line"], d["reason"]) for d in (parse_dead_letter(m.value()) for m in _consume(kafka_bootstrap, dlq)))
    assert dead == [(2, "too-deep"), (4, "lone-surrogate"), (6, "amplifying-page"), (8, "unserializable")]
    summary = err.strip().splitlines()[-1]
    assert "dead_lettered=4" in summary and "produced=9" in summary
    assert "jumped=4" in summary  # to 2099, back, to 1970, back


def _bomb(path: Path, expanded_mib: int) -> None:
    """A gzip file of a good line, one line of ``expanded_mib`` MiB, a good line: a few MB on disk.

    Built from gzip members (a reader must join them), the same compressed MiB of 'a' repeated, so the
    test does not spend minutes compressing a GiB.
    """
    block = gzip.compress(b"a" * (1 << 20), compresslevel=9)
    with path.open("wb") as out:
        out.write(gzip.compress(_tweet(1) + b"\n"))
        for _ in range(expanded_mib):
            out.write(block)
        out.write(gzip.compress(b"\n" + _tweet(2) + b"\n"))


def test_a_gzip_bomb_is_read_in_bounded_memory(tmp_path: Path, kafka_bootstrap: str, kafka_topic) -> None:
    bomb = tmp_path / "bomb.jsonl.gz"
    _bomb(bomb, 1024)  # 1 GiB expanded
    assert bomb.stat().st_size < 8 << 20
    topic = kafka_topic()
    dlq = kafka_topic(name=topic + ".dlq")
    # A wrapper process measures the peak RSS of replay alone (RUSAGE_CHILDREN of pytest would include
    # every other child the session started).
    measure = ("import resource, subprocess, sys; "
               "r = subprocess.run(sys.argv[1:], stderr=subprocess.PIPE); "
               "sys.stderr.buffer.write(r.stderr); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    res = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "tweetpub", "replay", str(bomb),
                          "--bootstrap-servers", kafka_bootstrap, "--topic", topic, "--no-filter"],
                         capture_output=True, timeout=900, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert res.returncode == 0, res.stderr.decode()
    peak_mib = int(res.stdout.decode().split()[-1]) / 1024  # ru_maxrss is in KiB on Linux
    print(f"peak RSS of tweetpub replay on a 1 GiB gzip bomb: {peak_mib:.0f} MiB")
    assert peak_mib < 300, f"peak RSS {peak_mib:.0f} MiB"
    ids = sorted(parse_value(m.value())["id"] for m in _consume(kafka_bootstrap, topic))
    assert ids == ["1", "2"]
    (dead,) = [parse_dead_letter(m.value()) for m in _consume(kafka_bootstrap, dlq)]
    assert dead["line"] == 2 and dead["reason"] == "line-too-long" and len(dead["raw"]) == 64 * 1024


def _recording_with_a_big_line_21(tmp_path: Path) -> Path:
    """41 tweets, ids 1..41; line 21 is about 20 KB, over a 4 KiB topic limit."""
    lines = [_tweet(n) for n in range(1, 21)] + [_tweet(21, text="python " + "y" * 20000)] + \
            [_tweet(n) for n in range(22, 42)]
    rec = tmp_path / "rec.jsonl"
    rec.write_bytes(b"\n".join(lines) + b"\n")
    return rec


def test_a_record_the_broker_refuses_is_dead_lettered_and_resume_loses_nothing(tmp_path: Path, kafka_bootstrap: str,
                                                                                kafka_topic) -> None:
    topic = f"small-{os.urandom(6).hex()}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for fut in admin.create_topics([NewTopic(topic, 1, 1, config={"max.message.bytes": "4096"})]).values():
        fut.result(timeout=60)
    kafka_topic(name=topic + ".dlq")
    try:
        rec = _recording_with_a_big_line_21(tmp_path)
        args = [str(rec), "--bootstrap-servers", kafka_bootstrap, "--topic", topic, "--no-filter"]
        res = _replay(*args, timeout=120)
        err = res.stderr.decode()
        assert res.returncode == 0, err
        assert "Traceback" not in err and "redirected=1" in err
        want = sorted(str(n) for n in range(1, 42) if n != 21)
        assert sorted(parse_value(m.value())["id"] for m in _consume(kafka_bootstrap, topic)) == want
        (dead,) = [parse_dead_letter(m.value()) for m in _consume(kafka_bootstrap, topic + ".dlq")]
        assert (dead["reason"], dead["line"], dead["source"]) == ("record-too-large", 21, str(rec))
        assert '"id_str":"21"' in dead["raw"] and len(dead["raw"]) <= 64 * 1024

        # --resume: the refused line does not stop it, nothing is sent twice, nothing is missing
        again = _replay(*args, "--resume", timeout=120)
        assert again.returncode == 0, again.stderr.decode()
        assert "resumed=41" in again.stderr.decode() and "produced=0" in again.stderr.decode()
        assert sorted(parse_value(m.value())["id"] for m in _consume(kafka_bootstrap, topic)) == want
        assert len(_consume(kafka_bootstrap, topic + ".dlq")) == 1
    finally:
        for fut in admin.delete_topics([topic]).values():
            fut.result(timeout=60)


def test_resume_resends_a_record_whose_delivery_failed_before_later_ones_succeeded(
        tmp_path: Path, kafka_bootstrap: str) -> None:
    topic = f"gap-{os.urandom(6).hex()}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    small = {"max.message.bytes": "4096"}  # the dead letter of the big record does not fit either
    for fut in admin.create_topics([NewTopic(topic, 1, 1, config=small),
                                    NewTopic(topic + ".dlq", 1, 1, config=small)]).values():
        fut.result(timeout=60)
    try:
        rec = _recording_with_a_big_line_21(tmp_path)
        args = [str(rec), "--bootstrap-servers", kafka_bootstrap, "--topic", topic, "--no-filter"]
        res = _replay(*args, timeout=120)
        err = res.stderr.decode()
        assert res.returncode == 1 and "Traceback" not in err
        assert err.strip().splitlines()[-1].startswith("tweetpub: error: 1 record(s) not delivered")
        assert sorted(parse_value(m.value())["id"] for m in _consume(kafka_bootstrap, topic)) == \
            sorted(str(n) for n in range(1, 42) if n != 21)  # later records made it: a gap at line 21

        # the topic takes big records now: --resume fills the gap (it must not skip line 21) and nothing else
        resources = [ConfigResource("topic", t, incremental_configs=[
            ConfigEntry("max.message.bytes", "1048588", incremental_operation=AlterConfigOpType.SET)])
            for t in (topic, topic + ".dlq")]
        for fut in admin.incremental_alter_configs(resources).values():
            fut.result(timeout=60)
        again = _replay(*args, "--resume", timeout=120)
        out = again.stderr.decode()
        assert again.returncode == 0, out
        assert "produced=1 " in out and "resumed=40" in out
        ids = [parse_value(m.value())["id"] for m in _consume(kafka_bootstrap, topic)]
        assert sorted(ids) == sorted(str(n) for n in range(1, 42)) and len(ids) == 41
    finally:
        for fut in admin.delete_topics([topic, topic + ".dlq"]).values():
            fut.result(timeout=60)
