"""Times: tweet timestamps (v1.1 ``Wed Feb 29 19:42:02 +0000 2012`` and ISO-8601 v2) and the output's UTC times."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_MONTH_NAMES = tuple(_MONTHS)
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_v1_time(value: str) -> datetime:
    """Parse ``Wed Feb 29 19:42:02 +0000 2012`` (locale independent, unlike strptime's %a/%b)."""
    parts = value.split()
    if len(parts) != 6:
        raise ValueError(f"not a v1.1 timestamp: {value!r}")
    _dow, mon, day, hms, tz, year = parts
    month = _MONTHS.get(mon)
    if month is None or len(tz) != 5 or tz[0] not in "+-":
        raise ValueError(f"not a v1.1 timestamp: {value!r}")
    hh, mm, ss = (int(p) for p in hms.split(":"))
    offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5]))
    tzinfo = timezone(offset if tz[0] == "+" else -offset)
    return datetime(int(year), month, int(day), hh, mm, ss, tzinfo=tzinfo).astimezone(timezone.utc)


def parse_iso_time(value: str) -> datetime:
    """Parse ISO-8601 as v2 writes it (``2021-08-21T16:35:50.000Z``); naive values are taken as UTC."""
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def parse_any_time(value: str) -> datetime:
    """Parse either style; v1.1 strings start with a day name, ISO ones with a digit."""
    if value[:1].isdigit():
        return parse_iso_time(value)
    return parse_v1_time(value)


def format_v1_time(dt: datetime) -> str:
    """Format a datetime the v1.1 way, always in UTC (``+0000``)."""
    u = dt.astimezone(timezone.utc)
    return (f"{_DAY_NAMES[u.weekday()]} {_MONTH_NAMES[u.month - 1]} {u.day:02d} "
            f"{u.hour:02d}:{u.minute:02d}:{u.second:02d} +0000 {u.year}")


def format_iso_time(dt: datetime) -> str:
    """Format a datetime the v2 way: UTC, milliseconds, ``Z``."""
    u = dt.astimezone(timezone.utc)
    return u.strftime("%Y-%m-%dT%H:%M:%S.") + f"{u.microsecond // 1000:03d}Z"


# -- the output's times (contract 4): UTC, ``Z``, whole seconds unless a window has milliseconds ----------

@lru_cache(maxsize=4096)  # window bounds repeat across thousands of rows
def format_utc_ms(millis: int) -> str:
    """``2026-11-21T09:10:00Z`` for epoch milliseconds (a sub-second part only when present)."""
    dt = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    if millis % 1000:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc_ms(value: str) -> int:
    """Epoch milliseconds of a strict ISO-8601 time (``Z`` or an offset; naive is UTC).

    :raises ValueError: anything else (never a relative age: data times are absolute).
    """
    if not isinstance(value, str):
        raise ValueError(f"a time must be a string, got {type(value).__name__}")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"bad time {value[:40]!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)
