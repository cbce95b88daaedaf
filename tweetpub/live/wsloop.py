"""The WebSocket loop the open sources share: reconnect with backoff, read frames with an idle timeout.

Jetstream and Mastodon's WebSocket transport differ in what they send and how a frame becomes a post; how
they keep a connection (a short ``recv`` timeout so a stop or an interrupt is seen quickly, a tick to the
sink while idle, a reconnect after ``read_timeout`` of silence, the socket always closed) is the same.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from tweetpub.live.openrun import Attempts, Connection, OpenSummary, PostHandler

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often a blocked recv looks at the stop flag and ticks the sink


def reconnect_loop(label: str, summary: OpenSummary, handler: PostHandler, stop: threading.Event,
                   one_connection: Callable[[], float | None]) -> None:
    """Run ``one_connection`` until it returns None (stop) or the run ends; wait what it returns in between."""
    while not stop.is_set() and not handler.done.is_set():
        wait = one_connection()
        if wait is None or stop.is_set() or handler.done.is_set():
            return
        summary.reconnects += 1
        if wait > 0:
            log.info("%s: reconnecting in %.2fs", label, wait)
            stop.wait(wait)


def read_frames(ws: ClientConnection, *, label: str, conn: Connection, attempts: Attempts, summary: OpenSummary,
                handler: PostHandler, stop: threading.Event, read_timeout: float,
                on_frame: Callable[[str | bytes], None], decode: bool | None = None,
                done_when_idle: bool = False, dry_run: bool = False) -> float | None:
    """Read ``ws`` until stopped (None) or the connection fails (the wait before the next attempt).

    ``done_when_idle``: a dry run ends at the first quiet poll too (the server answered and subscribed).
    """
    conn.set(ws)
    attempts.connected()
    summary.connections += 1
    idle_since = time.monotonic()
    try:
        while not stop.is_set() and not handler.done.is_set():
            try:
                frame = ws.recv(timeout=POLL_SECONDS, decode=decode)
            except TimeoutError:
                handler.tick()
                if time.monotonic() - idle_since > read_timeout:
                    summary.network_errors += 1
                    log.warning("%s: nothing for %.0fs; reconnecting", label, read_timeout)
                    return attempts.failed("read timeout")
                if dry_run and done_when_idle:
                    handler.done.set()
                continue
            idle_since = time.monotonic()
            attempts.got_data()
            on_frame(frame)
            if dry_run:
                handler.done.set()
        return None
    except (ConnectionClosed, OSError) as exc:
        if stop.is_set():
            return None
        summary.network_errors += 1
        detail = short(exc)
        log.warning("%s: connection lost (%s)", label, detail)
        return attempts.failed(detail)
    finally:
        conn.set(None)
        ws.close_socket()


def short(exc: BaseException) -> str:
    """An exception as one short line for logs and give-up messages."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
