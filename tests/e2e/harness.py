"""Running the whole pipeline for the end-to-end tests, the fault suite and `make bench-e2e`.

The ground truth comes from the recording itself: the shared tweet rules (dialects, the v1.1 filter, hashtags)
and the independent plain-Python window reference in tests/tweetics/reference.py, never from the job's code.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import orjson

from tests.services import REPO  # also puts deploy/local on sys.path
from tests.tweetics.reference import window_counts
from localstack.pipeline import BIN, Pipeline
from tweetpub import config
from tweetcontract import dialects
from tweetpub import filters

Counts = dict[tuple[str, str, str], int]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate(path: Path, count: int, duration_s: int, seed: int, malformed: int = 0,
             start: str = "2026-11-21T09:00:00Z") -> Path:
    subprocess.run([str(BIN / "tweetpub"), "generate", "-n", str(count), "--duration", str(duration_s),
                    "--seed", str(seed), "--malformed", str(malformed), "--start", start, "-o", str(path)],
                   check=True, capture_output=True)
    return path


def expected_envelopes(path: Path, filtered: bool = True) -> list[dict[str, Any]]:
    """What replay must put in Kafka: every readable tweet of the file that passes the default filter."""
    flt = filters.TweetFilter(filters.parse_track(config.DEFAULT_TRACK),
                              filters.parse_locations([config.DEFAULT_LOCATIONS]))
    out = []
    for line in path.read_bytes().splitlines():
        try:
            tweets = dialects.normalize(json.loads(line))
        except (ValueError, dialects.NotATweet):
            continue
        for t in tweets:
            if not filtered or flt.match(t.data, t.dialect):
                out.append({"schema": "tweetpub/1", "id": t.id, "dialect": t.dialect, "tweet": t.data})
    return out


def truth(envelopes: list[dict[str, Any]], window_s: int = 60, slide_s: int | None = None) -> Counts:
    return {k: n for k, (n, _display) in window_counts(envelopes, window_s, slide_s).items()}


def totals(counts: Counts) -> dict[str, int]:
    out: Counter[str] = Counter()
    for (_s, _e, tag), n in counts.items():
        out[tag] += n
    return dict(out)


def diff(got: Counts, want: Counts) -> tuple[int, int]:
    """(records lost, records counted twice): hashtag occurrences missing from or extra in `got`."""
    lost = sum(max(0, n - got.get(k, 0)) for k, n in want.items())
    extra = sum(max(0, n - want.get(k, 0)) for k, n in got.items())
    return lost, extra


@dataclass
class Run:
    """One pipeline instance on a stack: its topic, HDFS folders and processes."""

    env: dict[str, str]
    topic: str
    root: str  # HDFS folder holding output/ and checkpoint/
    pipeline: Pipeline

    @property
    def output(self) -> str:
        return f"{self.env['HDFS_URL']}{self.root}/output"

    @property
    def checkpoint(self) -> str:
        return f"{self.env['HDFS_URL']}{self.root}/checkpoint"

    def start_job(self, trigger: str = "1 second", window: str = "1 minute", slide: str | None = None,
                  watermark: str = "2 minutes", starting_offsets: str = "earliest") -> None:
        argv = [str(BIN / "tweetics"), "submit", "--master", self.env["SPARK_MASTER"], "--driver-memory", "1g",
                "--bootstrap-servers", self.env["KAFKA_BOOTSTRAP_SERVERS"], "--topic", self.topic,
                "--output", self.output, "--checkpoint", self.checkpoint, "--window", window,
                "--watermark", watermark, "--trigger", trigger, "--starting-offsets", starting_offsets,
                "--shuffle-partitions", "2"]
        if slide:
            argv += ["--slide", slide]
        self.pipeline.start("tweetics", argv)

    def start_viz(self, port: int, webhdfs_url: str | None = None) -> None:
        data = (webhdfs_url or self.env["WEBHDFS_URL"]).replace("http://", "webhdfs://") + f"{self.root}/output"
        self.pipeline.start("tweetviz", [str(BIN / "tweetviz"), "serve", "--data", data, "--host", "127.0.0.1",
                                         "--port", str(port), "--workers", "1", "--poll-interval", "0.2"])

    def replay(self, path: Path, rate: float | None = None, resume: bool = False, extra: list[str] | None = None) -> None:
        argv = [str(BIN / "tweetpub"), "replay", str(path), "--bootstrap-servers", self.env["KAFKA_BOOTSTRAP_SERVERS"],
                "--topic", self.topic, "--partitions", "2", "--status-every", "1"]
        if rate:
            argv += ["--rate", str(rate)]
        if resume:
            argv += ["--resume"]
        self.pipeline.start("tweetpub", argv + (extra or []))


def resolve_rows(lines: list[bytes]) -> Counts:
    """The contract's resolution rule: per (window, hashtag) the row with the highest batch_id wins."""
    best: dict[tuple[str, str, str], tuple[int, int]] = {}
    for line in lines:
        if not line.strip():
            continue
        row = orjson.loads(line)
        key = (row["window_start"], row["window_end"], row["hashtag"])
        if key not in best or row["batch_id"] >= best[key][0]:
            best[key] = (row["batch_id"], row["count"])
    return {k: c for k, (_b, c) in best.items()}


def hdfs_counts(client, root: str) -> Counts:
    """Read every counts file straight from HDFS (WebHDFS) and resolve it, independently of tweetics' reader."""
    lines: list[bytes] = []
    base = f"{root}/output/counts"
    if client.status(base, strict=False) is None:
        return {}
    for dirpath, _dirs, files in client.walk(base):
        for name in files:
            if name.endswith(".jsonl"):
                with client.read(f"{dirpath}/{name}") as r:
                    lines += r.read().splitlines()
    return resolve_rows(lines)


def cli_counts(output: str, env: dict[str, str]) -> Counts:
    proc = subprocess.run([str(BIN / "tweetics"), "counts", output, "--format", "json"], capture_output=True,
                          text=True, timeout=120, env={**env, "PATH": f"{BIN}:/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
    return {(r["window_start"], r["window_end"], r["hashtag"]): r["count"] for r in rows}


def get_json(url: str, timeout: float = 5) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.load(resp)


def _poll(fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float, interval: float) -> tuple[bool, Any]:
    """Call fetch() until done(value) or the deadline; (whether it got there, the last value or exception).
    Exceptions count as "not yet": services come and go during fault tests."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = fetch()
        except Exception as exc:
            last = exc
        else:
            if done(last):
                return True, last
        time.sleep(interval)
    return False, last


def wait_for(check: Callable[[], Any], timeout: float, interval: float = 1.0, what: str = "condition") -> Any:
    """Poll until check() returns something truthy; return it, or fail with the last value seen."""
    ok, last = _poll(check, bool, timeout, interval)
    if not ok:
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {str(last)[:500]}")
    return last


def eventually_equal(fetch: Callable[[], Any], want: Any, timeout: float, interval: float = 2.0) -> Any:
    """Poll fetch() until it equals want; return the last value either way, for the caller's assert
    (so a failure shows pytest's diff of what differs, not just a timeout)."""
    return _poll(fetch, lambda got: got == want, timeout, interval)[1]


def committed_batches(client, root: str) -> int:
    """How many micro-batches the query has committed (its checkpoint's commits folder)."""
    try:
        return len([n for n in client.list(f"{root}/checkpoint/commits") if n.isdigit()])
    except Exception:
        return 0


def topic_end_offsets(bootstrap: str, topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "offsets-probe", "enable.auto.commit": False})
    try:
        md = c.list_topics(topic, timeout=10)
        total = 0
        for p in md.topics[topic].partitions:
            _lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            total += hi
        return total
    finally:
        c.close()


def topic_ids(bootstrap: str, topic: str) -> Counter[str]:
    """Every envelope id in the topic, with how often it occurs (Kafka-level duplicates show as > 1)."""
    from confluent_kafka import Consumer

    expected = topic_end_offsets(bootstrap, topic)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"ids-{time.time_ns()}", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    ids: Counter[str] = Counter()
    seen = 0
    deadline = time.monotonic() + 120
    try:
        while seen < expected and time.monotonic() < deadline:
            for msg in c.consume(500, timeout=1):
                if msg.error():
                    continue
                seen += 1
                ids[msg.key().decode()] += 1
    finally:
        c.close()
    return ids
