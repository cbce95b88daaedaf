"""What the open-network sources (Bluesky Jetstream, Mastodon streaming) share: options, counters,
post identity dedup, the track/language filter on a post's text, and the supervisor that runs the
connection loops in worker threads until a limit, a duration, a signal or a failure.

Each source module (:mod:`tweetpub.live.jetstream`, :mod:`tweetpub.live.mastodon`) turns raw messages
into :class:`Post` objects or skips/dead letters (pure functions), and owns its connection loop; the
:class:`PostHandler` here applies dedup, filter and limit and hands posts to a :class:`PostSink`
(Kafka in ``stream``, gzip files in ``record``, see :mod:`tweetpub.live.opensinks`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

from tweetpub.exceptions import LiveSourceError
from tweetpub.filters import TweetFilter
from tweetpub.live.client import Backoff
from tweetpub.metrics import watch
from tweetpub.signals import StopSignals

log = logging.getLogger(__name__)

SOURCES = ("x", "bluesky", "mastodon")


class Skip(Exception):
    """A well-formed event that is not a new post; ``kind`` says what it is (counted, not produced)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class BadEvent(ValueError):
    """An unusable frame or event (dead-lettered with ``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Connection:
    """The connection a worker is reading: set and cleared by the worker's thread, cut from another thread
    (a signal or the supervisor) so that a blocking read returns at once."""

    def __init__(self, cut: Callable[[Any], None]) -> None:
        self._cut = cut
        self._lock = threading.Lock()
        self._current: Any = None

    def set(self, conn: Any) -> None:
        with self._lock:
            self._current = conn

    def interrupt(self) -> None:
        with self._lock:
            conn = self._current
        if conn is not None:
            try:
                self._cut(conn)
            except Exception:  # already closed
                pass


@dataclass(frozen=True)
class Post:
    """One post as received: its global identity, its dialect (contract 2) and the exact bytes."""

    id: str
    dialect: str
    raw: bytes
    text: str = ""
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()


@dataclass
class OpenSummary:
    """Counters of one open-source run; logged at the end and printed by the CLI."""

    source: str = ""
    connections: int = 0
    reconnects: int = 0
    network_errors: int = 0
    http_errors: dict[int, int] = field(default_factory=dict)
    heartbeats: int = 0
    messages: int = 0
    posts: int = 0
    delivered: int = 0
    acked: int | None = None
    duplicates: int = 0
    filtered_out: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0
    dead_letter_reasons: dict[str, int] = field(default_factory=dict)
    stopped_by: str = ""
    elapsed: float = 0.0

    def skip(self, kind: str) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + 1

    def line(self) -> str:
        http = ",".join(f"{k}x{v}" for k, v in sorted(self.http_errors.items())) or "0"
        skipped = ",".join(f"{k}x{v}" for k, v in sorted(self.skipped.items())) or "0"
        return (f"{self.source}: {self.delivered} posts delivered in {self.elapsed:.1f}s ({self.messages} messages, "
                f"{self.posts} posts, {self.filtered_out} filtered out, {self.duplicates} duplicates, "
                f"skipped {skipped}, {self.dead_letters} dead letters, {self.heartbeats} heartbeats); "
                f"{self.connections} connections, {self.reconnects} reconnects, {self.network_errors} network errors, "
                f"HTTP errors {http}; stopped by {self.stopped_by}")


@dataclass(frozen=True)
class OpenOptions:
    """What ``stream``/``record --source bluesky|mastodon`` share.

    :param url: the instance (Jetstream base URL, or the Mastodon server's base URL).
    :param track: :func:`tweetpub.filters.parse_track` tuples; empty keeps every post.
    :param langs: keep posts in one of these languages (empty: any).
    :param tags: Mastodon hashtag streams (empty: the public timeline).
    :param token_file: Mastodon token file (else ``$MASTODON_TOKEN``).
    :param dry_run: connect, wait for the first message, disconnect (a reachability check).
    """

    source: str
    url: str
    track: Sequence[tuple[str, ...]] = ()
    langs: Sequence[str] = ()
    tags: Sequence[str] = ()
    local: bool = False
    transport: str = "sse"
    token_file: str | None = None
    cursor: int | None = None
    rewind_seconds: float = 5.0
    compress: bool = False
    zstd_dictionary: str | None = None
    limit: int | None = None
    duration: float | None = None
    backoff: Backoff = field(default_factory=Backoff)
    max_retries: int | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    dedup_window: int = 200_000
    dry_run: bool = False


class PostSink(Protocol):
    """Where posts and dead letters go. Called from worker threads, under the handler's lock."""

    def write_post(self, post: Post) -> None: ...

    def dead_letter(self, reason: str, raw: bytes, number: int) -> None: ...

    def tick(self) -> None: ...

    def close(self) -> None: ...


class Dedup:
    """The last ``window`` identities seen (bounded memory): ``add`` says whether one is new."""

    def __init__(self, window: int) -> None:
        self.window = max(1, window)
        self._seen: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> bool:
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self.window:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)


class PostFilter:
    """v1.1 ``track`` semantics (:class:`tweetpub.filters.TweetFilter`) on a post's text, hashtags, mentions
    and links, plus an optional language filter. An empty track keeps every post (in the wanted languages)."""

    def __init__(self, track: Sequence[tuple[str, ...]], langs: Sequence[str] = ()) -> None:
        self.track = TweetFilter(list(track), []) if track else None
        self.langs = {lang.lower().split("-")[0] for lang in langs if lang}

    def match(self, post: Post) -> bool:
        if self.langs and not any(lang.lower().split("-")[0] in self.langs for lang in post.langs):
            return False
        if self.track is None:
            return True
        # every term of a matching phrase occurs in this text (TweetFilter's own first test): most posts
        # match no phrase, and this skips building their view
        hay = " ".join((post.text, *post.hashtags, *post.mentions, *post.urls)).lower()
        if not any(all(term in hay for term in phrase) for phrase in self.track.track):
            return False
        view = {"text": post.text, "entities": {
            "hashtags": [{"tag": t} for t in post.hashtags],
            "mentions": [{"username": m} for m in post.mentions],
            "urls": [{"expanded_url": u} for u in post.urls]}}
        return self.track.match_track(view, "v2")


class PostHandler:
    """Dedup by identity, filter, limit, then the sink; counts everything in the summary. Thread-safe."""

    def __init__(self, sink: PostSink, summary: OpenSummary, post_filter: PostFilter, *, limit: int | None = None,
                 dedup_window: int = 200_000) -> None:
        self.sink = sink
        self.summary = summary
        self.filter = post_filter
        self.limit = limit
        self.dedup = Dedup(dedup_window)
        self.lock = threading.Lock()
        self.done = threading.Event()

    def post(self, post: Post) -> None:
        with self.lock:
            if self.done.is_set():
                return
            self.summary.posts += 1
            if not self.dedup.add(post.id):
                self.summary.duplicates += 1
                return
            if not self.filter.match(post):
                self.summary.filtered_out += 1
                return
            self.sink.write_post(post)
            self.summary.delivered += 1
            if self.limit is not None and self.summary.delivered >= self.limit:
                self.done.set()

    def skip(self, kind: str) -> None:
        with self.lock:
            self.summary.skip(kind)

    def dead(self, reason: str, raw: bytes) -> None:
        with self.lock:
            self.summary.dead_letters += 1
            self.summary.dead_letter_reasons[reason] = self.summary.dead_letter_reasons.get(reason, 0) + 1
            self.sink.dead_letter(reason, raw, self.summary.messages)

    def message(self) -> None:
        with self.lock:
            self.summary.messages += 1

    def tick(self) -> None:
        with self.lock:
            self.sink.tick()


class Worker(Protocol):
    """A connection loop: runs until ``stop`` is set, the handler is done, or it fails (raises)."""

    name: str

    def run(self, handler: PostHandler, stop: threading.Event) -> None: ...

    def interrupt(self) -> None: ...


def supervise(workers: Sequence[Worker], handler: PostHandler, opts: OpenOptions, *,
              handle_signals: bool = True, status_every: float = 10.0) -> OpenSummary:
    """Run the workers in threads until limit, duration, a signal, or a worker's failure; close the sink.

    A worker's exception (a sink failure, a fatal HTTP answer, an unreachable source) is re-raised here
    after the sink is closed; the summary is complete either way.
    """
    summary = handler.summary
    stop = threading.Event()
    failures: list[BaseException] = []
    started = time.monotonic()

    def body(worker: Worker) -> None:
        try:
            worker.run(handler, stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the supervisor, re-raised there
            failures.append(exc)
            stop.set()

    signals = StopSignals(stop.set, enabled=handle_signals, message="disconnecting and flushing").install()
    threads = [threading.Thread(target=body, args=(w,), name=f"{opts.source}-{w.name}", daemon=True) for w in workers]
    deadline = None if opts.duration is None else started + opts.duration
    next_status = started + status_every
    try:
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(0.1)
            now = time.monotonic()
            if handler.done.is_set() and not stop.is_set():
                summary.stopped_by = "limit"
                stop.set()
            if deadline is not None and now >= deadline and not stop.is_set():
                summary.stopped_by = "duration"
                stop.set()
            if stop.is_set():
                for w in workers:
                    w.interrupt()
            if now >= next_status:
                next_status = now + status_every
                log.info("%s: %d posts delivered, %d messages, %d reconnects, %d dead letters", opts.source,
                         summary.delivered, summary.messages, summary.reconnects, summary.dead_letters)
    finally:
        stop.set()
        for w in workers:
            w.interrupt()
        signals.restore()
        summary.elapsed = time.monotonic() - started
    if signals.signum:
        summary.stopped_by = "signal"
    elif failures:
        summary.stopped_by = "error"
    elif not summary.stopped_by:
        summary.stopped_by = "limit" if handler.done.is_set() else "stream ended"
    try:
        handler.sink.close()
    except Exception as exc:
        if not failures:
            raise
        log.warning("while stopping after an error: %s", exc)
    log.info("%s", summary.line())
    if failures:
        raise failures[0]
    return summary


def run_open(sink: PostSink, opts: OpenOptions, make_workers: Callable[[OpenOptions, OpenSummary], list[Worker]], *,
             handle_signals: bool = True) -> OpenSummary:
    """Build the handler and the workers, then :func:`supervise` them."""
    summary = OpenSummary(source=opts.source)
    watch(summary=summary)  # /metrics reads the live counters from here
    handler = PostHandler(sink, summary, PostFilter(opts.track, opts.langs),
                          limit=1 if opts.dry_run else opts.limit, dedup_window=opts.dedup_window)
    try:
        workers = make_workers(opts, summary)
    except BaseException:
        sink.close()
        raise
    return supervise(workers, handler, opts, handle_signals=handle_signals)


class Attempts:
    """Reconnect bookkeeping shared by the loops: backoff waits, the give-up rules, the never-connected rule.

    A source that never answered fails at once with one line (``make demo`` relies on it); once it has
    answered, failures back off and retry (forever, or ``max_retries`` consecutive failures).
    """

    def __init__(self, what: str, backoff: Backoff, max_retries: int | None) -> None:
        from tweetpub.live.client import BackoffState

        self.what = what
        self.state = BackoffState(backoff)
        self.max_retries = max_retries
        self.failures = 0
        self.ever_connected = False

    def connected(self) -> None:
        self.ever_connected = True

    def got_data(self) -> None:
        self.failures = 0
        self.state.reset()

    def failed(self, detail: str, status: int | None = None) -> float:
        """The wait before retrying; raises LiveSourceError when it is time to give up."""
        if not self.ever_connected:
            raise LiveSourceError(f"cannot reach {self.what}: {detail}")
        self.failures += 1
        if self.max_retries is not None and self.failures > self.max_retries:
            raise LiveSourceError(f"{self.what}: gave up after {self.failures - 1} failed reconnects ({detail})")
        return self.state.http_error(status) if status is not None else self.state.network_error()
