"""Shared helpers for the stack tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from confluent_kafka import Producer

HERE = Path(__file__).resolve().parent


def produce_lines(bootstrap: str, topic: str, values: list[bytes]) -> None:
    """Idempotent, acks=all produce; fails the test if any delivery fails."""
    errors: list[str] = []
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 5})
    for i, v in enumerate(values):
        producer.produce(topic, key=str(i).encode(), value=v,
                         on_delivery=lambda err, msg: errors.append(str(err)) if err else None)
        producer.poll(0)
    assert producer.flush(30) == 0, "messages left undelivered after 30 s"
    assert not errors, errors


def spark_submit(env: dict[str, str], master: str, script: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    spark_submit_bin = Path(env["SPARK_HOME"]) / "bin" / "spark-submit"
    run_env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable,
                   SPARK_HOME=env["SPARK_HOME"], SPARK_LOCAL_IP="127.0.0.1")
    cmd = [str(spark_submit_bin), "--master", master, "--jars", env["SPARK_KAFKA_JARS"],
           "--conf", "spark.sql.shuffle.partitions=2", "--conf", "spark.ui.enabled=false",
           "--driver-memory", "768m", str(script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=run_env)
