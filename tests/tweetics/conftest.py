"""Fixtures for the tweetics tests: a local Spark session for the batch path (no Kafka needed)."""
from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("tweetics-tests")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.ui.enabled", "false")
               .config("spark.log.level", "ERROR")
               .getOrCreate())
    yield session
    session.stop()
