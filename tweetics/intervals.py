"""Durations as the job's flags take them ("1 minute", "10 seconds", "90s", "2h"), and ``--since`` times."""

from __future__ import annotations

import re
from datetime import datetime, timezone

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
