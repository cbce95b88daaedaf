"""Helpers of the open-source tests: a producer on the real Kafka, reading a topic back, waiting."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Callable

import orjson
import pytest

from tweetpub.kafkaconf import client_config, producer_config
from tweetpub.producer import TweetProducer


@pytest.fixture
def mastodon_token(monkeypatch: pytest.MonkeyPatch) -> str:
    """A random access token, exported as MASTODON_TOKEN (tests check it never leaks)."""
    value = "mtok-" + secrets.token_urlsafe(24)
    monkeypatch.setenv("MASTODON_TOKEN", value)
    return value


def producer_for(bootstrap: str, topic: str, dlq_topic: str) -> TweetProducer:
    conf = producer_config(bootstrap, compression="lz4", linger_ms=5, batch_size=65536, extra={})
    producer = TweetProducer(conf, client_config(bootstrap, {}), topic, dlq_topic, timeout=15)
    producer.ensure_topics(1)
    return producer


def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list[dict]:
    """Every record value of ``topic`` parsed: waits for ``expected``, then drains 2 s more so extras show."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"t-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[dict] = []
    try:
        deadline = time.monotonic() + timeout
        drain_until = None
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                value = orjson.loads(msg.value())
                value["_key"] = msg.key().decode()
                out.append(value)
            if len(out) >= expected and drain_until is None:
                drain_until = time.monotonic() + 2.0
            if drain_until is not None and time.monotonic() >= drain_until:
                break
    finally:
        consumer.close()
    return out


def wait_for(check: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
