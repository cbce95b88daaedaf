"""Pure logic of exploring: ranks and their changes, one tag's detail, and the export of a view.

No I/O and no Flask: tables in, JSON-ready dicts (or CSV text) out.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any, Iterable, Mapping, Sequence

from . import data
from .data import CountRow, TagStat, WindowKey

#: Ranges (minutes) of history the page offers for the series and a tag's panel; only those up to
#: the HISTORY_MINUTES setting are offered.
RANGES_MINUTES: tuple[int, ...] = (15, 60, 180, 360, 720, 1440)

EXPORT_FIELDS = ("rank", "hashtag", "display", "count", "trend", "trend_class", "previous_rank", "rank_change")


def ranges(history_minutes: int) -> tuple[int, ...]:
    """The ranges a server with ``history_minutes`` of history can show."""
    return tuple(r for r in RANGES_MINUTES if r <= history_minutes)


def ranks(stats: Sequence[TagStat]) -> dict[str, int]:
    """Rank (1 = biggest) of each hashtag of an already sorted list."""
    return {s.hashtag: i + 1 for i, s in enumerate(stats)}


def previous_ranks(table: Mapping[WindowKey, CountRow], window: int, tracked: frozenset[str] | None,
                   end: int | None) -> dict[str, int]:
    """Ranks in the window of the same length just before the current one."""
    if end is None:
        return {}
    return ranks(data.top(data.aggregate(table, window, end - window * 60), 10**9, tracked))


def rank_change(now: int | None, before: int | None) -> int | None:
    """Places gained (positive) or lost since the previous window; None when new or gone."""
    return None if now is None or before is None else before - now


def baseline(count: int, trend: float | None) -> float | None:
    """The mean per-minute count the trend compares with, from the contract's definition
    ``trend = (count + 1) / (baseline + 1)`` (docs/contracts.md section 4)."""
    if trend is None or not math.isfinite(trend) or trend <= 0:
        return None
    return round(max(0.0, (count + 1) / trend - 1), 2)


def newest_row(table: Mapping[WindowKey, CountRow], tag: str, end: int | None) -> CountRow | None:
    """The tag's newest 1-minute row ending at or before ``end``."""
    best = None
    for (start, stop, hashtag), row in table.items():
        if hashtag == tag and (end is None or stop <= end) and stop - start == 60:
            if best is None or start > best.start:
                best = row
    return best


def tag_detail(table: Mapping[WindowKey, CountRow], tag: str, window: int, range_minutes: int,
               tracked: frozenset[str] | None, ranked: Sequence[TagStat]) -> dict[str, Any]:
    """One hashtag's panel: per-minute series over the range, trend and its baseline, ranks."""
    end = data.newest_end(table)
    now = ranks(ranked)
    before = previous_ranks(table, window, tracked, end)
    stat = next((s for s in ranked if s.hashtag == tag), None)
    series = data.series(table, [tag], range_minutes, end)
    item = series["series"][0]
    row = newest_row(table, tag, end)
    return {
        "hashtag": tag, "display": stat.display if stat else item["display"],
        "window": window, "range": range_minutes, "data_time": data.iso(end),
        "count": stat.count if stat else 0, "trend": stat.trend if stat else None,
        "rank": now.get(tag), "previous_rank": before.get(tag),
        "rank_change": rank_change(now.get(tag), before.get(tag)), "of": len(ranked),
        "latest_minute": None if row is None else {
            "start": data.iso(row.start), "count": row.count, "trend": row.trend,
            "baseline": baseline(row.count, row.trend)},
        "times": series["times"], "counts": item["counts"],
        "total_in_range": sum(item["counts"]),
    }


def export_rows(ranked: Sequence[TagStat], before: Mapping[str, int], classes: Mapping[str, str],
                limit: int) -> list[dict[str, Any]]:
    """The rows of the current view (the cloud's words and those that did not fit), biggest first."""
    rows = []
    for rank, stat in enumerate(ranked[:limit], start=1):
        rows.append({"rank": rank, "hashtag": stat.hashtag, "display": stat.display, "count": stat.count,
                     "trend": stat.trend, "trend_class": classes[stat.hashtag],
                     "previous_rank": before.get(stat.hashtag),
                     "rank_change": rank_change(rank, before.get(stat.hashtag))})
    return rows


def _cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is prefixed with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV with a header line (RFC 4180 quoting, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        writer.writerow([_cell(row[f]) for f in EXPORT_FIELDS])
    return out.getvalue()
