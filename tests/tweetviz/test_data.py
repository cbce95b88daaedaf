"""Pure data functions: parsing, the resolution rule, windows, top-N, series, tracked filter."""

from __future__ import annotations

import json

import pytest

from tweetviz import data
from tweetviz.data import CountRow, TagStat
from tweetcontract.errors import BadCountLine as DataError
from tweetviz.sample import build_output, window_rows

T0 = data.parse_time("2026-11-21T09:00:00Z")


def row(minute: int, tag: str, count: int, batch: int = 1, final: bool = False, display: str | None = None,
        trend: float | None = 1.0) -> CountRow:
    start = T0 + minute * 60
    return CountRow(start, start + 60, tag, display or tag, count, trend, batch, final)


def test_parse_count_row_reads_the_contract_example():
    line = {"window_start": "2026-11-21T09:10:00Z", "window_end": "2026-11-21T09:11:00Z", "hashtag": "openstack",
            "display": "OpenStack", "count": 12, "trend": 1.8, "batch_id": 17, "final": False}
    got = data.parse_count_row(line)
    assert got == CountRow(T0 + 600, T0 + 660, "openstack", "OpenStack", 12, 1.8, 17, False)


@pytest.mark.parametrize("change", [
    {"count": -1}, {"count": "3"}, {"count": True}, {"batch_id": None}, {"hashtag": ""},
    {"window_start": "yesterday"}, {"window_end": "2026-11-21T09:10:00Z"}, {"trend": "up"},
    {"final": "no"}, {"trend": float("nan")},
])
def test_parse_count_row_rejects_bad_fields(change):
    line = {"window_start": "2026-11-21T09:10:00Z", "window_end": "2026-11-21T09:11:00Z", "hashtag": "x",
            "display": "X", "count": 1, "trend": 1.0, "batch_id": 1, "final": False, **change}
    with pytest.raises(DataError):
        data.parse_count_row(line)


def test_parse_counts_skips_and_counts_bad_lines_but_keeps_valid_ones():
    good = json.dumps(window_rows(T0, {"OpenStack": 3}, 5)[0]).encode()
    rows, bad = data.parse_counts(b"\n".join([good, b"{not json", b"[]", b"", good]))
    assert len(rows) == 2 and bad == 2
    assert rows[0].display == "OpenStack" and rows[0].hashtag == "openstack"


def test_parse_latest_reads_windows_and_skips_bad_tags():
    doc = {"updated_at": "2026-11-21T09:02:05Z", "batch_id": 9, "watermark": "2026-11-21T08:55:00Z",
           "window": "1 minute", "slide": "1 minute",
           "windows": [{"start": "2026-11-21T09:01:00Z", "end": "2026-11-21T09:02:00Z",
                        "tags": [{"hashtag": "aws", "display": "AWS", "count": 4, "trend": 0.5},
                                 {"hashtag": "", "count": 1}, "junk"]}]}
    latest = data.parse_latest(json.dumps(doc).encode())
    assert latest.batch_id == 9 and latest.bad_tags == 2
    assert latest.rows == (CountRow(T0 + 60, T0 + 120, "aws", "AWS", 4, 0.5, 9, False),)
    assert latest.updated_at == T0 + 125


@pytest.mark.parametrize("body", [b"nope", b"[]", b'{"batch_id": 1}', b'{"batch_id": -1, "windows": []}',
                                  b'{"batch_id": 1, "windows": [{"start": "x", "end": "y", "tags": []}]}'])
def test_parse_latest_rejects_a_bad_document(body):
    with pytest.raises(DataError):
        data.parse_latest(body)


def test_resolve_keeps_the_highest_batch_and_prefers_final_on_a_tie():
    table = data.resolve([row(0, "a", 5, batch=1), row(0, "a", 9, batch=3), row(0, "a", 7, batch=2),
                          row(1, "a", 4, batch=4), row(1, "a", 6, batch=4, final=True), row(1, "a", 1, batch=4)])
    assert table[(T0, T0 + 60, "a")].count == 9
    assert table[(T0 + 60, T0 + 120, "a")].count == 6 and table[(T0 + 60, T0 + 120, "a")].final


def test_aggregate_sums_the_last_n_minutes_ending_at_the_newest_window():
    rows = [row(m, "a", 1) for m in range(60)] + [row(59, "b", 10), row(50, "b", 5)]
    table = data.resolve(rows)
    assert data.newest_end(table) == T0 + 3600
    by = {w: {s.hashtag: s.count for s in data.aggregate(table, w)} for w in (1, 5, 15, 60)}
    assert by[1] == {"a": 1, "b": 10}
    assert by[5] == {"a": 5, "b": 10}
    assert by[15] == {"a": 15, "b": 15}
    assert by[60] == {"a": 60, "b": 15}


def test_aggregate_trend_is_count_weighted_and_display_from_the_biggest_row():
    table = data.resolve([row(0, "k8s", 1, display="K8S", trend=4.0), row(1, "k8s", 3, display="k8s", trend=0.0),
                          row(1, "x", 2, trend=None)])
    stats = {s.hashtag: s for s in data.aggregate(table, 5)}
    assert stats["k8s"] == TagStat("k8s", "k8s", 4, 1.0)
    assert stats["x"].trend is None


def test_top_orders_by_count_then_key_and_filters_tracked_words():
    stats = [TagStat("b", "B", 5, None), TagStat("a", "A", 5, None), TagStat("c", "C", 9, None)]
    assert [s.hashtag for s in data.top(stats, 2)] == ["c", "a"]
    assert [s.hashtag for s in data.top(stats, 10, frozenset({"b", "zzz"}))] == ["b"]


def test_series_fills_missing_minutes_with_zero():
    table = data.resolve([row(0, "a", 2), row(2, "a", 5, display="A"), row(2, "b", 1)])
    got = data.series(table, ["a", "missing"], 3)
    assert got["times"] == [data.iso(T0), data.iso(T0 + 60), data.iso(T0 + 120)]
    assert got["series"] == [{"hashtag": "a", "display": "A", "counts": [2, 0, 5]},
                             {"hashtag": "missing", "display": "missing", "counts": [0, 0, 0]}]


def test_empty_table_gives_empty_results():
    assert data.aggregate({}, 5) == []
    assert data.series({}, ["a"], 5) == {"times": [], "series": [{"hashtag": "a", "display": "a", "counts": []}]}


def test_normalize_tag_is_nfkc_then_casefold():
    assert data.normalize_tag("#ＯｐｅｎＳｔａｃｋ") == "openstack"
    assert data.normalize_tag("Straße") == "strasse"
    assert data.normalize_tag("  K8s ") == "k8s"


def test_typed_tags_normalize_like_the_shared_rules():
    """What a user types in ?tags= (with '#', any case or width) lands on the key the job counted under."""
    from pathlib import Path

    from tweetcontract.hashtags import extract_hashtags

    vectors = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "hashtags.json").read_text("utf-8"))
    pairs = [(key, spelling) for v in vectors for key, spelling in extract_hashtags(v["tweet"], v["dialect"])]
    assert len(pairs) > 30
    for key, spelling in pairs:
        assert data.normalize_tag("#" + spelling) == key, spelling
        assert data.normalize_tag(" ＃" + spelling.upper() + " ") == data.normalize_tag(spelling.upper())


def test_sample_output_round_trips_through_the_parsers():
    files = build_output(T0 + 600, 10, {"AWS": 2, "Azure": 1}, batch_id=4)
    rows = [r for path, body in files.items() if path != "latest.json" for r in data.parse_counts(body)[0]]
    latest = data.parse_latest(files["latest.json"])
    assert data.resolve(rows) == data.resolve(latest.rows)
    assert {s.hashtag: s.count for s in data.aggregate(data.resolve(rows), 5)} == {"aws": 10, "azure": 5}


def test_sliding_windows_are_not_counted_twice():
    # 1-minute windows sliding every 20 s: each tweet is in three windows; the sum must count it once.
    base = 1_795_251_600  # a whole hour, UTC
    table = {}
    for k in range(9):  # window starts every 20 s over 3 minutes
        start = base + 20 * k
        table[(start, start + 60, "aws")] = data.CountRow(start, start + 60, "aws", "AWS", 3, None, k, False)
    stats = {s.hashtag: s.count for s in data.aggregate(table, 5, end=base + 240)}
    # aligned starts: base, base+60, base+120 (k = 0, 3, 6), 3 tweets each
    assert stats == {"aws": 9}
