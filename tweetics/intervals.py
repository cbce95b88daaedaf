"""Durations as the job's flags take them ("1 minute", "10 seconds", "90s", "2h") and UTC time formatting."""

from __future__ import annotations

import re
from functools import lru_cache
from datetime import datetime, timedelta, timezone

from tweetics.exceptions import UsageError

_UNITS = {
    "ms": 0.001, "millisecond": 0.001, "milliseconds": 0.001,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_DURATION = re.compile(r"^\s*(\d+)\s*([a-zA-Z]+)\s*$")


def parse_duration(text: str, *, name: str = "duration", allow_zero: bool = False) -> int:
    """Milliseconds in ``text`` such as ``"1 minute"``, ``"10 seconds"``, ``"90s"``.

    :raises UsageError: on anything else, naming the flag in ``name``.
    """
    match = _DURATION.match(text or "")
    unit = match and _UNITS.get(match.group(2).lower())
    if not match or unit is None:
        raise UsageError(f"{name}: cannot read {text!r} as a duration (try '1 minute', '10 seconds', '2h')")
    millis = int(int(match.group(1)) * unit * 1000)
    if millis <= 0 and not allow_zero:
        raise UsageError(f"{name}: must be longer than zero, got {text!r}")
    return millis


def spark_interval(millis: int) -> str:
    """The interval string Spark's ``window``/``withWatermark`` accept for ``millis``."""
    if millis % 1000:
        return f"{millis} milliseconds"
    return f"{millis // 1000} seconds"


@lru_cache(maxsize=4096)  # window bounds repeat across thousands of rows
def iso_utc(millis: int) -> str:
    """``2026-11-21T09:10:00Z`` for epoch milliseconds (sub-second part only when present)."""
    dt = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    if millis % 1000:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, *, now: datetime | None = None) -> int:
    """Epoch milliseconds of an ISO-8601 time (naive = UTC) or a relative age such as ``"2h"`` (ago).

    :raises UsageError: when ``text`` is neither.
    """
    if _DURATION.match(text or ""):
        now = now or datetime.now(timezone.utc)
        return int(now.timestamp() * 1000) - parse_duration(text, name="--since", allow_zero=True)
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since: cannot read {text!r}: give an ISO-8601 time or an age like '2h'") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)


@lru_cache(maxsize=4096)
def hour_partition(millis: int) -> str:
    """``date=2026-11-21/hour=09``: the counts partition of a window starting at ``millis``."""
    dt = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    return f"date={dt:%Y-%m-%d}/hour={dt:%H}"


def partition_start(partition: str) -> int | None:
    """Epoch milliseconds of the hour a ``date=.../hour=..`` partition path holds, None if not one."""
    match = re.search(r"date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/?$", partition)
    if not match:
        return None
    dt = datetime.strptime(f"{match.group(1)} {match.group(2)}", "%Y-%m-%d %H").replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)


HOUR_MS = int(timedelta(hours=1).total_seconds() * 1000)
