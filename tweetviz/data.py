"""Pure data logic over TweeTics output (docs/contracts.md section 4); no I/O, no Flask.

Times are integer epoch seconds (UTC) inside this module; ISO strings only at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from tweetcontract.errors import BadCountLine
from tweetcontract.hashtags import normalize_query
from tweetcontract.output import counts as contract_counts
from tweetcontract.output import latest as contract_latest
from tweetcontract.times import format_utc_ms, parse_utc_ms

WindowKey = tuple[int, int, str]  # (window_start, window_end, hashtag)


@dataclass(frozen=True, slots=True)
class CountRow:
    """One hashtag count of one event-time window, as written by one batch."""

    start: int
    end: int
    hashtag: str
    display: str
    count: int
    trend: float | None
    batch_id: int
    final: bool = False


@dataclass(frozen=True, slots=True)
class Latest:
    """The parsed ``latest.json`` summary."""

    updated_at: int | None
    batch_id: int
    watermark: int | None
    rows: tuple[CountRow, ...]
    bad_tags: int = 0


@dataclass(frozen=True, slots=True)
class TagStat:
    """A hashtag aggregated over a window of several minutes."""

    hashtag: str
    display: str
    count: int
    trend: float | None


#: The dashboard's key of a tag typed in a query, with or without ``#`` (the shared rule).
normalize_tag = normalize_query


def parse_time(value: Any) -> int:
    """ISO-8601 UTC (``2026-11-21T09:10:00Z``) to epoch seconds; :class:`BadCountLine` when invalid."""
    try:
        return parse_utc_ms(value) // 1000
    except ValueError as exc:
        raise BadCountLine(str(exc)) from None


def iso(ts: int | float | None) -> str | None:
    """Epoch seconds to ``YYYY-MM-DDTHH:MM:SSZ`` (None stays None)."""
    return None if ts is None else format_utc_ms(int(ts) * 1000)


def _row(line: Mapping[str, Any], start: int, end: int, batch_id: int, final: bool) -> CountRow:
    trend = line["trend"]
    return CountRow(start, end, line["hashtag"], line["display"], line["count"],
                    None if trend is None else float(trend), batch_id, final)


def parse_count_row(obj: Any) -> CountRow:
    """Validate one counts line (already JSON-decoded) by the contract's rule into a :class:`CountRow`."""
    line = contract_counts.check_line(obj)
    return _row(line, parse_time(line["window_start"]), parse_time(line["window_end"]), line["batch_id"],
                line.get("final", False))


def parse_counts(data: bytes) -> tuple[list[CountRow], int]:
    """Parse a counts JSONL file; returns the valid rows and the number of bad lines skipped."""
    lines, bad = contract_counts.parse_lines(data)
    return [parse_count_row(line) for line in lines], bad


def parse_latest(data: bytes) -> Latest:
    """Parse ``latest.json`` (the contract's parser); a bad document raises :class:`BadCountLine`."""
    doc = contract_latest.parse_latest(data)
    rows = tuple(_row(tag, w.start_ms // 1000, w.end_ms // 1000, doc.batch_id, False)
                 for w in doc.windows for tag in w.tags)
    return Latest(None if doc.updated_at_ms is None else doc.updated_at_ms // 1000, doc.batch_id,
                  None if doc.watermark_ms is None else doc.watermark_ms // 1000, rows, doc.bad_tags)


def resolve(rows: Iterable[CountRow]) -> dict[WindowKey, CountRow]:
    """The contract's resolution rule (tweetics' own, shared): per (window, hashtag) the highest
    ``batch_id`` wins, a final row beating a running one on a tie."""
    return contract_counts.resolve_by(rows, key=lambda r: (r.start, r.end, r.hashtag),  # type: ignore[return-value]
                                      rank_of=lambda r: contract_counts.rank(r.batch_id, r.final))


def newest_end(table: Mapping[WindowKey, CountRow]) -> int | None:
    """End of the newest window present: the data time of the view."""
    return max((key[1] for key in table), default=None)


def aggregate(table: Mapping[WindowKey, CountRow], minutes: int, end: int | None = None) -> list[TagStat]:
    """Sum the 1-minute counts of the last ``minutes`` minutes ending at ``end`` (default newest).

    The trend of a multi-minute window is the count-weighted mean of its rows' trends. The display
    spelling comes from the hashtag's largest row (newest on ties).
    """
    if end is None:
        end = newest_end(table)
    if end is None:
        return []
    since = end - minutes * 60
    counts: dict[str, int] = {}
    best: dict[str, tuple[int, int, str]] = {}
    trend_sum: dict[str, float] = {}
    trend_weight: dict[str, float] = {}
    for (start, stop, hashtag), row in table.items():
        if start < since or stop > end:
            continue
        # Sliding windows overlap: sum only those aligned to their own length (Spark aligns windows to the
        # epoch), which tile time without overlap. Tumbling windows are all aligned, so nothing is skipped.
        if start % (stop - start):
            continue
        counts[hashtag] = counts.get(hashtag, 0) + row.count
        rank = (row.count, start, row.display)
        if hashtag not in best or rank > best[hashtag]:
            best[hashtag] = rank
        if row.trend is not None:
            weight = max(row.count, 1)
            trend_sum[hashtag] = trend_sum.get(hashtag, 0.0) + row.trend * weight
            trend_weight[hashtag] = trend_weight.get(hashtag, 0.0) + weight
    return [TagStat(tag, best[tag][2], count,
                    round(trend_sum[tag] / trend_weight[tag], 4) if tag in trend_weight else None)
            for tag, count in counts.items()]


def top(stats: Iterable[TagStat], n: int, tracked: frozenset[str] | None = None) -> list[TagStat]:
    """The ``n`` largest counts (ties by hashtag), optionally only the tracked words."""
    chosen = [s for s in stats if tracked is None or s.hashtag in tracked]
    chosen.sort(key=lambda s: (-s.count, s.hashtag))
    return chosen[:n]


def series(table: Mapping[WindowKey, CountRow], tags: Iterable[str], minutes: int,
           end: int | None = None) -> dict[str, Any]:
    """Per-minute counts of ``tags`` over the last ``minutes`` minutes; missing minutes are 0."""
    if end is None:
        end = newest_end(table)
    keys = list(dict.fromkeys(tags))
    if end is None:
        return {"times": [], "series": [{"hashtag": k, "display": k, "counts": []} for k in keys]}
    slots = [end - (minutes - i) * 60 for i in range(minutes)]
    index = {slot: i for i, slot in enumerate(slots)}
    wanted = set(keys)
    counts = {k: [0] * minutes for k in keys}
    display: dict[str, tuple[int, str]] = {}
    for (start, stop, hashtag), row in table.items():
        if hashtag in wanted and start in index and stop <= end:
            counts[hashtag][index[start]] += row.count
            if hashtag not in display or start > display[hashtag][0]:
                display[hashtag] = (start, row.display)
    return {"times": [iso(s) for s in slots],
            "series": [{"hashtag": k, "display": display.get(k, (0, k))[1], "counts": counts[k]}
                       for k in keys]}


def stat_dict(stat: TagStat) -> dict[str, Any]:
    """JSON shape of a :class:`TagStat` for the API."""
    return {"hashtag": stat.hashtag, "display": stat.display, "count": stat.count, "trend": stat.trend}
