"""Where the tests' Kafka, HDFS and Spark come from, in this order:

1. an external cluster named in the environment (KAFKA_BOOTSTRAP_SERVERS, HDFS_URL and WEBHDFS_URL all set,
   e.g. after `. .stack/env` or for a remote test cluster; SPARK_MASTER and SPARK_KAFKA_JARS optional);
2. the project's own launcher (``python -m tweetdev.stack``), which starts the real daemons from Maven jars;
3. with ``TWEETICS_SERVICES=containers``: testcontainers, our own Kafka and Hadoop images (`make images`:
   the launcher's pinned jars on Debian) on the host network on free ports, so WebHDFS's DataNode
   redirects resolve exactly as on the local stack and nothing touches its ports. It fails with one line
   when no engine answers or the images are missing.

``TWEETICS_SERVICES=launcher`` skips the external cluster too. `make test` runs its main session with
``launcher`` and, first, `make test-containers`: the stack, tweetpub and tweetics integration tests with
``containers``.

``tests/conftest.py`` turns ``services()`` into the session fixtures.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from typing import Iterator

from tweetdev import docker
from tweetdev.harness import free_port
from tweetdev.stack.cli import read_env
from tweetdev.stack.toolchain import default_stack_dir, spark_connector_jars, spark_home

# The launcher as the make targets run it (its daemons outlive the Python that starts them).
STACK = [sys.executable, "-m", "tweetdev.stack"]


def external_env() -> dict[str, str] | None:
    keys = ("KAFKA_BOOTSTRAP_SERVERS", "HDFS_URL", "WEBHDFS_URL")
    if all(os.environ.get(k) for k in keys):
        return {k: os.environ[k] for k in (*keys, "SPARK_MASTER", "SPARK_KAFKA_JARS") if os.environ.get(k)}
    return None


def docker_answers() -> bool:
    return docker.answers()


@contextmanager
def containers() -> Iterator[dict[str, str]]:
    """Kafka (KRaft) and HDFS from our images (`make images`), on the host network on free ports."""
    # No reaper: its image (testcontainers/ryuk) comes from a registry; the with-block removes ours.
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
    from testcontainers.core.container import DockerContainer

    kport, cport = free_port(), free_port()
    kafka = (DockerContainer(docker.image("kafka")).with_kwargs(network_mode="host")
             .with_env("KAFKA_LISTENERS", f"PLAINTEXT://127.0.0.1:{kport},CONTROLLER://127.0.0.1:{cport}")
             .with_env("KAFKA_ADVERTISED_LISTENERS", f"PLAINTEXT://127.0.0.1:{kport}")
             .with_env("KAFKA_CONTROLLER_QUORUM_VOTERS", f"1@127.0.0.1:{cport}")
             .with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true"))
    nn_rpc, nn_http, dn_data, dn_http, dn_ipc = (free_port() for _ in range(5))
    hdfs_conf = {
        "CORE-SITE.XML_fs.defaultFS": f"hdfs://127.0.0.1:{nn_rpc}",
        "HDFS-SITE.XML_dfs.namenode.http-address": f"127.0.0.1:{nn_http}",
        "HDFS-SITE.XML_dfs.namenode.secondary.http-address": "127.0.0.1:0",
        "HDFS-SITE.XML_dfs.datanode.address": f"127.0.0.1:{dn_data}",
        "HDFS-SITE.XML_dfs.datanode.http.address": f"127.0.0.1:{dn_http}",
        "HDFS-SITE.XML_dfs.datanode.ipc.address": f"127.0.0.1:{dn_ipc}",
        "HDFS-SITE.XML_dfs.datanode.hostname": "127.0.0.1",
        "HDFS-SITE.XML_dfs.permissions.enabled": "false",
        "HDFS-SITE.XML_dfs.namenode.datanode.registration.ip-hostname-check": "false",
        "HDFS-SITE.XML_dfs.heartbeat.interval": "1",
    }
    namenode = (DockerContainer(docker.image("hadoop")).with_kwargs(network_mode="host")
                .with_command("namenode").with_env("HDFS_HTTP_PORT", str(nn_http)))
    datanode = (DockerContainer(docker.image("hadoop")).with_kwargs(network_mode="host")
                .with_command("datanode").with_env("HDFS_HTTP_PORT", str(dn_http)))
    for c in (namenode, datanode):
        for k, v in hdfs_conf.items():
            c.with_env(k, v)
    with kafka, namenode, datanode:
        docker.wait_healthy(kafka.get_wrapped_container().id, "the Kafka container")
        docker.wait_healthy(namenode.get_wrapped_container().id, "the NameNode container")
        docker.wait_healthy(datanode.get_wrapped_container().id, "the DataNode container")
        yield {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kport}", "HDFS_URL": f"hdfs://127.0.0.1:{nn_rpc}",
               "WEBHDFS_URL": f"http://127.0.0.1:{nn_http}"}


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
    choice = os.environ.get("TWEETICS_SERVICES", "auto")
    if choice not in ("auto", "containers", "launcher"):
        raise RuntimeError(f"TWEETICS_SERVICES={choice!r}: expected auto, containers or launcher")
    ext = external_env() if choice == "auto" else None
    if choice == "containers" and not docker_answers():
        raise RuntimeError("TWEETICS_SERVICES=containers but no Docker engine answers (make docker-engine)")
    if choice == "containers" and not docker.have_images("kafka", "hadoop"):
        raise RuntimeError(f"TWEETICS_SERVICES=containers but {docker.image('kafka')} or "
                           f"{docker.image('hadoop')} is not built (make images)")
    if ext:
        yield "external", complete(ext)
    elif choice == "containers":
        with containers() as env:
            yield "testcontainers", complete(env)
    else:
        with launcher() as env:
            yield "launcher", complete(env)
