"""latest.json "sources" (contract 4): the job's per-batch source counts, kept for the recent batches."""
from __future__ import annotations

import json
import time

from tests.tweetics.test_sinks import _offsets, _u, _writer
from tweetcontract.output.sources import SourceSeen, parse_sources, sources_field
from tweetics.listener import metrics_line
from tweetics.provenance import RecentSources

MIN = 60_000
NOW = 1795251600000  # 2026-11-21T09:00:00Z


def test_recent_batches_are_summed_per_source_and_old_ones_forgotten():
    recent = RecentSources(recent_ms=10 * MIN)
    recent.add(1, NOW - 12 * MIN, {"x": 50})  # older than the horizon by the time we ask
    recent.add(2, NOW - 5 * MIN, {"replay": 10, "bluesky": 0})
    recent.add(3, NOW - MIN, {"replay": 7, "bluesky": 3, "myspace": 9})  # an unknown name is not reported
    assert recent.seen(NOW) == {"replay": SourceSeen(17, NOW - MIN), "bluesky": SourceSeen(3, NOW - MIN)}
    recent.add(3, NOW - MIN, {"replay": 2})  # the same batch re-run after a restart replaces itself
    assert recent.seen(NOW) == {"replay": SourceSeen(12, NOW - MIN)}
    assert recent.seen(NOW + 20 * MIN) == {}  # a stream that stopped drops out


def test_metrics_line_reports_the_batch_sources_from_the_observed_counters():
    progress = {"batchId": 4, "timestamp": "2026-11-21T09:00:01.250Z",
                "observedMetrics": {"tweetics_input": {"records": 9, "valid": 8, "source_replay": 0,
                                                       "source_bluesky": 8, "source_x": 0}}}
    assert metrics_line(progress)["sources"] == {"bluesky": 8}


def test_sources_field_round_trips_and_the_reader_keeps_only_sane_entries():
    field = sources_field({"mastodon": SourceSeen(5, NOW + 1234), "replay": SourceSeen(0, NOW)})
    assert field == {"mastodon": {"records": 5, "last_seen": "2026-11-21T09:00:01Z"},
                     "replay": {"records": 0, "last_seen": "2026-11-21T09:00:00Z"}}
    assert parse_sources(json.dumps({"windows": [], "sources": field}).encode()) == {
        "mastodon": SourceSeen(5, NOW + 1000), "replay": SourceSeen(0, NOW)}
    bad = {"evil<script>": {"records": 1, "last_seen": "2026-11-21T09:00:00Z"},
           "x": {"records": -1, "last_seen": "2026-11-21T09:00:00Z"},
           "bluesky": {"records": True, "last_seen": "2026-11-21T09:00:00Z"},
           "mastodon": {"records": 3, "last_seen": "yesterday"},
           "replay": {"records": 3, "last_seen": "2026-11-21T09:00:00Z"}}
    assert parse_sources(json.dumps({"sources": bad}).encode()) == {"replay": SourceSeen(3, NOW)}
    assert parse_sources(b"{not json") == {} and parse_sources(b'{"sources": [1]}') == {}


def test_latest_json_carries_the_sources_the_listener_reported(spark, tmp_path):
    for i in range(2):
        _offsets(tmp_path / "ckpt", i, 0)
    writer = _writer(spark, tmp_path)
    writer.write_batch([_u(0, "iot", 3)], 0)
    writer.flush()
    latest = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert latest["sources"] == {}  # nothing reported yet: the listener speaks after the batch
    now = int(time.time() * 1000)
    writer.recent_sources.add(0, now, {"replay": 3})  # what the listener hands over for batch 0
    writer.finish()  # the run ends: the last batch's sources still reach latest.json
    latest = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert latest["sources"] == {"replay": {"records": 3, "last_seen": sources_field(
        {"replay": SourceSeen(3, now)})["replay"]["last_seen"]}}
