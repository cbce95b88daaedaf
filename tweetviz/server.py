"""Running the app: gunicorn (production) or Werkzeug's development server (demo)."""

from __future__ import annotations

import logging
from typing import Any, Callable

from flask import Flask

logger = logging.getLogger(__name__)


def run_gunicorn(factory: Callable[[], Flask], host: str, port: int, workers: int, threads: int) -> None:
    """Serve with gunicorn's gthread workers; ``factory`` runs in each worker after the fork.

    gthread gives every SSE stream its own thread and keeps API connections alive; the streams
    end after STREAM_MAX_SECONDS so threads come back to the pool.
    """
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):  # type: ignore[misc]
        def __init__(self) -> None:
            self.options: dict[str, Any] = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": 30,
                "graceful_timeout": 5,
                "keepalive": 5,
                "accesslog": None,
                "errorlog": "-",
                "preload_app": False,  # the refresher thread must start inside each worker
            }
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return factory()

    _App().run()


def run_dev(app: Flask, host: str, port: int) -> None:
    """Werkzeug's threaded dev server, no reloader (it would start a second refresher)."""
    app.run(host=host, port=port, threaded=True, use_reloader=False, debug=app.config["DEBUG"])
