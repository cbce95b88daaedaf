"""Benchmark: ``tweetpub stream --source bluesky`` from the local Jetstream, filter on, one core, into Kafka.

    server  : tweetdev.openstreams.FakeJetstream in a child process pinned to another core, its log holding N
              posts (a mix of tech words, facet tags and langs; about a third match the demo's 23 words).
    anchor  : a bare websockets client on the measured core receiving the same N frames from the same server
              (cursor replay), doing nothing with them: the ceiling set by the server and the WebSocket itself.
    stream  : run_open_stream on the measured core: receive, parse, classify, dedup, the track filter (the 23
              demo words), one envelope per matching post into Kafka, flush at the end.

Prints posts/s for both (N frames / seconds) and stream/anchor. Needs Kafka (KAFKA_BOOTSTRAP_SERVERS or
.stack/env). Usage: python -m benchmarks.bench_open [N] (from the repo root). Figures: build/bench/bench_open.json.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from benchmarks.bench_live import bootstrap, delete_topics, kafka_settings
from tweetcontract.defaults import DEFAULT_TRACK
from tweetpub.filters import parse_track
from tweetpub.kafkaconf import client_config, producer_config
from tweetpub.live.client import Backoff
from tweetpub.live.openrun import OpenOptions
from tweetpub.live.opensinks import run_open_stream
from tweetpub.producer import TweetProducer

SERVER = r"""
import sys
from tweetdev.openstreams import FakeJetstream, post_event
n = int(sys.argv[1])
words = ["openstack and kafka at the summit", "lunch was great today", "new bigdata pipeline on spark",
         "photos from the weekend", "iot sensors everywhere", "what a game last night"]
with FakeJetstream() as js:
    for i in range(n):
        js.publish(post_event(i, text=f"{words[i % len(words)]} {i}", facet_tags=(("Rust",), (), ("日本語", "AI"))[i % 3],
                              langs=(("en",), ("ja",), ("de",))[i % 3]))
    print(js.url, js.times[0], flush=True)
    sys.stdin.read()
"""


def pin(core: int) -> None:
    if hasattr(os, "sched_setaffinity") and core in os.sched_getaffinity(0):
        os.sched_setaffinity(0, {core})


def anchor(url: str, cursor: int, n: int) -> float:
    from websockets.sync.client import connect

    t0 = time.perf_counter()
    with connect(f"{url}/subscribe?wantedCollections=app.bsky.feed.post&cursor={cursor}", compression=None,
                 proxy=None, max_size=2**21) as ws:
        for _ in range(n):
            ws.recv()
    return time.perf_counter() - t0


def main(n: int) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    servers = bootstrap()
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(n)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True,
                              preexec_fn=(lambda: os.sched_setaffinity(0, {cores[-1]})) if len(cores) > 1 else None)
    topics: list[str] = []
    try:
        url, first = server.stdout.readline().split()  # type: ignore[union-attr]
        pin(cores[0])
        anchor_s = min(anchor(url, int(first), n) for _ in range(2))
        topic = f"bench-open-{uuid.uuid4().hex[:12]}"
        conf = producer_config(servers, compression="lz4", linger_ms=20, batch_size=262144, extra=kafka_settings())
        prod = TweetProducer(conf, client_config(servers, kafka_settings()), topic, timeout=15)
        topics += [prod.topic, prod.dlq_topic]
        prod.ensure_topics()
        opts = OpenOptions("bluesky", url, track=parse_track(DEFAULT_TRACK), cursor=int(first), backoff=Backoff.scaled(0.01))
        # the run ends when the server has sent everything and 2 s pass with nothing more: read_timeout
        # would reconnect, so stop by the count of messages instead (a limit on delivered posts would be
        # reached before the last non-matching posts were read)
        from tweetpub.live import openrun

        class Stop(openrun.PostHandler):
            def message(self) -> None:
                super().message()
                if self.summary.messages >= n:
                    self.done.set()

        original = openrun.PostHandler
        openrun.PostHandler = Stop  # type: ignore[misc]
        try:
            t0 = time.perf_counter()
            summary = run_open_stream(opts, producer=prod, handle_signals=False)
            stream_s = time.perf_counter() - t0
        finally:
            openrun.PostHandler = original  # type: ignore[misc]
        assert summary.messages == n and summary.acked == summary.delivered, summary.line()
    finally:
        if server.poll() is None:
            server.stdin.close()  # type: ignore[union-attr]
            server.wait(10)
        if topics:
            delete_topics(servers, topics)
    stream_rate, anchor_rate = n / stream_s, n / anchor_s
    out = {"posts": n, "matched": summary.delivered, "stream_s": stream_s, "stream_posts_per_s": stream_rate,
           "anchor_s": anchor_s, "anchor_posts_per_s": anchor_rate, "ratio": stream_rate / anchor_rate,
           "cores": 1, "filter": "the 23 demo words"}
    Path("build/bench").mkdir(parents=True, exist_ok=True)
    Path("build/bench/bench_open.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"bench-open: {n} Jetstream posts, {summary.delivered} matched the 23 demo words, one core")
    print(f"  stream --source bluesky -> Kafka : {stream_s:7.2f} s  {stream_rate:9.0f} posts/s")
    print(f"  anchor (raw WebSocket receive)   : {anchor_s:7.2f} s  {anchor_rate:9.0f} posts/s")
    print(f"  ratio stream/anchor              : {stream_rate / anchor_rate:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30000)
