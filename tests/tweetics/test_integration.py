"""End to end on the real stack: Kafka -> spark-submit tweetics/job.py -> HDFS -> `tweetics counts`.

Ground truth is the independent reference (tests/tweetics/reference.py) over the produced envelopes.
Spark runs are few and grouped (each costs a JVM start): tumbling + duplicates + bad data + late data
share one checkpoint over two runs; sliding windows share one checkpoint with the kill -9 restart.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.tweetics import reference, tweetgen

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
T0 = 1795251600000  # 2026-11-21T09:00:00Z
MIN = 60_000


def _produce(bootstrap: str, topic: str, items: list[Any]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "enable.idempotence": True})
    for item in items:
        key, value = tweetgen.encode(item) if isinstance(item, dict) else (None, item)
        producer.produce(topic, value=value, key=key)
        producer.poll(0)
    assert producer.flush(30) == 0


def _job_cmd(env: dict[str, str], master: str, topic: str, out: str, ckpt: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "tweetics", "submit", "--master", master, "--conf", "spark.ui.enabled=false",
            "--", "--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"], "--topic", topic, "--output", out,
            "--checkpoint", ckpt, "--starting-offsets", "earliest", "--shuffle-partitions", "2", *extra]


def _env(stack_env: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update({k: v for k, v in stack_env.items() if k.isupper()})
    return env


def _run(cmd: list[str], env: dict[str, str], timeout: int = 240) -> None:
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]


def _counts(out: str, webhdfs: str, *extra: str) -> dict[tuple[str, str, str], tuple[int, str]]:
    result = subprocess.run([sys.executable, "-m", "tweetics", "counts", out, "--format", "json",
                             "--webhdfs-url", webhdfs, *extra], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return {(r["window_start"], r["window_end"], r["hashtag"]): (r["count"], r["display"]) for r in rows}


def _metrics(hdfs_client, base: str) -> list[dict[str, Any]]:
    lines = []
    for name in hdfs_client.list(f"{base}/metrics"):
        with hdfs_client.read(f"{base}/metrics/{name}") as f:
            lines += [json.loads(line) for line in f.read().splitlines() if line.strip()]
    return lines


def test_tumbling_counts_duplicates_bad_and_late_data(stack_env, kafka_topic, hdfs_url, webhdfs_url,
                                                       hdfs_client, hdfs_path, spark_master):
    env = _env(stack_env)
    topic = kafka_topic(partitions=2)
    out, ckpt = f"{hdfs_url}{hdfs_path}/out", f"{hdfs_url}{hdfs_path}/ckpt"
    first = list(tweetgen.generate(600, T0, 10 * MIN, seed=21, duplicates=0.1))
    replayed = first[:40]  # a producer replay of the beginning: same ids, must count once
    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, first[:300] + list(tweetgen.BAD_VALUES) + first[300:] + replayed)

    _run(_job_cmd(env, spark_master, topic, out, ckpt, "--window", "1 minute", "--watermark", "2 minutes",
                  "--available-now"), env)
    expected = reference.window_counts(first, 60)
    assert _counts(out, webhdfs_url) == expected
    metrics = _metrics(hdfs_client, f"{hdfs_path}/out")
    assert sum(m["malformed"] for m in metrics) == 4
    assert sum(m["non_tweet"] for m in metrics) == 2
    assert sum(m["missing_fields"] for m in metrics) == 1
    assert sum(m["input_rows"] for m in metrics) == len(first) + len(replayed) + len(tweetgen.BAD_VALUES)
    assert sum(m["late"] for m in metrics) == sum(m["late_groups"] for m in metrics) == 0
    assert all({"input_rate", "processing_rate", "batch_duration_ms", "watermark"} <= m.keys() for m in metrics)
    with hdfs_client.read(f"{hdfs_path}/out/latest.json") as f:
        latest = json.load(f)
    newest = max(k[0] for k in expected)
    assert latest["windows"][-1]["start"] == newest
    top = latest["windows"][-1]["tags"][0]
    assert expected[(newest, latest["windows"][-1]["end"], top["hashtag"])][0] == top["count"]

    # second run, same checkpoint: late tweets (30 min behind the watermark) and old replays are counted
    # as late and left out; new on-time tweets are added
    late = list(tweetgen.generate(30, T0 - 40 * MIN, 5 * MIN, seed=22, id_offset=50_000))
    more = list(tweetgen.generate(200, T0 + 10 * MIN, 3 * MIN, seed=23, id_offset=60_000))
    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, late + first[100:120] + more)
    _run(_job_cmd(env, spark_master, topic, out, ckpt, "--window", "1 minute", "--watermark", "2 minutes",
                  "--available-now"), env)
    assert _counts(out, webhdfs_url) == reference.window_counts(first + more, 60)
    metrics = _metrics(hdfs_client, f"{hdfs_path}/out")
    # late_groups: the (window, hashtag) groups Spark dropped behind the watermark (one batch here);
    # late: the tweets behind them, recounted exactly (each distinct id once)
    late_groups = {(k[0], k[2]) for k in reference.window_counts(late + first[100:120], 60)}
    assert sum(m["late_groups"] for m in metrics) == len(late_groups) > 0
    assert sum(m["late"] for m in metrics) == len(reference.tweets_with_hashtags(late + first[100:120])) > 0
    finals = _counts(out, webhdfs_url, "--final-only")
    assert finals and all(expected[k] == v for k, v in finals.items() if k in expected)


def _hdfs_count(hdfs_client, path: str) -> int:
    try:
        return len(hdfs_client.list(path))
    except Exception:  # not created yet
        return 0


def test_sliding_windows_exact_after_kill_9_and_restart(stack_env, kafka_topic, hdfs_url, webhdfs_url,
                                                        hdfs_client, hdfs_path, spark_master):
    env = _env(stack_env)
    topic = kafka_topic(partitions=2)
    out, ckpt = f"{hdfs_url}{hdfs_path}/out", f"{hdfs_url}{hdfs_path}/ckpt"
    before = list(tweetgen.generate(900, T0, 12 * MIN, seed=31, duplicates=0.05))
    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, before)
    sliding = ("--window", "1 minute", "--slide", "20 seconds", "--watermark", "1 minute",
               "--max-offsets-per-trigger", "100")
    log = Path(f"/tmp/tweetics-kill-{uuid.uuid4().hex[:8]}.log")
    with log.open("w") as stderr:
        proc = subprocess.Popen(_job_cmd(env, spark_master, topic, out, ckpt, *sliding, "--trigger", "1 second"),
                                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while _hdfs_count(hdfs_client, f"{hdfs_path}/ckpt/commits") < 3:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the job committed no batches in time: " + log.read_text()[-3000:]
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver JVM and its Python, no shutdown hooks
        proc.wait(timeout=30)
    committed = _hdfs_count(hdfs_client, f"{hdfs_path}/ckpt/commits")
    assert 3 <= committed < len(before) // 100, "the kill must land mid-run"
    after = list(tweetgen.generate(300, T0 + 12 * MIN, 4 * MIN, seed=32, id_offset=70_000))
    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, after)
    _run(_job_cmd(env, spark_master, topic, out, ckpt, *sliding, "--available-now"), env)
    expected = reference.window_counts(before + after, 60, 20)
    assert _counts(out, webhdfs_url) == expected
    finals = _counts(out, webhdfs_url, "--final-only")
    assert len(finals) > len(expected) // 2 and all(expected[k] == v for k, v in finals.items())
    log.unlink()
