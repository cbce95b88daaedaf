"""Mastodon's streaming API over one WebSocket (``--mastodon-transport websocket``): ``/api/v1/streaming``.

After the upgrade (``Authorization: Bearer <token>``) the client sends one ``{"type": "subscribe", "stream":
"hashtag", "tag": T}`` per ``--tag`` (else ``{"stream": "public"}`` or ``"public:local"``); the server sends
``{"stream": ["hashtag", T], "event": "update", "payload": "<the Status as a JSON string>"}`` and
``{"error": ..., "status": N}`` for a refused subscription. Keep-alive is the WebSocket's own ping. Events go
through the same :func:`tweetpub.live.mastodon.to_post` as the SSE transport: one connection for every stream.
"""

from __future__ import annotations

import json
import logging
import threading
from urllib.parse import urlsplit, urlunsplit

import orjson
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection, connect

from tweetpub.exceptions import CredentialsError, LiveSourceError
from tweetpub.live.mastodon import to_post
from tweetpub.live.openrun import Attempts, BadEvent, Connection, OpenOptions, OpenSummary, PostHandler, Skip
from tweetpub.live.wsloop import read_frames, reconnect_loop, short

log = logging.getLogger(__name__)

STREAMING_PATH = "/api/v1/streaming"


def ws_url(server: str) -> str:
    """``https://host`` -> ``wss://host/api/v1/streaming`` (``http`` -> ``ws``)."""
    parts = urlsplit(server)
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + STREAMING_PATH, "", ""))


def subscriptions(tags: list[str], local: bool) -> list[dict[str, str]]:
    clean = [t.strip().lstrip("#") for t in tags if t.strip().lstrip("#")]
    if clean:
        return [{"type": "subscribe", "stream": "hashtag:local" if local else "hashtag", "tag": t}
                for t in dict.fromkeys(clean)]
    return [{"type": "subscribe", "stream": "public:local" if local else "public"}]


def unwrap(frame: bytes) -> tuple[str, bytes]:
    """A WebSocket message as ``(event, payload bytes)``.

    :raises BadEvent: not JSON, not an object, or neither an event nor an error.
    :raises Skip: an ``error`` message (the kind names its status).
    """
    try:
        message = orjson.loads(frame)
    except orjson.JSONDecodeError:
        raise BadEvent("invalid-json") from None
    if not isinstance(message, dict):
        raise BadEvent("not-an-object")
    if "error" in message and "event" not in message:
        raise Skip(f"error:{message.get('status', '?')}")
    event, payload = message.get("event"), message.get("payload")
    if not isinstance(event, str):
        raise BadEvent("not-a-streaming-message")
    return event, payload.encode("utf-8") if isinstance(payload, str) else b""


class MastodonWsWorker:
    """One WebSocket for every stream, with reconnects and backoff."""

    name = "websocket"

    def __init__(self, opts: OpenOptions, summary: OpenSummary, token: str) -> None:
        self.opts = opts
        self.summary = summary
        self.token = token
        self.url = ws_url(opts.url)
        self.conn = Connection(lambda ws: ws.close_socket())
        self.attempts = Attempts(f"the Mastodon server at {opts.url}", opts.backoff, opts.max_retries)

    def interrupt(self) -> None:
        self.conn.interrupt()

    def run(self, handler: PostHandler, stop: threading.Event) -> None:
        reconnect_loop("mastodon websocket", self.summary, handler, stop,
                       lambda: self._one_connection(handler, stop))

    def _one_connection(self, handler: PostHandler, stop: threading.Event) -> float | None:
        try:
            with connect(self.url, open_timeout=self.opts.connect_timeout, compression=None, proxy=None,
                         additional_headers={"Authorization": f"Bearer {self.token}"},
                         user_agent_header="tweetpub (+mastodon streaming)") as ws:
                return self._read(ws, handler, stop)
        except InvalidStatus as exc:
            status = exc.response.status_code
            self.summary.http_errors[status] = self.summary.http_errors.get(status, 0) + 1
            if status == 401:
                raise CredentialsError(f"the Mastodon server at {self.opts.url} rejected the access token (401)") \
                    from None
            if status in (400, 403, 404, 410):
                raise LiveSourceError(f"the Mastodon server at {self.opts.url} refused the WebSocket (HTTP {status})") \
                    from None
            return self.attempts.failed(f"HTTP {status}", status)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            self.summary.network_errors += 1
            return self.attempts.failed(short(exc))

    def _read(self, ws: ClientConnection, handler: PostHandler, stop: threading.Event) -> float | None:
        for sub in subscriptions(list(self.opts.tags), self.opts.local):
            ws.send(json.dumps(sub))
        log.info("mastodon websocket: connected to %s", self.url)
        return read_frames(ws, label="mastodon websocket", conn=self.conn, attempts=self.attempts,
                           summary=self.summary, handler=handler, stop=stop, read_timeout=self.opts.read_timeout,
                           on_frame=lambda frame: self._message(frame, handler), decode=False,
                           done_when_idle=True, dry_run=self.opts.dry_run)

    def _message(self, frame: bytes, handler: PostHandler) -> None:
        handler.message()
        try:
            event, data = unwrap(frame)
            post = to_post(event, data)
        except Skip as skip:
            handler.skip(skip.kind)
        except BadEvent as bad:
            handler.dead(bad.reason, frame)
        else:
            handler.post(post)
