"""Where the tests' Kafka, HDFS and Spark come from, in this order:

1. an external cluster named in the environment (KAFKA_BOOTSTRAP_SERVERS, HDFS_URL and WEBHDFS_URL all set,
   e.g. after `. .stack/env` or for a remote test cluster; SPARK_MASTER and SPARK_KAFKA_JARS optional);
2. testcontainers, when a Docker engine answers (apache/kafka and apache/hadoop images on host networking,
   so WebHDFS's DataNode redirects resolve exactly as on the local stack);
3. the project's own launcher (``python -m tweetdev.stack``), which starts the real daemons from Maven jars.
   This is the path CI takes.

``tests/conftest.py`` turns ``services()`` into the session fixtures.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from typing import Iterator

from tweetdev.harness import free_port
from tweetdev.stack.cli import read_env
from tweetdev.stack.toolchain import default_stack_dir, spark_connector_jars, spark_home

# The launcher as the make targets run it (its daemons outlive the Python that starts them).
STACK = [sys.executable, "-m", "tweetdev.stack"]
KAFKA_IMAGE = "apache/kafka:4.3.1"
HADOOP_IMAGE = "apache/hadoop:3.5.0"


def external_env() -> dict[str, str] | None:
    keys = ("KAFKA_BOOTSTRAP_SERVERS", "HDFS_URL", "WEBHDFS_URL")
    if all(os.environ.get(k) for k in keys):
        return {k: os.environ[k] for k in (*keys, "SPARK_MASTER", "SPARK_KAFKA_JARS") if os.environ.get(k)}
    return None


def docker_answers() -> bool:
    docker = shutil.which("docker")
    if not docker:
        return False
    try:
        return subprocess.run([docker, "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def containers() -> Iterator[dict[str, str]]:
    """Kafka (KRaft) and HDFS in containers on the host network (Linux Docker engines)."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    kport, cport = free_port(), free_port()
    kafka = (DockerContainer(KAFKA_IMAGE).with_kwargs(network_mode="host")
             .with_env("KAFKA_NODE_ID", "1").with_env("KAFKA_PROCESS_ROLES", "broker,controller")
             .with_env("KAFKA_LISTENERS", f"PLAINTEXT://127.0.0.1:{kport},CONTROLLER://127.0.0.1:{cport}")
             .with_env("KAFKA_ADVERTISED_LISTENERS", f"PLAINTEXT://127.0.0.1:{kport}")
             .with_env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
             .with_env("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT")
             .with_env("KAFKA_CONTROLLER_QUORUM_VOTERS", f"1@127.0.0.1:{cport}")
             .with_env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
             .with_env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0"))
    hdfs_conf = {
        "CORE-SITE.XML_fs.defaultFS": "hdfs://127.0.0.1:8020",
        "HDFS-SITE.XML_dfs.replication": "1",
        "HDFS-SITE.XML_dfs.permissions.enabled": "false",
        "HDFS-SITE.XML_dfs.datanode.hostname": "127.0.0.1",
        "HDFS-SITE.XML_dfs.namenode.datanode.registration.ip-hostname-check": "false",
        "HDFS-SITE.XML_dfs.namenode.safemode.extension": "0",
        "ENSURE_NAMENODE_DIR": "/tmp/hadoop-root/dfs/name",
    }
    namenode = DockerContainer(HADOOP_IMAGE).with_kwargs(network_mode="host").with_command("hdfs namenode")
    datanode = DockerContainer(HADOOP_IMAGE).with_kwargs(network_mode="host").with_command("hdfs datanode")
    for c in (namenode, datanode):
        for k, v in hdfs_conf.items():
            c.with_env(k, v)
    with kafka, namenode, datanode:
        wait_for_logs(kafka, "Kafka Server started", timeout=120)
        wait_for_logs(datanode, "Successfully sent block report", timeout=180)
        yield {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kport}", "HDFS_URL": "hdfs://127.0.0.1:8020",
               "WEBHDFS_URL": "http://127.0.0.1:9870"}


def launcher_running() -> bool:
    return subprocess.run([*STACK, "status"], capture_output=True).returncode == 0


@contextmanager
def launcher() -> Iterator[dict[str, str]]:
    """The local launcher's stack; stopped afterwards only if this session started it."""
    started_here = not launcher_running()
    proc = subprocess.run([*STACK, "up"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"the local stack did not start: {proc.stderr.strip().splitlines()[-1:]}")
    try:
        yield read_env(default_stack_dir())
    finally:
        if started_here and os.environ.get("TWEETICS_KEEP_STACK") != "1":
            subprocess.run([*STACK, "down"], capture_output=True)


def complete(env: dict[str, str]) -> dict[str, str]:
    """Fill in the Spark settings an external or container stack may not name."""
    env = dict(env)
    if not env.get("SPARK_KAFKA_JARS"):
        env["SPARK_KAFKA_JARS"] = ",".join(str(j) for j in spark_connector_jars())
    env.setdefault("SPARK_MASTER", f"local[{min(os.cpu_count() or 2, 2)}]")
    if not env.get("SPARK_HOME"):
        env["SPARK_HOME"] = str(spark_home())
    return env


@contextmanager
def services() -> Iterator[tuple[str, dict[str, str]]]:
    """(how, env) for the session, by the order in the module docstring."""
    ext = external_env()
    if ext:
        yield "external", complete(ext)
    elif docker_answers():
        with containers() as env:
            yield "testcontainers", complete(env)
    else:
        with launcher() as env:
            yield "launcher", complete(env)
