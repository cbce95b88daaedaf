"""Hostile input on the real stack (issue 12): a tweet dated 2099, and Kafka offsets deleted before the read.

Kafka -> spark-submit tweetics/job.py -> HDFS -> `tweetics counts` and tweetviz over WebHDFS; ground truth is
the plain-Python reference (tests/tweetics/reference.py) over the valid envelopes.
"""
from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest

from tests.tweetics import reference, tweetgen
from tests.tweetics.test_integration import _counts, _env, _job_cmd, _metrics, _produce, _run

pytestmark = pytest.mark.integration
MIN = 60_000


def _future_envelope() -> dict:
    """A well-formed v1.1 tweet with a hashtag, dated 2099: valid in every field but its time."""
    tweet = {"created_at": "Thu Jan 01 00:00:00 +0000 2099", "id": 1460099999999999999,
             "id_str": "1460099999999999999", "text": "back from the future #FromTheFuture",
             "entities": {"hashtags": [{"text": "FromTheFuture", "indices": [20, 34]}]}}
    return tweetgen.envelope(tweet["id_str"], "v1.1", tweet)


def _partitions(hdfs_client, out_path: str) -> set[str]:
    found = set()
    for day in hdfs_client.list(f"{out_path}/counts"):
        for hour in hdfs_client.list(f"{out_path}/counts/{day}"):
            found.add(f"{day}/{hour}")
    return found


def test_a_2099_tweet_between_two_batches_leaves_every_window_exact_and_every_partition(
        stack_env, kafka_topic, hdfs_url, webhdfs_url, hdfs_client, hdfs_path, spark_master):
    env = _env(stack_env)
    topic = kafka_topic(partitions=2)
    out, ckpt = f"{hdfs_url}{hdfs_path}/out", f"{hdfs_url}{hdfs_path}/ckpt"
    # real-time tweets (the last 40 minutes), so that retention and the dashboard's clock are both in play
    start = (int(time.time() * 1000) // MIN - 40) * MIN
    first = list(tweetgen.generate(400, start, 10 * MIN, seed=41))
    second = list(tweetgen.generate(400, start + 10 * MIN, 10 * MIN, seed=42, id_offset=80_000))
    flags = ("--window", "1 minute", "--watermark", "10 minutes", "--available-now")

    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, first + [_future_envelope()])
    _run(_job_cmd(env, spark_master, topic, out, ckpt, *flags), env, timeout=900)
    before = _partitions(hdfs_client, f"{hdfs_path}/out")
    assert before
    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, second)
    _run(_job_cmd(env, spark_master, topic, out, ckpt, *flags), env, timeout=900)

    assert _counts(out, webhdfs_url) == reference.window_counts(first + second, 60)
    assert before <= _partitions(hdfs_client, f"{hdfs_path}/out")  # nothing deleted
    metrics = _metrics(hdfs_client, f"{hdfs_path}/out")
    assert sum(m["implausible_time"] for m in metrics) == 1
    assert sum(m["late"] for m in metrics) == 0
    assert all(m["watermark"] is None or m["watermark"] < "2027" for m in metrics)
    with hdfs_client.read(f"{hdfs_path}/out/latest.json") as f:
        latest = json.load(f)
    assert latest["input"]["implausible_time"] == 1 and latest["watermark"] < "2027"

    from tweetviz import create_app

    parts = urlsplit(webhdfs_url)
    app = create_app({"DATA": f"webhdfs://{parts.hostname}:{parts.port}{hdfs_path}/out", "START_REFRESHER": False,
                      "HDFS_USER": "tweetics", "HDFS_TIMEOUT": 5.0})
    app.extensions["tweetviz"].store.refresh_once(force_scan=True)
    health = app.test_client().get("/api/health").get_json()
    assert health["status"] == "ok" and health["implausible_time"] == 1 and health["lost_offsets"] == 0
    newest = max(k[1] for k in reference.window_counts(second, 60))
    assert health["data_time"] == newest  # the newest valid window, not 2099


def test_offsets_deleted_by_retention_show_up_in_the_metrics(
        stack_env, kafka_topic, kafka_bootstrap, hdfs_url, webhdfs_url, hdfs_client, hdfs_path, spark_master):
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import AdminClient

    env = _env(stack_env)
    topic = kafka_topic(partitions=2)
    out, ckpt = f"{hdfs_url}{hdfs_path}/out", f"{hdfs_url}{hdfs_path}/ckpt"
    start = (int(time.time() * 1000) // MIN - 30) * MIN
    first = list(tweetgen.generate(200, start, 5 * MIN, seed=51))
    gone = list(tweetgen.generate(300, start + 5 * MIN, 5 * MIN, seed=52, id_offset=90_000))
    kept = list(tweetgen.generate(200, start + 10 * MIN, 5 * MIN, seed=53, id_offset=95_000))
    flags = ("--window", "1 minute", "--watermark", "10 minutes", "--available-now")

    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, first)
    _run(_job_cmd(env, spark_master, topic, out, ckpt, *flags), env, timeout=900)
    # The checkpoint now points at the end of `first`; `gone` is written, then deleted as retention would
    # (Kafka's DeleteRecords moves the log start offset exactly like a retention sweep) before the job reads.
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, gone)
    marks = [TopicPartition(topic, p, -1) for p in range(2)]  # -1: up to the high watermark
    for fut in admin.delete_records(marks, request_timeout=30).values():
        fut.result(timeout=60)
    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, kept)
    _run(_job_cmd(env, spark_master, topic, out, ckpt, *flags), env, timeout=900)

    metrics = _metrics(hdfs_client, f"{hdfs_path}/out")
    assert sum(m["lost_offsets"] for m in metrics) == len(gone)
    assert sum(m["input_rows"] for m in metrics) == len(first) + len(kept)
    assert _counts(out, webhdfs_url) == reference.window_counts(first + kept, 60)
    with hdfs_client.read(f"{hdfs_path}/out/latest.json") as f:
        assert json.load(f)["input"]["lost_offsets"] == len(gone)
