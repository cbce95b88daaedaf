"""``latest.json`` (contract 4): the small summary the dashboard reads in one request::

    {"updated_at":"…Z","batch_id":17,"watermark":"…Z","window":"1 minute","slide":"1 minute",
     "windows":[{"start":"…Z","end":"…Z","final":false,
                 "tags":[{"hashtag":"openstack","display":"OpenStack","count":12,"trend":1.8}]}],
     "input":{"implausible_time":0,"lost_offsets":0}}

Newest window last; at most :data:`LATEST_WINDOWS` windows of at most :data:`LATEST_TAGS` tags each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import orjson

from tweetcontract.errors import BadCountLine
from tweetcontract.output.counts import check_tag
from tweetcontract.output.layout import LATEST_TAGS, LATEST_WINDOWS
from tweetcontract.times import parse_utc_ms


def latest_document(*, updated_at: str, batch_id: int, watermark: str | None, window: str, slide: str,
                    windows: Iterable[dict[str, Any]], input_counts: dict[str, int] | None = None) -> dict[str, Any]:
    """The document, from windows given as ``{"start", "end", "final", "tags": [...]}`` in any order:
    sorted by start, the newest :data:`LATEST_WINDOWS` kept, each with its :data:`LATEST_TAGS` largest tags.
    ``input_counts`` (running totals such as ``implausible_time``, ``lost_offsets``) becomes ``"input"``."""
    chosen = sorted(windows, key=lambda w: (parse_utc_ms(w["start"]), parse_utc_ms(w["end"])))[-LATEST_WINDOWS:]
    doc = {"updated_at": updated_at, "batch_id": batch_id, "watermark": watermark, "window": window,
           "slide": slide,
           "windows": [{**w, "tags": sorted(w["tags"], key=lambda t: (-t["count"], t["hashtag"]))[:LATEST_TAGS]}
                       for w in chosen]}
    if input_counts is not None:
        doc["input"] = {str(k): int(v) for k, v in sorted(input_counts.items())}
    return doc


def input_counts(data: bytes) -> dict[str, int]:
    """The ``"input"`` totals of a ``latest.json`` (empty when absent or unreadable: they are
    informational, and the document's own parser reports a broken file). Only names made of
    ``[a-z_]`` with integer values >= 0 are kept: the file is read by a web page."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return {}
    found = doc.get("input") if isinstance(doc, dict) else None
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items()
            if isinstance(k, str) and 0 < len(k) <= 40 and all("a" <= c <= "z" or c == "_" for c in k)
            and isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63}


@dataclass(frozen=True, slots=True)
class LatestWindow:
    """One window of ``latest.json``; ``tags`` are checked dicts (hashtag, display, count, trend)."""

    start_ms: int
    end_ms: int
    final: bool
    tags: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Latest:
    """A parsed ``latest.json``; ``bad_tags`` counts the tags skipped as invalid."""

    updated_at_ms: int | None
    batch_id: int
    watermark_ms: int | None
    window: str | None
    slide: str | None
    windows: tuple[LatestWindow, ...]
    bad_tags: int = 0


def _time(value: Any, what: str) -> int:
    try:
        return parse_utc_ms(value)
    except ValueError as exc:
        raise BadCountLine(f"{what}: {exc}") from None


def parse_latest(data: bytes) -> Latest:
    """Parse ``latest.json``.

    :raises BadCountLine: not JSON, or the document or a window is malformed (bad tags are skipped).
    """
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadCountLine(f"latest.json is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("windows"), list):
        raise BadCountLine("latest.json must be an object with a 'windows' list")
    batch_id = doc.get("batch_id")
    if isinstance(batch_id, bool) or not isinstance(batch_id, int) or batch_id < 0:
        raise BadCountLine("batch_id must be an integer >= 0")
    updated = _time(doc["updated_at"], "updated_at") if doc.get("updated_at") is not None else None
    watermark = _time(doc["watermark"], "watermark") if doc.get("watermark") is not None else None
    windows: list[LatestWindow] = []
    bad = 0
    for window in doc["windows"]:
        if not isinstance(window, dict) or not isinstance(window.get("tags"), list):
            raise BadCountLine("each window needs start, end and a tags list")
        start, end = _time(window.get("start"), "window start"), _time(window.get("end"), "window end")
        if end <= start:
            raise BadCountLine("window end must be after its start")
        tags = []
        for tag in window["tags"]:
            try:
                tags.append(check_tag(tag))
            except BadCountLine:
                bad += 1
        windows.append(LatestWindow(start, end, window.get("final") is True, tuple(tags)))
    text = lambda v: v if isinstance(v, str) else None  # noqa: E731
    return Latest(updated, batch_id, watermark, text(doc.get("window")), text(doc.get("slide")),
                  tuple(windows), bad)
