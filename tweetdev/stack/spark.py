"""Spark standalone master and worker, started with pyspark's own spark-class (pip's pyspark ships no sbin scripts)."""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from . import procs
from .toolchain import spark_home


def ports(offset: int) -> dict[str, int]:
    return {"master": 7077 + offset, "master_ui": 8080 + offset, "worker_ui": 8081 + offset}


def home(stack_dir: Path) -> Path:
    return stack_dir / "spark"


def _env(stack_dir: Path) -> dict[str, str]:
    return {
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(home(stack_dir) / "logs"),
        # Our marker reaches the daemon JVMs through the launcher's daemon options.
        "SPARK_DAEMON_JAVA_OPTS": procs.marker(stack_dir),
        "SPARK_DAEMON_MEMORY": "512m",
    }


def start(stack_dir: Path, role: str, offset: int, worker_cores: int = 2, worker_memory: str = "4g") -> int:
    p = ports(offset)
    h = home(stack_dir)
    (h / "work").mkdir(parents=True, exist_ok=True)
    spark_class = str(spark_home() / "bin" / "spark-class")
    if role == "master":
        argv = [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", str(p["master"]), "--webui-port", str(p["master_ui"])]
    else:
        argv = [spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                "--cores", str(worker_cores), "--memory", worker_memory, "--webui-port", str(p["worker_ui"]),
                "--work-dir", str(h / "work"), f"spark://127.0.0.1:{p['master']}"]
    return procs.start(f"Spark {role}", argv, pid_file(stack_dir, role), log_file(stack_dir, role), env=_env(stack_dir))


def pid_file(stack_dir: Path, role: str) -> Path:
    return home(stack_dir) / f"{role}.pid"


def log_file(stack_dir: Path, role: str) -> Path:
    return home(stack_dir) / "logs" / f"{role}.out"


def master_state(offset: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{ports(offset)['master_ui']}/json/", timeout=3) as resp:
        return json.load(resp)


def master_ready(offset: int) -> bool:
    return master_state(offset).get("status") == "ALIVE"


def worker_ready(offset: int) -> bool:
    return int(master_state(offset).get("aliveworkers", 0)) >= 1
