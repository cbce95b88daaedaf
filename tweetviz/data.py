"""Pure data logic over TweeTics output (docs/contracts.md section 4); no I/O, no Flask.

Times are integer epoch seconds (UTC) inside this module; ISO strings only at the edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

import orjson

from tweetics.resolve import rank, resolve_by
from tweetcontract.hashtags import normalize_tag as shared_normalize_tag

from .exceptions import DataError

WindowKey = tuple[int, int, str]  # (window_start, window_end, hashtag)

MAX_TAG_CHARS = 280


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


def normalize_tag(text: str) -> str:
    """The shared rules' normalized key (NFKC, then case folding) of a tag typed with or without ``#``."""
    return shared_normalize_tag(text.strip().lstrip("#＃"))


def parse_time(value: Any) -> int:
    """ISO-8601 UTC (``2026-11-21T09:10:00Z``) to epoch seconds; :class:`DataError` when invalid."""
    if not isinstance(value, str):
        raise DataError(f"timestamp must be a string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DataError(f"bad timestamp {value[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp())


def iso(ts: int | float | None) -> str | None:
    """Epoch seconds to ``YYYY-MM-DDTHH:MM:SSZ`` (None stays None)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int(value: Any, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise DataError(f"{name} must be an integer >= {minimum}")
    return value


def _tag(obj: Mapping[str, Any]) -> tuple[str, str]:
    hashtag = obj.get("hashtag")
    if not isinstance(hashtag, str) or not hashtag or len(hashtag) > MAX_TAG_CHARS:
        raise DataError("hashtag must be a non-empty string")
    display = obj.get("display", hashtag)
    if not isinstance(display, str) or not display or len(display) > MAX_TAG_CHARS:
        display = hashtag
    return hashtag, display


def _trend(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataError("trend must be a finite number or null")
    return float(value)


def parse_count_row(obj: Any) -> CountRow:
    """Validate one counts line (already JSON-decoded) into a :class:`CountRow`."""
    if not isinstance(obj, dict):
        raise DataError("counts line is not a JSON object")
    start, end = parse_time(obj.get("window_start")), parse_time(obj.get("window_end"))
    if end <= start:
        raise DataError("window_end must be after window_start")
    hashtag, display = _tag(obj)
    final = obj.get("final", False)
    if not isinstance(final, bool):
        raise DataError("final must be a boolean")
    return CountRow(start, end, hashtag, display, _int(obj.get("count"), "count"),
                    _trend(obj.get("trend")), _int(obj.get("batch_id"), "batch_id"), final)


def parse_counts(data: bytes) -> tuple[list[CountRow], int]:
    """Parse a counts JSONL file; returns the valid rows and the number of bad lines skipped."""
    rows: list[CountRow] = []
    bad = 0
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            rows.append(parse_count_row(orjson.loads(line)))
        except (orjson.JSONDecodeError, DataError):
            bad += 1
    return rows, bad


def parse_latest(data: bytes) -> Latest:
    """Parse ``latest.json``; a bad document raises :class:`DataError`, bad tags are skipped."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DataError(f"latest.json is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("windows"), list):
        raise DataError("latest.json must be an object with a 'windows' list")
    batch_id = _int(doc.get("batch_id"), "batch_id")
    updated = parse_time(doc["updated_at"]) if doc.get("updated_at") is not None else None
    watermark = parse_time(doc["watermark"]) if doc.get("watermark") is not None else None
    rows: list[CountRow] = []
    bad = 0
    for window in doc["windows"]:
        if not isinstance(window, dict) or not isinstance(window.get("tags"), list):
            raise DataError("each window needs start, end and a tags list")
        start, end = parse_time(window.get("start")), parse_time(window.get("end"))
        if end <= start:
            raise DataError("window end must be after its start")
        for tag in window["tags"]:
            try:
                if not isinstance(tag, dict):
                    raise DataError("tag is not an object")
                hashtag, display = _tag(tag)
                rows.append(CountRow(start, end, hashtag, display, _int(tag.get("count"), "count"),
                                     _trend(tag.get("trend")), batch_id, False))
            except DataError:
                bad += 1
    return Latest(updated, batch_id, watermark, tuple(rows), bad)


def resolve(rows: Iterable[CountRow]) -> dict[WindowKey, CountRow]:
    """The contract's resolution rule (tweetics' own, shared): per (window, hashtag) the highest
    ``batch_id`` wins, a final row beating a running one on a tie."""
    return resolve_by(rows, key=lambda r: (r.start, r.end, r.hashtag),  # type: ignore[return-value]
                      rank_of=lambda r: rank(r.batch_id, r.final))


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
