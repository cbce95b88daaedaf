"""The tweetviz and tweetpub images behave as in production: several live SSE streams to one gunicorn
(gthread) worker leave /api/ping answering, a stream outlives gunicorn's 30 s timeout and still delivers
events, and SIGTERM to tweetpub flushes what it queued (every record it reports produced is in Kafka)."""
from __future__ import annotations

import re
import socket
import threading
import time
import urllib.request
from urllib.parse import urlsplit

import pytest

from tweetdev.harness import free_port, get_json, topic_end_offsets, write_hdfs
from tweetviz.sample import build_output, jsonl, latest_doc, partition, window_rows

from tweetdev import docker
from ..tweetviz.helpers import minute_now

pytestmark = pytest.mark.integration

TAGS = {"OpenStack": 30, "Kubernetes": 22, "Python": 15, "Docker": 11}


class Stream:
    """One SSE connection read on its own thread; ``events`` has (time read, event name) per event."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=120)
        self.sock.sendall(f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n".encode())
        self.events: list[tuple[float, str]] = []
        self.status = b""
        self.closed = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
                if not self.status and b"\r\n" in buf:
                    self.status = buf.split(b"\r\n", 1)[0]
                for name in re.findall(rb"^event: (\w+)$", buf, re.M):
                    self.events.append((time.monotonic(), name.decode()))
                buf = buf[buf.rfind(b"\n") + 1:] if b"\n" in buf else buf
        except OSError:
            pass
        self.closed = True

    def close(self) -> None:
        self.sock.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status == 200
    except OSError:
        return False


def _until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"never: {what}")


def test_live_streams_leave_ping_answering_and_outlive_gunicorns_timeout(containers, hdfs_client, hdfs_path, webhdfs_url):
    end = minute_now()
    write_hdfs(hdfs_client, hdfs_path, build_output(end, 10, TAGS, batch_id=1))
    port = free_port()
    web = urlsplit(webhdfs_url)
    cid = containers.run("tweetviz", "serve", "--host", "127.0.0.1", env={
        "TWEETVIZ_DATA": f"webhdfs://{web.hostname}:{web.port}{hdfs_path}", "TWEETVIZ_HDFS_USER": "tweetics",
        "TWEETVIZ_PORT": str(port), "TWEETVIZ_WORKERS": "1", "TWEETVIZ_THREADS": "8",
        "TWEETVIZ_POLL_INTERVAL": "0.5", "TWEETVIZ_PARTITION_INTERVAL": "1", "TWEETVIZ_STREAM_HEARTBEAT": "5"})
    base = f"http://127.0.0.1:{port}"
    _until(lambda: _answers(f"{base}/api/health"), 300, f"tweetviz answers: {containers.logs(cid)[-1500:]}")
    streams = [Stream(f"{base}/api/stream?window=5") for _ in range(4)]
    try:
        _until(lambda: all(s.events for s in streams), 60, "every stream got its first view")
        assert all(s.status.startswith(b"HTTP/1.1 200") for s in streams), [s.status for s in streams]
        # Four streams hold four of the worker's threads; the worker still answers.
        assert get_json(f"{base}/api/ping", timeout=10) == {"status": "alive"}
        opened = time.monotonic()
        time.sleep(32)  # past gunicorn's 30 s worker timeout, which must not kill a streaming worker
        assert not any(s.closed for s in streams), containers.logs(cid)[-2000:]
        # New data after 30 s reaches every stream still open.
        rows = window_rows(end - 60, {**TAGS, "Late": 99}, 2)
        write_hdfs(hdfs_client, hdfs_path, {f"{partition(end - 60)}/batch-000000002.jsonl": jsonl(rows),
                                            "latest.json": latest_doc(rows, 2, end + 7)})
        _until(lambda: all(any(t > opened + 30 and name == "update" for t, name in s.events) for s in streams),
               120, "an update event after 30 s on every stream")
        assert get_json(f"{base}/api/ping", timeout=10) == {"status": "alive"}
        assert "WORKER TIMEOUT" not in containers.logs(cid)
    finally:
        for s in streams:
            s.close()


def test_sigterm_lets_tweetpub_flush(containers, kafka_bootstrap, kafka_topic):
    topic = kafka_topic(partitions=3)
    dlq = kafka_topic()
    cid = containers.run("tweetpub", "replay", "/opt/tweetpub/data/demo.jsonl.gz", "--loop", "--rate", "400",
                         "--bootstrap-servers", kafka_bootstrap, "--topic", topic, "--dlq-topic", dlq,
                         "--linger-ms", "500", "--status-every", "1")
    _until(lambda: topic_end_offsets(kafka_bootstrap, topic) > 500, 120, "tweetpub produced into Kafka")
    docker.docker("stop", "--time", "40", cid, timeout=90)  # SIGTERM, then SIGKILL after the grace period
    state = docker.docker("inspect", "--format", "{{.State.ExitCode}} {{.State.OOMKilled}}", cid).stdout.split()
    logs = containers.logs(cid)
    # 143: it stopped itself on SIGTERM (128 + 15) after flushing; 137 would be the SIGKILL after the grace period.
    assert state in (["0", "false"], ["143", "false"]), logs[-2000:]
    assert "got SIGTERM: stopping after flushing" in logs
    produced = int(re.findall(r"^summary: .*\bproduced=(\d+)", logs, re.M)[-1])
    assert produced > 500
    assert topic_end_offsets(kafka_bootstrap, topic) == produced, logs[-2000:]
