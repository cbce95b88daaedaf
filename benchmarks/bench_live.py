"""Benchmark: live stream -> Kafka throughput, against the producer-only anchor, measured in one run.

    live    : the local fake X API streams N v2 pages over chunked HTTP; ``run_stream`` parses, routes,
              deduplicates, flattens (dialects) and produces one envelope per tweet, then flushes.
    anchor  : the same N envelopes, prepared in memory beforehand, sent through the same TweetProducer
              and flushed (the ceiling: Kafka + client cost only).

Prints tweets/s for both and live/anchor. Needs the stack (KAFKA_BOOTSTRAP_SERVERS or .stack/env).
Usage: python -m benchmarks.bench_live [N] (from the repo root; `make bench-live`)
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import time
import uuid

import orjson

from benchmarks.benchlib import kafka_settings as _settings_of
from tweetdev.fakestream import Block, FakeXApi, Hold, tweet_page
from tweetpub.kafkaconf import client_config, producer_config
from tweetpub.producer import TweetProducer
from tweetpub.live.client import Backoff
from tweetpub.live.run import LiveOptions
from tweetpub.live.stream import run_stream
from tweetcontract.dialects import flatten_page
from tweetcontract.envelope import ValueBuilder
from tweetdev.stack.cli import read_env
from tweetdev.stack.toolchain import default_stack_dir

TAG = "tweetpub:bench"


def bootstrap() -> str:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    if (default_stack_dir() / "env").exists():
        return read_env(default_stack_dir())["KAFKA_BOOTSTRAP_SERVERS"]
    sys.exit("bench-live: no Kafka (set KAFKA_BOOTSTRAP_SERVERS or run `make up`)")


def kafka_settings() -> dict[str, str]:
    """The client settings of the Kafka that bootstrap() found (a secured stack's KAFKA_CONFIG_FILE)."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or not (default_stack_dir() / "env").exists():
        return _settings_of()
    return _settings_of(read_env(default_stack_dir()))


def producer(servers: str, topic: str) -> TweetProducer:
    conf = producer_config(servers, compression="lz4", linger_ms=20, batch_size=262144, extra=kafka_settings())
    return TweetProducer(conf, client_config(servers, kafka_settings()), topic, timeout=15)


def delete_topics(servers: str, topics: list[str]) -> None:
    from confluent_kafka.admin import AdminClient

    for fut in AdminClient({"bootstrap.servers": servers, **kafka_settings()}).delete_topics(topics, operation_timeout=30).values():
        try:
            fut.result(timeout=60)
        except Exception:  # best effort: a leftover uuid topic harms nobody
            pass


def main(n: int) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("tweetpub.live.run").setLevel(logging.ERROR)  # the v1.1-vs-v2 notes
    servers = bootstrap()
    token = secrets.token_urlsafe(24)
    os.environ["X_BEARER_TOKEN"] = token
    pages = [tweet_page(i) for i in range(n)]
    topics: list[str] = []
    try:
        with FakeXApi(token) as api:
            # our rule already on the stream (sync keeps it), so the pages can name it in matching_rules
            rule_id = api.seed_rule("openstack", TAG)
            body = b"".join(json.dumps({**p, "matching_rules": [{"id": rule_id, "tag": TAG}]}).encode() + b"\r\n"
                            for p in pages)
            step = 1 << 20
            api.add_connection(*[Block(body[i:i + step]) for i in range(0, len(body), step)], Hold())
            topic = f"bench-live-{uuid.uuid4().hex[:12]}"
            prod = producer(servers, topic)
            topics += [prod.topic, prod.dlq_topic]
            prod.ensure_topics()
            t0 = time.perf_counter()
            opts = LiveOptions(["openstack"], [], api_base=api.base_url, rule_tag=TAG, access_level="basic",
                               limit=n, backoff=Backoff.scaled(0.01), progress=False)
            summary = run_stream(opts, producer=prod)
            live_s = time.perf_counter() - t0
            assert summary.acked == n, summary.line()

        # anchor: identical envelopes, already built, straight into the producer
        build = ValueBuilder("live")
        rules = [{"id": rule_id, "tag": TAG}]
        values = [(p["data"]["id"], build(p["data"]["id"], "v2",
                                          orjson.dumps(flatten_page({**p, "matching_rules": rules})[0])))
                  for p in pages]
        topic2 = f"bench-anchor-{uuid.uuid4().hex[:12]}"
        topics.append(topic2)
        prod2 = producer(servers, topic2)
        topics.append(prod2.dlq_topic)
        prod2.ensure_topics()
        t0 = time.perf_counter()
        for key, value in values:
            prod2.write(key.encode(), value)
        left = prod2.flush(60)
        anchor_s = time.perf_counter() - t0
        assert left == 0 and prod2.stats.ok(topic2) == n
    finally:
        if topics:
            delete_topics(servers, topics)
    live_rate, anchor_rate = n / live_s, n / anchor_s
    print(f"bench-live: {n} tweets, {len(body) / 2**20:.1f} MiB of stream")
    print(f"  live stream -> Kafka      : {live_s:7.2f} s  {live_rate:9.0f} tweets/s")
    print(f"  anchor (producer only)    : {anchor_s:7.2f} s  {anchor_rate:9.0f} tweets/s")
    print(f"  ratio live/anchor         : {live_rate / anchor_rate:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
