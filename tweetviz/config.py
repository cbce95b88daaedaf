"""Configuration: defaults, the TWEETVIZ_* variables and the data-location URL.

Every key below can be set as ``TWEETVIZ_<KEY>`` in the environment (values are parsed as JSON when
they look like JSON, so ``TWEETVIZ_POLL_INTERVAL=0.5`` is a float) or passed to
``create_app(test_config)``; the CLI flags map onto the same keys.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Mapping

from tweetcontract.defaults import TRACK_WORDS
from tweetcontract.errors import UsageError
from tweetcontract.hashtags import normalize_query
from tweetcontract.output.reader import Location, parse_location

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
    "HISTORY_MINUTES": 180,           # how far back partitions are read: the series' longest range
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
    "FRAME_ANCESTORS": "'none'",      # CSP frame-ancestors: who may embed the page (e.g. a portal, Grafana)
    "PAGE_TITLE": "",                 # shown large in presenter mode (the data source label is shown too)
    "PRESENT_CYCLE": 20.0,            # seconds per view while presenter mode cycles
}


def parse_data_url(url: str, webhdfs_url: str = "", webhdfs_port: int = 9870) -> Location:
    """Turn ``--data`` into a location (the contract's reader rule), or raise :class:`ConfigError`."""
    if not url:
        raise ConfigError("no data source: pass --data or set TWEETVIZ_DATA "
                          "(file:///PATH, webhdfs://HOST:PORT/PATH or hdfs://HOST:PORT/PATH)")
    if "://" not in url:  # the dashboard takes URLs only: a bare path is a mistake more often than not
        raise ConfigError(f"unsupported data URL {url!r}: use file:///PATH, webhdfs://HOST:PORT/PATH "
                          "or hdfs://HOST:PORT/PATH")
    try:
        return parse_location(url, webhdfs_url, webhdfs_port)
    except UsageError as exc:
        raise ConfigError(str(exc)) from None


def tracked_words(value: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    """Parse the TRACKED setting (comma list or JSON list) into normalized keys."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return frozenset(k for k in (normalize_query(str(i)) for i in items) if k)


_SOURCE = re.compile(r"^(?:'none'|'self'|\*|(?:https?|wss?)://[A-Za-z0-9.*-]+(?::[0-9]{1,5})?(?:/[\w./-]*)?|"
                     r"https?:|[A-Za-z0-9.*-]+(?::[0-9]{1,5})?)$")


def frame_ancestors(value: str) -> str:
    """Check a CSP ``frame-ancestors`` source list (space separated); return it normalized."""
    sources = value.split()
    if not sources or any(not _SOURCE.match(s) for s in sources):
        raise ConfigError(f"FRAME_ANCESTORS must be 'none', 'self' or space-separated origins such as "
                          f"https://grafana.example.org, got {value[:80]!r}")
    if "'none'" in sources and len(sources) > 1:
        raise ConfigError("FRAME_ANCESTORS: 'none' cannot be combined with other sources")
    return " ".join(sources)


def validate(config: Mapping[str, Any]) -> Location:
    """Check the settings that a user can get wrong; return the parsed data location."""
    if config.get("DEBUG") and config.get("ENV") != "development":
        raise ConfigError("debug mode is only allowed with ENV=development (TWEETVIZ_ENV / --env)")
    for key in ("POLL_INTERVAL", "PARTITION_INTERVAL", "HDFS_TIMEOUT", "STREAM_MAX_SECONDS",
                "STREAM_HEARTBEAT", "PRESENT_CYCLE"):
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
    frame_ancestors(str(config.get("FRAME_ANCESTORS", "'none'")))
    if len(str(config.get("PAGE_TITLE") or "")) > 120:
        raise ConfigError("PAGE_TITLE must be at most 120 characters")
    if config["HISTORY_MINUTES"] < max(WINDOWS_MINUTES):
        raise ConfigError(f"HISTORY_MINUTES must be at least {max(WINDOWS_MINUTES)}")
    return parse_data_url(str(config.get("DATA") or ""), str(config.get("WEBHDFS_URL") or ""),
                          int(config["WEBHDFS_PORT"]))
