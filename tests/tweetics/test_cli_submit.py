"""`tweetics submit` as spark-submit: cluster deploy mode on a real standalone master, the connector resolved
from Maven coordinates (--packages, no local jars), spark-submit options passed through.

A private Spark master and worker (the launcher's own start code) run beside the shared stack's Kafka and HDFS.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tweetics import reference, tweetgen
from tests.tweetics.test_integration import T0, MIN, _counts, _env, _produce

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def standalone(tmp_path_factory) -> tuple[str, Path]:
    """A Spark standalone master + one worker on free ports; stopped at the end."""
    from tweetdev.stack import procs, spark

    offset = next((o for o in range(21000, 29000, 500) if all(_free(p) for p in spark.ports(o).values())), None)
    assert offset is not None, "no free ports for a Spark master and worker"
    stack_dir = tmp_path_factory.mktemp("spark-standalone")
    try:
        for role in ("master", "worker"):
            spark.start(stack_dir, role, offset, worker_cores=2, worker_memory="2g")
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if spark.master_ready(offset) and spark.worker_ready(offset):
                    break
            except OSError:
                pass
            time.sleep(1)
        else:
            pytest.fail(f"the standalone master or worker did not come up (logs in {stack_dir})")
        yield f"spark://127.0.0.1:{spark.ports(offset)['master']}", spark.home(stack_dir) / "work"
    finally:
        for role in ("worker", "master"):
            procs.stop(f"Spark {role}", spark.pid_file(stack_dir, role), stack_dir)


def _submit(master: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tweetics", "submit", "--master", master, *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=900)


def _job_args(topic: str, out: str, ckpt: str) -> list[str]:
    return ["--topic", topic, "--output", out, "--checkpoint", ckpt, "--starting-offsets", "earliest",
            "--shuffle-partitions", "2", "--available-now"]


def test_cluster_mode_on_standalone(standalone, stack_env, kafka_topic, hdfs_url, webhdfs_url, hdfs_path):
    master, work = standalone
    env = _env(stack_env)
    env["TWEETICS_BOOTSTRAP_SERVERS"] = env["KAFKA_BOOTSTRAP_SERVERS"]  # the driver on the worker gets it as a flag
    topic = kafka_topic(partitions=2)
    tweets = list(tweetgen.generate(300, T0, 5 * MIN, seed=33))
    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, tweets)
    out, ckpt = f"{hdfs_url}{hdfs_path}/cluster/out", f"{hdfs_url}{hdfs_path}/cluster/ckpt"
    spark_opts = ["--deploy-mode", "cluster", "--executor-memory", "512m", "--driver-memory", "512m",
                  "--name", "tweetics-cluster-test", "--total-executor-cores", "1",
                  "--conf", "spark.standalone.submit.waitAppCompletion=true", "--conf", "spark.ui.enabled=false"]
    dry = _submit(master, env, *spark_opts, *_job_args(topic, out, ckpt), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "--class org.apache.spark.deploy.PythonRunner" in dry.stdout and "--name tweetics-cluster-test" in dry.stdout
    assert "--bootstrap-servers " + env["KAFKA_BOOTSTRAP_SERVERS"] in dry.stdout

    result = _submit(master, env, *spark_opts, *_job_args(topic, out, ckpt))
    assert result.returncode == 0, result.stderr[-3000:]
    drivers = list(work.glob("driver-*/stderr"))
    assert drivers, "no driver ran on the worker"  # cluster mode: the driver was not this process
    assert _counts(out, webhdfs_url) == reference.window_counts(tweets, 60)


def test_packages_resolve_the_connector_without_local_jars(standalone, stack_env, kafka_topic, hdfs_url,
                                                           webhdfs_url, hdfs_path):
    master, _ = standalone
    env = _env(stack_env)
    for name in ("TWEETICS_JARS", "SPARK_KAFKA_JARS"):  # the local jars .stack/env names: not used here
        env.pop(name, None)
    topic = kafka_topic(partitions=2)
    tweets = list(tweetgen.generate(200, T0, 3 * MIN, seed=34))
    _produce(env["KAFKA_BOOTSTRAP_SERVERS"], topic, tweets)
    out, ckpt = f"{hdfs_url}{hdfs_path}/packages/out", f"{hdfs_url}{hdfs_path}/packages/ckpt"
    ivy = Path.home() / ".cache" / "tweetics" / "ivy" / "4.0.0"  # Ivy's downloads, outside the repo, by version
    args = ["--packages", "org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.0", "--conf", f"spark.jars.ivy={ivy}",
            "--executor-memory", "512m", "--total-executor-cores", "1", "--conf", "spark.ui.enabled=false",
            "--bootstrap-server", env["KAFKA_BOOTSTRAP_SERVERS"], *_job_args(topic, out, ckpt)]
    dry = _submit(master, env, *args, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "--jars" not in dry.stdout and ".cache/jars" not in dry.stdout  # no local connector jars
    result = _submit(master, env, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    assert _counts(out, webhdfs_url) == reference.window_counts(tweets, 60)
    refused = _submit(master, env, "--deploy-mode", "cluster", *args, "--dry-run")
    assert refused.returncode == 2 and refused.stderr.startswith("tweetics: error: --packages does not reach")


def test_local_master_refuses_cluster_mode_in_one_line():
    result = subprocess.run([sys.executable, "-m", "tweetics", "submit", "--master", "local[2]", "--deploy-mode",
                             "cluster", "--dry-run", "--bootstrap-servers", "h:1", "--output", "/tmp/o",
                             "--checkpoint", "/tmp/c"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tweetics: error: --deploy-mode cluster needs a cluster master (spark://, k8s://, yarn), not local[2]"]
