"""Argument errors (one line, no JVM started) and the spark-submit line `tweetics submit` builds."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BASE = ["--bootstrap-servers", "127.0.0.1:9092", "--output", "/tmp/o", "--checkpoint", "/tmp/c"]


@pytest.mark.parametrize("args", [
    ["--window", "soon"], ["--slide", "2 minutes"], ["--window", "1 minute", "--slide", "7 seconds"],
    ["--trigger", "0 seconds"], ["--starting-offsets", "yesterday"], ["--shuffle-partitions", "0"],
    ["--bootstrap-servers", "nohost"], ["--checkpoint", "/tmp/o"], ["--max-offsets-per-trigger", "x"],
])
def test_job_rejects_bad_arguments_in_one_line(args):
    result = subprocess.run([sys.executable, str(REPO / "tweetics" / "job.py"), *BASE, *args],
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tweetics-job: error:"), result.stderr


def test_job_requires_output():
    result = subprocess.run([sys.executable, str(REPO / "tweetics" / "job.py"), "--bootstrap-servers", "h:1"],
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 2 and "--output" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_submit_dry_run_builds_the_line(tmp_path):
    jars = []
    for name in ("a.jar", "b.jar"):
        (tmp_path / name).write_bytes(b"")
        jars.append(str(tmp_path / name))
    result = subprocess.run([sys.executable, "-m", "tweetics", "submit", "--master", "spark://127.0.0.1:7077",
                             "--jars", ",".join(jars), "--conf", "spark.x=1", "--dry-run", "--", *BASE,
                             "--available-now"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    argv = shlex.split(result.stdout)
    assert argv[0].endswith("bin/spark-submit")
    assert argv[argv.index("--master") + 1] == "spark://127.0.0.1:7077"
    assert argv[argv.index("--jars") + 1] == ",".join(jars)
    zip_path = Path(argv[argv.index("--py-files") + 1])
    import zipfile

    names = zipfile.ZipFile(zip_path).namelist()
    assert "tweetics/job.py" in names and "tweetcontract/hashtags.py" in names
    assert not any(n.startswith(("tweetpub/", "tweetviz/")) for n in names)  # only the contract and the job
    assert "spark.x=1" in argv
    assert argv[argv.index(str(REPO / "tweetics" / "job.py")) + 1:] == [*BASE, "--available-now"]


def test_submit_errors_are_one_line(tmp_path):
    for extra in (["--jars", str(tmp_path / "nope.jar"), "--", *BASE], ["--", *BASE, "--window", "x"]):
        result = subprocess.run([sys.executable, "-m", "tweetics", "submit", "--dry-run", *extra],
                                capture_output=True, text=True, timeout=60, cwd=REPO)
        assert result.returncode != 0
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def _tweetics(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tweetics", *args], capture_output=True, text=True, timeout=60,
                          cwd=REPO, env=env)


def test_submit_passes_every_other_spark_submit_option_through():
    result = _tweetics("submit", "--dry-run", "--master", "k8s://https://10.0.0.1:6443", "--deploy-mode", "cluster",
                       "--packages", "org.example:extra:1.0", "--executor-memory", "2g", "--name", "counts",
                       "--num-executors=3", "--conf", "spark.kubernetes.container.image=tweetics:0.1.0",
                       "--supervise", "--verbose", "--bootstrap-server", "k:9092", "--output", "/tmp/o",
                       "--checkpoint", "/tmp/c", "--available-now", "--", "--topic", "t")
    assert result.returncode == 0, result.stderr
    argv = shlex.split(result.stdout)
    job_at = argv.index(str(REPO / "tweetics" / "job.py"))
    spark, job = argv[:job_at], argv[job_at + 1:]
    assert spark[spark.index("--packages") + 1] == "org.example:extra:1.0,org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.0"
    assert "--jars" not in spark  # --packages resolves the connector: the local jars are not needed
    for pair in (["--deploy-mode", "cluster"], ["--executor-memory", "2g"], ["--name", "counts"]):
        assert spark[spark.index(pair[0]) + 1] == pair[1]
    assert {"--num-executors=3", "--supervise", "--verbose", "spark.kubernetes.container.image=tweetics:0.1.0"} <= set(spark)
    assert job[:8] == ["--bootstrap-server", "k:9092", "--output", "/tmp/o", "--checkpoint", "/tmp/c",
                       "--available-now", "--topic", "t"][:8] and "t" == job[job.index("--topic") + 1]
    assert "--bootstrap-servers" not in job  # given once, as the alias: not spelled out again from the env


def test_split_routes_job_flags_and_spark_flags():
    from tweetics import job
    from tweetics.exceptions import UsageError
    from tweetics.submit import split_args

    switches, valued = job.flag_sets()
    split = split_args(["--files", "a.txt", "--topic=t", "--window", "2 minutes", "-v", "--available-now",
                        "--queue", "q", "--", "--files", "x"], switches, valued)
    assert split.spark == ["--files", "a.txt", "-v", "--queue", "q"]
    assert split.job == ["--topic=t", "--window", "2 minutes", "--available-now", "--files", "x"]
    with pytest.raises(UsageError, match="needs a value"):
        split_args(["--properties-file"], switches, valued)
    with pytest.raises(UsageError, match="unexpected argument 'stray'"):
        split_args(["stray"], switches, valued)


def test_cluster_mode_on_standalone_runs_pythonrunner_from_a_jar(tmp_path):
    (tmp_path / "connector.jar").write_bytes(b"")
    env = {**os.environ, "TWEETICS_BOOTSTRAP_SERVERS": "k:9092", "TWEETICS_JARS": str(tmp_path / "connector.jar")}
    result = _tweetics("submit", "--dry-run", "--master", "spark://127.0.0.1:7077", "--deploy-mode", "cluster",
                       "--output", "/tmp/o", "--checkpoint", "/tmp/c", env=env)
    assert result.returncode == 0, result.stderr
    argv = shlex.split(result.stdout)
    assert argv[argv.index("--class") + 1] == "org.apache.spark.deploy.PythonRunner"
    assert "--py-files" not in argv  # spark-submit refuses it with a jar; PythonRunner takes the zip instead
    jar_at = next(i for i, a in enumerate(argv) if a.endswith(".jar") and "tweetics-driver" in a)
    assert argv[jar_at + 1] == str(REPO / "tweetics" / "job.py") and argv[jar_at + 2].endswith(".zip")
    # the driver runs on a worker, without this shell's variables: they become flags
    tail = argv[jar_at + 3:]
    assert tail[:4] == ["--output", "/tmp/o", "--checkpoint", "/tmp/c"]
    assert tail[tail.index("--bootstrap-servers") + 1] == "k:9092"
    # --packages never reaches the executors there (Spark resolves it for the driver only): refused in one line
    refused = _tweetics("submit", "--dry-run", "--master", "spark://127.0.0.1:7077", "--deploy-mode", "cluster",
                        "--packages", "", "--output", "/tmp/o", "--checkpoint", "/tmp/c", env=env)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert refused.stderr.startswith("tweetics: error: --packages does not reach the executors")


def test_usage_errors_and_version_are_one_line():
    result = _tweetics("submit", "--deploy-mode", "sideways")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("tweetics: error: Invalid value for '--deploy-mode'")
    result = _tweetics("counts")
    assert result.returncode == 2 and result.stderr.startswith("tweetics: error: Missing argument 'OUTPUT'")
    assert _tweetics("--version").stdout.startswith("tweetics ")
    job = subprocess.run([sys.executable, str(REPO / "tweetics" / "job.py"), "--version"], capture_output=True,
                         text=True, timeout=60, cwd=REPO)
    assert job.returncode == 0 and job.stdout.startswith("tweetics-job ")


def test_counts_names_the_url_and_the_port_it_used():
    result = _tweetics("counts", "hdfs://127.0.0.1:1/x")
    assert result.returncode == 1
    line, = result.stderr.strip().splitlines()
    assert line.startswith("tweetics: error: hdfs://127.0.0.1:1/x")
    assert "read through WebHDFS, here http://127.0.0.1:9870, not its own port 1" in line


def test_help_shows_the_variables():
    text = " ".join(_tweetics("submit", "--help").stdout.split())
    for var in ("TWEETICS_MASTER", "TWEETICS_PACKAGES", "TWEETICS_JARS", "TWEETICS_SPARK_HOME"):
        assert f"env var: {var}" in text
    job_help = " ".join(_tweetics("submit", "--", "--help").stdout.split())
    assert "env var: TWEETICS_BOOTSTRAP_SERVERS" in job_help and "--bootstrap-server HOST:PORT" in job_help
