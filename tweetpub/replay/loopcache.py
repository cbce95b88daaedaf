"""A looping replay's memory of the recording, so later loops neither read, parse, filter nor re-serialise.

The first loop decodes every line as before; for each tweet the filter kept it stores the shifted JSON as a
template: the bytes before and after the event-time string (found by shifting once to a sentinel time and
serialising). A later loop writes ``head + time + tail``: the same bytes ``orjson.dumps`` of the shifted
tweet gives, at the cost of two concatenations. The filter is decided once per recorded line (it cannot
change between loops). Memory is bounded: past ``limit`` bytes the cache gives up and every loop takes
the full path again. Pure apart from the clock-free formatting cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson

from tweetcontract.hashtags import with_event_time
from tweetcontract.times import format_iso_time, format_v1_time

#: An event time no recording carries (a leap-second-free, millisecond-exact instant in 1901): tweets are
#: shifted to it once, and the serialised time string is located in the output.
SENTINEL = datetime(1901, 2, 3, 4, 5, 6, 789000, tzinfo=timezone.utc)
#: Default memory bound of a cache (bytes of templates plus a per-tweet overhead).
DEFAULT_LIMIT = 256 * 1024 * 1024
_OVERHEAD = 200  # rough bytes per cached tweet besides its template (objects, list slots)


def _format(dialect: str, when: datetime) -> str:
    return format_v1_time(when) if dialect == "v1.1" else format_iso_time(when)


@dataclass(slots=True)
class Kept:
    """One tweet of a line that passed the filter.

    :param head: JSON of the shifted tweet up to its time string; ``None``: no template (the sentinel was
        not found exactly once), shift ``data`` and serialise in full.
    :param unserializable: the shifted tweet cannot be serialised (dead-lettered in the first loop).
    """

    id: str
    dialect: str
    item: int
    event: datetime | None
    head: bytes | None = None
    tail: bytes = b""
    data: dict[str, Any] | None = None
    unserializable: bool = False


@dataclass(slots=True)
class Entry:
    """One recorded line that decoded: ``span`` lines read since the previous entry (this one included),
    ``read`` tweets it held, the ones the filter kept."""

    file_index: int
    lineno: int
    span: int
    read: int
    kept: list[Kept] = field(default_factory=list)


def template(data: dict[str, Any], dialect: str) -> tuple[bytes, bytes] | None:
    """``(head, tail)`` around the event-time string of the shifted tweet, or ``None`` when the sentinel's
    string is not found exactly once in the JSON.

    :raises TypeError: the tweet cannot be serialised (orjson's nesting limit).
    """
    body = orjson.dumps(with_event_time(data, dialect, SENTINEL))
    mark = orjson.dumps(_format(dialect, SENTINEL))
    at = body.find(mark)
    if at < 0 or body.find(mark, at + 1) >= 0:
        return None
    return body[:at + 1], body[at + len(mark) - 1:]


class TimeText:
    """The event-time string of a due time (seconds since the epoch) as bytes: what ``_format`` gives for
    its millisecond, with the calendar part formatted at most once per second (formatting is the costly part).
    v1.1 times have whole seconds; ISO-8601 ones end in ``.mmmZ``."""

    __slots__ = ("_second", "_v1", "_iso")

    def __init__(self) -> None:
        self._second = -1
        self._v1 = self._iso = b""

    def __call__(self, dialect: str, when: float) -> bytes:
        ms = int(when * 1000)
        second = ms // 1000
        if second != self._second:
            self._second = second
            start = datetime.fromtimestamp(second, tz=timezone.utc)
            self._v1 = format_v1_time(start).encode("ascii")
            self._iso = format_iso_time(start).encode("ascii")[:-4]  # without "mmmZ"
        if dialect == "v1.1":
            return self._v1
        return self._iso + b"%03dZ" % (ms - second * 1000)


class LoopCache:
    """The entries of one pass over the recording, in order; ``usable`` once the pass completed in bounds."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.entries: list[Entry] = []
        self.size = 0
        self.overflowed = False
        self.complete = False
        self.trailing = 0  # lines after the last entry (blank or bad)
        self._span = 0

    def line(self) -> None:
        """Count one line read (call for every line of the first pass)."""
        self._span += 1

    def add(self, file_index: int, lineno: int, read: int, kept: list[Kept]) -> None:
        """Remember a decoded line (after :meth:`line`)."""
        if self.overflowed:
            return
        self.size += _OVERHEAD * (len(kept) + 1) + sum(len(k.head or b"") + len(k.tail) for k in kept)
        if self.size > self.limit:
            self.overflowed = True
            self.entries = []  # give the memory back: the full path runs from now on
            return
        self.entries.append(Entry(file_index, lineno, self._span, read, kept))
        self._span = 0

    def finish(self) -> None:
        """The first pass ended without being stopped."""
        self.trailing, self._span = self._span, 0
        self.complete = not self.overflowed

    @property
    def usable(self) -> bool:
        return self.complete
