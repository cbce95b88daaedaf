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


def test_a_far_future_line_waits_at_most_the_cap_and_is_counted() -> None:
    p = TimelinePacer(1, clock=FakeClock(), max_gap=3600)
    first = p.due(T0)
    assert p.due(T0 + timedelta(seconds=60)) - first == pytest.approx(60)
    far = p.due(datetime(2099, 1, 1, tzinfo=timezone.utc))
    assert far - first == pytest.approx(60 + 3600)  # not 73 years
    # back to the real timeline: due at once, then paced again from there
    back = p.due(T0 + timedelta(seconds=120))
    assert back == pytest.approx(far)
    assert p.due(T0 + timedelta(seconds=130)) - back == pytest.approx(10)
    assert p.jumped == 2


def test_a_1970_first_line_does_not_stall_the_replay() -> None:
    p = TimelinePacer(2, clock=FakeClock(), max_gap=60)
    first = p.due(datetime(1970, 1, 1, tzinfo=timezone.utc))
    assert p.due(T0) == pytest.approx(first + 30)  # the capped gap, scaled by the speed
    first += 30
    assert p.due(T0 + timedelta(seconds=10)) - first == pytest.approx(5)
    assert p.jumped == 1


def test_gaps_within_the_cap_are_not_jumps() -> None:
    p = TimelinePacer(1, clock=FakeClock(), max_gap=3600)
    first = p.due(T0)
    assert p.due(T0 + timedelta(seconds=3600)) - first == pytest.approx(3600)
    assert p.due(T0 + timedelta(seconds=10)) == pytest.approx(first + 10)  # out of order, within the cap
    assert p.jumped == 0
    with pytest.raises(ValueError):
        TimelinePacer(1, max_gap=-1)
