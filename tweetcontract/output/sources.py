"""``latest.json`` ``"sources"`` (contract 4): where the counted posts came from, recently.

The envelope's ``source`` (contract 2) says where each post came from. The job counts the valid records of
each source per micro-batch (a few counters in the aggregate it already computes for its metrics) and
keeps the batches of the last :data:`RECENT_MS` of processing time; ``latest.json`` then carries::

    "sources": {"bluesky": {"records": 4210, "last_seen": "2026-11-21T09:10:11.000Z"}}

``records``: valid records of that source in those batches; ``last_seen``: processing time of the newest
batch that held one, whole seconds. A source silent for longer than :data:`RECENT_MS` drops out, so the field tells a
live stream from a replay that ran an hour ago. The dashboard turns it into its status label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from tweetcontract.times import format_utc_ms, parse_utc_ms

#: The envelope's ``source`` values (contract 2) the job counts; anything else is not reported.
SOURCES: tuple[str, ...] = ("replay", "x", "bluesky", "mastodon")
#: How long a source stays in ``latest.json`` after its last record (processing time).
RECENT_MS = 10 * 60_000
FIELD = "sources"


@dataclass(frozen=True, slots=True)
class SourceSeen:
    """One source of ``latest.json`` ``"sources"``."""

    records: int
    last_seen_ms: int


def sources_field(seen: dict[str, SourceSeen]) -> dict[str, dict[str, Any]]:
    """The JSON value of ``"sources"``, names sorted so the document is stable."""
    return {name: {"records": s.records, "last_seen": format_utc_ms(s.last_seen_ms - s.last_seen_ms % 1000)}
            for name, s in sorted(seen.items())}


def parse_sources(data: bytes) -> dict[str, SourceSeen]:
    """The ``"sources"`` of a ``latest.json``; empty when absent or unreadable (informational: the
    document's own parser reports a broken file). Only the known :data:`SOURCES` with a count >= 0 and
    a valid time are kept, since the file is read by a web page."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return {}
    found = doc.get(FIELD) if isinstance(doc, dict) else None
    if not isinstance(found, dict):
        return {}
    out = {}
    for name, value in found.items():
        if name not in SOURCES or not isinstance(value, dict):
            continue
        records, last = value.get("records"), value.get("last_seen")
        if isinstance(records, bool) or not isinstance(records, int) or records < 0 or not isinstance(last, str):
            continue
        try:
            out[name] = SourceSeen(records, parse_utc_ms(last))
        except ValueError:
            continue
    return out
