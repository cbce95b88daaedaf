"""TweeTics-shaped output (docs/contracts.md section 4) for demos, tests and the benchmark.

Pure: builds file contents; writing them (local folder or HDFS) is the caller's business.
"""

from __future__ import annotations

from typing import Any, Mapping

import orjson

from tweetcontract.hashtags import normalize_tag
from tweetcontract.output.counts import count_line, dump_lines
from tweetcontract.output.latest import latest_document
from tweetcontract.output.layout import batch_file, counts_folder
from tweetcontract.times import format_utc_ms


def window_rows(start: int, counts: Mapping[str, int], batch_id: int, final: bool = False,
                trends: Mapping[str, float] | None = None, minutes: int = 1) -> list[dict[str, Any]]:
    """Counts lines of one window starting at ``start`` (epoch s); ``counts`` maps the display spelling to
    its count."""
    trends = trends or {}
    return [count_line(start * 1000, (start + 60 * minutes) * 1000, normalize_tag(display), display, count,
                       trends.get(display, 1.0), batch_id, final)
            for display, count in counts.items()]


def partition(start: int) -> str:
    """``counts/date=…/hour=…`` of a window start (epoch s)."""
    return counts_folder(start * 1000)


#: JSON lines of counts rows (the writer's own encoder).
jsonl = dump_lines


def latest_doc(rows: list[dict[str, Any]], batch_id: int, updated_at: int) -> bytes:
    """``latest.json`` of the given counts rows (the contract's builder keeps 60 windows, 200 tags each)."""
    windows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        windows.setdefault((row["window_start"], row["window_end"]), []).append(row)
    built = latest_document(
        updated_at=format_utc_ms(updated_at * 1000), batch_id=batch_id, watermark=None, window="1 minute",
        slide="1 minute",
        windows=[{"start": s, "end": e, "tags": [{k: r[k] for k in ("hashtag", "display", "count", "trend")}
                                                for r in tags]}
                 for (s, e), tags in windows.items()])
    built["watermark"] = built["windows"][0]["start"] if built["windows"] else None
    return orjson.dumps(built)


def build_output(end: int, minutes: int, per_minute: Mapping[str, int], batch_id: int = 1,
                 trends: Mapping[str, float] | None = None) -> dict[str, bytes]:
    """A whole output folder: ``minutes`` 1-minute windows ending at ``end`` (a minute boundary),
    every hashtag with ``per_minute`` counts, written by one batch; returns path -> bytes."""
    files: dict[str, list[dict[str, Any]]] = {}
    every: list[dict[str, Any]] = []
    for i in range(minutes):
        start = end - (minutes - i) * 60
        rows = window_rows(start, per_minute, batch_id, trends=trends)
        files.setdefault(f"{partition(start)}/{batch_file(batch_id)}", []).extend(rows)
        every.extend(rows)
    out = {path: jsonl(rows) for path, rows in files.items()}
    out["latest.json"] = latest_doc(every, batch_id, end)
    return out
