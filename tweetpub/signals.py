"""SIGINT/SIGTERM for every tweetpub run: the first one stops cleanly (flush, summary), a second one insists.

Replay, the X stream and the open sources all promise the same thing to an operator: Ctrl-C or a pod's
SIGTERM ends the run within the stop grace period with nothing lost; pressing Ctrl-C again kills it.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)

HANDLED = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """A context manager: while inside it, the first SIGINT/SIGTERM sets :attr:`stop` and calls ``on_stop``.

    Installed only on the main thread (Python's rule) and only when ``enabled``; the previous handlers come
    back on exit. :attr:`signum` is the signal that stopped the run (0 when none did).
    """

    def __init__(self, on_stop: Callable[[], None] | None = None, *, enabled: bool = True,
                 message: str = "stopping after flushing") -> None:
        self.stop = threading.Event()
        self.signum = 0
        self._on_stop = on_stop
        self._enabled = enabled
        self._message = message
        self._old: dict[int, Any] = {}

    def install(self) -> "StopSignals":
        """Take over SIGINT/SIGTERM (pair with :meth:`restore` in a ``finally``); returns self."""
        if self._enabled and threading.current_thread() is threading.main_thread():
            self._old = {s: signal.signal(s, self._handle) for s in HANDLED}
        return self

    def restore(self) -> None:
        """Give the previous handlers back."""
        for s, h in self._old.items():
            signal.signal(s, h)
        self._old = {}

    def __enter__(self) -> "StopSignals":
        return self.install()

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.signum:  # a second signal: the user insists, stop waiting for a clean end
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
        self.signum = signum
        self.stop.set()
        log.warning("got %s: %s", signal.Signals(signum).name, self._message)
        if self._on_stop is not None:
            self._on_stop()

    def __exit__(self, *exc: Any) -> None:
        self.restore()
