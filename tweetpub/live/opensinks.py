"""Where the open-network sources' posts go, and the ``stream``/``record --source bluesky|mastodon`` entry points.

- :class:`KafkaPostSink`: one contract-2 envelope per post (``dialect`` and ``source`` ``bluesky`` or
  ``mastodon``, ``id`` the AT URI or status ``uri``, ``tweet`` the event/Status bytes as received) through the
  one writer, dead letters to its dead-letter topic.
- :class:`RecordPostSink`: each post's bytes as one line of the rotating ``.jsonl.gz`` files of
  :class:`tweetpub.live.record.RotatingGzipWriter`, so ``tweetpub replay`` reads them back line by line.
"""

from __future__ import annotations

import logging
import os

import orjson

from tweetpub.live import jetstream, mastodon
from tweetpub.live.credentials import redacting
from tweetpub.live.openrun import OpenOptions, OpenSummary, Post, run_open
from tweetpub.live.record import DEFAULT_ROTATE_BYTES, DEFAULT_ROTATE_SECONDS, RecordingSink, RotatingGzipWriter
from tweetpub.live.stream import KafkaSink
from tweetpub.producer import TweetProducer

log = logging.getLogger(__name__)


class KafkaPostSink(KafkaSink):
    """Posts into Kafka through :class:`~tweetpub.producer.TweetProducer` (the one writer)."""

    def write_post(self, post: Post) -> None:
        self.writer.write(post.id.encode("utf-8"), self.values(post.id, post.dialect, post.raw))


class RecordPostSink(RecordingSink):
    """Posts as lines of rotating gzip files, exactly as received; dead letters beside them."""

    def write_post(self, post: Post) -> None:
        raw = post.raw.strip()
        if b"\n" in raw or b"\r" in raw:  # an SSE payload sent over several data: lines; one line per post here
            raw = orjson.dumps(orjson.loads(raw))
        self.writer.write_line(raw + b"\n")


class NullSink:
    """``--dry-run``: a reachability check writes nothing."""

    def write_post(self, post: Post) -> None:
        pass

    def dead_letter(self, reason: str, raw: bytes, number: int) -> None:
        pass

    def tick(self) -> None:
        pass

    def close(self) -> None:
        pass


def run_source(sink: object, opts: OpenOptions, *, handle_signals: bool = True) -> OpenSummary:
    """Run ``opts.source`` (``bluesky`` or ``mastodon``) into ``sink``; the Mastodon token is redacted from logs."""
    if opts.source == "bluesky":
        return run_open(sink, opts, jetstream.make_workers, handle_signals=handle_signals)  # type: ignore[arg-type]
    if opts.source == "mastodon":
        try:
            token = mastodon.load_token(opts.token_file)
        except BaseException:
            sink.close()  # type: ignore[attr-defined]
            raise
        with redacting(token):
            return run_open(sink, opts, lambda o, s: mastodon.make_workers(o, s, token),  # type: ignore[arg-type]
                            handle_signals=handle_signals)
    raise ValueError(f"unknown open source {opts.source!r}")


def run_open_stream(opts: OpenOptions, *, producer: TweetProducer | None, handle_signals: bool = True) -> OpenSummary:
    """``tweetpub stream --source bluesky|mastodon``: posts into Kafka (``producer`` may be None with dry_run)."""
    if opts.dry_run or producer is None:
        return run_source(NullSink(), opts, handle_signals=handle_signals)
    summary = run_source(KafkaPostSink(producer, opts.source), opts, handle_signals=handle_signals)
    summary.acked = producer.acked()
    return summary


def run_open_record(opts: OpenOptions, *, out_dir: str | os.PathLike, prefix: str = "posts",
                    rotate_bytes: int = DEFAULT_ROTATE_BYTES, rotate_seconds: float = DEFAULT_ROTATE_SECONDS,
                    handle_signals: bool = True) -> OpenSummary:
    """``tweetpub record --source bluesky|mastodon``: posts, as received, into rotating ``.jsonl.gz`` files."""
    writer = RotatingGzipWriter(out_dir, prefix, rotate_bytes=rotate_bytes, rotate_seconds=rotate_seconds)
    summary = run_source(RecordPostSink(writer, opts.source), opts, handle_signals=handle_signals)
    log.info("record: %d posts in %d files under %s", writer.lines, len(writer.files), writer.dir)
    return summary
