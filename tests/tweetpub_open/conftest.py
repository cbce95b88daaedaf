"""Helpers of the open-source tests: a producer on the real Kafka, reading a topic back, waiting."""

from __future__ import annotations

import secrets
import time
from typing import Callable

import orjson
import pytest

from tests import kafkahelp
from tweetpub.producer import TweetProducer


@pytest.fixture
def mastodon_token(monkeypatch: pytest.MonkeyPatch) -> str:
    """A random access token, exported as MASTODON_TOKEN (tests check it never leaks)."""
    value = "mtok-" + secrets.token_urlsafe(24)
    monkeypatch.setenv("MASTODON_TOKEN", value)
    return value


def producer_for(bootstrap: str, topic: str, dlq_topic: str) -> TweetProducer:
    return kafkahelp.producer_for(bootstrap, topic, dlq_topic, create_partitions=1)


def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list[dict]:
    """Every record value of ``topic`` parsed, with its key as ``_key`` (see :func:`tests.kafkahelp.drain_topic`)."""
    out = []
    for msg in kafkahelp.drain_topic(bootstrap, topic, expected, timeout):
        value = orjson.loads(msg.value())
        value["_key"] = msg.key().decode()
        out.append(value)
    return out


def wait_for(check: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
