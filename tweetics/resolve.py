"""The reader's resolution rule (contracts section 4), shared by compaction and ``tweetics counts``.

For each ``(window_start, window_end, hashtag)`` the line with the highest ``batch_id`` is the current
count; ``final: true`` marks a closed window's exact count.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable

import orjson

logger = logging.getLogger(__name__)

Key = tuple[str, str, str]


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
        if isinstance(row, dict) and {"window_start", "window_end", "hashtag", "batch_id"} <= row.keys():
            yield row


def resolve(rows: Iterable[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    """Current row per (window_start, window_end, hashtag): highest batch_id, final over running on ties."""
    current: dict[Key, dict[str, Any]] = {}
    for row in rows:
        key = (row["window_start"], row["window_end"], row["hashtag"])
        seen = current.get(key)
        if seen is None or (row["batch_id"], bool(row.get("final"))) > (seen["batch_id"], bool(seen.get("final"))):
            current[key] = row
    return current


def sorted_rows(current: dict[Key, dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in window order, then by count (high first) and hashtag."""
    return sorted(current.values(), key=lambda r: (r["window_start"], r["window_end"], -r["count"], r["hashtag"]))


def dump_lines(rows: Iterable[dict[str, Any]]) -> bytes:
    """JSON lines, one row each, keys in the contract's order."""
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)
