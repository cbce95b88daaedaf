"""The launcher itself, on a second stack beside the session's (its own directory and shifted ports):
up, status, up again (a no-op), spark-submit to its standalone master, down, down again; and the one-line
errors for a busy port, an old Java and a missing Maven."""
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.stack.helpers import HERE, produce_lines, spark_submit
from tweetdev.services import STACK
from tweetdev.stack.cli import read_env

pytestmark = pytest.mark.integration
OFFSET = 20000


def stack(*args: str, env: dict | None = None, timeout: int = 400) -> subprocess.CompletedProcess:
    return subprocess.run([*STACK, *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def assert_one_clean_line(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc
    errors = [l for l in proc.stderr.splitlines() if l.startswith("stack: error:")]
    assert len(errors) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in errors[0], errors[0]


def test_lifecycle_and_standalone_submit(tmp_path, stack_env):
    d = str(tmp_path / "stack")
    try:
        up = stack("--dir", d, "up", "--spark", "standalone", "--port-offset", str(OFFSET))
        assert up.returncode == 0, up.stderr[-2000:]
        env = read_env(Path(d))
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == f"127.0.0.1:{9092 + OFFSET}"
        assert env["HDFS_URL"] == f"hdfs://127.0.0.1:{8020 + OFFSET}"
        assert env["WEBHDFS_URL"] == f"http://127.0.0.1:{9870 + OFFSET}"
        assert env["SPARK_MASTER"] == f"spark://127.0.0.1:{7077 + OFFSET}"
        assert all(Path(j).exists() for j in env["SPARK_KAFKA_JARS"].split(","))

        status = stack("--dir", d, "status")
        assert status.returncode == 0, status.stdout
        pids = sorted(l.split()[l.split().index("pid") + 1] for l in status.stdout.splitlines() if " pid " in l)
        assert len(pids) == 5  # broker, namenode, datanode, master, worker

        again = stack("--dir", d, "up", "--spark", "standalone", "--port-offset", str(OFFSET))
        assert again.returncode == 0, again.stderr
        assert "started" not in again.stderr  # nothing new was launched
        status2 = stack("--dir", d, "status")
        assert sorted(l.split()[l.split().index("pid") + 1] for l in status2.stdout.splitlines() if " pid " in l) == pids

        # A different shape while running is refused with one line.
        assert_one_clean_line(stack("--dir", d, "up", "--brokers", "3", "--port-offset", str(OFFSET)), "make down")

        # Cluster submission: the standalone master runs the streaming query, reading and writing this stack.
        topic = "launcher-test"
        sent = [f"line {i}" for i in range(120)]
        produce_lines(env["KAFKA_BOOTSTRAP_SERVERS"], topic, [s.encode() for s in sent])
        env["SPARK_HOME"] = stack_env["SPARK_HOME"]
        proc = spark_submit(env, env["SPARK_MASTER"], HERE / "kafka_to_hdfs_job.py", env["KAFKA_BOOTSTRAP_SERVERS"],
                            topic, f"{env['HDFS_URL']}/out", f"{env['HDFS_URL']}/ckpt")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "ROWS=120" in proc.stdout
        # The application really ran on the standalone cluster (the worker launched its executor).
        assert any((Path(d) / "spark" / "work").iterdir())
    finally:
        down = stack("--dir", d, "down")
    assert down.returncode == 0, down.stderr
    assert "stopped 5 daemon(s)" in down.stdout
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    down2 = stack("--dir", d, "down")
    assert down2.returncode == 0 and "stopped 0 daemon(s)" in down2.stdout
    assert stack("--dir", d, "status").returncode != 0


def test_busy_port_gives_one_clear_line(tmp_path):
    offset = OFFSET + 1000
    with socket.socket() as s:
        s.bind(("127.0.0.1", 9092 + offset))
        s.listen()
        proc = stack("--dir", str(tmp_path / "s"), "up", "--port-offset", str(offset))
    assert_one_clean_line(proc, f"port {9092 + offset}", "in use", "Kafka broker 1")
    assert not list((tmp_path / "s").rglob("*.pid"))  # nothing was started


def test_old_java_is_refused(tmp_path):
    fake = tmp_path / "jdk" / "bin"
    fake.mkdir(parents=True)
    (fake / "java").write_text('#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n')
    (fake / "java").chmod(0o755)
    proc = stack("--dir", str(tmp_path / "s"), "up", "--port-offset", str(OFFSET + 2000),
                 env={"JAVA_HOME": str(tmp_path / "jdk")})
    assert_one_clean_line(proc, "Java 17 or newer is required", "version 11")


def test_missing_maven_is_named(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to(shutil.which("java"))
    env = {"PATH": str(bin_dir), "TWEETICS_JAR_CACHE": str(tmp_path / "empty-cache")}
    env.pop("JAVA_HOME", None)
    proc = subprocess.run([*STACK, "fetch"], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in dict(os.environ, **env).items() if k != "JAVA_HOME"})
    assert_one_clean_line(proc, "Maven (mvn) not found")
