"""Pure sink logic: finalization by watermark, trend score, latest summary, persistence."""
from __future__ import annotations

from tweetics.state import LATEST_TAGS, SinkState, Update

MIN = 60_000
T0 = 1795251600000  # 2026-11-21T09:00:00Z


def _u(minute: int, tag: str, count: int, display: str | None = None) -> Update:
    return Update(T0 + minute * MIN, T0 + (minute + 1) * MIN, tag, count, display or tag)


def test_running_rows_then_final_when_watermark_passes_the_end():
    state = SinkState(window_ms=MIN, slide_ms=MIN)
    lines = state.apply([_u(0, "a", 2)], watermark_ms=0, batch_id=0)
    assert [(l["hashtag"], l["count"], l["final"], l["batch_id"]) for l in lines] == [("a", 2, False, 0)]
    lines = state.apply([_u(0, "a", 3), _u(1, "b", 1)], watermark_ms=0, batch_id=1)
    assert {(l["hashtag"], l["count"], l["final"]) for l in lines} == {("a", 3, False), ("b", 1, False)}
    # no updates, the watermark passes window 0's end: its last count becomes final
    lines = state.apply([], watermark_ms=T0 + MIN, batch_id=2)
    assert [(l["window_start"], l["hashtag"], l["count"], l["final"]) for l in lines] == \
        [("2026-11-21T09:00:00Z", "a", 3, True)]
    assert not state.apply([], watermark_ms=T0 + MIN, batch_id=3)


def test_update_of_a_window_closing_in_the_same_batch_is_written_once_as_final():
    state = SinkState(window_ms=MIN, slide_ms=MIN)
    state.apply([_u(0, "a", 1)], 0, 0)
    lines = state.apply([_u(0, "a", 4)], T0 + 5 * MIN, 1)
    assert [(l["count"], l["final"]) for l in lines] == [(4, True)]


def test_trend_against_the_mean_of_previous_windows():
    state = SinkState(window_ms=MIN, slide_ms=MIN, baseline_windows=3)
    first = state.apply([_u(0, "a", 2), _u(0, "b", 5)], 0, 0)
    assert all(l["trend"] == 1.0 for l in first)  # nothing to compare with yet
    state.apply([_u(1, "a", 4)], 0, 1)
    lines = state.apply([_u(2, "a", 9), _u(2, "b", 1)], 0, 2)
    trend = {l["hashtag"]: l["trend"] for l in lines}
    assert trend["a"] == round((9 + 1) / ((2 + 4) / 2 + 1), 2)  # baseline: mean of windows 0 and 1
    assert trend["b"] == round((1 + 1) / ((5 + 0) / 2 + 1), 2)  # quiet window 1 counts as 0


def test_latest_summary_limits_and_order():
    state = SinkState(window_ms=MIN, slide_ms=MIN)
    updates = [_u(m, f"t{i:03d}", i + 1) for m in range(70) for i in range(3)]
    updates += [_u(69, f"x{i:03d}", 1) for i in range(LATEST_TAGS + 5)]
    state.apply(updates, T0 + 60 * MIN, 0)
    latest = state.latest(batch_id=0, watermark_ms=T0 + 60 * MIN, updated_at="now", window="1 minute",
                          slide="1 minute")
    windows = latest["windows"]
    assert len(windows) == 60 and windows[-1]["start"] == "2026-11-21T10:09:00Z"
    assert [w["start"] for w in windows] == sorted(w["start"] for w in windows)
    assert len(windows[-1]["tags"]) == LATEST_TAGS and windows[-1]["tags"][0]["hashtag"] == "t002"
    assert windows[0]["final"] and not windows[-1]["final"]


def test_state_roundtrip_gives_identical_next_batch():
    a = SinkState(window_ms=MIN, slide_ms=MIN)
    a.apply([_u(0, "a", 1), _u(1, "b", 2)], 0, 0)
    b = SinkState.from_json(a.to_json())
    step = [_u(1, "b", 3), _u(2, "c", 1)]
    assert a.apply(step, T0 + 2 * MIN, 1) == b.apply(step, T0 + 2 * MIN, 1)


def test_a_future_window_does_not_prune_the_real_ones():
    """Pruning measures back from the newest window, but never from one later than the processing time."""
    state = SinkState(window_ms=MIN, slide_ms=MIN)
    now = T0 + 30 * MIN
    state.apply([_u(m, "a", 1) for m in range(10)], watermark_ms=T0 + 20 * MIN, batch_id=0, now_ms=now)
    assert len(state.closed) == 10
    future = Update(4070908800000, 4070908860000, "future", 1, "future")  # 2099-01-01
    state.apply([future], watermark_ms=T0 + 20 * MIN, batch_id=1, now_ms=now)
    assert len(state.closed) == 10  # measured from `now`, all ten are recent enough to keep
    unguarded = SinkState.from_json(state.to_json())
    unguarded.apply([], watermark_ms=T0 + 20 * MIN, batch_id=2)  # no processing time: the 2099 window rules
    assert not unguarded.closed


def test_input_counts_are_folded_once_per_batch_and_survive_a_restart():
    state = SinkState(window_ms=MIN, slide_ms=MIN)
    assert state.add_input_counts(0, {"implausible_time": 1, "lost_offsets": 0})
    assert state.add_input_counts(1, {"implausible_time": 0, "lost_offsets": 300})
    assert not state.add_input_counts(1, {"implausible_time": 5, "lost_offsets": 5})  # a re-delivered batch
    resumed = SinkState.from_json(state.to_json())
    assert resumed.input_counts == {"implausible_time": 1, "lost_offsets": 300} and resumed.counted_through == 1
    doc = resumed.latest(batch_id=1, watermark_ms=T0, updated_at="2026-11-21T09:00:00Z", window="1 minute",
                         slide="1 minute")
    assert doc["input"] == {"implausible_time": 1, "lost_offsets": 300}
    old = state.to_json()
    del old["input_counts"], old["counted_through"]  # a state file written before these fields existed
    assert SinkState.from_json(old).input_counts == {}
