"""What the tests and the benchmarks share: one pipeline instance on a stack (its topic, HDFS folder and
processes), polling with a deadline, Kafka offsets, and writing files into HDFS the way TweeTics does.

Used by the end-to-end tests, the fault suite, the tweetviz tests, `make bench-e2e` and `make bench-tweetviz`.
"""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from tweetdev.pipeline import BIN, Pipeline


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
                "--topic", self.topic, "--partitions", "2", "--status-every", "1", "--demo-filter"]
        if rate:
            argv += ["--rate", str(rate)]
        if resume:
            argv += ["--resume"]
        self.pipeline.start("tweetpub", argv + (extra or []))


def get_json(url: str, timeout: float = 5, answers: tuple[int, ...] = (503,)) -> Any:
    """GET a JSON body. An HTTP error whose status is in ``answers`` still returns its JSON body: tweetviz's
    /api/health answers 503 with the health document when degraded, and a test waits for that state."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as err:
        if err.code not in answers:
            raise
        with err:
            return json.load(err)


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


def topic_end_offsets(bootstrap: str, topic: str, settings: Mapping[str, str] | None = None) -> int:
    """Records in ``topic`` (sum of its partitions' end offsets); ``settings``: client security, if any."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, **(settings or {}), "group.id": "offsets-probe",
                  "enable.auto.commit": False})
    try:
        md = c.list_topics(topic, timeout=10)
        total = 0
        for p in md.topics[topic].partitions:
            _lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            total += hi
        return total
    finally:
        c.close()


def write_hdfs(client, root: str, files: Mapping[str, bytes]) -> None:
    """Write files into HDFS under ``root`` (temp name, then rename over the old file)."""
    for path, body in files.items():
        target = f"{root}/{path}"
        folder, name = target.rsplit("/", 1)
        tmp = f"{folder}/.{name}.{uuid.uuid4().hex}.tmp"
        client.write(tmp, data=body, overwrite=True)
        if client.status(target, strict=False) is not None:
            client.delete(target)
        client.rename(tmp, target)
