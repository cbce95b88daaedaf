"""The reader's resolution rule (contracts section 4), shared by compaction and ``tweetics counts``.

For each ``(window_start, window_end, hashtag)`` the line with the highest ``batch_id`` is the current
count; ``final: true`` marks a closed window's exact count.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Hashable, Iterable, TypeVar

import orjson

logger = logging.getLogger(__name__)

Key = tuple[str, str, str]
Row = TypeVar("Row")


def is_counts_file(name: str) -> bool:
    """Batch and compact files; dot/underscore names are temporaries or bookkeeping."""
    return name.endswith(".jsonl") and name.startswith(("batch-", "compact-"))


def parse_lines(data: bytes) -> Iterable[dict[str, Any]]:
    """Counts lines of one file; an unreadable line is logged and skipped, not fatal."""
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            logger.warning("skipping unreadable counts line %d", number)
            continue
        if _well_formed(row):
            yield row
        else:
            logger.warning("skipping malformed counts line %d", number)


def _well_formed(row: Any) -> bool:
    """A counts line with the contract's fields and types (bad data is skipped, never fatal)."""
    if not isinstance(row, dict):
        return False
    texts = all(isinstance(row.get(k), str) and row.get(k) for k in ("window_start", "window_end", "hashtag"))
    ints = all(isinstance(row.get(k), int) and not isinstance(row.get(k), bool) and row[k] >= 0
               for k in ("count", "batch_id"))
    return texts and ints and isinstance(row.get("final", False), bool)


def rank(batch_id: int, final: bool) -> tuple[int, bool]:
    """The contract's order between two lines of one (window, hashtag): the higher batch_id wins, and on a
    tie a final line beats a running one (a compaction restates the same batch's count)."""
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
    """Current line per (window_start, window_end, hashtag) of parsed counts lines."""
    return resolve_by(rows, key=lambda r: (r["window_start"], r["window_end"], r["hashtag"]),
                      rank_of=lambda r: rank(r["batch_id"], bool(r.get("final"))))  # type: ignore[return-value]


def sorted_rows(current: dict[Key, dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in window order, then by count (high first) and hashtag."""
    return sorted(current.values(), key=lambda r: (r["window_start"], r["window_end"], -r["count"], r["hashtag"]))


def dump_lines(rows: Iterable[dict[str, Any]]) -> bytes:
    """JSON lines, one row each, keys in the contract's order."""
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)
