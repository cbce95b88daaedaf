"""JSON payloads of the API and the live page, built from a store snapshot and memoized.

Each payload is serialized once per (snapshot version, parameters), so a burst of requests or many
SSE listeners cost one computation; the memo is a small bounded LRU.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable

import orjson

from . import charts, data, explore, provenance
from .cloud import CloudWord, layout_cloud
from .data import TagStat
from .store import Snapshot, Store

CLOUD_WIDTH, CLOUD_HEIGHT = 960, 480


def status_dict(snap: Snapshot, source: str) -> dict[str, Any]:
    """The status line: data time, freshness inputs, staleness and source."""
    return {
        "state": snap.state,
        "source": source,
        "version": snap.version,
        "data_time": data.iso(snap.data_time),
        "updated_at": data.iso(snap.updated_at),
        "batch_id": snap.batch_id,
        "stale_since": data.iso(snap.stale_since),
        "error": snap.error,
        "origin": provenance.origin(snap.sources),  # where the posts come from, how fresh (latest.json)
    }


def health(store: Store, hdfs_timeout: float) -> dict[str, Any]:
    """The /api/health body: the snapshot's state, judged also by the time since the last success."""
    snap = store.snapshot
    state, reason = snap.state, snap.error
    # A hung NameNode call never fails on its own schedule: a long silence is degraded too.
    silent_for = None if store.last_success is None else time.time() - store.last_success
    if state in ("ok", "waiting") and silent_for is not None and silent_for > max(5.0, 3 * hdfs_timeout):
        state, reason = "degraded", f"no successful check for {silent_for:.0f} s"
    return {
        "status": state,
        "source": store.source.display,
        "version": snap.version,
        "data_time": data.iso(snap.data_time),
        "updated_at": data.iso(snap.updated_at),
        "batch_id": snap.batch_id,
        "stale_since": data.iso(snap.stale_since),
        "error": reason,
        "last_success": data.iso(store.last_success),
        "last_check": data.iso(store.last_check),
        "cache_files": len(store.cache),
        "cache_max_files": store.cache.max_files,
        "bad_lines": store.bad_lines,
        # the job's running totals of input it set aside (latest.json "input"); None: not reported
        "implausible_time": snap.input_counts.get("implausible_time"),
        "lost_offsets": snap.input_counts.get("lost_offsets"),
        "future_rows": snap.future_rows,
    }


class Presenter:
    """Builds and memoizes payloads for one :class:`Store`."""

    def __init__(self, store: Store, tracked: frozenset[str], settings: dict[str, Any]) -> None:
        self.store = store
        self.tracked = tracked
        self.settings = settings
        self._memo: OrderedDict[tuple, tuple[int, bytes]] = OrderedDict()
        self._stats: OrderedDict[tuple, tuple[int, list[TagStat]]] = OrderedDict()
        self._positions: dict[tuple[int, bool, bool], tuple[int, dict[str, tuple[float, float]]]] = {}
        self._lock = threading.Lock()

    def _memoized(self, snap: Snapshot, key: tuple, build: Callable[[Snapshot], Any]) -> bytes:
        hit = self._memo.get(key)  # the hot path takes no lock: one dict read is atomic
        if hit is not None and hit[0] == snap.version:
            return hit[1]
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None and hit[0] == snap.version:
                return hit[1]
            body = orjson.dumps(build(snap))
            self._memo[key] = (snap.version, body)
            self._memo.move_to_end(key)
            while len(self._memo) > 256:
                self._memo.popitem(last=False)
            return body

    def stats(self, snap: Snapshot, window: int, tracked: bool) -> list[TagStat]:
        """All hashtags of the window, biggest first (memoized per version)."""
        key = (window, tracked)
        hit = self._stats.get(key)
        if hit is not None and hit[0] == snap.version:
            return hit[1]
        ranked = data.top(data.aggregate(snap.table, window), 10**9, self.tracked if tracked else None)
        self._stats[key] = (snap.version, ranked)
        return ranked

    def _color(self, stat: TagStat) -> str:
        return charts.trend_color(stat.trend, self.settings["TREND_NEUTRAL"], self.settings["TREND_SPAN"])

    def _class(self, stat: TagStat) -> str:
        return charts.trend_class(stat.trend, self.settings["TREND_NEUTRAL"], self.settings["TREND_SPAN"])

    def _tracked(self, tracked: bool) -> frozenset[str] | None:
        return self.tracked if tracked else None

    # -- payloads ------------------------------------------------------------------------------

    def top(self, window: int, n: int, tracked: bool) -> bytes:
        snap = self.store.snapshot

        def build(s: Snapshot) -> dict[str, Any]:
            return {"window": window, "n": n, "tracked": tracked, "data_time": data.iso(s.data_time),
                    "status": status_dict(s, self.store.source.display),
                    "tags": [data.stat_dict(t) for t in self.stats(s, window, tracked)[:n]]}
        return self._memoized(snap, ("top", window, n, tracked), build)

    def series(self, tags: list[str], window: int) -> bytes:
        snap = self.store.snapshot

        def build(s: Snapshot) -> dict[str, Any]:
            return {"window": window, "data_time": data.iso(s.data_time),
                    "status": status_dict(s, self.store.source.display),
                    **data.series(s.table, tags, window)}
        return self._memoized(snap, ("series", tuple(tags), window), build)

    def view(self, window: int, tracked: bool, snap: Snapshot | None = None, vertical: bool = False,
             range_minutes: int | None = None) -> bytes:
        """Everything the page draws for one window, filter, orientation and series range."""
        snap = snap or self.store.snapshot
        span = range_minutes or max(window, 15)  # a 1-minute window still gets a quarter-hour of history
        return self._memoized(snap, ("view", window, tracked, vertical, span),
                              lambda s: self._view(s, window, tracked, vertical, span))

    def _view(self, snap: Snapshot, window: int, tracked: bool, vertical: bool, span: int) -> dict[str, Any]:
        ranked = self.stats(snap, window, tracked)
        before = explore.previous_ranks(snap.table, window, self._tracked(tracked), snap.data_time)
        classes = {s.hashtag: self._class(s) for s in ranked[: self.settings["CLOUD_WORDS"]]}
        words = [CloudWord(s.hashtag, "#" + s.display, s.count, s.trend, self._color(s), charts.MARKS[classes[s.hashtag]])
                 for s in ranked[: self.settings["CLOUD_WORDS"]]]
        # Positions carry over from the previous layout of the same view: stable words.
        last_version, previous = self._positions.get((window, tracked, vertical), (-1, {}))
        layout = layout_cloud(words, CLOUD_WIDTH, CLOUD_HEIGHT, previous, vertical=vertical)
        if snap.version >= last_version:
            self._positions[(window, tracked, vertical)] = (snap.version, layout.positions())
        rank = explore.ranks(ranked)
        sphere = ranked[: self.settings["SPHERE_WORDS"]]
        lines = ranked[: self.settings["SERIES_TAGS"]]
        series = data.series(snap.table, [s.hashtag for s in lines], span)

        def extra(key: str) -> dict[str, Any]:
            return {"rank": rank[key], "previous_rank": before.get(key), "trend_class": classes[key]}
        return {
            "window": window, "tracked": tracked, "vertical": vertical, "range": span,
            "status": status_dict(snap, self.store.source.display),
            "total": len(ranked),
            "cloud": {
                "width": layout.width, "height": layout.height,
                "words": [{"key": w.key, "text": w.text, "count": w.count, "trend": w.trend,
                           "color": w.color, "mark": w.mark, "vertical": w.vertical,
                           "x": w.x, "y": w.y, "size": w.size, "w": round(w.width, 2), "h": round(w.height, 2),
                           **extra(w.key)} for w in layout.placed],
                "dropped": [{"key": w.key, "text": w.text, "count": w.count, "trend": w.trend,
                             **extra(w.key)} for w in layout.dropped],
            },
            "sphere": charts.sphere_points(sphere, self.settings["TREND_NEUTRAL"], self.settings["TREND_SPAN"],
                                           slots=2 * self.settings["SPHERE_WORDS"]),
            "series": charts.series_figure(series, charts.series_colors(lines)),
        }

    def tag(self, tag: str, window: int, range_minutes: int, tracked: bool) -> bytes:
        """One hashtag's panel (series over the range, trend and baseline, rank change)."""
        snap = self.store.snapshot

        def build(s: Snapshot) -> dict[str, Any]:
            ranked = self.stats(s, window, tracked)
            detail = explore.tag_detail(s.table, tag, window, range_minutes, self._tracked(tracked), ranked)
            stat = next((t for t in ranked if t.hashtag == tag), None)
            detail["trend_class"] = self._class(stat) if stat else "steady"
            return {**detail, "tracked": tracked, "status": status_dict(s, self.store.source.display)}
        return self._memoized(snap, ("tag", tag, window, range_minutes, tracked), build)

    def export(self, window: int, tracked: bool, fmt: str) -> tuple[bytes, str]:
        """The current view's hashtags (what the cloud and its "did not fit" list show) as CSV or JSON."""
        snap = self.store.snapshot

        def build(s: Snapshot) -> list[dict[str, Any]]:
            ranked = self.stats(s, window, tracked)
            before = explore.previous_ranks(s.table, window, self._tracked(tracked), s.data_time)
            limit = self.settings["CLOUD_WORDS"]
            return explore.export_rows(ranked, before, {t.hashtag: self._class(t) for t in ranked[:limit]}, limit)
        if fmt == "csv":
            return explore.to_csv(build(snap)).encode("utf-8"), data.iso(snap.data_time) or "none"
        body = self._memoized(snap, ("export", window, tracked), lambda s: {
            "window": window, "tracked": tracked, "data_time": data.iso(s.data_time),
            "source": self.store.source.display, "tags": build(s)})
        return body, data.iso(snap.data_time) or "none"
