"""Configuration: defaults, the TWEETVIZ_* variables and the data-location URL.

Every key below can be set as ``TWEETVIZ_<KEY>`` in the environment (values are parsed as JSON when
they look like JSON, so ``TWEETVIZ_POLL_INTERVAL=0.5`` is a float) or passed to
``create_app(test_config)``; the CLI flags map onto the same keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

from tweetcontract.defaults import TRACK_WORDS

from .exceptions import ConfigError

logger = logging.getLogger(__name__)

# The words tweetpub tracks by default: one list for the producer and the dashboard's filter.
TRACKED_WORDS: tuple[str, ...] = TRACK_WORDS

WINDOWS_MINUTES: tuple[int, ...] = (1, 5, 15, 60)

DEFAULTS: dict[str, Any] = {
    "ENV": "production",              # "development" is the only place DEBUG may be on
    "DEBUG": False,
    "DATA": "",                       # file:///PATH, webhdfs://HOST:PORT/PATH or hdfs://HOST:PORT/PATH
    "WEBHDFS_URL": "",                # where hdfs:// URLs are read through (default http://HOST:9870)
    "WEBHDFS_PORT": 9870,             # NameNode HTTP port used when WEBHDFS_URL is empty
    "HDFS_USER": "",                  # WebHDFS user.name (default: the current user)
    "HDFS_TIMEOUT": 3.0,              # seconds per WebHDFS call: a slow NameNode fails fast
    "POLL_INTERVAL": 0.25,            # seconds between GETFILESTATUS calls on latest.json
    "PARTITION_INTERVAL": 2.0,        # seconds between listings of the hour partitions
    "HISTORY_MINUTES": 60,            # how far back partitions are read (the largest window)
    "CACHE_MAX_FILES": 2000,          # bounded cache of parsed count files
    "MAX_FILES_PER_SCAN": 200,        # cold start reads at most this many files per refresh
    "TRACKED": ",".join(TRACKED_WORDS),
    "CLOUD_WORDS": 60,                # words offered to the 2D cloud
    "SPHERE_WORDS": 40,
    "SERIES_TAGS": 8,
    "TREND_NEUTRAL": 1.0,             # trend value drawn grey; above is warm, below is cool
    "TREND_SPAN": 1.0,                # distance from neutral that saturates the colour
    "STREAM_MAX_SECONDS": 300.0,      # an SSE stream ends after this; EventSource reconnects
    "STREAM_HEARTBEAT": 15.0,
    "MAX_STREAMS": 64,                # per process; beyond it /api/stream answers 503 (0: polling only)
    "START_REFRESHER": True,          # tests drive refresh_once() themselves
    "HSTS": False,                    # only behind TLS
}


@dataclass(frozen=True)
class DataLocation:
    """Where TweeTics output is read from.

    :param kind: ``"local"`` or ``"webhdfs"``.
    :param root: folder path (local) or HDFS path of the ``--output`` folder.
    :param base_url: WebHDFS HTTP base (``http://host:9870``) for kind ``webhdfs``.
    :param display: the URL as shown on the status line.
    """

    kind: str
    root: str
    base_url: str
    display: str


def parse_data_url(url: str, webhdfs_url: str = "", webhdfs_port: int = 9870) -> DataLocation:
    """Turn ``--data`` into a :class:`DataLocation`, or raise :class:`ConfigError`.

    ``hdfs://HOST:8020/PATH`` is read through WebHDFS: ``webhdfs_url`` when given, else the
    NameNode's HTTP port on the same host.
    """
    if not url:
        raise ConfigError("no data source: pass --data or set TWEETVIZ_DATA "
                          "(file:///PATH, webhdfs://HOST:PORT/PATH or hdfs://HOST:PORT/PATH)")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    path = parts.path.rstrip("/") or "/"
    display = f"{scheme}://{parts.hostname or ''}{f':{parts.port}' if _port(parts) else ''}{path}"
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ConfigError(f"file URL must be file:///ABSOLUTE/PATH, got {url!r}")
        return DataLocation("local", path, "", f"file://{path}")
    if scheme in ("webhdfs", "swebhdfs"):
        if not parts.hostname:
            raise ConfigError(f"webhdfs URL needs a host: {url!r}")
        http = "https" if scheme == "swebhdfs" else "http"
        port = _port(parts) or webhdfs_port
        return DataLocation("webhdfs", path, f"{http}://{_host(parts.hostname)}:{port}", display)
    if scheme == "hdfs":
        if not parts.hostname:
            raise ConfigError(f"hdfs URL needs a host: {url!r}")
        if webhdfs_url:
            base = webhdfs_url.rstrip("/")
            if urlsplit(base).scheme not in ("http", "https"):
                raise ConfigError(f"TWEETVIZ_WEBHDFS_URL must be http(s)://HOST:PORT, got {webhdfs_url!r}")
        else:
            base = f"http://{_host(parts.hostname)}:{webhdfs_port}"
        return DataLocation("webhdfs", path, base, display)
    raise ConfigError(f"unsupported data URL {url!r}: use file:///PATH, webhdfs://HOST:PORT/PATH "
                      "or hdfs://HOST:PORT/PATH")


def _port(parts: Any) -> int | None:
    try:
        return parts.port
    except ValueError as exc:  # e.g. "host:notaport"
        raise ConfigError(f"bad port in data URL: {exc}") from None


def _host(hostname: str) -> str:
    return f"[{hostname}]" if ":" in hostname else hostname


def tracked_words(value: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    """Parse the TRACKED setting (comma list or JSON list) into normalized keys."""
    from .data import normalize_tag  # local import keeps config importable on its own

    items = value.split(",") if isinstance(value, str) else list(value)
    return frozenset(k for k in (normalize_tag(str(i)) for i in items) if k)


def validate(config: Mapping[str, Any]) -> DataLocation:
    """Check the settings that a user can get wrong; return the parsed data location."""
    if config.get("DEBUG") and config.get("ENV") != "development":
        raise ConfigError("debug mode is only allowed with ENV=development (TWEETVIZ_ENV / --env)")
    for key in ("POLL_INTERVAL", "PARTITION_INTERVAL", "HDFS_TIMEOUT", "STREAM_MAX_SECONDS",
                "STREAM_HEARTBEAT"):
        value = config.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{key} must be a positive number, got {value!r}")
    for key in ("CACHE_MAX_FILES", "MAX_FILES_PER_SCAN", "CLOUD_WORDS", "SPHERE_WORDS", "SERIES_TAGS",
                "HISTORY_MINUTES", "WEBHDFS_PORT"):
        value = config.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{key} must be a positive integer, got {value!r}")
    streams = config.get("MAX_STREAMS")
    if not isinstance(streams, int) or isinstance(streams, bool) or streams < 0:
        raise ConfigError(f"MAX_STREAMS must be an integer >= 0 (0: polling only), got {streams!r}")
    if config["HISTORY_MINUTES"] < max(WINDOWS_MINUTES):
        raise ConfigError(f"HISTORY_MINUTES must be at least {max(WINDOWS_MINUTES)}")
    return parse_data_url(str(config.get("DATA") or ""), str(config.get("WEBHDFS_URL") or ""),
                          int(config["WEBHDFS_PORT"]))
