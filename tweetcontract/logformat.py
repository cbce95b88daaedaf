"""The log line contract of the three programs: plain text for people, or one JSON object per line.

``--log-format json`` (env ``<PROGRAM>_LOG_FORMAT``) makes every line on stderr one JSON object::

    {"time": "2026-12-01T04:20:00.123Z", "level": "INFO", "logger": "tweetpub.replay.run",
     "message": "...", "pid": 4242, ...extra fields...}

``time`` is UTC with milliseconds, ``level`` Python's level name, ``logger`` the logger's name,
``message`` the formatted message; an exception adds ``exc_type``, ``exc_message`` and ``exc_trace``;
fields given with ``logger.info(..., extra={"status": 200})`` appear as they are (values JSON can't
hold become strings). Text format: ``time LEVEL logger: message``.

Secrets are never handed to a logger in the first place (the programs read them from files and pass
them to their clients only); :func:`setup_logging` adds no field from the environment.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import IO, Any, Callable, TypeVar

import click
import orjson

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has: anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message", "asctime", "taskName"}

F = TypeVar("F", bound=Callable[..., Any])
_current = "text"


def utc_time(created: float) -> str:
    """``created`` (epoch seconds) as ISO-8601 UTC with milliseconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created * 1000) % 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (a message's newlines are escaped by JSON)."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": utc_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in doc:
                doc[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            doc["exc_type"] = record.exc_info[0].__name__
            doc["exc_message"] = str(record.exc_info[1])
            doc["exc_trace"] = self.formatException(record.exc_info)
        elif record.exc_text:
            doc["exc_trace"] = record.exc_text
        return orjson.dumps(doc, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


class TextFormatter(logging.Formatter):
    """The programs' plain format, with UTC times (a container's clock zone must not change the log)."""

    converter = time.gmtime

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)


def formatter(fmt: str) -> logging.Formatter:
    """The formatter of a ``--log-format`` value."""
    if fmt not in FORMATS:
        raise ValueError(f"log format: use one of {', '.join(FORMATS)}, got {fmt!r}")
    return JsonFormatter() if fmt == "json" else TextFormatter()


def setup_logging(level: int | str, fmt: str = "text", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) in ``fmt``; replaces the root logger's handlers.

    Returns the handler (a server's own loggers, e.g. gunicorn's, can use its formatter).
    """
    global _current
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt))
    _current = fmt
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler


def current_format() -> str:
    """The format :func:`setup_logging` last set (a server's own loggers, e.g. gunicorn's, follow it)."""
    return _current


def env_format(program: str, default: str = "text") -> str:
    """``<PROGRAM>_LOG_FORMAT`` from the environment, or ``default``."""
    return os.environ.get(f"{program.upper()}_LOG_FORMAT", default).strip().lower() or default


def log_format_option(program: str) -> Callable[[F], F]:
    """The click option ``--log-format text|json`` with its ``<PROGRAM>_LOG_FORMAT`` fallback."""
    envvar = f"{program.upper()}_LOG_FORMAT"
    return click.option("--log-format", envvar=envvar, default="text", show_default=True,
                        type=click.Choice(FORMATS, case_sensitive=False),
                        help="Log lines on stderr: text, or json (one object per line).")
