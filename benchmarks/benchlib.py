"""Small helpers the benchmarks share."""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Mapping


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def kafka_settings(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Kafka client settings (librdkafka names) of ``KAFKA_CONFIG_FILE``, a secured stack's client.properties
    (`make up SECURE=1`), else none: every client a benchmark makes adds these to its bootstrap servers."""
    from tweetpub.kafkaconf import read_properties

    path = (os.environ if env is None else env).get("KAFKA_CONFIG_FILE")
    return read_properties(path) if path else {}


def java_kafka_config(directory: Path) -> Path | None:
    """``KAFKA_CONFIG_FILE`` in the Java client's names (for Kafka's own tools), written 0600; None when unset."""
    from tweetics.kafkaopts import java_client_settings

    settings = kafka_settings()
    if not settings:
        return None
    path = Path(directory) / "java-client.properties"
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines(f"{k}={v}\n" for k, v in java_client_settings(settings, "KAFKA_CONFIG_FILE").items())
    return path
