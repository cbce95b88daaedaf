"""Sorting the filtered stream's lines: tweet pages for the sink, everything else dead-lettered.

:class:`PageRouter` parses each line, keeps the tweet pages of our own rules (deduplicated: X redelivers
after reconnects) and hands them to a :class:`PageSink` (Kafka in ``stream``, gzip files in ``record``);
error messages, operational disconnects and anything unparseable become dead letters. Counters of the run
go to a :class:`LiveSummary`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

import orjson

from tweetcontract.decode import json_error_reason


@dataclass
class LiveSummary:
    """Counters of one live run; logged at the end and returned to the CLI."""

    rules: list[str] = field(default_factory=list)
    rules_added: int = 0
    rules_deleted: int = 0
    rules_kept: int = 0
    connections: int = 0
    reconnects: int = 0
    network_errors: int = 0
    http_errors: dict[int, int] = field(default_factory=dict)
    keep_alives: int = 0
    messages: int = 0
    tweets: int = 0
    delivered: int = 0
    acked: int | None = None
    duplicates: int = 0
    foreign: int = 0
    dead_letters: int = 0
    dead_letter_reasons: dict[str, int] = field(default_factory=dict)
    operational_disconnects: int = 0
    stopped_by: str = ""
    elapsed: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        http = ",".join(f"{k}x{v}" for k, v in sorted(self.http_errors.items())) or "0"
        return (
            f"live: {self.delivered} tweets delivered in {self.elapsed:.1f}s "
            f"({self.messages} messages, {self.duplicates} duplicates, {self.foreign} for others' rules, "
            f"{self.dead_letters} dead letters, {self.keep_alives} keep-alives); "
            f"{self.connections} connections, {self.reconnects} reconnects, {self.network_errors} network errors, "
            f"HTTP errors {http}, {self.operational_disconnects} operational disconnects; "
            f"rules +{self.rules_added} -{self.rules_deleted} ={self.rules_kept}; stopped by {self.stopped_by}"
        )


# ---------------------------------------------------------------------------------------------- sink


class PageSink(Protocol):
    """Where the router sends tweet pages and dead letters. Called from the stream thread only."""

    def write_page(self, page: dict, raw: bytes, number: int) -> int:
        """Handle one tweet page; return the number of tweets delivered."""

    def dead_letter(self, reason: str, raw: bytes, number: int) -> None:
        """Keep a message that is not a tweet page."""

    def tick(self) -> None:
        """Periodic housekeeping (delivery callbacks, time-based rotation)."""

    def close(self) -> None:
        """Flush everything; called once at the end."""


# -------------------------------------------------------------------------------------------- router


def classify(message: Any) -> str:
    """What a parsed stream line is: ``tweet``, ``operational-disconnect``, ``error`` or ``unknown``."""
    if not isinstance(message, dict):
        return "unknown"
    if isinstance(message.get("data"), dict):
        return "tweet"
    errors = message.get("errors")
    if isinstance(errors, list) and errors:
        for err in errors:
            if isinstance(err, dict) and (
                err.get("disconnect_type") or err.get("title") == "operational-disconnect"
            ):
                return "operational-disconnect"
        return "error"
    return "unknown"


class PageRouter:
    """Turns raw stream lines into sink calls: tweets (deduplicated, ours only) or dead letters."""

    def __init__(self, sink: PageSink, summary: LiveSummary, *, rule_tag: str, rule_ids: Iterable[str] = (),
                 limit: int | None = None, dedup_window: int = 100_000) -> None:
        self.sink = sink
        self.summary = summary
        self.rule_tag = rule_tag
        self.rule_ids = set(rule_ids)
        self.limit = limit
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._dedup_window = dedup_window

    @property
    def done(self) -> bool:
        return self.limit is not None and self.summary.delivered >= self.limit

    def _dead(self, reason: str, raw: bytes) -> None:
        self.summary.dead_letters += 1
        self.summary.dead_letter_reasons[reason] = self.summary.dead_letter_reasons.get(reason, 0) + 1
        self.sink.dead_letter(reason, raw, self.summary.messages)

    def _ours(self, page: dict) -> bool:
        rules = page.get("matching_rules")
        if not isinstance(rules, list) or not rules:
            return True  # nothing to tell; the stream only sends what some rule of this app matched
        for rule in rules:
            if isinstance(rule, dict) and (str(rule.get("id")) in self.rule_ids or rule.get("tag") == self.rule_tag):
                return True
        return False

    def too_long(self, head: bytes) -> None:
        """A line over the reader's limit (its first bytes): dead-lettered as ``line-too-long``."""
        self.summary.messages += 1
        self._dead("line-too-long", head)

    def handle(self, raw: bytes) -> str:
        """Route one non-empty line; returns its classification (``reconnect`` asks for a new connection)."""
        self.summary.messages += 1
        try:
            # orjson, not json: it refuses lone surrogates (which would fail when written back) and
            # nesting past its depth limit (json would raise RecursionError past any ValueError handler).
            message = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            reason = json_error_reason(exc, raw)
            self._dead(reason if reason in ("too-deep", "lone-surrogate") else "invalid json", raw)
            return "invalid"
        kind = classify(message)
        if kind == "tweet":
            tid = message["data"].get("id")
            if not isinstance(tid, str) or not tid:
                self._dead("tweet page without data.id", raw)
                return "invalid"
            self.summary.tweets += 1
            if not self._ours(message):
                self.summary.foreign += 1
                return "foreign"
            if tid in self._seen:
                self.summary.duplicates += 1  # X redelivers after reconnects (backfill); keep one
                return "duplicate"
            self._seen[tid] = None
            if len(self._seen) > self._dedup_window:
                self._seen.popitem(last=False)
            self.summary.delivered += self.sink.write_page(message, raw, self.summary.messages)
            return "tweet"
        if kind == "operational-disconnect":
            self.summary.operational_disconnects += 1
            self._dead("operational disconnect", raw)
            return "reconnect"
        self._dead("stream error message" if kind == "error" else "not a tweet page", raw)
        return kind
