"""Checks for Java and Maven, and fetching the pinned jar sets from Maven Central into the cache."""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from .errors import StackError

logger = logging.getLogger(__name__)

# The dev wing runs from a checkout (an editable install): the repo is two folders up from tweetdev/stack/.
REPO = Path(__file__).resolve().parents[2]
POMS = REPO / "deploy" / "local" / "maven"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"
# The jars spark-submit needs beyond what the pyspark wheel bundles (the connector's own POM lists more,
# but those are already in pyspark/jars and duplicates on the classpath only cause trouble).
SPARK_CONNECTOR_PREFIXES = ("spark-sql-kafka-0-10_", "spark-token-provider-kafka-0-10_", "kafka-clients-", "commons-pool2-")


def java_binary() -> str:
    """The java to run daemons with: $JAVA_HOME/bin/java, else java on PATH; must be 17 or newer."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home and (Path(home) / "bin" / "java").exists() else shutil.which("java")
    if not java:
        raise StackError("Java not found: install a JDK 17 or newer (e.g. `apt-get install openjdk-17-jdk-headless`) or set JAVA_HOME")
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    major = int(m.group(1)) if m else 0
    if major == 1 and m and m.group(2):
        major = int(m.group(2))
    if major < 17:
        raise StackError(f"Java 17 or newer is required (Kafka 4, Hadoop 3.5 and Spark 4 need it); {java} is version {major or 'unknown'}")
    return java


def default_stack_dir() -> Path:
    """Where the stack's data, logs and env file live: $STACK_DIR, else .stack in the repo."""
    return Path(os.environ.get("STACK_DIR") or REPO / ".stack").resolve()


def fetch(name: str) -> Path:
    """Resolve deploy/local/maven/<name>/pom.xml's runtime jars into the cache ($TWEETICS_JAR_CACHE, else
    .cache/jars) once; returns the folder holding them."""
    target = Path(os.environ.get("TWEETICS_JAR_CACHE") or REPO / ".cache" / "jars") / name
    stamp = target / ".complete"
    pom = POMS / name / "pom.xml"
    if stamp.exists() and stamp.read_text() == pom.read_text():
        return target
    mvn = shutil.which("mvn")
    if not mvn:
        raise StackError("Maven (mvn) not found: it fetches the Kafka, Hadoop and Spark connector jars; install Maven 3.6+ (`apt-get install maven`)")
    logger.info("fetching %s jars from Maven Central into %s", name, target)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    proc = subprocess.run(
        [mvn, "-B", "-q", "-f", str(pom), f"{DEPENDENCY_PLUGIN}:copy-dependencies",
         "-DincludeScope=runtime", f"-DoutputDirectory={target}"],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        tail = " | ".join(l for l in (proc.stdout + proc.stderr).splitlines() if "ERROR" in l)[:400]
        raise StackError(f"Maven could not fetch the {name} jars (is Maven Central reachable?): {tail or 'mvn exited ' + str(proc.returncode)}")
    stamp.write_text(pom.read_text())
    return target


def spark_connector_jars() -> list[Path]:
    """The four jars to pass to spark-submit --jars for the Kafka source."""
    d = fetch("spark-kafka")
    jars = sorted(p for p in d.glob("*.jar") if p.name.startswith(SPARK_CONNECTOR_PREFIXES))
    if len(jars) != len(SPARK_CONNECTOR_PREFIXES):
        raise StackError(f"expected {len(SPARK_CONNECTOR_PREFIXES)} connector jars in {d}, found {[j.name for j in jars]}")
    return jars


def spark_home() -> Path:
    try:
        import pyspark
    except ImportError as exc:
        raise StackError("pyspark is not installed in this Python; run `make venv` first") from exc
    return Path(pyspark.__file__).resolve().parent
