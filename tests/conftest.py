"""Session fixtures: real Kafka, HDFS and Spark for the integration tests (see tweetdev/services.py for the order)."""
from __future__ import annotations

import os
import uuid
from typing import Callable, Iterator

import pytest

from tweetdev import services


@pytest.fixture(scope="session")
def stack_env() -> Iterator[dict[str, str]]:
    """The endpoints of the session's services, as the launcher's .stack/env names them."""
    with services.services() as (how, env):
        env = dict(env, STACK_SOURCE=how)
        yield env


@pytest.fixture(scope="session")
def kafka_bootstrap(stack_env: dict[str, str]) -> str:
    return stack_env["KAFKA_BOOTSTRAP_SERVERS"]


@pytest.fixture(scope="session")
def hdfs_url(stack_env: dict[str, str]) -> str:
    return stack_env["HDFS_URL"]


@pytest.fixture(scope="session")
def webhdfs_url(stack_env: dict[str, str]) -> str:
    return stack_env["WEBHDFS_URL"]


@pytest.fixture(scope="session")
def spark_kafka_jars(stack_env: dict[str, str]) -> str:
    return stack_env["SPARK_KAFKA_JARS"]


@pytest.fixture(scope="session")
def spark_master(stack_env: dict[str, str]) -> str:
    return stack_env["SPARK_MASTER"]


@pytest.fixture(scope="session")
def kafka_settings(stack_env: dict[str, str]) -> dict[str, str]:
    """The Kafka client settings (librdkafka names) of ``KAFKA_CONFIG_FILE``: a secured stack's client.properties
    (``make up SECURE=1`` writes it into .stack/env), else none. Every client a test makes adds them."""
    from tweetpub.kafkaconf import read_properties

    path = stack_env.get("KAFKA_CONFIG_FILE") or os.environ.get("KAFKA_CONFIG_FILE")
    return read_properties(path) if path else {}


@pytest.fixture(scope="session")
def kafka_client(kafka_bootstrap: str, kafka_settings: dict[str, str]) -> dict[str, str]:
    """``bootstrap.servers`` plus :func:`kafka_settings`: the base configuration of any confluent_kafka client."""
    return {"bootstrap.servers": kafka_bootstrap, **kafka_settings}


@pytest.fixture
def kafka_topic(kafka_client: dict[str, str]) -> Iterator[Callable[..., str]]:
    """Factory: kafka_topic(partitions=1) creates a fresh uniquely named topic; all are deleted afterwards."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient(dict(kafka_client))
    made: list[str] = []

    def make(partitions: int = 1, replication: int = 1, name: str | None = None) -> str:
        topic = name or f"test-{uuid.uuid4().hex[:12]}"
        for fut in admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=replication)],
                                       operation_timeout=30).values():
            fut.result(timeout=60)
        made.append(topic)
        return topic

    yield make
    if made:
        for fut in admin.delete_topics(made, operation_timeout=30).values():
            try:
                fut.result(timeout=60)
            except Exception:  # a test may have deleted its topic itself
                pass


@pytest.fixture(scope="session")
def hdfs_client(webhdfs_url: str):
    """An `hdfs` (HdfsCLI) WebHDFS client."""
    from hdfs import InsecureClient

    return InsecureClient(webhdfs_url, user="tweetics")


@pytest.fixture
def hdfs_path(hdfs_client) -> Iterator[str]:
    """A fresh HDFS directory under /tmp/tests, removed afterwards."""
    path = f"/tmp/tests/{uuid.uuid4().hex[:12]}"
    hdfs_client.makedirs(path)
    yield path
    hdfs_client.delete(path, recursive=True)
