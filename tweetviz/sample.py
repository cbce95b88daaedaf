"""TweeTics-shaped output (docs/contracts.md section 4) for demos, tests and the benchmark.

Pure: builds file contents; writing them (local folder or HDFS) is the caller's business.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

import orjson

from .data import iso, normalize_tag


def window_rows(start: int, counts: Mapping[str, int], batch_id: int, final: bool = False,
                trends: Mapping[str, float] | None = None, minutes: int = 1) -> list[dict[str, Any]]:
    """Counts lines of one window; ``counts`` maps the display spelling to its count."""
    trends = trends or {}
    return [{"window_start": iso(start), "window_end": iso(start + 60 * minutes),
             "hashtag": normalize_tag(display), "display": display, "count": count,
             "trend": trends.get(display, 1.0), "batch_id": batch_id, "final": final}
            for display, count in counts.items()]


def partition(start: int) -> str:
    """``counts/date=…/hour=…`` of a window start."""
    stamp = datetime.fromtimestamp(start, timezone.utc)
    return f"counts/date={stamp:%Y-%m-%d}/hour={stamp:%H}"


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def latest_doc(rows: list[dict[str, Any]], batch_id: int, updated_at: int) -> bytes:
    """``latest.json`` of the given counts rows: newest 60 windows, top 200 tags each."""
    windows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        windows.setdefault((row["window_start"], row["window_end"]), []).append(row)
    chosen = sorted(windows)[-60:]
    doc = {"updated_at": iso(updated_at), "batch_id": batch_id, "watermark": chosen[0][0] if chosen else None,
           "window": "1 minute", "slide": "1 minute",
           "windows": [{"start": s, "end": e,
                        "tags": [{"hashtag": r["hashtag"], "display": r["display"], "count": r["count"],
                                  "trend": r["trend"]}
                                 for r in sorted(windows[(s, e)], key=lambda r: -r["count"])[:200]]}
                       for s, e in chosen]}
    return orjson.dumps(doc)


def build_output(end: int, minutes: int, per_minute: Mapping[str, int], batch_id: int = 1,
                 trends: Mapping[str, float] | None = None) -> dict[str, bytes]:
    """A whole output folder: ``minutes`` 1-minute windows ending at ``end`` (a minute boundary),
    every hashtag with ``per_minute`` counts, written by one batch; returns path -> bytes."""
    files: dict[str, list[dict[str, Any]]] = {}
    every: list[dict[str, Any]] = []
    for i in range(minutes):
        start = end - (minutes - i) * 60
        rows = window_rows(start, per_minute, batch_id, trends=trends)
        files.setdefault(f"{partition(start)}/batch-{batch_id:09d}.jsonl", []).extend(rows)
        every.extend(rows)
    out = {path: jsonl(rows) for path, rows in files.items()}
    out["latest.json"] = latest_doc(every, batch_id, end)
    return out
