"""The status line says where the posts come from (issue 13, item 4), in real headless Chromium.

The replay case is the whole pipeline on the shared stack: the committed demo recording replayed by
tweetpub into a fresh topic, the real job (spark-submit, --available-now) writing to HDFS, the dashboard
reading it through WebHDFS. The Bluesky case is an output folder written with the contract's writers
(a live Jetstream cannot be reached from here), so it checks the dashboard's side of the same field.
The demo cloud's screenshot lands in build/screenshots/demo-cloud.png.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tweetcontract.output.sources import SourceSeen, sources_field
from tweetdev.harness import write_hdfs
from tweetviz import create_app
from tweetviz.sample import build_output

from .helpers import LiveServer, minute_now
from .test_browser import browser, page, shot  # noqa: F401  (the shared Chromium fixtures)

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "tweetpub" / "data" / "demo.jsonl.gz"

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def _serve(webhdfs_url: str, path: str) -> tuple:
    app = create_app({"DATA": webhdfs_url.replace("http://", "webhdfs://") + path, "HDFS_USER": "tweetics",
                      "POLL_INTERVAL": 0.1, "PARTITION_INTERVAL": 0.5, "HDFS_TIMEOUT": 2.0})
    return app, LiveServer(app).__enter__()


def _status_with(page, text: str, timeout: float = 90_000) -> str:  # a loaded 2-core machine: slow page loads
    page.wait_for_function("t => document.getElementById('status').textContent.includes(t)", arg=text,
                           timeout=timeout)
    return page.locator("#status").text_content()


def _biggest_words(page, n: int) -> list[str]:
    return page.evaluate("""n => Array.from(document.querySelectorAll('#cloud text.word'))
        .sort((a, b) => Number(b.getAttribute('font-size')) - Number(a.getAttribute('font-size')))
        .slice(0, n).map(e => e.dataset.key)""", n)


def test_a_replayed_demo_through_the_real_job_is_labelled_a_replay(stack_env, kafka_topic, hdfs_url, webhdfs_url,
                                                                   hdfs_client, hdfs_path, spark_master, page):  # noqa: F811
    env = {**os.environ, **{k: v for k, v in stack_env.items() if k.isupper()}}
    topic = kafka_topic(partitions=2)
    replay = subprocess.run([sys.executable, "-m", "tweetpub", "replay", str(DEMO), "--loop", "--loops", "1",
                             "--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"], "--topic", topic],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert replay.returncode == 0, replay.stderr[-2000:]
    produced = int(replay.stderr.rsplit("produced=", 1)[1].split()[0])
    out, ckpt = f"{hdfs_url}{hdfs_path}/out", f"{hdfs_url}{hdfs_path}/ckpt"
    job = subprocess.run([sys.executable, "-m", "tweetics", "submit", "--master", spark_master,
                          "--conf", "spark.ui.enabled=false", "--", "--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"],
                          "--topic", topic, "--output", out, "--checkpoint", ckpt, "--starting-offsets", "earliest",
                          "--shuffle-partitions", "2", "--available-now"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert job.returncode == 0, job.stderr[-3000:]
    with hdfs_client.read(f"{hdfs_path}/out/latest.json") as f:
        latest = json.loads(f.read())
    # every replayed record is valid, and all of them came from the replay
    assert list(latest["sources"]) == ["replay"] and latest["sources"]["replay"]["records"] == produced

    app, server = _serve(webhdfs_url, f"{hdfs_path}/out")
    try:
        page.goto(server.url)
        status = _status_with(page, "replay of a recorded file")
        assert "(live)" not in status and "newest data" in status
        page.wait_for_function("() => document.querySelectorAll('#cloud text.word').length > 20", timeout=90_000)
        time.sleep(1.0)  # let the words' entering transition finish before the picture
        assert _biggest_words(page, 2) == ["iot", "bigdata"]
        shot(page, "demo-cloud")
    finally:
        app.extensions["tweetviz"].store.stop()
        server.__exit__(None, None, None)


def test_a_bluesky_output_is_labelled_live_with_the_age_of_its_newest_data(hdfs_client, hdfs_path, webhdfs_url,
                                                                         page):  # noqa: F811
    end = minute_now()
    files = build_output(end, 5, {"rust": 12, "bluesky": 9, "art": 5}, batch_id=7)
    doc = orjson.loads(files["latest.json"])
    doc["sources"] = sources_field({"bluesky": SourceSeen(1200, int(time.time() * 1000) - 4000)})
    files["latest.json"] = orjson.dumps(doc)
    write_hdfs(hdfs_client, hdfs_path, files)
    app, server = _serve(webhdfs_url, hdfs_path)
    try:
        page.goto(server.url)
        status = _status_with(page, "Bluesky (live)")
        assert "replay" not in status
        assert status.index("Bluesky (live)") < status.index("Data time")  # the origin leads the line
        age = int(status.split("newest data ", 1)[1].split(" s ago", 1)[0])
        assert 3 <= age < 60
        # the job stops reporting a source (a stalled stream): the label says so instead of claiming live
        doc["sources"], doc["batch_id"] = {}, 8
        write_hdfs(hdfs_client, hdfs_path, {"latest.json": orjson.dumps(doc)})
        status = _status_with(page, "origin not reported")
        assert "Bluesky" not in status
        shot(page, "origin-bluesky")
    finally:
        app.extensions["tweetviz"].store.stop()
        server.__exit__(None, None, None)
