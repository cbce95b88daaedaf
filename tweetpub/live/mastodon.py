"""Mastodon's streaming API over server-sent events: ``/api/v1/streaming/hashtag?tag=...`` (one connection per
hashtag) or ``/api/v1/streaming/public`` (``/public/local`` with ``local``).

Each SSE event is ``event: <name>`` plus ``data: <payload>`` lines ending with a blank line; lines starting
with ``:`` are heartbeats. ``update`` carries a Status (JSON): a post, identified by its ``uri`` (global: the
same status reaches many servers, and several hashtag streams, under different local ids). ``delete``,
``status.update`` (edits) and the rest are counted and skipped. The streaming API has no cursor: a post
made while a connection is down is not sent again, so the loop reconnects at once (then with backoff) and
the handler drops repeats by ``uri``.

The token comes from ``$MASTODON_TOKEN`` or a file, goes out as ``Authorization: Bearer``, and is
redacted from every log record while the run lasts (:mod:`tweetpub.live.credentials`).
"""

from __future__ import annotations

import logging
import os
import threading
from html.parser import HTMLParser
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit

import orjson
import requests
import urllib3

from tweetcontract import dialects
from tweetpub.exceptions import CredentialsError, LiveSourceError, UsageError
from tweetpub.live.credentials import load_secret
from tweetpub.live.openrun import Attempts, BadEvent, Connection, OpenOptions, OpenSummary, Post, PostHandler, Skip

log = logging.getLogger(__name__)

DEFAULT_SERVER = "https://mastodon.social"
TOKEN_ENV = "MASTODON_TOKEN"
DIALECT = "mastodon"
HASHTAG_PATH = "/api/v1/streaming/hashtag"
PUBLIC_PATH = "/api/v1/streaming/public"
FATAL_STATUSES = {400, 403, 404, 410}


# --------------------------------------------------------------------------------------- pure logic


def load_token(token_file: str | os.PathLike | None = None, environ: dict | None = None) -> str:
    """The access token from ``token_file``, else ``$MASTODON_TOKEN``; errors name the source, never the value."""
    return load_secret(token_file, environ, env_var=TOKEN_ENV, what="Mastodon token",
                       missing=f"no Mastodon access token: set {TOKEN_ENV} or pass --token-file "
                               "(servers since Mastodon 4.2 require one for streaming)")


def stream_paths(tags: Iterable[str], local: bool = False) -> list[tuple[str, dict[str, str]]]:
    """(path, query) of each connection: one per hashtag, else the public (or local) timeline."""
    clean = [t.strip().lstrip("#") for t in tags if t.strip().lstrip("#")]
    if clean:
        return [(HASHTAG_PATH, {"tag": t, **({"local": "true"} if local else {})}) for t in dict.fromkeys(clean)]
    return [(PUBLIC_PATH + ("/local" if local else ""), {})]


class SSEParser:
    """Server-sent events from lines (without their line ends): yields ``(event, data)``; counts comments."""

    def __init__(self) -> None:
        self.event = ""
        self.data: list[bytes] = []
        self.comments = 0

    def feed(self, line: bytes) -> tuple[str, bytes] | None:
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line:
            if not self.data and not self.event:
                return None
            out = (self.event or "message", b"\n".join(self.data))
            self.event, self.data = "", []
            return out
        if line.startswith(b":"):
            self.comments += 1
            return None
        name, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if name == b"event":
            self.event = value.decode("utf-8", errors="replace")
        elif name == b"data":
            self.data.append(value)
        return None  # id:, retry: and unknown fields are ignored, as the SSE spec says


class _Text(HTMLParser):
    """A status's HTML ``content`` as plain text, with its links' targets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip_link = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p") and self.parts:
            self.parts.append("\n")
        if tag == "a":
            attr = dict(attrs)
            classes = (attr.get("class") or "").split()
            if attr.get("href") and "mention" not in classes and "hashtag" not in classes:
                self.links.append(attr["href"] or "")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(content: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts), parser.links


def to_post(event: str, data: bytes) -> Post:
    """One SSE event as a :class:`Post` (``update`` only; id = the status ``uri``; the data's exact bytes).

    :raises Skip: other events (``delete``, ``status.update``, ``notification``...).
    :raises BadEvent: an ``update`` whose payload is not a Status.
    """
    if event != "update":
        raise Skip(event)
    try:
        status = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise BadEvent("invalid-json") from None
    if not isinstance(status, dict):
        raise BadEvent("not-an-object")
    uri, content = status.get("uri"), status.get("content")
    if not isinstance(uri, str) or not uri:
        raise BadEvent("status-without-uri")
    if len(uri) > 1024:  # the uri becomes the Kafka key
        raise BadEvent("bad-id")
    uri = dialects.post_id(status, DIALECT)  # the contract's identity rule: the global uri
    if not isinstance(content, str) or not isinstance(status.get("created_at"), str):
        raise BadEvent("status-without-content-or-created_at")
    text, links = html_text(content)
    tags = status.get("tags")
    mentions = status.get("mentions")
    lang = status.get("language")
    return Post(uri, DIALECT, data, text=text,
                hashtags=tuple(t["name"] for t in (tags if isinstance(tags, list) else [])
                               if isinstance(t, dict) and isinstance(t.get("name"), str)),
                mentions=tuple(m["username"] for m in (mentions if isinstance(mentions, list) else [])
                               if isinstance(m, dict) and isinstance(m.get("username"), str)),
                urls=tuple(links), langs=(lang,) if isinstance(lang, str) else ())


# ---------------------------------------------------------------------------------- the connection


class MastodonWorker:
    """One SSE stream (a hashtag, or the public timeline) with reconnects and backoff."""

    def __init__(self, opts: OpenOptions, summary: OpenSummary, token: str, path: str, query: dict[str, str]) -> None:
        self.opts = opts
        self.summary = summary
        self.token = token
        self.url = opts.url.rstrip("/") + path
        self.query = query
        self.name = query.get("tag", path.rsplit("/", 1)[-1])
        self.session = requests.Session()
        self.conn = Connection(lambda resp: resp.raw.shutdown())
        self.attempts = Attempts(f"the Mastodon server at {opts.url}", opts.backoff, opts.max_retries)

    def interrupt(self) -> None:
        self.conn.interrupt()

    def run(self, handler: PostHandler, stop: threading.Event) -> None:
        try:
            while not stop.is_set() and not handler.done.is_set():
                wait = self._one_connection(handler, stop)
                if wait is None or stop.is_set() or handler.done.is_set():
                    return
                self.summary.reconnects += 1
                if wait > 0:
                    log.info("mastodon %s: reconnecting in %.2fs", self.name, wait)
                    stop.wait(wait)
        finally:
            self.session.close()

    def _one_connection(self, handler: PostHandler, stop: threading.Event) -> float | None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream",
                   "User-Agent": "tweetpub (+mastodon streaming)"}
        try:
            with self.session.get(self.url, params=self.query, headers=headers, stream=True,
                                  timeout=(self.opts.connect_timeout, self.opts.read_timeout)) as resp:
                self.conn.set(resp)
                if stop.is_set():
                    return None
                if resp.status_code != 200:
                    return self._http_failure(resp.status_code)
                self.attempts.connected()
                self.summary.connections += 1
                log.info("mastodon %s: connected to %s", self.name, self.url)
                parser = SSEParser()
                for line in _lines(resp):
                    if stop.is_set() or handler.done.is_set():
                        return None
                    self.attempts.got_data()
                    before = parser.comments
                    got = parser.feed(line)
                    if parser.comments != before:
                        with handler.lock:
                            self.summary.heartbeats += 1
                        if self.opts.dry_run:
                            handler.done.set()
                    if got is not None:
                        self._event(*got, handler)
                        if self.opts.dry_run:
                            handler.done.set()
                    handler.tick()
                if stop.is_set():
                    return None
                self.summary.network_errors += 1
                log.warning("mastodon %s: the server closed the stream", self.name)
                return self.attempts.failed("stream closed by the server")
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError, OSError) as exc:
            if stop.is_set():
                return None
            self.summary.network_errors += 1
            if self.attempts.ever_connected:
                log.warning("mastodon %s: connection error (%s)", self.name, _short(exc))
            return self.attempts.failed(_short(exc))
        finally:
            self.conn.set(None)

    def _http_failure(self, status: int) -> float:
        self.summary.http_errors[status] = self.summary.http_errors.get(status, 0) + 1
        if status == 401:
            raise CredentialsError(f"the Mastodon server at {self.opts.url} rejected the access token (401)")
        if status in FATAL_STATUSES:
            raise LiveSourceError(f"the Mastodon server at {self.opts.url} refused the stream {self.name} "
                                  f"(HTTP {status})")
        log.warning("mastodon %s: HTTP %d; backing off", self.name, status)
        return self.attempts.failed(f"HTTP {status}", status)

    def _event(self, event: str, data: bytes, handler: PostHandler) -> None:
        handler.message()
        try:
            post = to_post(event, data)
        except Skip as skip:
            handler.skip(skip.kind)
        except BadEvent as bad:
            handler.dead(bad.reason, f"event: {event}\ndata: ".encode() + data)
        else:
            handler.post(post)


def _lines(resp: requests.Response) -> Iterator[bytes]:
    """The body's lines (``\\n``-split, ends kept off), as they arrive."""
    pending = b""
    for chunk in resp.iter_content(chunk_size=None):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def check_server(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"the Mastodon server URL must be http(s)://host[:port]: {url!r}")


def make_workers(opts: OpenOptions, summary: OpenSummary, token: str) -> list[Any]:
    check_server(opts.url)
    if opts.transport == "websocket":
        from tweetpub.live.mastodon_ws import MastodonWsWorker

        return [MastodonWsWorker(opts, summary, token)]
    return [MastodonWorker(opts, summary, token, path, query) for path, query in stream_paths(opts.tags, opts.local)]
