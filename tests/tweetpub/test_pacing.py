"""Pacing strategies (due times only; no sleeping, no timing assertions)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tweetpub.replay.pacing import Pacer, RatePacer, TimelinePacer

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


class FakeClock:
    """A wall clock the test moves by hand, so no assertion depends on how fast this machine runs."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_fast_is_due_now() -> None:
    clock = FakeClock()
    assert Pacer(clock).due(T0) == Pacer(clock).due(None) == clock.now


def test_rate_spaces_tweets_evenly() -> None:
    p = RatePacer(4, clock=FakeClock())
    dues = [p.due(None) for _ in range(5)]
    assert [round(b - a, 6) for a, b in zip(dues, dues[1:])] == [0.25] * 4


def test_rate_does_not_burst_after_a_stall() -> None:
    clock = FakeClock()
    p = RatePacer(4, clock=clock)
    first = p.due(None)
    clock.now += 10  # the producer was blocked for 10 s
    assert p.due(None) == clock.now  # restarts from now instead of emitting 40 tweets at once
    assert first < clock.now


def test_timeline_scales_gaps_and_restarts() -> None:
    p = TimelinePacer(10, clock=FakeClock())
    first = p.due(T0)
    assert p.due(T0 + timedelta(seconds=30)) - first == pytest.approx(3.0)
    assert p.due(T0 - timedelta(seconds=5)) == pytest.approx(first)  # out of order: due at once
    p.restart()
    again = p.due(T0 + timedelta(seconds=100))
    assert p.due(T0 + timedelta(seconds=120)) - again == pytest.approx(2.0)


def test_bad_values() -> None:
    with pytest.raises(ValueError):
        RatePacer(0)
    with pytest.raises(ValueError):
        TimelinePacer(-1)
