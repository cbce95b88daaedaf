"""The status line's origin label, from latest.json "sources" (pure)."""
from __future__ import annotations

from tweetcontract.output.sources import SourceSeen
from tweetviz.provenance import origin

NOW = 1795251600000  # 2026-11-21T09:00:00Z


def test_one_live_source_or_a_replay():
    assert origin({"bluesky": SourceSeen(40, NOW + 700)}) == {
        "label": "Bluesky (live)", "sources": [{"source": "bluesky", "records": 40, "last_seen": "2026-11-21T09:00:00Z"}],
        "newest_at": "2026-11-21T09:00:00Z"}
    assert origin({"replay": SourceSeen(3, NOW)})["label"] == "replay of a recorded file"
    assert origin({"x": SourceSeen(3, NOW)})["label"] == "X (live)"
    assert origin({"mastodon": SourceSeen(3, NOW)})["label"] == "Mastodon (live)"


def test_several_sources_biggest_first_and_the_newest_time():
    got = origin({"replay": SourceSeen(5, NOW + 60_000), "mastodon": SourceSeen(9, NOW)})
    assert got["label"] == "Mastodon (live) + replay of a recorded file"
    assert got["newest_at"] == "2026-11-21T09:01:00Z"


def test_nothing_reported_says_so():
    assert origin({}) == {"label": None, "sources": [], "newest_at": None}
