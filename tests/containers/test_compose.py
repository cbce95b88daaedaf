"""The whole pipeline in compose, from our images: `docker compose -f deploy/compose.yaml up` (with
tests/containers/compose.e2e.yaml: the demo replayed once) gives final counts equal to the ground truth
computed from the recording, Kafka answers on its published host port, Chromium shows the cloud, and
`down -v` leaves no container, volume or network behind."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.browserhelp import cloud_words
from tests.e2e.harness import expected_envelopes, topic_ids, truth
from tweetdev import docker
from tweetdev.harness import eventually_equal, free_port, get_json

from .conftest import need_images

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tweetpub" / "data" / "demo.jsonl.gz"
FILES = ["-f", str(ROOT / "deploy" / "compose.yaml"), "-f", str(Path(__file__).with_name("compose.e2e.yaml"))]


class Compose:
    def __init__(self) -> None:
        self.project = f"tweetics-e2e-{uuid.uuid4().hex[:8]}"
        self.ports = {k: free_port() for k in ("KAFKA_HOST_PORT", "HDFS_HOST_PORT", "SPARK_UI_HOST_PORT",
                                               "TWEETVIZ_HOST_PORT")}

    def __call__(self, *args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(["docker", "compose", "-p", self.project, *FILES, *args], capture_output=True,
                              text=True, timeout=timeout, env={**os.environ, **{k: str(v) for k, v in self.ports.items()}})
        if check and proc.returncode != 0:
            raise AssertionError(f"docker compose {' '.join(args)}: {proc.stderr[-3000:]}")
        return proc

    def container(self, service: str) -> str:
        return self("ps", "-a", "-q", service).stdout.strip()

    def leftovers(self) -> list[str]:
        label = f"label=com.docker.compose.project={self.project}"
        out = []
        for kind in (["ps", "-a", "-q"], ["volume", "ls", "-q"], ["network", "ls", "-q"]):
            out += docker.docker(*kind, "--filter", label).stdout.split()
        return out


@pytest.fixture
def compose(engine):
    if docker.docker("compose", "version", check=False).returncode != 0:
        pytest.fail("no Docker Compose v2 plugin: `make compose-plugin`", pytrace=False)
    need_images("kafka", "hadoop", "tweetpub", "tweetviz", "tweetics")
    c = Compose()
    yield c
    c("down", "-v", "--remove-orphans", "--timeout", "30", check=False)


def _wait_exit(compose: Compose, service: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cid = compose.container(service)
        if cid:
            state = json.loads(docker.docker("inspect", "--format", "{{json .State}}", cid).stdout)
            if state["Status"] == "exited":
                return state["ExitCode"]
        time.sleep(2)
    raise AssertionError(f"{service} still running: {compose('logs', '--tail', '20', service, check=False).stdout}")


def _counts(compose: Compose) -> dict:
    proc = compose("exec", "-T", "tweetics", "tweetics", "counts", "hdfs://namenode:8020/tweetics",
                   "--format", "json", "--webhdfs-url", "http://namenode:9870", check=False, timeout=300)
    if proc.returncode != 0:
        return {"error": proc.stderr[-300:]}
    rows = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
    return {(r["window_start"], r["window_end"], r["hashtag"]): r["count"] for r in rows}


def test_the_pipeline_in_compose_equals_the_ground_truth(compose, tmp_path):
    plain = tmp_path / "demo.jsonl"
    plain.write_bytes(gzip.decompress(DEMO.read_bytes()))
    envelopes = expected_envelopes(plain)
    want = truth(envelopes)
    assert len(envelopes) > 500 and len(want) > 50

    started = time.monotonic()
    compose("up", "-d", "--no-build", "--quiet-pull")
    # Start-up to a live cloud: the dashboard's top hashtags are not empty (reported, not asserted).
    top = f"http://127.0.0.1:{compose.ports['TWEETVIZ_HOST_PORT']}/api/top?window=60&n=5"
    deadline = time.monotonic() + 1200
    while time.monotonic() < deadline:
        try:
            if get_json(top)["tags"]:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(2)
    live = time.monotonic() - started
    assert _wait_exit(compose, "tweetpub", 1200) == 0, compose("logs", "tweetpub", check=False).stdout[-2000:]

    # Kafka from the host, on the published EXTERNAL listener (what kcat -b 127.0.0.1:PORT would use):
    # every expected tweet exactly once.
    ids = topic_ids(f"127.0.0.1:{compose.ports['KAFKA_HOST_PORT']}", "tweets")
    assert ids == {e["id"]: 1 for e in envelopes}

    # The Spark job in compose converges on the truth (read with tweetics' own reader inside the network).
    got = eventually_equal(lambda: _counts(compose), want, timeout=900, interval=10)
    assert got == want

    # The dashboard, in Chromium, shows the cloud: words, all of them hashtags of the recording.
    tags = {tag.lower() for (_s, _e, tag) in want}
    words = cloud_words(f"http://127.0.0.1:{compose.ports['TWEETVIZ_HOST_PORT']}/", "compose-cloud.png")
    assert words and set(words) <= tags, sorted(set(words) - tags)
    print(f"compose: `up` to a live cloud in {live:.0f} s; to final counts and the page in "
          f"{time.monotonic() - started:.0f} s")  # reported, not asserted

    compose("down", "-v", "--remove-orphans", "--timeout", "30")
    assert compose.leftovers() == []
