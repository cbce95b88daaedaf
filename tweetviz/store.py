"""The in-process data store: a background refresher, a bounded file cache and staleness tracking.

Web requests never touch HDFS. One refresher thread per process:

* every ``poll_interval`` it asks for ``latest.json``'s status (one cheap GETFILESTATUS) and reads
  the file only when its modification time or length changed, so new counts are seen well within
  a second of landing;
* every ``partition_interval`` it lists the hour partitions covering the last ``history_minutes``
  (at most three folders) and reads only files it has not cached yet (cache key: path,
  modification time, length; bounded LRU);
* on any failure it keeps the last good snapshot and records ``stale_since``; the next successful
  poll clears it, so the store recovers by itself.

Data time (the newest window end) is bounded by this process's wall clock: a window ending more than
:data:`FUTURE_SLACK_S` after now is left out of the view and counted (``future_rows``), so a count with a
far-future time (an old job's output, a hand-written file) cannot move the dashboard to 2099.

Each published :class:`Snapshot` is immutable; readers take a reference and never lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Mapping

from tweetcontract.errors import BadCountLine, OutputError
from tweetcontract.output.latest import input_counts
from tweetcontract.output.sources import SourceSeen, parse_sources
from tweetcontract.output.layout import LATEST, counts_folder, is_counts_file
from tweetcontract.output.reader import FileStatus, Store as Source

from . import data
from .data import CountRow, WindowKey

logger = logging.getLogger(__name__)

#: How far after the wall clock a window may end and still count as data (the job's own guard,
#: ``--max-future``, defaults to 5 minutes; an hour leaves room for a coarse window or a skewed clock).
FUTURE_SLACK_S = 3600


def data_ceiling(now: float | None = None) -> int:
    """The latest window end the view accepts, in epoch seconds: wall clock plus :data:`FUTURE_SLACK_S`."""
    return int(time.time() if now is None else now) + FUTURE_SLACK_S


@dataclass(frozen=True)
class Snapshot:
    """Everything the views need, at one version."""

    version: int = 0
    state: str = "starting"           # starting | waiting | ok | degraded
    table: Mapping[WindowKey, CountRow] = field(default_factory=dict)
    data_time: int | None = None      # end of the newest window
    updated_at: int | None = None     # latest.json updated_at
    batch_id: int | None = None
    stale_since: float | None = None  # wall clock of the first failure of the current outage
    error: str | None = None
    input_counts: Mapping[str, int] = field(default_factory=dict)  # latest.json "input": the job's totals
    future_rows: int = 0              # rows left out: their window ends after data_ceiling()
    sources: Mapping[str, SourceSeen] = field(default_factory=dict)  # latest.json "sources": where posts came from


class FileCache:
    """Parsed count files keyed by path, valid while (modified, length) match; bounded LRU."""

    def __init__(self, max_files: int) -> None:
        self.max_files = max_files
        self._files: OrderedDict[str, tuple[int, int, list[CountRow]]] = OrderedDict()

    def get(self, path: str, status: FileStatus) -> list[CountRow] | None:
        hit = self._files.get(path)
        if hit is None or hit[:2] != (status.modified, status.length):
            return None
        self._files.move_to_end(path)
        return hit[2]

    def put(self, path: str, status: FileStatus, rows: list[CountRow]) -> None:
        self._files[path] = (status.modified, status.length, rows)
        self._files.move_to_end(path)
        while len(self._files) > self.max_files:
            self._files.popitem(last=False)

    def retain(self, prefixes: tuple[str, ...]) -> None:
        """Forget files outside the partitions still in range."""
        for path in [p for p in self._files if not p.startswith(prefixes)]:
            del self._files[path]

    def __len__(self) -> int:
        return len(self._files)


def partition_dirs(anchor: int, minutes: int) -> list[str]:
    """Hour partition folders (``counts/date=…/hour=…``) covering ``minutes`` before ``anchor``."""
    first = (anchor - minutes * 60 - 60) // 3600 * 3600  # one extra minute: the window being written
    return [counts_folder(hour * 1000) for hour in range(first, anchor // 3600 * 3600 + 1, 3600)]


def _read_order(name: str) -> tuple[bool, list[int]]:
    # Compactions first, then the newest batches: a capped cold start sees the most of the data.
    return (not name.startswith("compact-"), [-ord(c) for c in name])


class Store:
    """Holds the latest :class:`Snapshot` of one source and keeps it fresh."""

    def __init__(self, source: Source, poll_interval: float = 0.25, partition_interval: float = 2.0,
                 history_minutes: int = 60, max_files: int = 2000, max_files_per_scan: int = 200) -> None:
        self.source = source
        self.poll_interval = poll_interval
        self.partition_interval = partition_interval
        self.history_minutes = history_minutes
        self.max_files_per_scan = max_files_per_scan
        self.cache = FileCache(max_files)
        self.bad_lines = 0
        self.last_success: float | None = None
        self.last_check: float | None = None
        self._snapshot = Snapshot()
        self._changed = threading.Condition()
        self._latest_key: tuple[int, int] | None = None
        self._latest: data.Latest | None = None
        self._input_counts: dict[str, int] = {}
        self._sources: dict[str, SourceSeen] = {}
        self._partition_table: dict[WindowKey, CountRow] = {}
        self._partition_key: tuple = ()
        self._next_scan = 0.0
        self._scan_incomplete = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- reading side ------------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def scan_complete(self) -> bool:
        """False while a capped cold start still has partition files to read."""
        return not self._scan_incomplete

    def wait_for_change(self, version: int, timeout: float) -> Snapshot:
        """Block until the snapshot's version differs from ``version`` or ``timeout`` passes."""
        with self._changed:
            self._changed.wait_for(lambda: self._snapshot.version != version, timeout)
            return self._snapshot

    # -- refresher -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the refresher thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="tweetviz-refresher", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                self.refresh_once()
            except Exception:  # never let the thread die: the page would freeze silently
                logger.exception("unexpected error in the refresher")
            self._stop.wait(max(0.0, self.poll_interval - (time.monotonic() - began)))

    def refresh_once(self, force_scan: bool = False) -> bool:
        """One poll: check latest.json, maybe rescan partitions, publish. True if a new version."""
        self.last_check = time.time()
        try:
            changed = self._poll_latest()
            now = time.monotonic()
            if force_scan or self._scan_incomplete or now >= self._next_scan:
                self._next_scan = now + self.partition_interval
                changed = self._scan_partitions() or changed
        except (OutputError, BadCountLine) as exc:
            return self._fail(str(exc))
        self.last_success = time.time()
        snap = self._snapshot
        state = "ok" if self._latest is not None else "waiting"
        if changed or snap.state != state or snap.stale_since is not None:
            if snap.stale_since is not None:
                logger.warning("data source recovered: %s", self.source.display)
            self._publish(self._build(state))
            return True
        return False

    def _fail(self, message: str) -> bool:
        snap = self._snapshot
        if snap.stale_since is None:
            logger.warning("data source failing, serving last good data: %s", message)
        if snap.error == message and snap.state == "degraded":
            return False
        self._publish(replace(snap, state="degraded", error=message,
                              stale_since=snap.stale_since or time.time()))
        return True

    def _poll_latest(self) -> bool:
        status = self.source.status(LATEST)
        if status is None:
            changed = self._latest is not None
            self._latest, self._latest_key = None, None
            return changed
        key = (status.modified, status.length)
        if key == self._latest_key:
            return False
        raw = self.source.read(LATEST)
        latest = data.parse_latest(raw)
        if latest.bad_tags:
            logger.warning("latest.json: skipped %d malformed tags", latest.bad_tags)
        self._latest, self._latest_key = latest, key
        self._input_counts = input_counts(raw)
        self._sources = parse_sources(raw)
        return True

    def _anchor(self) -> int:
        ceiling = data_ceiling()
        ends = [r.end for r in self._latest.rows if r.end <= ceiling] if self._latest is not None else []
        return max(ends) if ends else int(time.time())

    def _scan_partitions(self) -> bool:
        dirs = partition_dirs(self._anchor(), self.history_minutes)
        since = self._anchor() - (self.history_minutes + 1) * 60
        self.cache.retain(tuple(d + "/" for d in dirs))
        files: list[tuple[str, int, int, list[CountRow]]] = []
        budget = self.max_files_per_scan
        incomplete = False
        for folder in dirs:
            entries = sorted((e for e in self.source.list(folder) if not e.is_dir and is_counts_file(e.name)),
                             key=lambda e: _read_order(e.name))
            for entry in entries:
                path = f"{folder}/{entry.name}"
                rows = self.cache.get(path, entry)
                if rows is None:
                    if budget <= 0:
                        incomplete = True
                        continue
                    budget -= 1
                    rows, bad = data.parse_counts(self.source.read(path))
                    if bad:
                        self.bad_lines += bad
                        logger.warning("%s: skipped %d malformed lines", path, bad)
                    rows = [r for r in rows if r.start >= since]
                    self.cache.put(path, entry, rows)
                files.append((path, entry.modified, entry.length, rows))
        self._scan_incomplete = incomplete
        key = tuple(f[:3] for f in files)
        if key == self._partition_key:
            return False
        self._partition_key = key
        self._partition_table = data.resolve(row for *_, rows in files for row in rows)
        return True

    def _build(self, state: str) -> Snapshot:
        latest = self._latest
        table = (data.resolve([*self._partition_table.values(), *latest.rows]) if latest is not None
                 else dict(self._partition_table))
        ceiling = data_ceiling()
        future = sum(1 for k in table if k[1] > ceiling)
        if future:
            table = {k: v for k, v in table.items() if k[1] <= ceiling}
        end = data.newest_end(table)
        if end is not None:  # keep the table bounded to the history we serve
            since = end - (self.history_minutes + 1) * 60
            table = {k: v for k, v in table.items() if k[0] >= since}
        return Snapshot(self._snapshot.version + 1, state, table, end,
                        latest.updated_at if latest else None, latest.batch_id if latest else None,
                        input_counts=dict(self._input_counts) if latest else {}, future_rows=future,
                        sources=dict(self._sources) if latest else {})

    def _publish(self, snap: Snapshot) -> None:
        with self._changed:
            self._snapshot = replace(snap, version=self._snapshot.version + 1) \
                if snap.version <= self._snapshot.version else snap
            self._changed.notify_all()
