"""Helpers for the tweetviz tests: writing TweeTics-shaped output, a TCP proxy, a live server."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from typing import Callable, Mapping

from werkzeug.serving import make_server


def minute_now() -> int:
    return int(time.time()) // 60 * 60


def write_local(root: str, files: Mapping[str, bytes]) -> None:
    """Write files the way TweeTics does: whole, then renamed into place."""
    for path, body in files.items():
        target = os.path.join(root, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.{uuid.uuid4().hex}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(body)
        os.replace(tmp, target)


def wait_until(check: Callable[[], object], timeout: float = 10.0, interval: float = 0.05) -> object:
    """Poll ``check`` until it returns something truthy; fail (AssertionError) after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last value {last!r})")


class TcpProxy:
    """A loopback TCP proxy in front of one upstream; ``stop()`` is the outage, ``start()`` the fix."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.stalled = False  # accept but never answer: a slow, hung WebHDFS

    def start(self) -> "TcpProxy":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self.stalled:
                with self._lock:
                    self._conns.add(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
                with self._lock:
                    self._conns.discard(sock)

    def stall(self) -> None:
        """Keep accepting connections but answer nothing; open connections are dropped."""
        self.stalled = True
        self._drop_connections()

    def _drop_connections(self) -> None:
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def stop(self) -> None:
        if self._listener is not None:
            try:  # wakes the thread blocked in accept(); close() alone leaves the port listening
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        self.stalled = False
        self._drop_connections()


class LiveServer:
    """The Flask app on a random loopback port, in a thread (the dev server, threaded)."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
