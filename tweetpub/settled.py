"""The settled prefix of a run: how far every record is known to be in Kafka (pure).

Records are keyed by an opaque position (replay's ``tp-pos`` header) and counted in the order they were
first sent. A record is settled once its last attempt succeeded (acknowledged, or dead-lettered and
that acknowledged); one whose every attempt failed is lost and stops the prefix for good. Each record
carries the prefix at its sending (``tp-done``), so ``--resume`` knows below which position nothing is
missing, and re-sends the gaps above it instead of skipping them.
"""

from __future__ import annotations

from collections import deque


class SettledPrefix:
    """Positions in first-sent order; ``done`` is the last one of the longest settled prefix (b"" if none)."""

    def __init__(self) -> None:
        self._order: deque[bytes] = deque()
        self._open: dict[bytes, int] = {}
        self._lost: set[bytes] = set()
        self.done = b""

    def sent(self, pos: bytes) -> None:
        """One attempt at ``pos`` is queued (the first, a retry, or its dead letter)."""
        if pos in self._open:
            self._open[pos] += 1
        else:
            self._open[pos] = 1
            self._order.append(pos)

    def outcome(self, pos: bytes, lost: bool = False) -> None:
        """One attempt at ``pos`` ended; ``lost``: it failed and nothing else will carry the record."""
        if pos not in self._open:
            return
        self._open[pos] -= 1
        if lost:
            self._lost.add(pos)
        order, open_ = self._order, self._open
        while order and open_[order[0]] == 0 and order[0] not in self._lost:
            self.done = order.popleft()
            del open_[self.done]

    @property
    def lost(self) -> int:
        """Records no attempt delivered."""
        return len(self._lost)
