"""When to emit each tweet: as fast as possible, at a fixed rate, or on the recorded timeline.

A pacer turns a tweet's event time into a wall-clock due time; the caller sleeps until then.
:meth:`Pacer.restart` starts a new anchor (each loop of a looping replay, and after a resume
fast-forward), so the timeline restarts from "now" with the first tweet emitted.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Callable

#: Default cap on the event-time gap the timeline waits for between two lines (``--max-gap``).
DEFAULT_MAX_GAP = 3600.0


class Pacer:
    """As fast as possible: everything is due now.

    :param clock: the wall clock (``time.time``); tests pass a fake one.
    """

    #: Lines whose event time jumped further than the cap (only the timeline pacer counts them).
    jumped = 0

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def restart(self) -> None:
        """Start a new anchor (no-op when there is no timeline)."""

    def due(self, event: datetime | None) -> float:
        """Wall-clock time (``time.time()`` scale) at which this tweet should be emitted."""
        return self.clock()


class RatePacer(Pacer):
    """A fixed rate of ``rate`` tweets per second, independent of event times."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._next: float | None = None

    def restart(self) -> None:
        pass  # a fixed rate continues across loops

    def due(self, event: datetime | None) -> float:
        now = self.clock()
        if self._next is None or self._next < now - 1.0:
            self._next = now  # don't burst to catch up after a stall of more than a second
        due, self._next = self._next, self._next + self.interval
        return due


class TimelinePacer(Pacer):
    """The recorded ``created_at`` gaps divided by ``speed`` (``speed=10``: ten times faster).

    Out-of-order event times (older than the anchor) are due immediately. A line whose event time
    lies more than ``max_gap`` seconds (of event time) after, or before, the newest one seen so far
    is a jump (one tweet dated 2099, a first line dated 1970): the wait is capped at ``max_gap``
    (nothing, backwards), the timeline re-anchors on that line, and ``jumped`` counts it. Without
    the cap one hostile date would stall the replay for decades.
    """

    def __init__(self, speed: float, clock: Callable[[], float] = time.time,
                 max_gap: float = DEFAULT_MAX_GAP) -> None:
        super().__init__(clock)
        if speed <= 0:
            raise ValueError("speed must be positive")
        if max_gap < 0:
            raise ValueError("max_gap must not be negative")
        self.speed = speed
        self.max_gap = max_gap
        self.jumped = 0
        self._anchor: tuple[float, float] | None = None
        self._newest = 0.0

    def restart(self) -> None:
        self._anchor = None

    def due(self, event: datetime | None) -> float:
        now = self.clock()
        if event is None:
            return now
        ts = event.timestamp()
        if self._anchor is None:
            self._anchor = (now, ts)
            self._newest = ts
            return now
        wall0, ev0 = self._anchor
        if abs(ts - self._newest) > self.max_gap:
            # When the newest line was (or is) due; the jumped line follows it after at most max_gap.
            newest_due = wall0 + max(0.0, self._newest - ev0) / self.speed
            wait = self.max_gap / self.speed if ts > self._newest else 0.0
            self.jumped += 1
            self._anchor = (newest_due + wait, ts)
            self._newest = ts
            return newest_due + wait
        self._newest = max(self._newest, ts)
        return wall0 + max(0.0, ts - ev0) / self.speed
