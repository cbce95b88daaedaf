"""Build the spark-submit line for the job: the Kafka connector, the packaged code (--py-files), the master,
and every other spark-submit option the user gave, passed through unchanged.

Splitting one command line between spark-submit and the job: after ``--`` everything is the job's; before
it, a flag the job's parser knows goes to the job (with its value), any other flag goes to spark-submit
(with its value unless spark-submit takes it as a switch). The two sets of flags do not overlap, so
``tweetics submit --executor-memory 2g --topic t ...`` and the explicit ``... -- --topic t`` mean the same.
"""

from __future__ import annotations

import hashlib
import io
import os
import shlex
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from tweetics.exceptions import SubmitError, UsageError

REPO = Path(__file__).resolve().parents[1]
SPARK_VERSION = "4.0.0"
SCALA_BINARY = "2.13"
CONNECTOR_JARS = (f"spark-sql-kafka-0-10_{SCALA_BINARY}-{SPARK_VERSION}.jar",
                  f"spark-token-provider-kafka-0-10_{SCALA_BINARY}-{SPARK_VERSION}.jar",
                  "kafka-clients-3.9.0.jar", "commons-pool2-2.12.0.jar")
#: What spark-submit --packages resolves (with its dependencies) instead of the local jars.
CONNECTOR_PACKAGE = f"org.apache.spark:spark-sql-kafka-0-10_{SCALA_BINARY}:{SPARK_VERSION}"
DEFAULT_JAR_DIR = REPO / ".cache" / "jars" / "spark-kafka"
#: The connector's transitive dependencies that every Spark 4 distribution ships in its jars/ folder: --packages
#: leaves them out (spark-submit --exclude-packages), so it fetches and ships the same four jars as --jars
#: instead of 60 MB more and second copies of Hadoop's client and Scala classes on the classpath.
SPARK_PROVIDED = ("org.apache.hadoop:hadoop-client-runtime", "org.apache.hadoop:hadoop-client-api",
                  "org.scala-lang.modules:scala-parallel-collections_2.13", "org.lz4:lz4-java",
                  "org.xerial.snappy:snappy-java", "org.slf4j:slf4j-api", "com.google.code.findbugs:jsr305")
PACKAGES = ("tweetcontract", "tweetics")  # the job and the ground-floor contract it imports, nothing else
#: spark-submit's options that take no value (SparkSubmitOptionParser's switches); every other one takes one.
SPARK_SWITCHES = frozenset({"--supervise", "--verbose", "-v", "--version", "--usage-error"})


@dataclass
class Split:
    """A ``tweetics submit`` tail cut in two: spark-submit's options and the job's arguments."""

    spark: list[str] = field(default_factory=list)
    job: list[str] = field(default_factory=list)


def split_args(args: Sequence[str], job_switches: frozenset[str], job_valued: frozenset[str]) -> Split:
    """Cut ``args`` (what click did not consume) into spark-submit options and job arguments."""
    out = Split()
    i = 0
    while i < len(args):
        arg = args[i]
        name, has_value = arg.split("=", 1)[0], "=" in arg
        if arg == "--":
            out.job += args[i + 1:]
            break
        if name in job_switches:
            out.job.append(arg)
        elif name in job_valued:
            out.job += args[i:i + (1 if has_value else 2)]
            i += 0 if has_value else 1
        elif name in SPARK_SWITCHES:
            out.spark.append(arg)
        elif arg.startswith("-") and len(arg) > 1:
            if not has_value and i + 1 >= len(args):
                raise UsageError(f"spark-submit option {arg} needs a value")
            out.spark += args[i:i + (1 if has_value else 2)]
            i += 0 if has_value else 1
        else:
            raise UsageError(f"unexpected argument {arg!r}: job arguments are flags (see `tweetics submit -- --help`)")
        i += 1
    return out


def spark_home(explicit: str | None = None) -> Path:
    """The Spark install given (--spark-home, TWEETICS_SPARK_HOME, SPARK_HOME), else pyspark's own."""
    if explicit:
        home = Path(explicit)
    else:
        import pyspark

        home = Path(pyspark.__file__).parent
    if not (home / "bin" / "spark-submit").exists():
        raise SubmitError(f"no bin/spark-submit under {home}; set --spark-home or TWEETICS_SPARK_HOME")
    return home


def connector_jars(jars: str | None = None) -> list[str]:
    """The comma list given (--jars), else the cached connector jars; all must exist."""
    paths = [j for j in jars.split(",") if j] if jars else [str(DEFAULT_JAR_DIR / name) for name in CONNECTOR_JARS]
    missing = [p for p in paths if "://" not in p and not Path(p).is_file()]
    if missing:
        raise SubmitError(f"connector jar not found: {missing[0]} (give --jars, run `make jars`, or let "
                          f"spark-submit fetch it: --packages {CONNECTOR_PACKAGE})")
    return paths


def with_connector(packages: str) -> str:
    """``--packages`` plus the Kafka connector unless the list already names one."""
    coords = [p.strip() for p in packages.split(",") if p.strip()]
    if not any(":spark-sql-kafka-0-10_" in c for c in coords):
        coords.append(CONNECTOR_PACKAGE)
    return ",".join(coords)


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


def check_deploy_mode(master: str, deploy_mode: str | None) -> None:
    """Refuse, in one line, a deploy mode the master cannot take."""
    if deploy_mode == "cluster" and master.startswith("local"):
        raise UsageError(f"--deploy-mode cluster needs a cluster master (spark://, k8s://, yarn), not {master}")


def driver_jar(cache_dir: Path | None = None) -> Path:
    """An empty jar: the primary resource of a standalone cluster-mode submission (see build_command)."""
    target_dir = cache_dir or package_zip().parent
    target = target_dir / "tweetics-driver-0.jar"
    if not target.exists():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF", (2020, 1, 1, 0, 0, 0)), "Manifest-Version: 1.0\r\n\r\n")
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(target)
    return target


def build_command(job_args: Sequence[str], *, master: str, jars: str | None = None, home: str | None = None,
                  conf: Sequence[str] = (), driver_memory: str | None = None, executor_memory: str | None = None,
                  packages: str | None = None, deploy_mode: str | None = None, py_files: str | None = None,
                  spark_args: Sequence[str] = ()) -> list[str]:
    """The full spark-submit argv for ``tweetics/job.py job_args``."""
    for item in conf:
        if "=" not in item:
            raise UsageError(f"--conf expects key=value, got {item!r}")
    check_deploy_mode(master, deploy_mode)
    cmd = [str(spark_home(home) / "bin" / "spark-submit"), "--master", master]
    if deploy_mode:
        cmd += ["--deploy-mode", deploy_mode]
    if packages is not None:
        # spark-submit resolves the connector and its dependencies from Maven Central (Ivy): no local jars.
        cmd += ["--packages", with_connector(packages)]
        if not any(arg.split("=", 1)[0] == "--exclude-packages" for arg in spark_args):
            cmd += ["--exclude-packages", ",".join(SPARK_PROVIDED)]
        if jars:
            cmd += ["--jars", jars]
    else:
        cmd += ["--jars", ",".join(connector_jars(jars))]
    python_files = ",".join([str(package_zip()), *([py_files] if py_files else [])])
    job_py = str(REPO / "tweetics" / "job.py")
    # spark-submit refuses a .py application in cluster mode on a standalone master. In client mode it runs
    # the script with its own launcher class, PythonRunner (args: script, py-files, job args); cluster mode
    # runs that same class on a worker when it is the main class of a jar. The paths (this interpreter,
    # job.py, the zip) must exist on the workers: the same install on every node, as heat/ does.
    standalone_cluster = deploy_mode == "cluster" and master.startswith("spark://")
    if standalone_cluster and packages is not None:
        # Measured: the driver resolves the coordinates for itself only; the executors never get the jars.
        raise UsageError("--packages does not reach the executors in cluster mode on a standalone master (Spark "
                         "resolves it for the driver only): give --jars (the same paths on every node) or use "
                         "--deploy-mode client")
    if standalone_cluster:
        cmd += ["--class", "org.apache.spark.deploy.PythonRunner"]
        given = {item.split("=", 1)[0] for item in conf}
        for key in ("spark.pyspark.python", "spark.pyspark.driver.python"):
            if key not in given:
                cmd += ["--conf", f"{key}={sys.executable}"]
    else:
        cmd += ["--py-files", python_files]
    cmd += ["--conf", "spark.ui.showConsoleProgress=false", "--conf", "spark.log.level=WARN"]
    if driver_memory:
        cmd += ["--driver-memory", driver_memory]
    if executor_memory:
        cmd += ["--executor-memory", executor_memory]
    for item in conf:
        cmd += ["--conf", item]
    if standalone_cluster:
        return [*cmd, *spark_args, str(driver_jar()), job_py, python_files, *job_args]
    return [*cmd, *spark_args, job_py, *job_args]


def submit_env(home: str | None = None) -> dict[str, str]:
    """Environment for spark-submit: this interpreter for the driver and the workers."""
    env = dict(os.environ)
    env["SPARK_HOME"] = str(spark_home(home))
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    env.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return env


def shell_line(cmd: Sequence[str]) -> str:
    return " ".join(shlex.quote(c) for c in cmd)
