"""The foreachBatch writer on a local folder: idempotent replays, finals, compaction, retention, latest.json."""
from __future__ import annotations

import json
from pathlib import Path

from tweetcontract.output.layout import HOUR_MS
from tweetics.state import Update

MIN = 60_000
T0 = 1795251600000  # 2026-11-21T09:00:00Z


def _offsets(ckpt: Path, batch_id: int, watermark: int) -> None:
    (ckpt / "offsets").mkdir(parents=True, exist_ok=True)
    (ckpt / "offsets" / str(batch_id)).write_text(
        f'v1\n{{"batchWatermarkMs":{watermark},"batchTimestampMs":0,"conf":{{}}}}\n{{"t":{{"0":1}}}}\n')


def _writer(spark, tmp_path, **kw):
    from tweetics.sinks import CountsWriter, SinkConfig

    config = SinkConfig(window="1 minute", slide="1 minute", window_ms=MIN, slide_ms=MIN, **kw)
    return CountsWriter(spark, str(tmp_path / "out"), str(tmp_path / "ckpt"), config)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _u(minute, tag, count):
    return Update(T0 + minute * MIN, T0 + (minute + 1) * MIN, tag, count, tag)


def test_replayed_batch_rewrites_identical_files(spark, tmp_path):
    ckpt = tmp_path / "ckpt"
    batches = [[_u(0, "a", 1)], [_u(0, "a", 2), _u(1, "b", 1)], [_u(3, "c", 5)]]
    for i, wm in enumerate([0, 0, T0 + 2 * MIN]):
        _offsets(ckpt, i, wm)
    first = _writer(spark, tmp_path)
    for i, updates in enumerate(batches):
        first.write_batch(updates, i)
    counts_before = _files(tmp_path / "out" / "counts")
    # a new process (after kill -9 during batch 2) replays batch 2 from the saved state of batch 1
    second = _writer(spark, tmp_path)
    second.write_batch(batches[2], 2)
    second.flush()
    assert _files(tmp_path / "out" / "counts") == counts_before
    batch2 = (tmp_path / "out/counts/date=2026-11-21/hour=09/batch-000000002.jsonl").read_text().splitlines()
    rows = {(r["hashtag"], r["count"], r["final"]) for r in map(json.loads, batch2)}
    assert rows == {("a", 2, True), ("b", 1, True), ("c", 5, False)}
    latest = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert latest["batch_id"] == 2 and [w["start"] for w in latest["windows"]] == \
        ["2026-11-21T09:00:00Z", "2026-11-21T09:01:00Z", "2026-11-21T09:03:00Z"]


def test_closed_hours_are_compacted_and_old_ones_dropped(spark, tmp_path):
    from tweetcontract.output.reader import LocalStore, read_counts

    ckpt = tmp_path / "ckpt"
    writer = _writer(spark, tmp_path, compact_every=5, retention_ms=2 * HOUR_MS)
    batch = 0
    expected = {}
    for minute in range(0, 240, 4):  # four hours of windows, one batch each, watermark trailing by 2 min
        _offsets(ckpt, batch, T0 + (minute - 2) * MIN)
        writer.write_batch([_u(minute, "a", minute + 1)], batch)
        expected[minute] = minute + 1
        batch += 1
    hours = sorted(p.name for p in (tmp_path / "out/counts/date=2026-11-21").iterdir())
    assert hours == ["hour=10", "hour=11", "hour=12"]  # hour 09 is past the 2 h retention
    closed = list((tmp_path / "out/counts/date=2026-11-21/hour=10").iterdir())
    assert len(closed) == 1 and closed[0].name.startswith("compact-")
    crowded = [p.name for p in (tmp_path / "out/counts/date=2026-11-21/hour=12").iterdir()]
    assert len(crowded) <= 5  # the open hour is compacted once it holds compact_every batch files
    got = {int(k[0][11:13]) * 60 + int(k[0][14:16]) - 9 * 60: r["count"]
           for k, r in read_counts(LocalStore(str(tmp_path / "out"))).rows.items()}
    assert got == {m: c for m, c in expected.items() if m >= 60}


def _offsets_at(ckpt: Path, batch_id: int, watermark: int, now: int) -> None:
    (ckpt / "offsets").mkdir(parents=True, exist_ok=True)
    (ckpt / "offsets" / str(batch_id)).write_text(
        f'v1\n{{"batchWatermarkMs":{watermark},"batchTimestampMs":{now},"conf":{{}}}}\n{{"t":{{"0":1}}}}\n')


def test_retention_never_measures_from_past_the_processing_time(spark, tmp_path):
    """A watermark in 2099 (a record's time) must not make retention delete this week's partitions."""
    ckpt = tmp_path / "ckpt"
    now = T0 + 3 * HOUR_MS
    writer = _writer(spark, tmp_path, retention_ms=2 * HOUR_MS)
    _offsets_at(ckpt, 0, T0, now)
    writer.write_batch([_u(0, "a", 1), _u(60, "b", 1)], 0)
    _offsets_at(ckpt, 1, 4070908800000, now)  # 2099-01-01
    writer.write_batch([_u(121, "c", 1)], 1)
    hours = sorted(p.name for p in (tmp_path / "out/counts/date=2026-11-21").iterdir())
    assert hours == ["hour=09", "hour=10", "hour=11"]
    # by both clocks older than the retention: hour 09 goes (ended 10:00 < 12:05 - 2 h), the rest stays
    _offsets_at(ckpt, 2, now + 5 * MIN, now + 10 * MIN)
    writer.write_batch([], 2)
    hours = sorted(p.name for p in (tmp_path / "out/counts/date=2026-11-21").iterdir())
    assert hours == ["hour=10", "hour=11"]


def test_input_counts_reach_latest_json_and_the_last_batch_is_folded_at_the_end(spark, tmp_path):
    ckpt = tmp_path / "ckpt"
    writer = _writer(spark, tmp_path)
    _offsets(ckpt, 0, 0)
    writer.write_batch([_u(0, "a", 1)], 0)
    writer.add_input_counts(0, {"implausible_time": 1, "lost_offsets": 0})  # as the listener does, after batch 0
    _offsets(ckpt, 1, 0)
    writer.write_batch([], 1)
    writer.flush()
    latest = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert latest["input"] == {"implausible_time": 1, "lost_offsets": 0}
    writer.add_input_counts(1, {"implausible_time": 0, "lost_offsets": 7})  # the last batch: no next one folds it
    writer.finish()
    latest = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert latest["input"] == {"implausible_time": 1, "lost_offsets": 7}
    resumed = _writer(spark, tmp_path)  # a restart resumes the totals from the sink state
    _offsets(ckpt, 2, 0)
    resumed.write_batch([_u(1, "b", 1)], 2)
    resumed.flush()
    assert json.loads((tmp_path / "out" / "latest.json").read_text())["input"]["lost_offsets"] == 7
