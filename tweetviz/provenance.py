"""Where the shown posts come from, for the status line: pure, from ``latest.json`` ``"sources"``.

The job reports the sources of its recent batches (contract 4); the page says "Bluesky (live)" or
"replay of a recorded file" and how old the newest data is, so a presenter never passes off a replay
as live, nor a stalled stream as current.
"""

from __future__ import annotations

from typing import Any, Mapping

from tweetcontract.output.sources import SourceSeen
from tweetcontract.times import format_utc_ms

LABELS = {"x": "X (live)", "bluesky": "Bluesky (live)", "mastodon": "Mastodon (live)",
          "replay": "replay of a recorded file"}


def origin(sources: Mapping[str, SourceSeen]) -> dict[str, Any]:
    """``label`` (None when the job reported no source: an older job, or nothing counted lately), the
    sources biggest first, and ``newest_at``: when the newest batch with data was processed."""
    ranked = sorted(sources.items(), key=lambda kv: (-kv[1].records, kv[0]))
    label = " + ".join(LABELS.get(name, name) for name, _ in ranked) or None
    newest = max((s.last_seen_ms for _, s in ranked), default=None)
    return {"label": label,
            "sources": [{"source": name, "records": s.records, "last_seen": _second(s.last_seen_ms)}
                        for name, s in ranked],
            "newest_at": _second(newest) if newest is not None else None}


def _second(ms: int) -> str:
    return format_utc_ms(ms - ms % 1000)  # the API's times are whole seconds
