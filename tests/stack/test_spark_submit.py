"""spark-submit of a streaming query reading Kafka through the connector jars and writing to HDFS (local mode).

The standalone-master variant runs in test_launcher.py against a second stack started with SPARK=standalone.
"""
import pytest

from tests.stack.helpers import HERE, produce_lines, spark_submit

pytestmark = pytest.mark.integration


def read_hdfs_text(client, path: str) -> list[str]:
    lines: list[str] = []
    for name in sorted(client.list(path)):
        if name.startswith("part-"):
            with client.read(f"{path}/{name}", encoding="utf-8") as r:
                lines += r.read().splitlines()
    return lines


def test_streaming_kafka_to_hdfs_local(stack_env, kafka_bootstrap, kafka_topic, hdfs_url, hdfs_client, hdfs_path):
    topic = kafka_topic(partitions=2)
    sent = [f'{{"id": "{i}", "text": "#OpenStack {i}"}}' for i in range(300)]
    produce_lines(kafka_bootstrap, topic, [s.encode() for s in sent])
    out, ckpt = f"{hdfs_path}/out", f"{hdfs_path}/ckpt"
    proc = spark_submit(stack_env, stack_env["SPARK_MASTER"], HERE / "kafka_to_hdfs_job.py",
                        kafka_bootstrap, topic, f"{hdfs_url}{out}", f"{hdfs_url}{ckpt}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ROWS=300" in proc.stdout
    # Read back independently of Spark, through WebHDFS.
    assert sorted(read_hdfs_text(hdfs_client, out)) == sorted(sent)
    assert hdfs_client.status(f"{ckpt}/offsets")["type"] == "DIRECTORY"
