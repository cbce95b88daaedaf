"""Running the app: gunicorn (production) or Werkzeug's development server (demo)."""

from __future__ import annotations

import logging
import sys
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


def logger_class(log_format: str) -> type:
    """gunicorn's logger in the suite's log format (:mod:`tweetcontract.logformat`): its error log and its
    access log, whose JSON lines carry the request's fields (remote, method, path, query, status, bytes,
    duration_ms, referer, user_agent) beside a message in the usual combined format."""
    from gunicorn.glogging import Logger

    from tweetcontract.logformat import formatter

    class SuiteLogger(Logger):  # type: ignore[misc]
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(formatter(log_format))
                    if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
                        handler.setStream(sys.stderr)  # gunicorn's "-" is stdout; the suite logs to stderr

        def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
            if log_format != "json" or not self.access_log_enabled:
                return super().access(resp, req, environ, request_time)
            atoms = self.atoms(resp, req, environ, request_time)
            fields = {"remote": atoms.get("h"), "method": atoms.get("m"), "path": atoms.get("U"),
                      "query": atoms.get("q") or None, "status": int(atoms.get("s") or 0),
                      "bytes": int(atoms.get("B") or 0) if str(atoms.get("B") or "").isdigit() else 0,
                      "duration_ms": round(request_time.total_seconds() * 1000, 3),
                      "referer": atoms.get("f"), "user_agent": atoms.get("a")}
            self.access_log.info(self.cfg.access_log_format, self.atoms_wrapper_class(atoms), extra=fields)

    return SuiteLogger


def run_gunicorn(factory: Callable[[], Flask], host: str, port: int, workers: int, threads: int,
                 log_format: str | None = None) -> None:
    """Serve with gunicorn's gthread workers; ``factory`` runs in each worker after the fork.

    gthread gives every SSE stream its own thread and keeps API connections alive; the streams
    end after STREAM_MAX_SECONDS so threads come back to the pool. gunicorn's arbiter runs in this
    process and handles SIGTERM (graceful stop) and SIGINT (quick stop) itself, also as a
    container's PID 1.
    """
    from gunicorn.app.base import BaseApplication

    from tweetcontract.logformat import current_format

    from .metrics import child_exit, cleanup, prepare_multiprocess

    made: list[str | None] = []

    def on_starting(_arbiter: Any) -> None:
        # In the arbiter, before the first fork: the workers' counters go to shared files, so any worker's
        # /metrics has them all (a hook, so nothing changes in a process that only builds the application).
        made.append(prepare_multiprocess())

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
                "accesslog": "-",  # to stderr, like every log line of the suite
                "errorlog": "-",
                "logger_class": logger_class(log_format or current_format()),
                "on_starting": on_starting,
                "child_exit": child_exit,
                "on_exit": lambda _arbiter: made and cleanup(made[0]),
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
