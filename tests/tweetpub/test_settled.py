"""The settled prefix that --resume relies on (pure)."""

from __future__ import annotations

from tweetpub.settled import SettledPrefix


def test_the_prefix_advances_only_over_settled_records() -> None:
    s = SettledPrefix()
    for pos in (b"1", b"2", b"3", b"4"):
        s.sent(pos)
    s.outcome(b"2")
    assert s.done == b""  # 1 is still in flight
    s.outcome(b"1")
    assert s.done == b"2"
    s.sent(b"3")  # 3 failed: its retry (or dead letter) is queued before the failure is counted
    s.outcome(b"3")
    assert s.done == b"2"
    s.outcome(b"3")
    s.outcome(b"4")
    assert s.done == b"4"


def test_a_lost_record_stops_the_prefix_for_good() -> None:
    s = SettledPrefix()
    for pos in (b"1", b"2", b"3"):
        s.sent(pos)
    s.outcome(b"1")
    s.outcome(b"2", lost=True)
    s.outcome(b"3")
    assert s.done == b"1" and s.lost == 1
    s.outcome(b"9")  # an unknown position changes nothing
    assert s.done == b"1"
