"""Defaults shared by every tweetpub command (the original demo's filter)."""

from __future__ import annotations

#: The Boston box, west,south,east,north (SW corner first, lon/lat, as v1.1 ``locations`` takes it).
BOSTON_BOX: tuple[float, float, float, float] = (-71.4415, 41.9860, -70.4747, 42.9041)

#: The 23 tracked words of the original demo.
TRACK_WORDS: tuple[str, ...] = (
    "openstack", "kubernetes", "k8s", "python", "golang", "sdn", "nfv", "weareopenstack",
    "opencontrail", "docker", "hybridcloud", "aws", "azure", "openstacksummit", "mirantis",
    "coreos", "redhat", "devops", "container", "api", "bigdata", "cloudcomputing", "iot",
)

DEFAULT_TRACK = ",".join(TRACK_WORDS)
DEFAULT_LOCATIONS = ",".join(str(v) for v in BOSTON_BOX)
DEFAULT_TOPIC = "tweets"
DLQ_SUFFIX = ".dlq"

#: Longest line accepted; longer lines are dead-lettered. Keeps every record under the broker's
#: default message.max.bytes (1 MiB) with room for the envelope.
DEFAULT_MAX_LINE_BYTES = 512 * 1024
#: How much of a bad line a dead letter keeps (contract: up to 64 KiB).
DLQ_RAW_LIMIT = 64 * 1024

#: Producer defaults: throughput-oriented batching, safe delivery.
DEFAULT_LINGER_MS = 20
DEFAULT_BATCH_SIZE = 262144
DEFAULT_COMPRESSION = "lz4"
