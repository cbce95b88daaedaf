"""Offsets a new checkpoint never reads (issue 12, deliver 4): below where its first batch starts, because
retention deleted them before the job first ran, or because of ``--starting-offsets latest``. They are
counted (``skipped_offsets``, inside ``lost_offsets``: metrics, latest.json, /api/health), or, with
``--fail-on-data-loss``, the job stops with one line before writing anything.

Real Kafka (DeleteRecords moves the log start offset exactly as a retention sweep does), spark-submit, HDFS.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

from tests.tweetics import reference, tweetgen
from tests.tweetics.test_integration import REPO, _counts, _env, _job_cmd, _metrics, _run
from tweetics.listener import metrics_line, skipped_offsets

MIN = 60_000


def test_skipped_offsets_are_the_offsets_below_the_first_start():
    assert skipped_offsets({"t": {"0": 100, "1": 5}}) == 105
    assert skipped_offsets({"t": {"0": 0}}) == 0
    assert skipped_offsets({"t": {"0": -1}}) is None and skipped_offsets(None) is None
    progress = {"batchId": 0, "sources": [{"startOffset": None, "endOffset": {"t": {"0": 150, "1": 5}},
                                           "numInputRows": 40}]}
    line = metrics_line(progress, initial_offsets=lambda: {"t": {"0": 100, "1": 5}})
    assert line["skipped_offsets"] == 105 and line["lost_offsets"] == 105 + 10  # 50 planned, 40 read
    progress["sources"][0]["startOffset"] = {"t": {"0": 100, "1": 5}}  # a later batch: nothing skipped before it
    line = metrics_line(progress, initial_offsets=lambda: pytest.fail("only a first batch asks"))
    assert line["skipped_offsets"] == 0 and line["lost_offsets"] == 10


def _produce(kafka_client: dict, topic: str, items: list) -> None:
    from confluent_kafka import Producer

    producer = Producer({**kafka_client, "linger.ms": 20, "enable.idempotence": True})
    for item in items:
        key, value = tweetgen.encode(item)
        producer.produce(topic, value=value, key=key)
        producer.poll(0)
    assert producer.flush(30) == 0


def _delete_all(kafka_client: dict, topic: str, partitions: int) -> None:
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import AdminClient

    marks = [TopicPartition(topic, p, -1) for p in range(partitions)]  # -1: up to the high watermark
    admin = AdminClient(dict(kafka_client))  # kept referenced until the futures resolve
    for fut in admin.delete_records(marks, request_timeout=30).values():
        fut.result(timeout=60)


@pytest.mark.integration
def test_offsets_gone_before_a_new_checkpoint_are_counted_or_refused(
        stack_env, kafka_topic, kafka_client, hdfs_url, webhdfs_url, hdfs_client, hdfs_path, spark_master):
    env = _env(stack_env)
    topic = kafka_topic(partitions=2)
    start = (int(time.time() * 1000) // MIN - 20) * MIN
    gone = list(tweetgen.generate(300, start, 5 * MIN, seed=61))
    kept = list(tweetgen.generate(200, start + 5 * MIN, 5 * MIN, seed=62, id_offset=70_000))
    flags = ("--window", "1 minute", "--watermark", "10 minutes", "--available-now")
    _produce(kafka_client, topic, gone)
    _delete_all(kafka_client, topic, 2)  # retention ran before the job ever did
    _produce(kafka_client, topic, kept)

    # --fail-on-data-loss: one line, exit 1, nothing written
    out, ckpt = f"{hdfs_url}{hdfs_path}/strict/out", f"{hdfs_url}{hdfs_path}/strict/ckpt"
    result = subprocess.run(_job_cmd(env, spark_master, topic, out, ckpt, *flags, "--fail-on-data-loss"),
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stderr[-3000:]
    # spark-submit's PythonRunner merges the driver's stderr into its stdout
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("tweetics-job: error:")]
    assert len(errors) == 1, (result.stdout[-2000:], result.stderr[-2000:])
    assert f"--fail-on-data-loss: the first batch would skip {len(gone)} offsets of {topic}" in errors[0]
    assert result.stderr.count("terminated with error") == 1  # no restart: it would meet the same offsets
    assert not hdfs_client.status(f"{hdfs_path}/strict/out/counts", strict=False)

    # without it: counted, and the records the topic still holds are all counted exactly
    out, ckpt = f"{hdfs_url}{hdfs_path}/out", f"{hdfs_url}{hdfs_path}/ckpt"
    _run(_job_cmd(env, spark_master, topic, out, ckpt, *flags), env, timeout=900)
    metrics = _metrics(hdfs_client, f"{hdfs_path}/out")
    assert sum(m["skipped_offsets"] for m in metrics) == len(gone)
    assert sum(m["lost_offsets"] for m in metrics) == len(gone)
    assert sum(m["input_rows"] for m in metrics) == len(kept)
    assert _counts(out, webhdfs_url) == reference.window_counts(kept, 60)
    with hdfs_client.read(f"{hdfs_path}/out/latest.json") as f:
        assert json.load(f)["input"]["lost_offsets"] == len(gone)

    # --starting-offsets latest on a topic that holds records: those are skipped, and counted too
    more = list(tweetgen.generate(50, start + 10 * MIN, 5 * MIN, seed=63, id_offset=75_000))
    out2, ckpt2 = f"{hdfs_url}{hdfs_path}/latest/out", f"{hdfs_url}{hdfs_path}/latest/ckpt"
    latest = (*flags, "--starting-offsets", "latest")
    _run(_job_cmd(env, spark_master, topic, out2, ckpt2, *latest), env, timeout=900)  # nothing new: no batch
    _produce(kafka_client, topic, more)
    _run(_job_cmd(env, spark_master, topic, out2, ckpt2, *latest), env, timeout=900)
    metrics = _metrics(hdfs_client, f"{hdfs_path}/latest/out")
    assert sum(m["input_rows"] for m in metrics) == len(more)
    assert sum(m["skipped_offsets"] for m in metrics) == len(gone) + len(kept)  # every offset below the start

    from tweetviz import create_app

    parts = urlsplit(webhdfs_url)
    app = create_app({"DATA": f"webhdfs://{parts.hostname}:{parts.port}{hdfs_path}/latest/out",
                      "START_REFRESHER": False, "HDFS_USER": "tweetics", "HDFS_TIMEOUT": 5.0})
    app.extensions["tweetviz"].store.refresh_once(force_scan=True)
    health = app.test_client().get("/api/health").get_json()
    assert health["lost_offsets"] == len(gone) + len(kept), health
