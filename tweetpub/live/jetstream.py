"""Bluesky through Jetstream: ``/subscribe?wantedCollections=app.bsky.feed.post&cursor=<time_us>`` over WebSocket.

Jetstream sends one JSON event per text frame (``{"did","time_us","kind",...}``); with ``compress=true`` each
frame is binary, one zstd frame compressed with Jetstream's dictionary (the file must be given: it is not
bundled here). Only commit events that create an ``app.bsky.feed.post`` become posts; deletes, updates,
identity and account events and other collections are counted and skipped.

After a dropped connection the loop reconnects with backoff and a cursor rewound ``rewind_seconds`` before
the last event it saw (Jetstream replays from a cursor), and :class:`~tweetpub.live.openrun.PostHandler`
drops the replayed posts by identity (the AT URI): nothing lost, nothing twice.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Iterator
from urllib.parse import urlencode, urlsplit, urlunsplit

import orjson
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection, connect

from tweetcontract import dialects
from tweetcontract.errors import BadTweet
from tweetpub.exceptions import LiveSourceError, UsageError
from tweetpub.live.openrun import Attempts, BadEvent, Connection, OpenOptions, OpenSummary, Post, PostHandler, Skip
from tweetpub.live.wsloop import read_frames, reconnect_loop, short

log = logging.getLogger(__name__)

DEFAULT_JETSTREAM = "wss://jetstream2.us-east.bsky.network"
POST_COLLECTION = "app.bsky.feed.post"
DIALECT = "bluesky"
TAG_FEATURE = "app.bsky.richtext.facet#tag"
LINK_FEATURE = "app.bsky.richtext.facet#link"
MENTION_FEATURE = "app.bsky.richtext.facet#mention"
MAX_FRAME = 2 * 2**20
MAX_ID_CHARS = 1000  # the AT URI becomes the Kafka key: a key, not a payload
FATAL_STATUSES = {400, 401, 403, 404}


# --------------------------------------------------------------------------------------- pure logic


def subscribe_url(base: str, cursor: int | None = None, *, compress: bool = False) -> str:
    """The ``/subscribe`` URL on ``base`` (``wss://host`` or ``ws://host:port``, path optional)."""
    parts = urlsplit(base)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise UsageError(f"the Jetstream URL must be ws:// or wss://host[:port]: {base!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/subscribe"):
        path += "/subscribe"
    query: list[tuple[str, str]] = [("wantedCollections", POST_COLLECTION)]
    if cursor is not None:
        query.append(("cursor", str(cursor)))
    if compress:
        query.append(("compress", "true"))
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def rewound(last_time_us: int | None, seconds: float) -> int | None:
    """The cursor to reconnect with: ``seconds`` before the last event seen (None: live tail)."""
    if last_time_us is None:
        return None
    return max(0, last_time_us - int(seconds * 1_000_000))


def _contract_id(event: dict[str, Any]) -> str:
    """The post's identity by the contract's rule (:func:`tweetcontract.dialects.post_id`): its AT URI."""
    try:
        return dialects.post_id(event, DIALECT)
    except BadTweet as exc:
        raise BadEvent(exc.reason) from None


def _span(text: str, index: Any) -> str:
    """The part of ``text`` a facet's ``index`` covers (``byteStart``/``byteEnd`` are UTF-8 byte offsets)."""
    if not isinstance(index, dict):
        return ""
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
        return ""
    return text.encode("utf-8")[start:end].decode("utf-8", errors="ignore")


def event_time_us(event: Any) -> int | None:
    value = event.get("time_us") if isinstance(event, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def to_post(event: Any, raw: bytes) -> Post:
    """A Jetstream event as a :class:`Post` (id = AT URI, the frame's exact bytes).

    :raises Skip: deletes, updates, identity/account events, other collections.
    :raises BadEvent: anything that is not a Jetstream event, or a post without its fields.
    """
    if not isinstance(event, dict):
        raise BadEvent("not-an-object")
    did, kind = event.get("did"), event.get("kind")
    if not isinstance(did, str) or not did or event_time_us(event) is None or not isinstance(kind, str):
        raise BadEvent("not-a-jetstream-event")
    if kind != "commit":
        raise Skip(kind)
    commit = event.get("commit")
    if not isinstance(commit, dict):
        raise BadEvent("commit-without-commit")
    collection, operation = commit.get("collection"), commit.get("operation")
    if collection != POST_COLLECTION:
        raise Skip(f"collection:{collection}")
    if operation != "create":
        raise Skip(str(operation))
    rkey, record = commit.get("rkey"), commit.get("record")
    if not isinstance(rkey, str) or not rkey or not isinstance(record, dict):
        raise BadEvent("post-without-rkey-or-record")
    if len(did) + len(rkey) > MAX_ID_CHARS:
        raise BadEvent("bad-id")
    text = record.get("text")
    if not isinstance(text, str):
        raise BadEvent("post-without-text")
    tags: list[str] = []
    links: list[str] = []
    mentions: list[str] = []
    facets = record.get("facets")
    for facet in facets if isinstance(facets, list) else []:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else []:
            if not isinstance(feature, dict):
                continue
            if feature.get("$type") == TAG_FEATURE and isinstance(feature.get("tag"), str):
                tags.append(feature["tag"])
            elif feature.get("$type") == LINK_FEATURE and isinstance(feature.get("uri"), str):
                links.append(feature["uri"])
            elif feature.get("$type") == MENTION_FEATURE:
                handle = _span(text, facet.get("index"))  # the facet names a DID; the text shows @handle
                if handle.startswith("@") and len(handle) > 1:
                    mentions.append(handle[1:])
    extra = record.get("tags")
    tags += [t for t in (extra if isinstance(extra, list) else []) if isinstance(t, str)]
    langs = record.get("langs")
    return Post(_contract_id(event), DIALECT, raw, text=text, hashtags=tuple(tags), urls=tuple(links),
                mentions=tuple(mentions),
                langs=tuple(x for x in (langs if isinstance(langs, list) else []) if isinstance(x, str)))


# ---------------------------------------------------------------------------------- the connection


class JetstreamWorker:
    """The connection loop: connect, read frames, reconnect with backoff from a rewound cursor."""

    name = "jetstream"

    def __init__(self, opts: OpenOptions, summary: OpenSummary) -> None:
        self.opts = opts
        self.summary = summary
        self.base = opts.url
        subscribe_url(self.base)  # validate early: a bad URL is a usage error
        self.cursor: int | None = opts.cursor
        self.last_time_us: int | None = None
        self._decompress = _zstd(opts.zstd_dictionary) if opts.compress or opts.zstd_dictionary else None
        self.conn = Connection(lambda ws: ws.close_socket())
        self.attempts = Attempts(f"Jetstream at {self.base}", opts.backoff, opts.max_retries)

    def interrupt(self) -> None:
        self.conn.interrupt()

    def run(self, handler: PostHandler, stop: threading.Event) -> None:
        urls = self._urls()
        reconnect_loop("jetstream", self.summary, handler, stop, lambda: self._one_connection(next(urls), handler, stop))

    def _urls(self) -> Iterator[str]:
        """The first connection starts at the given cursor; each reconnect rewinds from the last event seen."""
        yield subscribe_url(self.base, self.cursor, compress=self._decompress is not None)
        while True:
            known = self.last_time_us if self.last_time_us is not None else self.cursor
            yield subscribe_url(self.base, rewound(known, self.opts.rewind_seconds),
                                compress=self._decompress is not None)

    def _one_connection(self, url: str, handler: PostHandler, stop: threading.Event) -> float | None:
        """One connection; returns the wait before the next one, or None to stop."""
        try:
            with connect(url, open_timeout=self.opts.connect_timeout, max_size=MAX_FRAME, compression=None,
                         proxy=None, user_agent_header="tweetpub (+jetstream)") as ws:
                return self._read(ws, url, handler, stop)
        except InvalidStatus as exc:
            status = exc.response.status_code
            self.summary.http_errors[status] = self.summary.http_errors.get(status, 0) + 1
            if status in FATAL_STATUSES:
                raise LiveSourceError(f"Jetstream at {self.base} refused the subscription (HTTP {status})") from None
            return self.attempts.failed(f"HTTP {status}", status)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            self.summary.network_errors += 1
            return self.attempts.failed(short(exc))

    def _read(self, ws: ClientConnection, url: str, handler: PostHandler, stop: threading.Event) -> float | None:
        if self.last_time_us is None and self.cursor is None:
            # no event yet: a reconnect must start from when this connection opened, not from "now"
            self.cursor = int(time.time() * 1_000_000)
        log.info("jetstream: connected to %s", url)
        return read_frames(ws, label="jetstream", conn=self.conn, attempts=self.attempts, summary=self.summary,
                           handler=handler, stop=stop, read_timeout=self.opts.read_timeout,
                           on_frame=lambda frame: self._frame(frame, handler), dry_run=self.opts.dry_run)

    def _frame(self, frame: str | bytes, handler: PostHandler) -> None:
        handler.message()
        raw = frame.encode("utf-8") if isinstance(frame, str) else frame
        if isinstance(frame, bytes):
            if self._decompress is None:
                handler.dead("binary-frame", raw)
                return
            try:
                raw = self._decompress(frame)
            except Exception:  # zstandard raises its own ZstdError
                handler.dead("bad-zstd-frame", frame)
                return
        try:
            event = orjson.loads(raw)
        except orjson.JSONDecodeError:
            handler.dead("invalid-json", raw)
            return
        t = event_time_us(event)
        try:
            post = to_post(event, raw)
        except Skip as skip:
            handler.skip(skip.kind)
        except BadEvent as bad:
            handler.dead(bad.reason, raw)
            return
        else:
            handler.post(post)
        if t is not None and (self.last_time_us is None or t > self.last_time_us):
            self.last_time_us = t


def _zstd(dictionary: str | None) -> Any:
    try:
        import zstandard
    except ImportError:
        raise UsageError("--zstd-dictionary needs the zstandard package (pip install zstandard)") from None
    if not dictionary:
        raise UsageError("Jetstream compresses with its own zstd dictionary: pass it with --zstd-dictionary FILE")
    try:
        data = open(dictionary, "rb").read()
    except OSError as exc:
        raise UsageError(f"cannot read the zstd dictionary {dictionary}: {exc.strerror or exc}") from None
    zdict = zstandard.ZstdCompressionDict(data)

    def decompress(frame: bytes) -> bytes:
        return zstandard.ZstdDecompressor(dict_data=zdict).decompressobj().decompress(frame)

    return decompress


def make_workers(opts: OpenOptions, summary: OpenSummary) -> list[JetstreamWorker]:
    return [JetstreamWorker(opts, summary)]
