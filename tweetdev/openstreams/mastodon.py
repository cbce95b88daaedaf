"""A local Mastodon streaming server: server-sent events on ``/api/v1/streaming/hashtag?tag=``,
``/api/v1/streaming/public`` and ``/public/local``.

Authorization as Mastodon takes it (``Authorization: Bearer <token>`` or ``?access_token=``); 401 with
``{"error": ...}`` otherwise. A 200 answer is ``text/event-stream``, chunked, opening with the ``:)`` comment
Mastodon sends; then the connection's script: events (``event: update`` + ``data: <Status JSON>``), heartbeat
comments (``:thump``), raw bytes, an abrupt drop (socket closed mid-stream), a clean end, an HTTP status
instead of the stream, a pause (a slow server). Scripts are queued per stream (``hashtag:<tag>``, ``public``,
``public:local``); with none left a connection is held open with heartbeats until the client leaves or the
server stops. ``restart()`` closes everything and listens again on the same port.
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tweetdev.fakehttp import FakeServer, StreamingHandler


@dataclass(frozen=True)
class Event:
    name: str
    data: str


@dataclass(frozen=True)
class Heartbeat:
    pass


@dataclass(frozen=True)
class RawBytes:
    data: bytes


@dataclass(frozen=True)
class DropConn:
    pass


@dataclass(frozen=True)
class EndStream:
    pass


@dataclass(frozen=True)
class HttpStatus:
    code: int


@dataclass(frozen=True)
class Pause:
    seconds: float


def status(n: int, *, tags: tuple[str, ...] = ("openstack",), text: str | None = None, lang: str | None = "en",
           origin: str = "social.example", local_id: int | None = None) -> dict[str, Any]:
    """A Mastodon Status as the streaming API sends it; ``uri`` is global, ``id`` local to the serving server."""
    user = f"user{n % 13}"
    uri = f"https://{origin}/users/{user}/statuses/{110_000_000_000_000_000 + n}"
    links = " ".join(f'<a href="https://{origin}/tags/{t}" class="mention hashtag" rel="tag">#<span>{t}</span></a>'
                     for t in tags)
    body = text if text is not None else f"Toot {n} about kafka &amp; spark"
    return {
        "id": str(local_id if local_id is not None else 113_000_000_000_000_000 + n),
        "created_at": "2026-11-30T12:00:00.000Z", "in_reply_to_id": None, "in_reply_to_account_id": None,
        "sensitive": False, "spoiler_text": "", "visibility": "public", "language": lang, "uri": uri,
        "url": f"https://{origin}/@{user}/{110_000_000_000_000_000 + n}", "replies_count": 0, "reblogs_count": 0,
        "favourites_count": 0, "edited_at": None, "content": f"<p>{body} {links}</p>", "reblog": None,
        "account": {"id": str(n % 13), "username": user, "acct": f"{user}@{origin}", "display_name": user,
                    "url": f"https://{origin}/@{user}"},
        "media_attachments": [], "mentions": [],
        "tags": [{"name": t.lower(), "url": f"https://{origin}/tags/{t.lower()}"} for t in tags],
        "emojis": [], "card": None, "poll": None,
    }


def update(st: dict[str, Any]) -> Event:
    return Event("update", json.dumps(st, ensure_ascii=False, separators=(",", ":")))


class FakeMastodon(FakeServer):
    """Use as a context manager; ``url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, token: str, *, port: int = 0, heartbeat: float = 0.5) -> None:
        self.token = token
        self.heartbeat = heartbeat
        self.scripts: dict[str, deque[list[Any]]] = defaultdict(deque)
        self.requests: list[tuple[str, dict[str, list[str]], bool]] = []
        self.lock = threading.Lock()
        self.holding: dict[str, int] = defaultdict(int)  # connections per stream that ran out of script
        self.stopping = threading.Event()
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> None:
        self.stopping.clear()
        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), _handler(self))
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-mastodon", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def restart(self, down_for: float = 0.0) -> None:
        self.close()
        time.sleep(down_for)
        self.start()

    def add_connection(self, stream: str, *steps: Any) -> None:
        """Queue the script of the next connection to ``stream`` (``hashtag:<tag>``, ``public``, ``public:local``)."""
        with self.lock:
            self.scripts[stream].append(list(steps))


def _handler(api: FakeMastodon) -> type[BaseHTTPRequestHandler]:
    class Handler(StreamingHandler):
        def _json(self, code: int, obj: dict) -> None:
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            auth = self.headers.get("Authorization", "")
            ok = auth == f"Bearer {api.token}" or query.get("access_token", [""])[0] == api.token
            with api.lock:
                api.requests.append((parts.path, query, ok))
            if parts.path == "/api/v1/streaming/hashtag" and query.get("tag"):
                stream = f"hashtag:{query['tag'][0].lower()}"
            elif parts.path == "/api/v1/streaming/public":
                stream = "public:local" if query.get("local", [""])[0] == "true" else "public"
            elif parts.path == "/api/v1/streaming/public/local":
                stream = "public:local"
            else:
                self._json(404, {"error": "Unknown stream type"})
                return
            if not ok:
                self._json(401, {"error": "Missing access token" if not auth else "Invalid access token"})
                return
            with api.lock:
                queue = api.scripts.get(stream)
                steps = queue.popleft() if queue else []
            if steps and isinstance(steps[0], HttpStatus):
                self._json(steps[0].code, {"error": "scripted failure"})
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                self.send_chunk(b":)\n")
                for step in steps:
                    if api.stopping.is_set():
                        return self.cut()
                    if isinstance(step, Event):
                        self.send_chunk(f"event: {step.name}\ndata: {step.data}\n\n".encode("utf-8"))
                    elif isinstance(step, Heartbeat):
                        self.send_chunk(b":thump\n")
                    elif isinstance(step, RawBytes):
                        self.send_chunk(step.data)
                    elif isinstance(step, Pause):
                        time.sleep(step.seconds)
                    elif isinstance(step, DropConn):
                        return self.cut()
                    elif isinstance(step, EndStream):
                        self.wfile.write(b"0\r\n\r\n")
                        self.wfile.flush()
                        self.close_connection = True
                        return
                with api.lock:
                    api.holding[stream] += 1
                while not api.stopping.wait(api.heartbeat):  # hold: heartbeats until either side leaves
                    self.send_chunk(b":thump\n")
                self.cut()
            except OSError:
                self.close_connection = True


    return Handler
