"""Argument errors (one line, no JVM started) and the spark-submit line `tweetics submit` builds."""
from __future__ import annotations

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
