"""A local Mastodon streaming server over WebSocket: ``/api/v1/streaming``.

The upgrade needs ``Authorization: Bearer <token>`` or ``?access_token=`` (401 otherwise). The client's
``{"type": "subscribe", "stream": ..., "tag": ...}`` messages are recorded; the server then plays the
connection's script (queued with :meth:`FakeMastodonWs.add_connection`): :class:`~.mastodon.Event` steps go out
as ``{"stream": [...], "event": name, "payload": data}`` on the step's ``stream`` (the first subscription by
default), :class:`~.mastodon.RawBytes` as a raw text frame, :class:`~.mastodon.DropConn` closes the socket with no
close frame. With the script done the connection stays open until the client leaves or the server stops.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.sync.server import Server, ServerConnection, serve

from .mastodon import DropConn, Event, RawBytes


@dataclass(frozen=True)
class On:
    """An event on a given stream, e.g. ``On(["hashtag", "rust"], update(st))``."""

    stream: list[str]
    event: Event


class FakeMastodonWs:
    def __init__(self, token: str, *, port: int = 0) -> None:
        self.token = token
        self.scripts: list[list[Any]] = []
        self.subscriptions: list[dict[str, Any]] = []
        self.rejected = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._port = port
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def __enter__(self) -> "FakeMastodonWs":
        self._server = serve(self._handle, "127.0.0.1", self._port, process_request=self._auth, compression=None)
        self._port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-mastodon-ws", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def add_connection(self, *steps: Any) -> None:
        with self.lock:
            self.scripts.append(list(steps))

    def _auth(self, connection: ServerConnection, request: Any) -> Any:
        parts = urlsplit(request.path)
        token = parse_qs(parts.query).get("access_token", [""])[0]
        if parts.path != "/api/v1/streaming":
            return connection.respond(404, '{"error":"Not found"}')
        if request.headers.get("Authorization") != f"Bearer {self.token}" and token != self.token:
            with self.lock:
                self.rejected += 1
            return connection.respond(401, '{"error":"Invalid access token"}')
        return None

    def _handle(self, ws: ServerConnection) -> None:
        with self.lock:
            steps = self.scripts.pop(0) if self.scripts else []
        subs: list[list[str]] = []
        try:
            first = json.loads(ws.recv(timeout=5))
            with self.lock:
                self.subscriptions.append(first)
            subs.append([first["stream"]] + ([first["tag"]] if "tag" in first else []))
            for step in steps:
                while True:  # every subscription sent so far
                    try:
                        more = json.loads(ws.recv(timeout=0.05))
                    except TimeoutError:
                        break
                    with self.lock:
                        self.subscriptions.append(more)
                    subs.append([more["stream"]] + ([more["tag"]] if "tag" in more else []))
                if isinstance(step, DropConn):
                    ws.close_socket()
                    return
                if isinstance(step, RawBytes):
                    ws.send(step.data.decode("utf-8", errors="replace"))
                    continue
                stream, event = (step.stream, step.event) if isinstance(step, On) else (subs[0], step)
                ws.send(json.dumps({"stream": stream, "event": event.name, "payload": event.data}))
            while not self.stopping.is_set():
                try:
                    ws.recv(timeout=0.2)
                except TimeoutError:
                    continue
        except Exception:  # the client went away
            return
