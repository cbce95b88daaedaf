"""The replay run: lines -> tweets -> filter -> pacing -> Kafka, bad lines -> dead-letter topic.

Kept free of click so tests and the benchmark drive it directly. The hot path reuses each verbatim
line's bytes inside the envelope; only v2 pages (flattened) and looping replays (shifted
``created_at``) re-serialize a tweet, a looping replay once per recorded tweet: later loops splice the
shifted time into a template (:mod:`tweetpub.replay.loopcache`). Pacing sleeps once per tick, not per tweet.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson

from tweetcontract.decode import BadLine, decode_line, tweet_json
from tweetcontract.defaults import DLQ_RAW_LIMIT
from tweetcontract.envelope import ValueBuilder, build_dead_letter
from tweetcontract.hashtags import event_time, with_event_time
from tweetpub.filters import TweetFilter
from tweetpub.metrics import watch
from tweetpub.producer import TweetProducer
from tweetpub.replay import resume as resume_mod
from tweetpub.replay.loopcache import DEFAULT_LIMIT, Kept, LoopCache, TimeText, template
from tweetpub.replay.pacing import Pacer, TimelinePacer
from tweetpub.replay.progress import Counters, Progress
from tweetpub.replay.reader import Line, read_lines

logger = logging.getLogger(__name__)

#: Pacing sleeps only when the next tweet is due this far ahead: tweets go out in bursts of one tick's worth
#: (10 ms: 100 tweets at 10,000/s) instead of one sleep and one poll per tweet.
PACING_TICK = 0.01


@dataclass
class ReplayOptions:
    """Everything a replay needs besides the producer (which names the topics).

    :param loops: how many passes over the files (``None``: until stopped); ``loop`` shifts event times.
    :param resume_from: the last positions already in Kafka (see :mod:`tweetpub.replay.resume`).
    """

    paths: list[str]
    tweet_filter: TweetFilter | None
    pacer: Pacer = field(default_factory=Pacer)
    loop: bool = False
    loops: int | None = 1
    max_line_bytes: int = 512 * 1024
    run: bytes = b""
    resume_from: resume_mod.ResumePoint = field(default_factory=resume_mod.ResumePoint)
    flush_timeout: float = 30.0
    status_every: float = 5.0
    progress_tty: bool | None = None
    source_label: str = "replay"
    cache_limit: int = DEFAULT_LIMIT  # bytes a looping replay may keep of the recording (loopcache)


def _shift(tweet: dict[str, Any], dialect: str, when: float) -> dict[str, Any]:
    # The contract's rule knows where each dialect keeps its event time (a Bluesky post: commit.record.createdAt).
    return with_event_time(tweet, dialect, datetime.fromtimestamp(when, tz=timezone.utc))


def _event(tw: Any) -> datetime | None:
    try:
        return event_time(tw.data, tw.dialect)
    except ValueError:
        return None


def _wait_until(due: float, producer: TweetProducer, stop: threading.Event) -> None:
    # Sleep by polling the producer so delivery callbacks keep flowing during slow replays.
    while not stop.is_set():
        remaining = due - time.time()
        if remaining <= 0.0005:
            return
        producer.poll(min(remaining, 0.1))


def run_replay(opts: ReplayOptions, producer: TweetProducer, stop: threading.Event | None = None) -> Counters:
    """Replay ``opts.paths`` through ``producer``; returns the counters (``produced`` = acknowledged).

    Stops early, cleanly, when ``stop`` is set (signals). Always flushes before returning.
    """
    stop = stop or threading.Event()
    c = Counters()
    watch(counters=c)  # /metrics reads the run's figures from here
    progress = Progress(c, every=opts.status_every, tty=opts.progress_tty, acked=producer.acked)
    build = ValueBuilder(opts.source_label)
    flt = opts.tweet_filter
    pacer = opts.pacer
    timeline = isinstance(pacer, TimelinePacer)
    skip_tweets = opts.resume_from.tweets
    skip_dlq = opts.resume_from.dead_letters
    resuming = bool(opts.resume_from)
    run_hdr = opts.run
    write = producer.write
    loop_no = 0

    def origin(key: bytes | None, headers: list[tuple[str, bytes]] | None) -> tuple[str, int]:
        # A record Kafka refused is dead-lettered under its file and line, read back from its tp-pos.
        for name, value in headers or ():
            if name == resume_mod.POS_HEADER:
                try:
                    pos = resume_mod.decode_pos(value)
                    return opts.paths[pos[1]], pos[2]
                except (ValueError, IndexError):
                    break
        return opts.source_label, 0

    producer.origin = origin
    # every record carries the settled prefix (tp-done), so a later --resume re-sends the gaps
    producer.track(resume_mod.POS_HEADER, resume_mod.DONE_HEADER)

    def dead(line: Line, reason: str, pos: tuple[int, ...]) -> None:
        key = f"{line.source}:{line.lineno}".encode("utf-8", "replace")
        if resuming and opts.resume_from.has(pos, skip_dlq.get(producer.dlq_partition(key), ())):
            return
        value = build_dead_letter(reason, line.source, line.lineno, line.raw, DLQ_RAW_LIMIT)
        producer.dead_letter(key, value, [(resume_mod.RUN_HEADER, run_hdr),
                                          (resume_mod.POS_HEADER, resume_mod.encode_pos(pos))])

    cache = LoopCache(opts.cache_limit) if opts.loop else None
    times = TimeText()

    def emit(kept: Kept, base: tuple[int, ...], suffix: str) -> None:
        # One kept tweet of a looping replay: pacing, the shifted time spliced into its template, the write.
        key = (kept.id + suffix).encode("utf-8")
        pos = base + (kept.item,)
        if resuming and opts.resume_from.has(pos, skip_tweets.get(producer.partition(key), ())):
            c.resumed += 1
            return
        due = pacer.due(kept.event)
        now = time.time()
        if due > now + PACING_TICK:
            _wait_until(due, producer, stop)
            now = time.time()
        when = due if timeline or due > now else now
        if kept.head is not None:
            body = kept.head + times(kept.dialect, when) + kept.tail
        elif kept.unserializable:
            return
        else:
            body = orjson.dumps(_shift(kept.data, kept.dialect, when))  # type: ignore[arg-type]
        write(key, build(kept.id + suffix, kept.dialect, body),
              [(resume_mod.RUN_HEADER, run_hdr), (resume_mod.POS_HEADER, resume_mod.encode_pos(pos))])

    def remember(tw: Any, item: int, line: Line, pos: tuple[int, ...], report: bool) -> Kept:
        # The tweet's recorded event time and its template (or why it has none); reported in the first loop.
        kept = Kept(tw.id, tw.dialect, item, _event(tw))
        try:
            parts = template(tw.data, tw.dialect)
        except TypeError:  # nested past orjson's write limit (its read limit is higher)
            kept.unserializable = True
            if report:
                c.malformed += 1
                dead(line, "unserializable", pos)
            return kept
        if parts is None:
            kept.data = tw.data
        else:
            kept.head, kept.tail = parts
        return kept

    try:
        while not stop.is_set() and (opts.loops is None or loop_no < opts.loops):
            loop_no += 1
            pacer.restart()
            suffix = f"~{loop_no}" if loop_no > 1 else ""
            if cache is not None and cache.usable:
                # Later loops of a cached recording: no reading, parsing, filtering or serialising.
                for n, entry in enumerate(cache.entries):
                    if stop.is_set():
                        break
                    c.lines += entry.span
                    if not (n & 255):
                        progress.update()
                    c.read += entry.read
                    base = (loop_no, entry.file_index, entry.lineno)
                    for kept in entry.kept:
                        c.matched += 1
                        emit(kept, base, suffix)
                else:
                    c.lines += cache.trailing
                continue
            for line in read_lines(opts.paths, opts.max_line_bytes):
                if stop.is_set():
                    break
                c.lines += 1
                if cache is not None and loop_no == 1:
                    cache.line()
                if not (c.lines & 255):
                    progress.update()
                if not line.raw and line.error is None:
                    continue  # blank line
                base = (loop_no, line.file_index, line.lineno)
                if line.error is not None or line.oversize:
                    if loop_no == 1:  # later loops see the same bad lines: report them once
                        c.malformed += 1
                        dead(line, line.error or "line-too-long", base + (0,))
                    continue
                try:
                    tweets = decode_line(line.raw)
                except BadLine as bad:
                    if loop_no == 1:
                        if bad.malformed:
                            c.malformed += 1
                        else:
                            c.skipped += 1
                        dead(line, bad.reason, base + (0,))
                    continue
                kept_line: list[Kept] = []
                for item, tw in enumerate(tweets):
                    c.read += 1
                    if flt is not None and not flt.match(tw.data, tw.dialect):
                        continue
                    c.matched += 1
                    if opts.loop:
                        kept = remember(tw, item, line, base + (item,), report=loop_no == 1)
                        kept_line.append(kept)
                        emit(kept, base, suffix)
                        continue
                    key = (tw.id + suffix).encode("utf-8")
                    pos = base + (item,)
                    if resuming and opts.resume_from.has(pos, skip_tweets.get(producer.partition(key), ())):
                        c.resumed += 1
                        continue
                    due = pacer.due(_event(tw) if timeline else None)
                    if due > time.time() + PACING_TICK:
                        _wait_until(due, producer, stop)
                    body = line.raw if tw.verbatim else tweet_json(tw)  # serialized (and checked) by the decoder
                    write(key, build(tw.id + suffix, tw.dialect, body),
                          [(resume_mod.RUN_HEADER, run_hdr), (resume_mod.POS_HEADER, resume_mod.encode_pos(pos))])
                if cache is not None and loop_no == 1:
                    cache.add(line.file_index, line.lineno, len(tweets), kept_line)
            else:
                if cache is not None and loop_no == 1:
                    cache.finish()
    finally:
        left = producer.flush(opts.flush_timeout)
        c.produced = producer.acked()
        c.dead_lettered = producer.dead_letters_acked()
        c.failed = producer.stats.errors() + left
        c.jumped = pacer.jumped
        c.redirected = producer.stats.redirected
        elapsed = progress.close()
        logger.debug("replay finished in %.2f s", elapsed)
    return c
