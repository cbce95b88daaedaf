"""Kafka: admin-created topic, idempotent acks=all produce, consume everything back in order."""
import pytest
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient

from tests.stack.helpers import produce_lines

pytestmark = pytest.mark.integration


def test_produce_and_consume_back(kafka_bootstrap, kafka_topic):
    topic = kafka_topic(partitions=3)
    md = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(topic, timeout=10)
    assert len(md.topics[topic].partitions) == 3

    sent = [f'{{"n": {i}, "text": "tweet #{i} ünïcödé"}}'.encode() for i in range(500)]
    produce_lines(kafka_bootstrap, topic, sent)

    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"g-{topic}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    got: dict[bytes, bytes] = {}
    try:
        for _ in range(200):
            if len(got) == len(sent):
                break
            for msg in consumer.consume(num_messages=500, timeout=1.0):
                assert msg.error() is None, msg.error()
                got[msg.key()] = msg.value()
    finally:
        consumer.close()
    assert len(got) == len(sent)
    assert [got[str(i).encode()] for i in range(len(sent))] == sent
