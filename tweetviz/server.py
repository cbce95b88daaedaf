"""Running the app: gunicorn (production) or Werkzeug's development server (demo)."""

from __future__ import annotations

import logging
from typing import Any, Callable

from flask import Flask

logger = logging.getLogger(__name__)


# gunicorn kills a worker that has not reported for TIMEOUT seconds. A gthread worker reports from
# its event loop, about once a second, however long its requests run, so TIMEOUT only catches a hung
# worker and a live stream (STREAM_MAX_SECONDS, 300 s by default) outlives it. Under gunicorn's default
# sync worker the report comes only between requests: every stream would be killed at TIMEOUT.
WORKER_CLASS = "gthread"
TIMEOUT = 30
# On SIGTERM (docker stop, a Kubernetes pod ending) workers stop accepting and get this long to finish;
# open streams are then cut and the browsers reconnect. Well inside Docker's 10 s and Kubernetes' 30 s.
GRACEFUL_TIMEOUT = 5
# Settings of features newer than the oldest gunicorn pyproject.toml allows; left out where unknown.
NEWER_SETTINGS = frozenset({"control_socket_disable"})


def run_gunicorn(factory: Callable[[], Flask], host: str, port: int, workers: int, threads: int) -> None:
    """Serve with gunicorn's gthread workers; ``factory`` runs in each worker after the fork.

    gthread gives every SSE stream its own thread and keeps API connections alive; the streams
    end after STREAM_MAX_SECONDS so threads come back to the pool. gunicorn's arbiter runs in this
    process and handles SIGTERM (graceful stop) and SIGINT (quick stop) itself, also as a
    container's PID 1.
    """
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):  # type: ignore[misc]
        def __init__(self) -> None:
            self.options: dict[str, Any] = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": workers,
                "worker_class": WORKER_CLASS,
                "threads": threads,
                "timeout": TIMEOUT,
                "graceful_timeout": GRACEFUL_TIMEOUT,
                "keepalive": 5,
                "accesslog": None,
                "errorlog": "-",
                "preload_app": False,  # the refresher thread must start inside each worker
                # gunicorn >= 25.1 opens a control socket under $HOME by default: nothing here uses it,
                # a read-only container cannot create it, and two servers on one machine would share it.
                "control_socket_disable": True,
            }
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if key in NEWER_SETTINGS and key not in self.cfg.settings:
                    continue  # an older gunicorn without that feature
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return factory()

    _App().run()


def run_dev(app: Flask, host: str, port: int) -> None:
    """Werkzeug's threaded dev server, no reloader (it would start a second refresher)."""
    app.run(host=host, port=port, threaded=True, use_reloader=False, debug=app.config["DEBUG"])
