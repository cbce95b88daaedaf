"""Build the spark-submit line for the job: connector jars, the packaged code (--py-files), the master."""

from __future__ import annotations

import hashlib
import io
import os
import shlex
import sys
import zipfile
from pathlib import Path
from typing import Sequence

from tweetics.exceptions import SubmitError

REPO = Path(__file__).resolve().parents[1]
CONNECTOR_JARS = ("spark-sql-kafka-0-10_2.13-4.0.0.jar", "spark-token-provider-kafka-0-10_2.13-4.0.0.jar",
                  "kafka-clients-3.9.0.jar", "commons-pool2-2.12.0.jar")
DEFAULT_JAR_DIR = REPO / ".cache" / "jars" / "spark-kafka"
PACKAGES = ("tweetcontract", "tweetics")  # the job and the ground-floor contract it imports, nothing else


def spark_home(explicit: str | None = None) -> Path:
    """SPARK_HOME, else the installed pyspark package (it ships bin/spark-submit)."""
    if explicit:
        home = Path(explicit)
    else:
        import pyspark

        home = Path(pyspark.__file__).parent
    if not (home / "bin" / "spark-submit").exists():
        raise SubmitError(f"no bin/spark-submit under {home}; set --spark-home or SPARK_HOME")
    return home


def connector_jars(jars: str | None = None) -> list[str]:
    """The comma list given (SPARK_KAFKA_JARS), else the cached connector jars; all must exist."""
    paths = [j for j in jars.split(",") if j] if jars else [str(DEFAULT_JAR_DIR / name) for name in CONNECTOR_JARS]
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise SubmitError(f"connector jar not found: {missing[0]} (set --jars or SPARK_KAFKA_JARS)")
    return paths


def package_zip(cache_dir: Path | None = None) -> Path:
    """Zip the Python packages the driver needs; named by content hash so reruns reuse it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for package in PACKAGES:
            for path in sorted((REPO / package).rglob("*.py")):
                info = zipfile.ZipInfo(str(path.relative_to(REPO)), date_time=(2020, 1, 1, 0, 0, 0))
                zf.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    # Not beside the package: an installed package's folder is read-only for most users.
    target_dir = cache_dir or Path(os.environ.get("TWEETICS_CACHE_DIR")
                                   or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tweetics")
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"tweetics-{hashlib.sha256(data).hexdigest()[:12]}.zip"
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return target


def build_command(job_args: Sequence[str], *, master: str, jars: str | None = None, home: str | None = None,
                  conf: Sequence[str] = (), driver_memory: str | None = None) -> list[str]:
    """The full spark-submit argv for ``tweetics/job.py job_args``."""
    for item in conf:
        if "=" not in item:
            raise SubmitError(f"--conf expects key=value, got {item!r}")
    cmd = [str(spark_home(home) / "bin" / "spark-submit"), "--master", master,
           "--jars", ",".join(connector_jars(jars)), "--py-files", str(package_zip()),
           "--conf", "spark.ui.showConsoleProgress=false", "--conf", "spark.log.level=WARN"]
    if driver_memory:
        cmd += ["--driver-memory", driver_memory]
    for item in conf:
        cmd += ["--conf", item]
    return [*cmd, str(REPO / "tweetics" / "job.py"), *job_args]


def submit_env(home: str | None = None) -> dict[str, str]:
    """Environment for spark-submit: this interpreter for the driver and the workers."""
    env = dict(os.environ)
    env["SPARK_HOME"] = str(spark_home(home))
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    env.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return env


def shell_line(cmd: Sequence[str]) -> str:
    return " ".join(shlex.quote(c) for c in cmd)
