"""Kafka client settings: defaults plus user pass-through (``--kafka-config`` / properties file).

Values may be secrets (SASL passwords), so nothing here ever logs or prints them.
"""

from __future__ import annotations

import logging
from typing import Iterable

from tweetcontract import kafkaprops
from tweetpub.exceptions import UsageError

#: librdkafka's own log lines go here; the CLI keeps them quiet unless --verbose, so an unreachable
#: broker yields one clear line instead of a stream of FAIL messages.
rdkafka_logger = logging.getLogger("tweetpub.rdkafka")


def is_secret_key(key: str) -> bool:
    """librdkafka settings that hold secrets (passwords, JAAS lines, OAuth client secrets, private keys)."""
    k = key.strip().lower()
    return "password" in k or "secret" in k or k in ("sasl.jaas.config", "ssl.key.pem", "ssl_key.pem")


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``["k=v", ...]`` -> dict; ``=`` inside the value is kept.

    Secrets are refused here: a command line shows in process lists, shell history and pod specs.
    They belong in the properties file (--kafka-config-file).

    :raises UsageError: an item without ``=``, an empty key, or a secret setting (never echoed).
    """
    out: dict[str, str] = {}
    for n, item in enumerate(pairs, start=1):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            # The item may be a mistyped secret: name its position, never its text.
            raise UsageError(f"--kafka-config item {n} is not key=value")
        if is_secret_key(key):
            raise UsageError(f"--kafka-config {key.strip()}: secrets must not be given on the command line "
                             "(process lists show it); put it in --kafka-config-file / TWEETPUB_KAFKA_CONFIG_FILE")
        out[key.strip()] = value.strip()
    return out


def read_properties(path: str) -> dict[str, str]:
    """A Kafka properties file's entries (contract: :mod:`tweetcontract.kafkaprops`).

    :raises UsageError: unreadable file or a line without ``=``/``:`` (named by number, never quoted).
    """
    try:
        return kafkaprops.read_properties(path)
    except kafkaprops.BadProperties as exc:
        raise UsageError(f"Kafka properties file: {exc}") from None


def client_config(bootstrap: str, extra: dict[str, str]) -> dict[str, object]:
    """Settings common to the producer, consumer and admin client (security passes through)."""
    if not bootstrap:
        raise UsageError("no Kafka brokers: pass --bootstrap-servers or set TWEETPUB_BOOTSTRAP_SERVERS")
    conf: dict[str, object] = {"bootstrap.servers": bootstrap, "logger": rdkafka_logger}
    conf.update(extra)
    return conf


def producer_config(bootstrap: str, *, compression: str, linger_ms: int, batch_size: int,
                    extra: dict[str, str]) -> dict[str, object]:
    """Idempotent (acks=all) producer settings; ``extra`` may override anything but is applied last."""
    conf: dict[str, object] = {
        "bootstrap.servers": bootstrap,
        "client.id": "tweetpub",
        "enable.idempotence": True,
        "acks": "all",
        "compression.type": compression,
        "linger.ms": linger_ms,
        "batch.size": batch_size,
        "logger": rdkafka_logger,
    }
    conf.update(extra)
    return conf
