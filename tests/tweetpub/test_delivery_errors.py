"""Delivery errors the real broker reports after a record was sent (issue 12, deliver 2 and 4).

* the broker's own size check: the topic's ``max.message.bytes`` is lowered while tweetpub runs, so its check
  before sending passes and the broker answers MESSAGE_TOO_LARGE for the whole batch: the big record is
  dead-lettered ``record-too-large`` with a bounded excerpt, the records that shared its batch are sent again;
* the one retry: the topic is deleted under the running producer, so a record times out
  (``message.timeout.ms``); tweetpub sends it once more (delivered when the topic is back meanwhile) or
  dead-letters it with the reason when the second attempt fails too. (``min.insync.replicas`` above the
  replication factor was tried first: this Kafka acknowledges acks=all on a full ISR of one anyway.)

``replay -`` reads stdin, so each test decides when the next lines reach the producer.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import orjson
import pytest
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, NewTopic

from tests.tweetpub.test_poison_kafka import _consume, _tweet
from tweetcontract.envelope import parse_dead_letter, parse_value

pytestmark = pytest.mark.integration


_CONFIG_FILE: dict[str, str] = {}  # KAFKA_CONFIG_FILE of a secured stack, set by the fixture below


def _start(kafka_client: dict, topic: str, *extra: str) -> subprocess.Popen:
    # a secured stack's settings go through the file (env), never on the command line
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **({"TWEETPUB_KAFKA_CONFIG_FILE": _CONFIG_FILE["path"]}
                                                    if _CONFIG_FILE.get("path") else {})}
    return subprocess.Popen([sys.executable, "-m", "tweetpub", "replay", "-", "--bootstrap-servers",
                             kafka_client["bootstrap.servers"], "--topic", topic, "--no-filter", *extra],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _set(admin: AdminClient, topic: str, key: str, value: str) -> None:
    res = [ConfigResource("topic", topic, incremental_configs=[
        ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)])]
    for fut in admin.incremental_alter_configs(res).values():
        fut.result(timeout=60)

    def applied() -> bool:  # the broker applies a topic's new config from the metadata log, a moment later
        (fut,) = admin.describe_configs([ConfigResource("topic", topic)]).values()
        return fut.result(timeout=60)[key].value == value

    assert _wait_for(applied, 60), f"{topic}: {key} never became {value}"


def _wait_for(predicate, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _ids(kafka_client: dict, topic: str, timeout: float = 10.0) -> list[str]:
    return [parse_value(m.value())["id"] for m in _consume(kafka_client["bootstrap.servers"], topic, timeout)]


@pytest.fixture
def topics(kafka_client: dict, stack_env: dict):
    _CONFIG_FILE["path"] = stack_env.get("KAFKA_CONFIG_FILE") or os.environ.get("KAFKA_CONFIG_FILE") or ""
    admin = AdminClient(dict(kafka_client))
    made: list[str] = []

    def make(**config: str) -> str:
        topic = f"deliv-{os.urandom(6).hex()}"
        new = [NewTopic(topic, 1, 1, config=config), NewTopic(topic + ".dlq", 1, 1)]
        for fut in admin.create_topics(new).values():
            fut.result(timeout=60)
        made.extend([topic, topic + ".dlq"])
        return topic

    yield admin, make
    for fut in admin.delete_topics(made).values():
        try:
            fut.result(timeout=60)
        except Exception:  # cleanup only
            pass


def test_the_brokers_own_size_refusal_dead_letters_the_record_and_keeps_its_neighbours(kafka_client, topics):
    admin, make = topics
    topic = make()
    proc = _start(kafka_client, topic, "--compression", "none", "--linger-ms", "200")
    try:
        proc.stdin.write(b"".join(_tweet(n) + b"\n" for n in range(1, 21)))
        proc.stdin.flush()
        # the producer has read the topic's limit (1 MiB) and delivered the first lines: now lower the limit
        assert _wait_for(lambda: len(_ids(kafka_client, topic, 2)) == 20), "the first 20 lines never arrived"
        _set(admin, topic, "max.message.bytes", "4096")
        big = orjson.dumps({"id_str": "21", "id": 21, "user": {"id_str": "9"}, "created_at": "Sat Nov 21 09:00:21 +0000 2026",
                            "text": "python " + os.urandom(40000).hex()})  # hex of random bytes: not compressible away
        proc.stdin.write(b"".join([big + b"\n", *(_tweet(n) + b"\n" for n in range(22, 42))]))
        proc.stdin.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=180) == 0, err
    finally:
        proc.kill()
    assert "Traceback" not in err and "Message size too large" in err  # the broker's answer, after sending
    assert sorted(_ids(kafka_client, topic)) == sorted(str(n) for n in range(1, 42) if n != 21)
    (dead,) = [parse_dead_letter(m.value()) for m in _consume(kafka_client["bootstrap.servers"], topic + ".dlq")]
    assert (dead["reason"], dead["line"], dead["source"]) == ("record-too-large", 21, "-")
    assert '"id_str":"21"' in dead["raw"] and len(dead["raw"]) <= 64 * 1024 < len(big)


def _wait_for_first_line(kafka_client: dict, admin: AdminClient, topic: str, proc: subprocess.Popen) -> None:
    """Line 1 delivered (the producer knows the topic), then the topic deleted under it."""
    proc.stdin.write(_tweet(1) + b"\n")
    proc.stdin.flush()
    assert _wait_for(lambda: _ids(kafka_client, topic, 2) == ["1"]), "line 1 never arrived"
    for fut in admin.delete_topics([topic]).values():
        fut.result(timeout=60)
    assert _wait_for(lambda: topic not in admin.list_topics(timeout=10).topics, 60)


def test_a_failed_delivery_is_sent_once_more_then_dead_lettered(kafka_client, topics):
    """A retriable failure from the real broker: the topic is deleted while tweetpub runs (auto-creation off),
    so line 2 times out (``message.timeout.ms``). It is sent once more; delivered when the topic is back in time,
    else dead-lettered with the reason. Either way the run ends normally (exit 0) and no line is missing."""
    admin, make = topics
    settings = ("--kafka-config", "message.timeout.ms=4000", "--kafka-config", "allow.auto.create.topics=false")

    # 1. the topic comes back while line 2 waits for its second attempt: delivered once, marked late
    healed = make()
    proc = _start(kafka_client, healed, *settings)
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, b"")), daemon=True)
    reader.start()
    try:
        _wait_for_first_line(kafka_client, admin, healed, proc)
        proc.stdin.write(_tweet(2) + b"\n")
        proc.stdin.close()
        assert _wait_for(lambda: any(b"sending it again" in line for line in lines)), b"".join(lines).decode()
        for fut in admin.create_topics([NewTopic(healed, 1, 1)]).values():
            fut.result(timeout=60)
        assert proc.wait(timeout=180) == 0, b"".join(lines).decode()
    finally:
        proc.kill()
    reader.join(10)
    err = b"".join(lines).decode()
    assert "Traceback" not in err and err.count("sending it again") == 1 and "dead-lettered" not in err, err
    msgs = _consume(kafka_client["bootstrap.servers"], healed)
    assert [parse_value(m.value())["id"] for m in msgs] == ["2"]  # line 1 went with the deleted topic
    assert ("tp-late", b"1") in (msgs[0].headers() or [])
    assert not _consume(kafka_client["bootstrap.servers"], healed + ".dlq", 3)

    # 2. the second attempt fails too: dead-lettered under its line with the reason, never silently counted
    failing = make()
    proc = _start(kafka_client, failing, *settings)
    try:
        _wait_for_first_line(kafka_client, admin, failing, proc)
        out = proc.communicate(_tweet(2) + b"\n", timeout=180)[1].decode()
    finally:
        proc.kill()
    assert proc.returncode == 0 and "Traceback" not in out, out
    assert out.count("sending it again") == 1 and "dead-lettered as delivery-failed:_msg_timed_out" in out, out
    assert "produced=1 " in out and "redirected=1" in out, out
    (dead,) = [parse_dead_letter(m.value()) for m in _consume(kafka_client["bootstrap.servers"], failing + ".dlq")]
    assert (dead["reason"], dead["line"], dead["source"]) == ("delivery-failed:_msg_timed_out", 2, "-")
    assert '"id_str":"2"' in dead["raw"]
