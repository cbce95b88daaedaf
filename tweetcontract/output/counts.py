"""The counts line (contract 4), its one validation rule, and the resolution rule.

A line::

    {"window_start":"2026-11-21T09:10:00Z","window_end":"2026-11-21T09:11:00Z","hashtag":"openstack",
     "display":"OpenStack","count":12,"trend":1.8,"batch_id":17,"final":false}

Resolution: for each ``(window_start, window_end, hashtag)`` the line with the highest ``batch_id`` is
the current count; on a tie a final line beats a running one (a compaction restates the same count).
Readers skip and count a line that breaks the rule; they never fail on it.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Hashable, Iterable, TypeVar

import orjson

from tweetcontract.errors import BadCountLine
from tweetcontract.times import format_utc_ms, parse_utc_ms

Key = tuple[str, str, str]  # (window_start, window_end, hashtag)
Row = TypeVar("Row")

#: Longest hashtag or display spelling a reader accepts (a tweet has at most 280 characters).
MAX_TAG_CHARS = 280


def count_line(start_ms: int, end_ms: int, hashtag: str, display: str, count: int, trend: float | None,
               batch_id: int, final: bool) -> dict[str, Any]:
    """A counts line with the contract's keys in the contract's order."""
    return {"window_start": format_utc_ms(start_ms), "window_end": format_utc_ms(end_ms), "hashtag": hashtag,
            "display": display, "count": count, "trend": trend, "batch_id": batch_id, "final": final}


def _nonneg_int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadCountLine(f"{key} must be an integer >= 0")
    return value


def check_tag(tag: Any) -> dict[str, Any]:
    """Validate the tag fields of a counts line or of a ``latest.json`` window: hashtag, display
    (defaulted to the hashtag when unusable), count and trend; returns just those four.

    :raises BadCountLine: naming the field at fault.
    """
    if not isinstance(tag, dict):
        raise BadCountLine("a counts line or tag must be a JSON object")
    hashtag, display, trend = tag.get("hashtag"), tag.get("display"), tag.get("trend")
    if not isinstance(hashtag, str) or not 0 < len(hashtag) <= MAX_TAG_CHARS:
        raise BadCountLine(f"hashtag must be a string of 1 to {MAX_TAG_CHARS} characters")
    count = _nonneg_int(tag.get("count"), "count")
    if trend is not None and (isinstance(trend, bool) or not isinstance(trend, (int, float))
                              or not math.isfinite(trend)):
        raise BadCountLine("trend must be a finite number or null")
    if not isinstance(display, str) or not 0 < len(display) <= MAX_TAG_CHARS:
        display = hashtag
    return {"hashtag": hashtag, "display": display, "count": count, "trend": trend}


def check_line(row: Any) -> dict[str, Any]:
    """Validate one decoded counts line; returns it with ``display`` defaulted to the hashtag.

    :raises BadCountLine: a missing or ill-typed field, an unreadable time, an empty window.
    """
    tag = check_tag(row)
    try:
        start, end = parse_utc_ms(row.get("window_start")), parse_utc_ms(row.get("window_end"))
    except ValueError as exc:
        raise BadCountLine(f"window bounds: {exc}") from None
    if end <= start:
        raise BadCountLine("window_end must be after window_start")
    _nonneg_int(row.get("batch_id"), "batch_id")
    if not isinstance(row.get("final", False), bool):
        raise BadCountLine("final must be a boolean")
    return {**row, **tag}


def parse_lines(data: bytes) -> tuple[list[dict[str, Any]], int]:
    """The valid lines of one counts file, and how many lines were skipped as unreadable or invalid."""
    rows: list[dict[str, Any]] = []
    bad = 0
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            rows.append(check_line(orjson.loads(line)))
        except (orjson.JSONDecodeError, BadCountLine):
            bad += 1
    return rows, bad


def dump_lines(rows: Iterable[dict[str, Any]]) -> bytes:
    """JSON lines, one row each, keys in the order given."""
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def rank(batch_id: int, final: bool) -> tuple[int, bool]:
    """The order between two lines of one (window, hashtag): higher ``batch_id``, then final over running."""
    return (batch_id, final)


def resolve_by(rows: Iterable[Row], key: Callable[[Row], Hashable],
               rank_of: Callable[[Row], tuple[int, bool]]) -> dict[Hashable, Row]:
    """The resolution rule over any row type: per key, the row of highest :func:`rank`."""
    current: dict[Hashable, Row] = {}
    best: dict[Hashable, tuple[int, bool]] = {}
    for row in rows:
        k, r = key(row), rank_of(row)
        if k not in best or r > best[k]:
            current[k], best[k] = row, r
    return current


def resolve(rows: Iterable[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    """The current line per (window_start, window_end, hashtag) of validated counts lines."""
    return resolve_by(rows, key=lambda r: (r["window_start"], r["window_end"], r["hashtag"]),  # type: ignore[return-value]
                      rank_of=lambda r: rank(r["batch_id"], bool(r.get("final"))))


def sorted_rows(current: dict[Key, dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in window order, then by count (high first) and hashtag."""
    return sorted(current.values(), key=lambda r: (r["window_start"], r["window_end"], -r["count"], r["hashtag"]))
