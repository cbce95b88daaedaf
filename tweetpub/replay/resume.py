"""``--resume``: find, from the topic itself, where an interrupted replay stopped.

Every record a replay produces carries two headers: ``tp-run`` (a digest of the input file list)
and ``tp-pos`` (``loop,file,line,item``, increasing in production order). The idempotent
producer keeps each partition's records in order without gaps or duplicates, so what a partition
holds from a run is exactly a prefix of the records routed to it. Resuming therefore re-reads the
input and skips every record whose position is at or below the last position found in the
partition it routes to: nothing is produced twice and nothing acknowledged-or-not is lost, even
after SIGKILL. No state file can go stale, and the same scan covers the dead-letter topic.

A delivery that failed for good breaks that prefix (later records of the partition made it), so each
record also carries ``tp-done``: the position up to which every record of the run was settled when it
was sent (:mod:`tweetpub.settled`). Resuming skips what is at or below the newest ``tp-done`` found, and
above it only the positions actually present in the topics: a gap is re-sent, never skipped. Records
written before ``tp-done`` existed are resumed by the last-position rule.
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
DONE_HEADER = "tp-done"
LATE_HEADER = "tp-late"
Position = tuple[int, ...]


@dataclass(frozen=True)
class ResumePoint:
    """Where a run stopped: per partition, the last position already in Kafka, for the tweet topic and
    the dead-letter topic (partitions without one are absent). Empty: nothing to skip.

    :param done: the run's settled prefix (every position at or below it is in Kafka); None for records
        written without ``tp-done`` (then the last positions decide).
    :param present: the positions above ``done`` found in either topic.
    """

    tweets: dict[int, Position] = field(default_factory=dict)
    dead_letters: dict[int, Position] = field(default_factory=dict)
    done: Position | None = None
    present: frozenset[Position] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.tweets or self.dead_letters)

    def has(self, pos: Position, last: Position) -> bool:
        """Whether the record at ``pos`` is already in Kafka (``last``: its partition's last position)."""
        if self.done is None:
            return pos <= last
        return pos <= self.done or pos in self.present


def find_resume_point(consumer_config: dict[str, Any], writer: TweetProducer, run: bytes,
                      timeout: float = 10.0) -> ResumePoint:
    """The :class:`ResumePoint` of run ``run`` in the topics ``writer`` writes to."""
    dones: list[Position] = []
    tweets = last_positions(consumer_config, writer.topic, run, timeout, dones=dones)
    dead = last_positions(consumer_config, writer.dlq_topic, run, timeout, dones=dones)
    if not dones:
        return ResumePoint(tweets, dead)
    done = max(dones)
    present = positions_above(consumer_config, writer.topic, run, done, timeout) | \
        positions_above(consumer_config, writer.dlq_topic, run, done, timeout)
    return ResumePoint(tweets, dead, done, frozenset(present))


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
    return b",".join(b"%d" % p for p in pos) if len(pos) != 4 else b"%d,%d,%d,%d" % pos  # 4: replay's hot path


def decode_pos(raw: bytes) -> Position:
    return tuple(int(p) for p in raw.split(b",")) if raw else ()


def _consumer(consumer_config: dict[str, Any]) -> Consumer:
    conf = dict(consumer_config)
    conf.update({"group.id": f"tweetpub-resume-{uuid.uuid4()}", "enable.auto.commit": False,
                 "auto.offset.reset": "earliest", "enable.partition.eof": True})
    return Consumer(conf)


def _partitions(consumer: Consumer, topic: str, timeout: float) -> list[int]:
    try:
        md = consumer.list_topics(topic, timeout=timeout)
    except KafkaException as exc:
        raise KafkaUnavailable(f"cannot reach Kafka to resume ({exc.args[0]})") from None
    meta = md.topics.get(topic)
    return [] if meta is None or meta.error is not None else sorted(meta.partitions)


def positions_above(consumer_config: dict[str, Any], topic: str, run: bytes, done: Position,
                    timeout: float = 10.0, window: int = 2000) -> set[Position]:
    """Every position of run ``run`` above ``done`` in ``topic``.

    Each partition is read backwards until a record sent in order (not ``tp-late``) at or below ``done``:
    everything before it was sent before it, so is at or below ``done`` too.
    """
    consumer = _consumer(consumer_config)
    found: set[Position] = set()
    try:
        for p in _partitions(consumer, topic, timeout):
            low, end = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
            while end > low:
                start = max(low, end - window)
                reached = False
                for headers in _window(consumer, topic, p, start, end, timeout):
                    if headers.get(RUN_HEADER) != run or POS_HEADER not in headers:
                        continue
                    pos = decode_pos(headers[POS_HEADER])
                    if pos > done:
                        found.add(pos)
                    elif LATE_HEADER not in headers:
                        reached = True
                if reached:
                    break
                end = start
        return found
    finally:
        consumer.close()


def _window(consumer: Consumer, topic: str, partition: int, start: int, end: int,
            timeout: float) -> list[dict[str, bytes]]:
    """The headers of the records at offsets [start, end) of one partition."""
    consumer.assign([TopicPartition(topic, partition, start)])
    out: list[dict[str, bytes]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msgs = consumer.consume(500, timeout=1.0)
        for msg in msgs:
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    return out
                continue
            if msg.offset() >= end:
                return out
            out.append(dict(msg.headers() or []))
            if msg.offset() >= end - 1:
                return out
        if msgs:
            deadline = time.monotonic() + timeout
    raise KafkaUnavailable(f"timed out reading {topic}[{partition}] to resume")


def last_positions(consumer_config: dict[str, Any], topic: str, run: bytes, timeout: float = 10.0,
                   window: int = 2000, dones: list[Position] | None = None) -> dict[int, Position]:
    """The last position of run ``run`` in each partition of ``topic`` (partitions without one are absent).

    Reads each partition backwards in windows of ``window`` records until a record of the run is found;
    the ``tp-done`` values of the records read go to ``dones``.

    :raises KafkaUnavailable: the brokers or the partitions do not answer in time.
    """
    consumer = _consumer(consumer_config)
    try:
        found: dict[int, Position] = {}
        for p in _partitions(consumer, topic, timeout):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
            end = high
            while end > low:
                start = max(low, end - window)
                best = None
                for headers in _window(consumer, topic, p, start, end, timeout):
                    if headers.get(RUN_HEADER) == run and POS_HEADER in headers:
                        pos = decode_pos(headers[POS_HEADER])
                        best = pos if best is None or pos > best else best
                        if DONE_HEADER in headers and dones is not None:
                            dones.append(decode_pos(headers[DONE_HEADER]))
                if best is not None:
                    found[p] = best
                    break
                end = start
        return found
    finally:
        consumer.close()
