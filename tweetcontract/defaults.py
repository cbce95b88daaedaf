"""Defaults every stage agrees on: the original 2017 demo's filter and the topic names."""

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

#: The tweets topic (contract 2).
DEFAULT_TOPIC = "tweets"
DLQ_SUFFIX = ".dlq"

#: How much of a bad line a dead letter keeps (contract 2: up to 64 KiB).
DLQ_RAW_LIMIT = 64 * 1024


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of ``topic`` (contract 2: ``<topic>.dlq``)."""
    return topic + DLQ_SUFFIX
