"""Running the live source: sync the rules, stream into a sink, supervise, summarize.

One worker thread (tweepy's) runs the connection loop of :class:`~tweetpub.live.client.LiveStreamClient`
and hands every line to a :class:`~tweetpub.live.routing.PageRouter`, which passes tweet pages and dead
letters to a sink (Kafka in ``stream``, gzip files in ``record``). The calling thread supervises:
signals, ``--duration``, progress, the summary.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from tweetpub.exceptions import LiveSourceError
from tweetpub.live.client import (
    DEFAULT_API_BASE, EXPANSIONS, PLACE_FIELDS, TWEET_FIELDS, USER_FIELDS, Backoff, LiveStreamClient,
)
from tweetpub.live.credentials import load_bearer_token, redacting
from tweetpub.live.routing import LiveSummary, PageRouter, PageSink
from tweetpub.live.rules import DEFAULT_TAG, Box, RulePlan, build_rules
from tweetpub.live.rulesync import sync_rules
from tweetpub.metrics import watch
from tweetpub.signals import StopSignals

log = logging.getLogger(__name__)


class _Progress:
    """tqdm on a TTY, else a status line on the log every few seconds."""

    def __init__(self, summary: LiveSummary, enabled: bool | None, limit: int | None, every: float = 5.0) -> None:
        self.summary = summary
        self.every = every
        self.next_at = time.monotonic() + every
        self.bar = None
        if enabled is None:
            enabled = sys.stderr.isatty()
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=limit, unit="tweet", desc="live", file=sys.stderr)
        self.shown = 0

    def update(self) -> None:
        if self.bar is not None:
            self.bar.update(self.summary.delivered - self.shown)
            self.shown = self.summary.delivered
            self.bar.set_postfix(reconnects=self.summary.reconnects, dlq=self.summary.dead_letters, refresh=False)
        elif time.monotonic() >= self.next_at:
            self.next_at = time.monotonic() + self.every
            log.info("live: %d tweets, %d messages, %d reconnects, %d dead letters", self.summary.delivered,
                     self.summary.messages, self.summary.reconnects, self.summary.dead_letters)

    def close(self) -> None:
        if self.bar is not None:
            self.update()
            self.bar.close()


@dataclass(frozen=True)
class LiveOptions:
    """What ``stream`` and ``record`` share: the filter, the API, and how long and how hard to keep going.

    :param track: phrases (``"a b"``) or :func:`tweetpub.filters.parse_track` tuples.
    :param locations: boxes ``(w, s, e, n)``.
    :param bearer_token_file: file holding the token; None reads env X_BEARER_TOKEN.
    :param backoff: reconnect waits (X's rules; ``Backoff.scaled`` for tests).
    :param progress: force the progress display on or off (default: on a terminal).
    """

    track: Sequence[str | Sequence[str]]
    locations: Sequence[Box]
    bearer_token_file: str | os.PathLike | None = None
    api_base: str = DEFAULT_API_BASE
    access_level: str = "pro"
    rule_tag: str = DEFAULT_TAG
    limit: int | None = None
    duration: float | None = None
    backoff: Backoff = field(default_factory=Backoff)
    max_retries: int | None = None
    read_timeout: float = 21.0
    dry_run: bool = False
    progress: bool | None = None


def run_live(
    sink: PageSink,
    opts: LiveOptions,
    *,
    handle_signals: bool = True,
    on_rules: Callable[[RulePlan], None] | None = None,
) -> LiveSummary:
    """Sync rules, stream into ``sink`` until limit/duration/signal, close the sink, return the summary.

    The sink is closed in every case. Raises LiveSourceError/CredentialsError/RuleLimitError for the
    CLI to print as one line; a sink's own exception (e.g. Kafka unavailable) passes through.
    """
    started = time.monotonic()
    summary = LiveSummary()
    watch(summary=summary)  # /metrics reads the live counters from here
    try:
        client = _sync_and_stream(sink, summary, opts, handle_signals=handle_signals, on_rules=on_rules)
    except BaseException:
        summary.elapsed = time.monotonic() - started
        try:
            sink.close()
        except Exception as exc:  # keep the original error; this one is secondary
            log.warning("while stopping after an error: %s", exc)
        raise
    summary.elapsed = time.monotonic() - started
    if client is not None and client.failure is not None:
        try:
            sink.close()
        except Exception as exc:
            log.warning("while stopping after an error: %s", exc)
        log.info("%s", summary.line())
        raise client.failure
    sink.close()
    log.info("%s", summary.line())
    if client is not None and client.gave_up:
        raise LiveSourceError(f"the filtered stream {client.gave_up}; {summary.line()}")
    return summary


def _sync_and_stream(sink: PageSink, summary: LiveSummary, opts: LiveOptions, *, handle_signals: bool,
                     on_rules: Callable[[RulePlan], None] | None) -> LiveStreamClient | None:
    plan = build_rules(opts.track, opts.locations, access_level=opts.access_level, tag=opts.rule_tag)
    summary.rules = list(plan.values)
    summary.warnings = list(plan.warnings)
    for note in plan.warnings:
        log.warning("v2 differs from v1.1: %s", note)
    if on_rules is not None:
        on_rules(plan)
    token = load_bearer_token(opts.bearer_token_file)
    with redacting(token):
        client = LiveStreamClient(token, api_base=opts.api_base, backoff=opts.backoff,
                                  read_timeout=opts.read_timeout, max_retries=opts.max_retries, summary=summary)
        for i, rule in enumerate(plan.rules, 1):  # the user wants to see them for --dry-run
            log.log(logging.INFO if opts.dry_run else logging.DEBUG, "rule %d/%d (%d chars, tag %s): %s", i,
                    len(plan.rules), len(rule.value), rule.tag, rule.value)
        synced = sync_rules(client, plan, dry_run=opts.dry_run)
        summary.rules_added, summary.rules_deleted, summary.rules_kept = synced.added, synced.deleted, synced.kept
        if opts.dry_run:
            summary.stopped_by = "dry-run"
            return None
        client.router = PageRouter(sink, summary, rule_tag=opts.rule_tag, rule_ids=synced.rule_ids,
                                   limit=opts.limit)
        _supervise(client, summary, limit=opts.limit, duration=opts.duration, progress=opts.progress,
                   handle_signals=handle_signals)
    return client


def _supervise(client: LiveStreamClient, summary: LiveSummary, *, limit: int | None, duration: float | None,
               progress: bool | None, handle_signals: bool) -> None:
    """Run the stream thread; stop it on a signal or when ``duration`` has passed."""
    signals = StopSignals(client.stop, enabled=handle_signals, message="disconnecting and flushing").install()
    bar = _Progress(summary, progress, limit)
    deadline = None if duration is None else time.monotonic() + duration
    try:
        thread = client.filter(expansions=EXPANSIONS, tweet_fields=TWEET_FIELDS, place_fields=PLACE_FIELDS,
                               user_fields=USER_FIELDS, threaded=True)
        while thread.is_alive():
            thread.join(0.2)
            bar.update()
            if deadline is not None and time.monotonic() >= deadline and client.running:
                summary.stopped_by = "duration"
                client.stop()
        if signals.signum:
            summary.stopped_by = "signal"
        elif not summary.stopped_by:
            if client.router is not None and client.router.done:
                summary.stopped_by = "limit"
            elif client.failure is not None:
                summary.stopped_by = "error"
            elif client.gave_up:
                summary.stopped_by = "max-retries"
            else:
                summary.stopped_by = "stream ended"
    finally:
        client.stop()
        bar.close()
        signals.restore()
