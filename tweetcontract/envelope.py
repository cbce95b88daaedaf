"""The Kafka record envelope and the dead-letter record (docs/contracts.md section 2).

Values are built by concatenating bytes so a verbatim tweet line is embedded without being
re-serialized (the producer's hot path); :func:`parse_value` reads either back.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any

import orjson

SCHEMA = "tweetpub/1"
DLQ_SCHEMA = "tweetpub-dlq/1"
#: The ``dialect`` values of contract 2.
DIALECTS = ("v1.1", "v2", "bluesky", "mastodon")
_SAFE_ID = re.compile(rb"[0-9A-Za-z_~.-]+")


def _text(value: str) -> str:
    """``value`` as valid Unicode: a lone surrogate (a file name's undecodable byte, a lenient parser's
    ``\ud800``) becomes U+FFFD instead of failing the JSON writer."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _json_str(value: str) -> bytes:
    raw = _text(value).encode("utf-8")
    return b'"' + raw + b'"' if _SAFE_ID.fullmatch(raw) else orjson.dumps(raw.decode("utf-8"))


def iso_now(now: float | None = None) -> str:
    """UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ`` for ``now`` (seconds since the epoch; default: the clock)."""
    t = time.time() if now is None else now
    dt = datetime.fromtimestamp(t, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class Stamp:
    """``produced_at`` bytes, re-formatted at most once per millisecond (formatting is the slow part)."""

    __slots__ = ("_ms", "_value")

    def __init__(self) -> None:
        self._ms = -1
        self._value = b""

    def __call__(self) -> bytes:
        now = time.time()
        ms = int(now * 1000)
        if ms != self._ms:
            self._ms = ms
            self._value = iso_now(now).encode("ascii")
        return self._value


def value_prefix(dialect: str, source: str) -> tuple[bytes, bytes]:
    """The constant parts around ``id`` and ``produced_at`` for one (dialect, source) pair."""
    head = b'{"schema":"' + SCHEMA.encode() + b'","id":'
    mid = b',"dialect":' + _json_str(dialect) + b',"source":' + _json_str(source) + b',"produced_at":"'
    return head, mid


def build_value(tweet_id: str, dialect: str, source: str, produced_at: bytes, tweet_json: bytes) -> bytes:
    """The record value: the envelope around the tweet's JSON bytes (already valid JSON).

    :param produced_at: ASCII ISO-8601 UTC timestamp (see :class:`Stamp`).
    """
    head, mid = value_prefix(dialect, source)
    return head + _json_str(tweet_id) + mid + produced_at + b'","tweet":' + tweet_json + b"}"


class ValueBuilder:
    """:func:`build_value` with the constant parts computed once per dialect (hot path)."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._parts = {d: value_prefix(d, source) for d in DIALECTS}
        self.stamp = Stamp()

    def __call__(self, tweet_id: str, dialect: str, tweet_json: bytes) -> bytes:
        parts = self._parts.get(dialect)
        if parts is None:
            parts = self._parts[dialect] = value_prefix(dialect, self._source)
        head, mid = parts
        return head + _json_str(tweet_id) + mid + self.stamp() + b'","tweet":' + tweet_json + b"}"


def parse_value(value: bytes) -> dict[str, Any]:
    """Parse and check a record value.

    :raises ValueError: not a ``tweetpub/1`` envelope (``orjson.JSONDecodeError`` is one).
    """
    obj = orjson.loads(value)
    if not isinstance(obj, dict) or obj.get("schema") != SCHEMA:
        raise ValueError("not a tweetpub/1 envelope")
    for key in ("id", "dialect", "source", "produced_at", "tweet"):
        if key not in obj:
            raise ValueError(f"envelope lacks {key!r}")
    if not isinstance(obj["dialect"], str) or obj["dialect"] not in DIALECTS or not isinstance(obj["tweet"], dict):
        raise ValueError("bad envelope dialect or tweet")
    return obj


def build_dead_letter(reason: str, source: str, line: int, raw: bytes, limit: int = 64 * 1024) -> bytes:
    """The dead-letter value: reason, source file, 1-based line, up to ``limit`` bytes of the line
    decoded with ``errors="replace"`` (a cut multi-byte character becomes U+FFFD)."""
    return orjson.dumps({
        "schema": DLQ_SCHEMA,
        "reason": _text(reason),
        "source": _text(source),
        "line": line,
        "raw": raw[:limit].decode("utf-8", errors="replace"),
    })


def parse_dead_letter(value: bytes) -> dict[str, Any]:
    """Parse and check a dead-letter value.

    :raises ValueError: not a ``tweetpub-dlq/1`` record.
    """
    obj = orjson.loads(value)
    if not isinstance(obj, dict) or obj.get("schema") != DLQ_SCHEMA:
        raise ValueError("not a tweetpub-dlq/1 record")
    return obj
