"""The metrics line built from Spark's progress JSON (pure: no Spark session)."""
from __future__ import annotations

from tweetics.listener import lost_offsets, metrics_line
from tweetics.transforms import OBSERVATION


def _progress(dropped: int) -> dict:
    return {"batchId": 7, "timestamp": "2026-11-21T09:00:05.000Z", "numInputRows": 120,
            "inputRowsPerSecond": 24.0, "processedRowsPerSecond": 300.5, "batchDuration": 400,
            "eventTime": {"watermark": "2026-11-21T08:58:00.000Z"},
            "observedMetrics": {OBSERVATION: {"records": 120, "valid": 110, "malformed": 6, "non_tweet": 3,
                                              "missing_fields": 1}},
            "stateOperators": [{"operatorName": "stateStoreSave", "numRowsDroppedByWatermark": dropped,
                                "numRowsTotal": 50}],
            "durationMs": {"addBatch": 300, "triggerExecution": 400},
            "sources": [{"startOffset": {"t": {"0": 10}}, "endOffset": {"t": {"0": 130}}}]}


def test_nothing_dropped_means_no_late_tweet():
    calls = []
    line = metrics_line(_progress(0), {"sink_ms": 12}, lambda p, g: calls.append(g) or 0)
    assert line["late"] == 0 and line["late_groups"] == 0
    assert calls == [0]  # LateCounter answers 0 for that without reading anything (test_late.py)
    assert (line["records"], line["valid"], line["malformed"], line["non_tweet"], line["missing_fields"]) == \
        (120, 110, 6, 3, 1)
    assert line["sink_ms"] == 12 and line["state_rows"] == 50 and line["batch_duration_ms"] == 400


def test_dropped_groups_are_recounted_as_tweets():
    seen = []

    def counter(progress, groups):
        seen.append((progress["batchId"], groups))
        return 9

    line = metrics_line(_progress(4), None, counter)
    assert seen == [(7, 4)]
    assert line["late_groups"] == 4 and line["late"] == 9


def test_without_a_counter_late_is_unknown_once_something_was_dropped():
    assert metrics_line(_progress(0))["late"] == 0
    assert metrics_line(_progress(3))["late"] is None


def test_lost_offsets_are_the_range_minus_what_was_read():
    progress = _progress(0)
    progress["sources"] = [{"startOffset": {"t": {"0": 10, "1": 5}}, "endOffset": {"t": {"0": 130, "1": 105}},
                            "numInputRows": 120}]
    assert metrics_line(progress)["lost_offsets"] == 100  # 220 offsets planned, 120 rows read
    progress["sources"][0]["numInputRows"] = 220
    assert metrics_line(progress)["lost_offsets"] == 0


def test_the_first_batch_measures_from_the_checkpoints_initial_offsets():
    progress = _progress(0)
    progress["sources"] = [{"startOffset": None, "endOffset": '{"t":{"0":130}}', "numInputRows": 100}]
    asked = []
    line = metrics_line(progress, initial_offsets=lambda: asked.append(1) or {"t": {"0": 0}})
    assert asked == [1] and line["lost_offsets"] == 30
    assert metrics_line(progress)["lost_offsets"] is None  # no known start: unknown, not zero
    assert lost_offsets({"startOffset": {"t": {"0": -2}}, "endOffset": {"t": {"0": 5}}, "numInputRows": 0}) is None


def test_implausible_time_is_a_metric():
    progress = _progress(0)
    progress["observedMetrics"][OBSERVATION]["implausible_time"] = 2
    assert metrics_line(progress)["implausible_time"] == 2
