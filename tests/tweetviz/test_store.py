"""The store over a real local folder: change detection, bounded cache, staleness and recovery."""

from __future__ import annotations

import os
import shutil

from tweetviz import data
from tweetviz.sample import build_output, jsonl, latest_doc, partition, window_rows
from tweetcontract.output.reader import LocalStore as LocalSource
from tweetviz.store import Store, partition_dirs

from .helpers import minute_now, wait_until, write_local


class CountingSource(LocalSource):
    """A real local source that counts its reads (to prove what is cached)."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.reads: list[str] = []

    def read(self, path: str) -> bytes:
        self.reads.append(path)
        return super().read(path)


def counts(store: Store, window: int) -> dict[str, int]:
    return {s.hashtag: s.count for s in data.aggregate(store.snapshot.table, window)}


def test_partition_dirs_cover_the_history_hours():
    anchor = data.parse_time("2026-11-21T10:30:00Z")
    assert partition_dirs(anchor, 60) == ["counts/date=2026-11-21/hour=09", "counts/date=2026-11-21/hour=10"]
    midnight = data.parse_time("2026-11-22T00:10:00Z")
    assert partition_dirs(midnight, 60)[0] == "counts/date=2026-11-21/hour=23"


def test_first_refresh_reads_everything_then_only_what_changed(tmp_path):
    root = str(tmp_path)
    end = minute_now()
    write_local(root, build_output(end, 30, {"AWS": 2, "Azure": 1}, batch_id=1))
    source = CountingSource(root)
    store = Store(source, partition_interval=3600)
    assert store.refresh_once(force_scan=True)
    assert store.snapshot.state == "ok" and counts(store, 15) == {"aws": 30, "azure": 15}
    first_reads = len(source.reads)
    assert not store.refresh_once(force_scan=True), "nothing changed: no new version"
    assert len(source.reads) == first_reads, "unchanged files are not read again"
    # A new batch file plus latest.json: only those two are read.
    start = end - 60
    rows = window_rows(start, {"AWS": 7, "GCP": 4}, batch_id=2)
    write_local(root, {f"{partition(start)}/batch-000000002.jsonl": jsonl(rows),
                       "latest.json": latest_doc(rows, 2, end)})
    assert store.refresh_once(force_scan=True)
    assert sorted(source.reads[first_reads:]) == sorted(["latest.json", f"{partition(start)}/batch-000000002.jsonl"])
    assert counts(store, 1) == {"aws": 7, "azure": 1, "gcp": 4}
    assert store.snapshot.batch_id == 2


def test_partitions_supply_tags_missing_from_latest(tmp_path):
    root = str(tmp_path)
    end = minute_now()
    files = build_output(end, 10, {"AWS": 2}, batch_id=5)
    # An older batch wrote a tag the summary no longer lists (latest.json keeps top 200 only).
    old = window_rows(end - 600, {"Rare": 3}, batch_id=4)
    files[f"{partition(end - 600)}/batch-000000004.jsonl"] = jsonl(old)
    write_local(root, files)
    store = Store(LocalSource(root))
    store.refresh_once(force_scan=True)
    assert counts(store, 15)["rare"] == 3
    assert "rare" not in counts(store, 5)


def test_cold_start_is_capped_per_refresh_and_completes(tmp_path):
    root = str(tmp_path)
    end = minute_now()
    files = {f"{partition(end - 60)}/batch-{i:09d}.jsonl": jsonl(window_rows(end - 60, {f"T{i}": 1}, i))
             for i in range(1, 8)}
    write_local(root, files)
    source = CountingSource(root)
    store = Store(source, max_files_per_scan=3)
    store.refresh_once(force_scan=True)
    assert len(source.reads) == 3 and not store.scan_complete
    store.refresh_once()
    store.refresh_once()
    assert store.scan_complete and len(source.reads) == 7
    assert len(counts(store, 5)) == 7


def test_cache_is_bounded(tmp_path):
    root = str(tmp_path)
    end = minute_now()
    write_local(root, {f"{partition(end - 60)}/batch-{i:09d}.jsonl": jsonl(window_rows(end - 60, {"A": i}, i))
                       for i in range(1, 6)})
    store = Store(LocalSource(root), max_files=2)
    store.refresh_once(force_scan=True)
    assert len(store.cache) == 2


def test_bad_lines_are_counted_not_fatal(tmp_path):
    root = str(tmp_path)
    end = minute_now()
    good = jsonl(window_rows(end - 60, {"AWS": 2}, 1))
    write_local(root, {f"{partition(end - 60)}/batch-000000001.jsonl": good + b"garbage\n{\"count\": 1}\n"})
    store = Store(LocalSource(root))
    store.refresh_once(force_scan=True)
    assert store.bad_lines == 2 and counts(store, 5) == {"aws": 2}
    assert store.snapshot.state == "waiting"  # no latest.json yet: reachable, nothing summarised


def test_failure_keeps_last_good_data_marks_stale_and_recovers(tmp_path):
    root = str(tmp_path / "out")
    write_local(root, build_output(minute_now(), 5, {"AWS": 2}, batch_id=1))
    store = Store(LocalSource(root))
    store.refresh_once(force_scan=True)
    good = store.snapshot
    moved = str(tmp_path / "away")
    os.rename(root, moved)  # the outage
    assert store.refresh_once(force_scan=True)
    bad = store.snapshot
    assert bad.state == "degraded" and bad.stale_since is not None and "does not exist" in bad.error
    assert bad.table == good.table and bad.version > good.version
    stale_since = bad.stale_since
    store.refresh_once(force_scan=True)
    assert store.snapshot.stale_since == stale_since, "stale since the first failure"
    os.rename(moved, root)
    assert store.refresh_once(force_scan=True)
    assert store.snapshot.state == "ok" and store.snapshot.stale_since is None and store.snapshot.error is None


def test_corrupt_latest_is_reported_and_old_data_kept(tmp_path):
    root = str(tmp_path)
    write_local(root, build_output(minute_now(), 5, {"AWS": 2}, batch_id=1))
    store = Store(LocalSource(root))
    store.refresh_once(force_scan=True)
    write_local(root, {"latest.json": b"{truncated"})
    store.refresh_once()
    assert store.snapshot.state == "degraded" and "latest.json" in store.snapshot.error
    assert counts(store, 5) == {"aws": 10}


def test_refresher_thread_picks_up_new_counts(tmp_path):
    root = str(tmp_path)
    end = minute_now()
    write_local(root, build_output(end, 5, {"AWS": 2}, batch_id=1))
    store = Store(LocalSource(root), poll_interval=0.05)
    store.start()
    try:
        wait_until(lambda: store.snapshot.state == "ok")
        version = store.snapshot.version
        rows = window_rows(end - 60, {"Fresh": 9}, 2)
        write_local(root, {"latest.json": latest_doc(rows, 2, end)})
        snap = store.wait_for_change(version, timeout=5)
        assert snap.batch_id == 2 and counts(store, 1)["fresh"] == 9
    finally:
        store.stop()
    shutil.rmtree(root)
