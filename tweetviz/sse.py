"""Server-Sent Events: one stream per page, pushing the page's payload on every new snapshot."""

from __future__ import annotations

import time
from typing import Any, Iterator

from .payloads import Presenter
from .store import Store


def event(body: bytes, event_id: int, name: str = "update") -> bytes:
    """One SSE message. ``body`` is compact JSON, so it never contains a raw newline."""
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event_id, name.encode(), body)


def stream(store: Store, presenter: Presenter, window: int, tracked: bool,
           max_seconds: float, heartbeat: float, **options: Any) -> Iterator[bytes]:
    """Yield the current view at once, then each newer one; comments keep idle proxies open.

    The stream ends after ``max_seconds`` so a worker thread is never held forever; EventSource
    reconnects by itself (after the ``retry`` delay) and receives the current view again.
    ``options`` are the view's other settings (vertical words, series range), passed through.
    """
    yield b"retry: 1000\n\n"
    deadline = time.monotonic() + max_seconds
    version = -1
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        snap = store.wait_for_change(version, min(heartbeat, remaining))
        if snap.version == version:
            yield b": keep-alive\n\n"
            continue
        version = snap.version
        yield event(presenter.view(window, tracked, snap, **options), version)
