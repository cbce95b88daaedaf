"""``tweetpub stream``: the live filtered stream into Kafka, through the one writer
(:class:`tweetpub.producer.TweetProducer`): one contract-2 envelope per tweet, dead letters for the rest."""

from __future__ import annotations

from tweetcontract.decode import BadLine, decode_object, tweet_json
from tweetcontract.defaults import DLQ_RAW_LIMIT
from tweetcontract.envelope import ValueBuilder, build_dead_letter
from tweetpub.exceptions import DeliveryError, KafkaUnavailable
from tweetpub.live.routing import LiveSummary, PageSink
from tweetpub.live.run import LiveOptions, run_live
from tweetpub.producer import TweetProducer


class KafkaSink:
    """What every live source's Kafka sink shares: the one writer, envelopes labelled with the contract's
    ``source``, ``tweetpub-dlq/1`` dead letters, and a close that fails loudly on anything undelivered."""

    def __init__(self, writer: TweetProducer, source: str, flush_timeout: float = 30.0) -> None:
        self.writer = writer
        self.source = source
        self.flush_timeout = flush_timeout
        self.values = ValueBuilder(source)
        if not writer.has_topics:
            writer.ensure_topics()  # raises KafkaUnavailable with one clear line

    def dead_letter(self, reason: str, raw: bytes, number: int) -> None:
        value = build_dead_letter(reason, self.source, number, raw, DLQ_RAW_LIMIT)
        self.writer.dead_letter(f"{self.source}:{number}".encode(), value)

    def tick(self) -> None:
        self.writer.poll(0)
        if self.writer.fatal_error:
            raise KafkaUnavailable(f"Kafka producer failed: {self.writer.fatal_error}")

    def close(self) -> None:
        left = self.writer.flush(self.flush_timeout)
        if left:
            raise DeliveryError(f"{left} records were not acknowledged by Kafka within {self.flush_timeout:g}s")
        failed = self.writer.stats.errors()
        if failed:
            raise DeliveryError(f"{failed} records failed delivery to Kafka: {self.writer.stats.last_error}")


class KafkaPageSink(KafkaSink):
    """A :class:`~tweetpub.live.routing.PageSink` over the writer: flattens each page
    (``tweetcontract.dialects``) and writes one contract-2 envelope per tweet; non-tweet messages become
    ``tweetpub-dlq/1`` dead letters."""

    SOURCE = "x"  # contract 2: the X API v2 filtered stream

    def __init__(self, writer: TweetProducer, flush_timeout: float = 30.0) -> None:
        super().__init__(writer, self.SOURCE, flush_timeout)

    def write_page(self, page: dict, raw: bytes, number: int) -> int:
        try:
            # flattened and serialized here, so a page that cannot be written back (too deep, amplifying)
            # is one dead letter, never an exception that ends the stream
            tweets = decode_object(page)
        except BadLine as exc:
            self.dead_letter(exc.reason.removeprefix("not-a-tweet:"), raw, number)
            return 0
        for tweet in tweets:
            self.writer.write(tweet.id.encode("utf-8"), self.values(tweet.id, tweet.dialect, tweet_json(tweet)))
        return len(tweets)


def run_stream(opts: LiveOptions, *, producer: TweetProducer | None) -> LiveSummary:
    """``tweetpub stream``: the live filtered stream into Kafka (one envelope per tweet, DLQ for the rest).

    ``producer`` is the writer, which names the topics; missing topics are created (1 partition) unless
    the caller already ran ``producer.ensure_topics``. It may be None with ``opts.dry_run``.
    """
    if opts.dry_run:
        sink: PageSink = _NullSink()
    else:
        assert producer is not None, "run_stream needs a producer unless dry_run"
        sink = KafkaPageSink(producer)
    summary = run_live(sink, opts)
    if producer is not None and not opts.dry_run:
        summary.acked = producer.acked()
    return summary


class _NullSink:
    """For ``--dry-run``: nothing is streamed, so nothing is written."""

    def write_page(self, page: dict, raw: bytes, number: int) -> int:
        return 0

    def dead_letter(self, reason: str, raw: bytes, number: int) -> None:
        pass

    def tick(self) -> None:
        pass

    def close(self) -> None:
        pass
