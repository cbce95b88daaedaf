"""The one Kafka writer of tweetpub: idempotent, acks=all, counted deliveries, safe flush.

Both wings (``replay`` and the live ``stream``) write through a :class:`TweetProducer`, and it alone
names the topics: it is built with the tweet topic and, optionally, an explicit dead-letter topic
(default ``<topic>.dlq``, :func:`tweetcontract.defaults.dlq_topic`). Tweets go out with
:meth:`TweetProducer.write`, dead letters with :meth:`TweetProducer.dead_letter`.

Nothing is lost silently: a record the brokers refuse for its size (when ``produce()`` raises, or in the
delivery report) becomes a ``record-too-large`` dead letter with a bounded excerpt; any other failed
delivery is sent once more, then dead-lettered (``delivery-failed:<error>``). Only a dead letter that
cannot be delivered is counted as failed. A fatal producer error raises :class:`DeliveryError`.

Partitions are chosen here (CRC32 of the key, the same formula as librdkafka's ``consistent``
partitioner) so :mod:`tweetpub.replay.resume` can tell which partition a record would have gone to.
"""

from __future__ import annotations

import logging
import time
import zlib
from functools import partial
from dataclasses import dataclass, field
from typing import Any, Callable

from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from tweetcontract.defaults import DLQ_RAW_LIMIT, dlq_topic as default_dlq_topic
from tweetcontract.envelope import build_dead_letter, parse_dead_letter
from tweetpub.exceptions import DeliveryError, KafkaUnavailable, UsageError
from tweetpub.metrics import watch
from tweetpub.settled import SettledPrefix

logger = logging.getLogger(__name__)


def partition_for(key: bytes, partitions: int) -> int:
    """The partition of ``key`` among ``partitions`` (stable across runs and processes)."""
    return zlib.crc32(key) % partitions


@dataclass
class DeliveryStats:
    """Acknowledged and failed records per topic, updated by the delivery callback."""

    acked: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    last_error: str = ""
    retried: int = 0  # failed deliveries sent again
    redirected: int = 0  # records dead-lettered instead (too large, or failed twice)
    acked_bytes: dict[str, int] = field(default_factory=dict)  # value bytes acknowledged, per topic
    dead_letters: dict[str, int] = field(default_factory=dict)  # dead letters queued, per reason (/metrics)

    def ok(self, topic: str) -> int:
        return self.acked.get(topic, 0)

    def errors(self) -> int:
        return sum(self.failed.values())


class TweetProducer:
    """Write tweets to ``topic`` and dead letters to ``dlq_topic``; count their acknowledgements.

    :param config: full librdkafka settings (see :func:`tweetpub.kafkaconf.producer_config`).
    :param admin_config: settings for the admin client (topic checks and creation).
    :param topic: the tweet topic.
    :param dlq_topic: the dead-letter topic; default ``<topic>.dlq``.
    :param timeout: seconds to wait for the brokers' metadata before giving up.
    """

    POLL_EVERY = 200

    def __init__(self, config: dict[str, Any], admin_config: dict[str, Any], topic: str,
                 dlq_topic: str | None = None, timeout: float = 10.0) -> None:
        self.topic = topic
        self.dlq_topic = dlq_topic or default_dlq_topic(topic)
        self.timeout = timeout
        self.stats = DeliveryStats()
        self._fatal: str = ""
        #: librdkafka's last authentication or TLS failure (names the mechanism or the certificate, never a secret).
        self._refused: str = ""
        cfg = dict(config)
        cfg["error_cb"] = self._on_error
        admin_cfg = dict(admin_config)
        admin_cfg["error_cb"] = self._on_error
        try:
            self._producer = Producer(cfg)
            self._admin = AdminClient(admin_cfg)
        except KafkaException as exc:
            raise UsageError(f"bad Kafka settings: {_kafka_msg(exc)}") from None
        except (TypeError, ValueError) as exc:
            raise UsageError(f"bad Kafka settings: {exc}") from None
        self._config = cfg
        self._bootstrap = str(config.get("bootstrap.servers", ""))
        self._since_poll = 0
        self.partitions: dict[str, int] = {}
        #: Largest record batch each topic accepts (``max.message.bytes``), known after :meth:`ensure_topics`.
        self.limits: dict[str, int] = {}
        #: (source, line) of a record for its dead letter; replay maps its ``tp-pos`` header to the file line.
        self.origin: Callable[[bytes | None, list[tuple[str, bytes]] | None], tuple[str, int]] = _default_origin
        self._failures: list[tuple[KafkaError, Any, list[tuple[str, bytes]] | None]] = []
        #: With :meth:`track`: the settled prefix of the records carrying a position header.
        self.settled: SettledPrefix | None = None
        self._pos_header = self._done_header = ""
        self._retried: set[tuple[str, int]] = set()
        watch(producer=self)  # /metrics reads the delivery stats from here (a process runs one producer)

    def _on_error(self, err: KafkaError) -> None:
        if err.fatal():
            self._fatal = err.str()
        if err.code() in (KafkaError._AUTHENTICATION, KafkaError._SSL):
            self._refused = err.str()
        logger.debug("kafka: %s", err.str())

    def track(self, pos_header: str, done_header: str) -> SettledPrefix:
        """Follow which records (by their ``pos_header``) are settled, and stamp each record sent from now
        on with the settled prefix in ``done_header`` (replay's ``--resume`` reads it back)."""
        self.settled = SettledPrefix()
        self._pos_header, self._done_header = pos_header, done_header
        return self.settled

    def _pos(self, headers: list[tuple[str, bytes]] | None) -> bytes | None:
        for name, value in headers or ():
            if name == self._pos_header:
                return value
        return None

    def _on_delivery(self, headers: list[tuple[str, bytes]] | None, err: KafkaError | None, msg: Any) -> None:
        # ``headers`` as sent: a failed delivery report carries none (msg.headers() is None), and the retry or
        # dead letter needs them (tp-pos: the line it came from, the settled prefix of --resume).
        topic = msg.topic()
        if err is None:
            self.stats.acked[topic] = self.stats.acked.get(topic, 0) + 1
            self.stats.acked_bytes[topic] = self.stats.acked_bytes.get(topic, 0) + len(msg)
            if self.settled is not None:
                pos = self._pos(headers)
                if pos is not None:
                    self.settled.outcome(pos)
        else:
            # Handled after the poll returns (producing from inside librdkafka's callback is avoided).
            self._failures.append((err, msg, headers))

    def _settle(self) -> None:
        """Retry or dead-letter the deliveries that failed since the last call."""
        refit = False
        while self._failures:
            err, msg, sent = self._failures.pop(0)
            topic, key, value = msg.topic(), msg.key(), msg.value() or b""
            # a later attempt is stamped afresh, and marked late: it lands after newer records
            headers = [(k, v) for k, v in sent or () if k not in (self._done_header, LATE_HEADER)]
            headers.append((LATE_HEADER, b"1"))
            pos = self._pos(headers) if self.settled is not None else None
            self.stats.last_error = err.str()
            if topic == self.dlq_topic:
                self.stats.failed[topic] = self.stats.failed.get(topic, 0) + 1
                logger.warning("dead letter to %s not delivered: %s", topic, err.str())
                if pos is not None:
                    self.settled.outcome(pos, lost=True)  # type: ignore[union-attr]
                continue
            ident = (topic, id(msg)) if key is None else (topic, hash((key, value)))
            too_large = err.code() == KafkaError.MSG_SIZE_TOO_LARGE
            if too_large and not refit:
                # The broker refused a whole batch over the topic's limit (lowered since ensure_topics, or never
                # readable): learn the limit again and shrink the batches, so the records that only shared a
                # batch with a big one are sent again instead of being dead-lettered with it.
                refit = True
                self._fit_record_limit([topic])
            if too_large and self._fits(topic, key, value, headers):
                too_large = False  # refused for the company it kept: the one retry below
            if not too_large and ident not in self._retried:
                self._retried.add(ident)
                self.stats.retried += 1
                logger.warning("delivery to %s failed (%s): sending it again", topic, err.str())
                self._send(topic, key or b"", value, headers)
            else:
                self._retried.discard(ident)
                reason = "record-too-large" if too_large or err.code() == KafkaError.MSG_SIZE_TOO_LARGE else \
                    f"delivery-failed:{err.name().lower()}"
                logger.warning("delivery to %s failed (%s): dead-lettered as %s", topic, err.str(), reason)
                self._redirect(reason, key, value, headers)
            if pos is not None:
                self.settled.outcome(pos)  # type: ignore[union-attr]  # after the next attempt is queued

    def _redirect(self, reason: str, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]] | None) -> None:
        """Dead-letter a tweet record Kafka would not take, with a bounded excerpt of its value."""
        self.stats.redirected += 1
        self.stats.dead_letters[reason] = self.stats.dead_letters.get(reason, 0) + 1
        source, line = self.origin(key, headers)
        letter = build_dead_letter(reason, source, line, value, DLQ_RAW_LIMIT)
        self._send(self.dlq_topic, key or f"{source}:{line}".encode("utf-8", "replace"), letter, headers)

    def ensure_topics(self, partitions: int = 1) -> dict[str, int]:
        """Check the brokers answer and both topics exist, creating missing ones.

        :param partitions: partitions of the tweet topic when it has to be created (the dead-letter
            topic gets one).
        :returns: topic -> actual partition count.
        :raises KafkaUnavailable: no metadata within the timeout, or creation refused.
        """
        return self._ensure({self.topic: partitions, self.dlq_topic: 1})

    @property
    def has_topics(self) -> bool:
        """Whether :meth:`ensure_topics` already found both topics."""
        return self.topic in self.partitions and self.dlq_topic in self.partitions

    def _ensure(self, topics: dict[str, int]) -> dict[str, int]:
        try:
            md = self._admin.list_topics(timeout=self.timeout)
        except KafkaException as exc:
            self._admin.poll(0.5)  # collect the error callbacks: a refused login says why
            refused = f"; the broker refused us: {self._refused}" if self._refused else ""
            raise KafkaUnavailable(f"cannot reach Kafka at {self._bootstrap} within {self.timeout:g} s "
                                   f"({_kafka_msg(exc)}){refused}") from None
        missing = [t for t in topics if t not in md.topics or md.topics[t].error is not None]
        if missing:
            futures = self._admin.create_topics(
                [NewTopic(t, num_partitions=topics[t], replication_factor=-1) for t in missing],
                request_timeout=self.timeout)
            for topic, fut in futures.items():
                try:
                    fut.result(timeout=self.timeout)
                    logger.info("created topic %s with %d partition(s)", topic, topics[topic])
                except KafkaException as exc:
                    if exc.args and exc.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                        continue
                    raise KafkaUnavailable(f"cannot create topic {topic}: {_kafka_msg(exc)}") from None
        # A new topic takes a moment to appear in the metadata with its partitions.
        deadline = time.monotonic() + self.timeout
        while True:
            ready = {t: md.topics[t] for t in topics if t in md.topics and md.topics[t].partitions}
            if len(ready) == len(topics):
                break
            if time.monotonic() > deadline:
                missing = sorted(set(topics) - set(ready))
                raise KafkaUnavailable(f"topic {', '.join(missing)} has no partitions")
            time.sleep(0.2)
            md = self._admin.list_topics(timeout=self.timeout)
        for topic, meta in ready.items():
            self.partitions[topic] = len(meta.partitions)
        self._fit_record_limit(list(topics))
        return dict(self.partitions)

    def _fit_record_limit(self, topics: list[str]) -> None:
        """Learn each topic's ``max.message.bytes`` and keep batches under the smallest.

        The brokers refuse a whole batch over the limit, so with a topic limit below ``batch.size``
        innocent records would fail beside a big one: the producer is flushed and rebuilt with a
        ``batch.size`` that fits (at start, or mid-run after the broker refused a batch for its size: the
        limit was lowered meanwhile). A single record over its topic's limit is caught in :meth:`_send`.
        """
        try:
            futures = self._admin.describe_configs([ConfigResource("topic", t) for t in topics],
                                                   request_timeout=self.timeout)
            for res, fut in futures.items():
                entry = fut.result(timeout=self.timeout).get("max.message.bytes")
                if entry is not None and entry.value is not None:
                    self.limits[res.name] = int(entry.value)
        except (KafkaException, ValueError, TimeoutError) as exc:  # not allowed to describe: librdkafka's limits
            logger.info("cannot read the topics' max.message.bytes (%s); keeping the producer's limits", exc)
            return
        if not self.limits:
            return
        smallest = min(self.limits.values())
        batch = int(self._config.get("batch.size", 1_000_000))
        if batch <= smallest - _BATCH_OVERHEAD:
            return
        cfg = dict(self._config)
        cfg["batch.size"] = max(1, smallest - _BATCH_OVERHEAD)
        if self._producer.flush(self.timeout):  # records still in flight: never drop the producer holding them
            logger.warning("could not shrink batch.size to the topic limit: records still in flight")
            return
        self._producer = Producer(cfg)
        self._config = cfg
        logger.info("topic limit %d bytes: batch.size %d", smallest, cfg["batch.size"])

    def write(self, key: bytes, value: bytes, headers: list[tuple[str, bytes]] | None = None) -> None:
        """Queue one tweet record on the tweet topic."""
        self._send(self.topic, key, value, headers)

    def dead_letter(self, key: bytes, value: bytes, headers: list[tuple[str, bytes]] | None = None) -> None:
        """Queue one dead letter (a ``tweetpub-dlq/1`` value) on the dead-letter topic."""
        try:  # counted by reason for /metrics; dead letters are rare, parsing one is cheap
            reason = str(parse_dead_letter(value).get("reason") or "unknown")
        except ValueError:
            reason = "unknown"
        self.stats.dead_letters[reason] = self.stats.dead_letters.get(reason, 0) + 1
        self._send(self.dlq_topic, key, value, headers)

    def partition(self, key: bytes) -> int:
        """The tweet topic's partition a record keyed ``key`` goes to."""
        return partition_for(key, self.partitions[self.topic])

    def dlq_partition(self, key: bytes) -> int:
        """The dead-letter topic's partition a dead letter keyed ``key`` goes to."""
        return partition_for(key, self.partitions[self.dlq_topic])

    def acked(self) -> int:
        """Tweet records acknowledged so far."""
        return self.stats.ok(self.topic)

    def dead_letters_acked(self) -> int:
        """Dead letters acknowledged so far."""
        return self.stats.ok(self.dlq_topic)

    def _send(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]] | None) -> None:
        """Queue one record (partition from the key); waits for queue space instead of failing.

        :raises DeliveryError: the producer hit a fatal error (one clear line for the CLI).
        """
        if self._fatal:
            raise DeliveryError(f"Kafka producer failed: {self._fatal}")
        partition = partition_for(key, self.partitions[topic])
        if not self._fits(topic, key, value, headers):
            self._too_large(topic, key, value, headers, f"{len(value)} bytes, the topic takes {self.limits[topic]}")
            return
        pos = self._pos(headers) if self.settled is not None else None
        stamped = headers if pos is None else [*(headers or ()), (self._done_header, self.settled.done)]  # type: ignore[union-attr]
        while True:
            try:
                self._producer.produce(topic, value, key, partition, partial(self._on_delivery, stamped),
                                       headers=stamped)
                if pos is not None:
                    self.settled.sent(pos)  # type: ignore[union-attr]
                break
            except BufferError:
                self._producer.poll(0.05)  # the local queue is full: serve deliveries, then retry
                self._settle()
            except KafkaException as exc:
                code = exc.args[0].code() if exc.args and isinstance(exc.args[0], KafkaError) else None
                if code == KafkaError.MSG_SIZE_TOO_LARGE:
                    self._too_large(topic, key, value, headers, _kafka_msg(exc))
                    return
                raise DeliveryError(f"Kafka producer failed: {self._fatal or _kafka_msg(exc)}") from None
        self._since_poll += 1
        if self._since_poll >= self.POLL_EVERY:
            self._since_poll = 0
            self._producer.poll(0)
            self._settle()

    def _fits(self, topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]] | None) -> bool:
        """Whether one record, alone in its batch, is within the topic's known ``max.message.bytes``."""
        limit = self.limits.get(topic)
        size = len(value) + len(key or b"") + _BATCH_OVERHEAD + sum(len(k) + len(v or b"") for k, v in headers or ())
        return limit is None or size <= limit

    def _too_large(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]] | None,
                   why: str) -> None:
        if topic != self.dlq_topic:
            logger.warning("a record of %d bytes is over the limit (%s): dead-lettered", len(value), why)
            self._redirect("record-too-large", key, value, headers)
            return
        self.stats.failed[topic] = self.stats.failed.get(topic, 0) + 1  # a dead letter has nowhere else to go
        self.stats.last_error = f"a dead letter is over the limit ({why})"
        pos = self._pos(headers) if self.settled is not None else None
        if pos is not None:
            self.settled.sent(pos)  # type: ignore[union-attr]
            self.settled.outcome(pos, lost=True)  # type: ignore[union-attr]

    def poll(self, timeout: float = 0) -> None:
        """Serve delivery callbacks (and retry or dead-letter failed deliveries)."""
        self._producer.poll(timeout)
        self._settle()

    def flush(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for every queued record (retries and dead letters of failed
        ones included); returns how many are still queued."""
        deadline = time.monotonic() + timeout
        while True:
            left = self._producer.flush(max(0.0, deadline - time.monotonic()))
            if not self._failures:
                return left
            self._settle()
            if time.monotonic() >= deadline:
                return self._producer.flush(0)

    @property
    def fatal_error(self) -> str:
        """The fatal error librdkafka reported, if any (e.g. the idempotent producer was fenced)."""
        return self._fatal


#: Header of a record sent again, or dead-lettered after a failed delivery: it lands after newer records.
LATE_HEADER = "tp-late"

#: Bytes a record batch adds around one record (batch header 61, record framing): kept below the limit.
_BATCH_OVERHEAD = 128


def _default_origin(key: bytes | None, headers: list[tuple[str, bytes]] | None) -> tuple[str, int]:
    return (key or b"").decode("utf-8", "replace")[:200], 0


def _kafka_msg(exc: KafkaException) -> str:
    arg = exc.args[0] if exc.args else exc
    return arg.str() if isinstance(arg, KafkaError) else str(arg)
