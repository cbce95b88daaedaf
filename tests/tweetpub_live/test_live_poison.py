"""Poison pills on the live stream (the local fake X API into the real Kafka): each one is a dead letter
with its reason, the stream goes on, and the page after it arrives (issue 12)."""

from __future__ import annotations

import json

import orjson
import pytest

from tweetdev.fakestream import Block, FakeXApi, Hold, Page, Raw, tweet_page
from tweetpub.live.client import Backoff
from tweetpub.live.lines import DEFAULT_MAX_LINE_BYTES, LongLine, bounded_lines
from tweetpub.live.run import LiveOptions
from tweetpub.live.stream import run_stream

from tests.kafkahelp import drain_topic, producer_for

from .test_live_kafka import TAG


def ours(n: int, **kw) -> Page:
    return Page(tweet_page(n, **kw), matching_tag=TAG)


@pytest.mark.integration
def test_live_poison_pills_are_dead_letters_and_the_stream_goes_on(fake_api: FakeXApi, token: str,
                                                                    kafka_bootstrap: str, kafka_topic) -> None:
    topic = kafka_topic()
    dlq = kafka_topic()
    amplifying = tweet_page(90)
    amplifying["data"]["referenced_tweets"] = [{"type": "quoted", "id": "5"}] * 5000
    amplifying["includes"]["tweets"] = [{"id": "5", "text": "q" * 3000}]
    fake_api.add_connection(
        ours(1),
        Raw(b"[" * 5000 + b"]" * 5000),                                   # RecursionError in json.loads before
        ours(2),
        Raw(b'{"data":{"id":"7","text":"cut \\ud83d"},"matching_rules":[{"id":"1","tag":"' + TAG.encode() + b'"}]}'),
        ours(3),
        Block(b"z" * (DEFAULT_MAX_LINE_BYTES + 4096)),                   # a line that never ends ...
        Raw(b""),                                                          # ... until this newline
        ours(4),
        Page(amplifying, matching_tag=TAG),                                # 100 KB that would inline 15 MB
        ours(5),
        Hold(),
    )
    opts = LiveOptions(["openstack"], [(-71.4415, 41.986, -70.4747, 42.9041)], api_base=fake_api.base_url,
                       access_level="basic", rule_tag=TAG, limit=5, backoff=Backoff.scaled(0.01), read_timeout=5,
                       progress=False)
    summary = run_stream(opts, producer=producer_for(kafka_bootstrap, topic, dlq))
    assert summary.delivered == 5 and summary.acked == 5 and summary.stopped_by == "limit"
    ids = sorted(m.key().decode() for m in drain_topic(kafka_bootstrap, topic, 5))
    assert ids == sorted(tweet_page(n)["data"]["id"] for n in range(1, 6))
    dead = [json.loads(m.value()) for m in drain_topic(kafka_bootstrap, dlq, 4)]
    assert sorted(d["reason"] for d in dead) == ["amplifying-page", "line-too-long", "lone-surrogate", "too-deep"]
    assert all(len(d["raw"]) <= 64 * 1024 for d in dead)


def test_bounded_lines_cuts_a_line_that_never_ends() -> None:
    # a stream of 10 MiB without a newline, then a good line: only the head of the long one is kept
    chunks = [b"x" * 65536] * 160 + [b"\r\n", orjson.dumps({"ok": 1}), b"\r\n", b"\r\n", b"tail"]
    out = list(bounded_lines(iter(chunks), max_bytes=1 << 20, keep=100))
    assert out == [LongLine(b"x" * 100), b'{"ok":1}', b"", b"tail"]
    assert list(bounded_lines([b"ab\r\n", b"c", b"d\n"], max_bytes=2)) == [b"ab", b"cd"]
    assert list(bounded_lines([b"abc\n"], max_bytes=2, keep=1)) == [LongLine(b"a")]
