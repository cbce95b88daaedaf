"""Kafka helpers the integration tests share: a TweetProducer on the real broker, reading a topic back."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tweetpub.kafkaconf import client_config, producer_config
from tweetpub.producer import TweetProducer


def producer_for(bootstrap: str, topic: str, dlq_topic: str, *, create_partitions: int | None = None) -> TweetProducer:
    """A producer as the CLI makes it (lz4, 5 ms linger); ``create_partitions`` also creates both topics."""
    conf = producer_config(bootstrap, compression="lz4", linger_ms=5, batch_size=65536, extra={})
    producer = TweetProducer(conf, client_config(bootstrap, {}), topic, dlq_topic, timeout=15)
    if create_partitions is not None:
        producer.ensure_topics(create_partitions)
    return producer


def drain_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30.0, settle: float = 2.0) -> list[Any]:
    """Every record of ``topic`` from the start: waits for ``expected``, then reads ``settle`` s more so
    that extra records (duplicates) would show."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"t-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        settle_until = None
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                out.append(msg)
            if len(out) >= expected and settle_until is None:
                settle_until = time.monotonic() + settle
            if settle_until is not None and time.monotonic() >= settle_until:
                break
    finally:
        consumer.close()
    return out
