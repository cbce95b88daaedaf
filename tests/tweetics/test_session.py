"""The job's session: its HDFS client defaults apply, and spark-submit's --conf still wins over them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KEY = "spark.hadoop.dfs.client.block.write.locateFollowingBlock.initial.delay.ms"
PROBE = f"""
from tweetics.job import build_session, parse_args
spark = build_session(parse_args(["--bootstrap-servers", "127.0.0.1:9", "--output", "/tmp/o", "--checkpoint", "/tmp/c"]))
print("VALUE", spark.sparkContext.getConf().get("{KEY}"),
      spark.sparkContext._jsc.hadoopConfiguration().get("{KEY[len('spark.hadoop.'):]}"))
spark.stop()
"""


def _session_value(submit_args: str) -> list[str]:
    # PYSPARK_SUBMIT_ARGS is how pyspark hands flags to the spark-submit that starts its JVM
    env = {**os.environ, "PYSPARK_SUBMIT_ARGS": f"--master local[1] --conf spark.ui.enabled=false {submit_args} pyspark-shell",
           "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    return next(line.split()[1:] for line in out.stdout.splitlines() if line.startswith("VALUE"))


def test_hdfs_client_defaults_reach_the_hadoop_configuration():
    assert _session_value("") == ["10", "10"]


def test_spark_submit_conf_overrides_the_defaults():
    assert _session_value(f"--conf {KEY}=250") == ["250", "250"]
