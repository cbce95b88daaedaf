"""What the fake streaming servers (X, Mastodon) share: a quiet HTTP/1.1 handler that writes chunks and can cut
the connection the way a server does, and the context-manager lifecycle of a fake server."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler
from typing import Any, Self


class StreamingHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with chunked bodies; no access log (test output stays readable)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_chunk(self, data: bytes) -> None:
        """One chunk of a ``Transfer-Encoding: chunked`` body, flushed at once (a stream's line or heartbeat)."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def cut(self) -> None:
        """End the connection mid-body, as a server or a proxy dropping it does."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FakeServer:
    """``with Fake(...) as server:`` starts it and always closes it; subclasses give start, close and url."""

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
