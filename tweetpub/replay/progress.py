"""Replay's run counters, progress display (tqdm on a terminal, a status line every few seconds otherwise)
and the final summary."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import asdict, dataclass
from typing import Callable

logger = logging.getLogger(__name__)


@dataclass
class Counters:
    """What a replay did. ``produced``/``dead_lettered`` count acknowledged records only."""

    lines: int = 0
    read: int = 0
    matched: int = 0
    produced: int = 0
    malformed: int = 0
    skipped: int = 0
    resumed: int = 0
    dead_lettered: int = 0
    failed: int = 0
    redirected: int = 0  # records Kafka refused (too large, failed twice), dead-lettered instead
    jumped: int = 0  # lines whose event time jumped past --max-gap (the pacer capped the wait)

    def summary(self) -> str:
        """One line: ``read=… matched=… produced=… malformed=… skipped=… …``."""
        return " ".join(f"{k}={v}" for k, v in asdict(self).items())


class Progress:
    """Reports ``counters`` while a run goes on.

    :param every: seconds between status lines when stderr is not a terminal.
    :param tty: force the terminal (tqdm) mode on or off; default: ``sys.stderr.isatty()``.
    """

    def __init__(self, counters: Counters, every: float = 5.0, tty: bool | None = None,
                 acked: Callable[[], int] | None = None) -> None:
        self.c = counters
        # Acknowledgements arrive in delivery callbacks; read them when drawing, not per record.
        self._acked = acked
        self.every = every
        self.tty = sys.stderr.isatty() if tty is None else tty
        self._start = time.monotonic()
        self._last = self._start
        self._bar = None
        if self.tty:
            from tqdm import tqdm
            self._bar = tqdm(unit=" lines", unit_scale=True, file=sys.stderr, dynamic_ncols=True)
            self._shown = 0

    def update(self) -> None:
        """Call often; it does real work at most every ~0.2 s (bar) or ``every`` seconds (log)."""
        now = time.monotonic()
        if self._acked is not None and now - self._last >= min(0.2, self.every):
            self.c.produced = self._acked()
        if self._bar is not None:
            if now - self._last >= 0.2:
                self._last = now
                self._bar.update(self.c.lines - self._shown)
                self._shown = self.c.lines
                self._bar.set_postfix(matched=self.c.matched, produced=self.c.produced,
                                      bad=self.c.malformed + self.c.skipped, refresh=False)
        elif now - self._last >= self.every:
            self._last = now
            rate = self.c.produced / max(now - self._start, 1e-9)
            logger.info("progress: %s (%.0f tweets/s)", self.c.summary(), rate)

    def close(self) -> float:
        """Stop the display; returns the elapsed seconds."""
        if self._bar is not None:
            self._bar.update(self.c.lines - self._shown)
            self._bar.close()
        return time.monotonic() - self._start
