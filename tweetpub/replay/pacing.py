"""When to emit each tweet: as fast as possible, at a fixed rate, or on the recorded timeline.

A pacer turns a tweet's event time into a wall-clock due time; the caller sleeps until then.
:meth:`Pacer.restart` starts a new anchor (each loop of a looping replay, and after a resume
fast-forward), so the timeline restarts from "now" with the first tweet emitted.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Callable


class Pacer:
    """As fast as possible: everything is due now.

    :param clock: the wall clock (``time.time``); tests pass a fake one.
    """

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

    Out-of-order event times (older than the anchor) are due immediately.
    """

    def __init__(self, speed: float, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._anchor: tuple[float, float] | None = None

    def restart(self) -> None:
        self._anchor = None

    def due(self, event: datetime | None) -> float:
        now = self.clock()
        if event is None:
            return now
        ts = event.timestamp()
        if self._anchor is None:
            self._anchor = (now, ts)
            return now
        wall0, ev0 = self._anchor
        return wall0 + max(0.0, ts - ev0) / self.speed
