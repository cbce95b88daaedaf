"""``--resume``: find, from the topic itself, where an interrupted replay stopped.

Every record a replay produces carries two headers: ``tp-run`` (a digest of the input file list)
and ``tp-pos`` (``loop,file,line,item``, increasing in production order). The idempotent
producer keeps each partition's records in order without gaps or duplicates, so what a partition
holds from a run is exactly a prefix of the records routed to it. Resuming therefore re-reads the
input and skips every record whose position is at or below the last position found in the
partition it routes to: nothing is produced twice and nothing acknowledged-or-not is lost, even
after SIGKILL. No state file can go stale, and the same scan covers the dead-letter topic.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from tweetpub.exceptions import KafkaUnavailable, UsageError
from tweetpub.producer import TweetProducer

RUN_HEADER = "tp-run"
POS_HEADER = "tp-pos"
Position = tuple[int, ...]


@dataclass(frozen=True)
class ResumePoint:
    """Where a run stopped: per partition, the last position already in Kafka, for the tweet topic and
    the dead-letter topic (partitions without one are absent). Empty: nothing to skip."""

    tweets: dict[int, Position] = field(default_factory=dict)
    dead_letters: dict[int, Position] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.tweets or self.dead_letters)


def find_resume_point(consumer_config: dict[str, Any], writer: TweetProducer, run: bytes,
                      timeout: float = 10.0) -> ResumePoint:
    """The :class:`ResumePoint` of run ``run`` in the topics ``writer`` writes to."""
    return ResumePoint(last_positions(consumer_config, writer.topic, run, timeout),
                       last_positions(consumer_config, writer.dlq_topic, run, timeout))


def run_id(paths: Iterable[str]) -> bytes:
    """A digest of the resolved input paths: the identity a resume matches records on.

    :raises UsageError: stdin cannot be resumed.
    """
    paths = list(paths)
    if "-" in paths:
        raise UsageError("--resume needs files, not stdin")
    joined = "\n".join(os.path.realpath(p) for p in paths)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16].encode("ascii")


def encode_pos(pos: Position) -> bytes:
    return ",".join(str(p) for p in pos).encode("ascii")


def decode_pos(raw: bytes) -> Position:
    return tuple(int(p) for p in raw.split(b","))


def last_positions(consumer_config: dict[str, Any], topic: str, run: bytes, timeout: float = 10.0,
                   window: int = 2000) -> dict[int, Position]:
    """The last position of run ``run`` in each partition of ``topic`` (partitions without one are absent).

    Reads each partition backwards in windows of ``window`` records until a record of the run is found.

    :raises KafkaUnavailable: the brokers or the partitions do not answer in time.
    """
    conf = dict(consumer_config)
    conf.update({"group.id": f"tweetpub-resume-{uuid.uuid4()}", "enable.auto.commit": False,
                 "auto.offset.reset": "earliest", "enable.partition.eof": True})
    consumer = Consumer(conf)
    try:
        try:
            md = consumer.list_topics(topic, timeout=timeout)
        except KafkaException as exc:
            raise KafkaUnavailable(f"cannot reach Kafka to resume ({exc.args[0]})") from None
        meta = md.topics.get(topic)
        if meta is None or meta.error is not None:
            return {}
        found: dict[int, Position] = {}
        for p in sorted(meta.partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
            end = high
            while end > low:
                start = max(low, end - window)
                best = _scan(consumer, topic, p, start, end, run, timeout)
                if best is not None:
                    found[p] = best
                    break
                end = start
        return found
    finally:
        consumer.close()


def _scan(consumer: Consumer, topic: str, partition: int, start: int, end: int, run: bytes,
          timeout: float) -> Position | None:
    consumer.assign([TopicPartition(topic, partition, start)])
    best: Position | None = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msgs = consumer.consume(500, timeout=1.0)
        for msg in msgs:
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    return best
                continue
            if msg.offset() >= end:
                return best
            headers = dict(msg.headers() or [])
            if headers.get(RUN_HEADER) == run and POS_HEADER in headers:
                pos = decode_pos(headers[POS_HEADER])
                if best is None or pos > best:
                    best = pos
            if msg.offset() >= end - 1:
                return best
        if msgs:
            deadline = time.monotonic() + timeout
    raise KafkaUnavailable(f"timed out reading {topic}[{partition}] to resume")
