"""The live source: the X API v2 filtered stream through tweepy's ``StreamingClient``.

tweepy gives us the rule endpoints, the ``filter`` parameters and the per-line callbacks. Three things
are ours: the API host is configurable (tests point it at a local fake), the reconnect waits are
configurable (X's values by default, shrunk in tests) and interruptible for a clean shutdown, and the
bearer token is sent per request but never logged (tweepy's ``BaseClient.request`` logs all request
headers at DEBUG level, the token included, so we replace it).

One worker thread runs the connection loop and hands every line to a :class:`PageRouter`, which sorts
tweet pages from error messages and passes them to a sink (Kafka here, gzip files in ``record``).
The calling thread supervises: signals, ``--duration``, progress, the summary.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol, Sequence

import orjson
import requests
import tweepy
import urllib3

from tweetcontract.defaults import DEFAULT_TOPIC, DLQ_RAW_LIMIT, DLQ_SUFFIX
from tweetpub.exceptions import CredentialsError, DeliveryError, KafkaUnavailable, LiveSourceError, TweetpubError
from tweetpub.v2rules import DEFAULT_TAG, Box, RuleLimitError, RulePlan, build_rules, plan_sync

log = logging.getLogger(__name__)


DEFAULT_API_BASE = "https://api.x.com"
TOKEN_ENV = "X_BEARER_TOKEN"
STREAM_ROUTE = "/2/tweets/search/stream"
RULES_ROUTE = "/2/tweets/search/stream/rules"

# Asked for on the stream so each page carries what the flattened tweet and the hashtag/geo rules
# need: the place (geo.place_id -> includes.places), the author, referenced tweets (retweet hashtags).
EXPANSIONS = [
    "author_id",
    "geo.place_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
    "entities.mentions.username",
    "in_reply_to_user_id",
]
TWEET_FIELDS = [
    "attachments", "author_id", "conversation_id", "created_at", "edit_history_tweet_ids", "entities",
    "geo", "id", "in_reply_to_user_id", "lang", "note_tweet", "possibly_sensitive", "public_metrics",
    "referenced_tweets", "reply_settings", "source", "text", "withheld",
]
PLACE_FIELDS = ["contained_within", "country", "country_code", "full_name", "geo", "id", "name", "place_type"]
USER_FIELDS = ["created_at", "description", "id", "location", "name", "public_metrics", "username", "verified"]

# Client errors that retrying cannot fix: stop instead of backing off forever.
FATAL_STATUSES = {400, 401, 403, 404}


# ---------------------------------------------------------------------------------------- credentials


def load_bearer_token(token_file: str | os.PathLike | None = None, environ: dict | None = None) -> str:
    """The bearer token from ``token_file`` if given, else from ``$X_BEARER_TOKEN``.

    Never accepted on the command line (it would show in ``ps``); errors name the source, not the value.
    """
    env = os.environ if environ is None else environ
    if token_file is not None:
        path = Path(token_file)
        try:
            token = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise CredentialsError(f"bearer token file not found: {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialsError(f"cannot read bearer token file {path}: {type(exc).__name__}") from None
        if not token:
            raise CredentialsError(f"bearer token file is empty: {path}")
    else:
        token = (env.get(TOKEN_ENV) or "").strip()
        if not token:
            raise CredentialsError(f"no bearer token: set {TOKEN_ENV} or pass --bearer-token-file")
    if any(ch.isspace() for ch in token):
        raise CredentialsError("the bearer token contains whitespace; expected a single token")
    return token


class _Redactor(logging.Filter):
    """Defence in depth: blank the token out of any log record that reaches a handler."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's problem, not ours
            return True
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<redacted>"), None
        return True


class _redacting:
    """Context manager putting a :class:`_Redactor` on every root handler for the duration of a run."""

    def __init__(self, secret: str) -> None:
        self.filter = _Redactor(secret)
        self.handlers: list[logging.Handler] = []

    def __enter__(self) -> None:
        self.handlers = list(logging.getLogger().handlers)
        for handler in self.handlers:
            handler.addFilter(self.filter)

    def __exit__(self, *exc: object) -> None:
        for handler in self.handlers:
            handler.removeFilter(self.filter)


# ------------------------------------------------------------------------------------------- backoff


@dataclass(frozen=True)
class Backoff:
    """Reconnect waits in seconds. The defaults are X's "handling disconnections" rules."""

    network_step: float = 0.25   # TCP/IP errors: linear, +250 ms per attempt ...
    network_max: float = 16.0    # ... up to 16 s
    http_start: float = 5.0      # HTTP errors: exponential from 5 s, doubling ...
    http_max: float = 320.0      # ... up to 320 s
    rate_limit_start: float = 60.0  # HTTP 429: exponential from 1 minute

    @classmethod
    def scaled(cls, factor: float) -> "Backoff":
        """All waits multiplied by ``factor`` (tests, or a gentler/faster schedule)."""
        if factor < 0:
            raise ValueError("backoff factor must be >= 0")
        base = cls()
        return cls(**{k: v * factor for k, v in asdict(base).items()})


class BackoffState:
    """The wait before the next reconnect, per X's rules; reset once a connection delivers data."""

    def __init__(self, policy: Backoff) -> None:
        self.policy = policy
        self._network = 0.0
        self._http: float | None = None

    def reset(self) -> None:
        self._network = 0.0
        self._http = None

    def network_error(self) -> float:
        wait = self._network
        self._network = min(self._network + self.policy.network_step, self.policy.network_max)
        return wait

    def http_error(self, status: int, reset_at: float | None = None, now: float | None = None) -> float:
        """Wait after an HTTP error; a 429's ``x-rate-limit-reset`` (epoch s) lengthens it, capped."""
        p = self.policy
        start = p.rate_limit_start if status in (420, 429) else p.http_start
        wait = max(self._http or 0.0, start)
        self._http = min(wait * 2, p.http_max)
        if reset_at is not None:
            now = time.time() if now is None else now
            wait = max(wait, min(reset_at - now, p.http_max))
        return wait


# ------------------------------------------------------------------------------------------- summary


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

    def handle(self, raw: bytes) -> str:
        """Route one non-empty line; returns its classification (``reconnect`` asks for a new connection)."""
        self.summary.messages += 1
        try:
            message = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            self._dead("invalid json", raw)
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


# ------------------------------------------------------------------------------------------- client


class LiveStreamClient(tweepy.StreamingClient):
    """tweepy's StreamingClient against a configurable host, with X's backoff made configurable."""

    def __init__(self, bearer_token: str, *, api_base: str = DEFAULT_API_BASE, backoff: Backoff = Backoff(),
                 read_timeout: float = 21.0, connect_timeout: float = 10.0, max_retries: int | None = None,
                 router: PageRouter | None = None, summary: LiveSummary | None = None) -> None:
        super().__init__(bearer_token, return_type=dict, wait_on_rate_limit=False,
                         max_retries=math.inf if max_retries is None else max_retries, daemon=True)
        self.api_base = api_base.rstrip("/")
        self.backoff = BackoffState(backoff)
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.router = router
        self.summary = summary if summary is not None else LiveSummary()
        self.failure: BaseException | None = None
        self.gave_up: str | None = None
        self._stop = threading.Event()
        self._got_data = False
        self._response: requests.Response | None = None

    def __repr__(self) -> str:  # tweepy objects have no repr; make sure ours never shows the token
        return f"<LiveStreamClient {self.api_base}>"

    def _headers(self) -> dict[str, str]:
        return {"User-Agent": self.user_agent, "Authorization": f"Bearer {self.bearer_token}"}

    # rule endpoints ------------------------------------------------------------------------------
    def request(self, method: str, route: str, params: dict | None = None, json: Any = None,
                user_auth: bool = False) -> requests.Response:
        """tweepy's request without its DEBUG header dump, with our host and a timeout."""
        url = self.api_base + route
        log.debug("API request: %s %s params=%s", method, url, params)
        try:
            response = self.session.request(method, url, params=params, json=json, headers=self._headers(),
                                            timeout=(self.connect_timeout, self.read_timeout))
        except requests.RequestException as exc:
            raise LiveSourceError(f"cannot reach the X API at {self.api_base}: {_short(exc)}") from None
        log.debug("API response: %s %s", response.status_code, response.reason)
        status = response.status_code
        if status == 401:
            raise CredentialsError(f"the X API at {self.api_base} rejected the bearer token (401 Unauthorized)")
        if status == 403:
            raise CredentialsError(f"the X API refused access (403 Forbidden): {_problem_text(response)}")
        if status == 429:
            raise LiveSourceError(f"rate limited by the X API (429) on {route}: {_problem_text(response)}")
        if status == 400 and route == RULES_ROUTE:
            raise LiveSourceError(f"the X API refused the rules (HTTP 400): {_problem_text(response)}")
        if not 200 <= status < 300:
            raise LiveSourceError(f"X API {method} {route} failed with HTTP {status}: {_problem_text(response)}")
        return response

    # the stream ------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop from another thread: no more reconnects, and unblock a read in progress."""
        self.running = False
        self._stop.set()
        response = self._response
        if response is not None:
            try:
                response.raw.shutdown()  # urllib3 >= 2.3: shuts the socket's read side down
            except Exception:  # already closed or released: nothing blocks on it then
                pass

    def _connect(self, method: str, endpoint: str, params: dict | None = None, **_: Any) -> None:
        """The reconnect loop (replaces tweepy's so waits are configurable and interruptible)."""
        url = f"{self.api_base}/2/tweets/{endpoint}/stream"
        self.running = True
        failures = 0
        try:
            while self.running and not self._stop.is_set():
                if failures > self.max_retries:
                    self.gave_up = f"gave up after {failures} failed connection attempts"
                    break
                self._got_data = False
                wait = self._one_connection(method, url, params)
                if wait < 0:  # done or fatal
                    break
                # consecutive failures: a connection that delivered anything starts the count afresh
                failures = 1 if self._got_data else failures + 1
                self.summary.reconnects += 1
                if wait > 0:
                    log.info("reconnecting in %.2fs", wait)
                    self._stop.wait(wait)
        except BaseException as exc:  # a sink failure (e.g. Kafka) ends the run; the supervisor re-raises
            self.failure = exc
        finally:
            self.running = False
            self.session.close()

    def _one_connection(self, method: str, url: str, params: dict | None) -> float:
        """One connection. Returns the wait before reconnecting (seconds), or -1 to stop."""
        try:
            with self.session.request(method, url, params=params, headers=self._headers(), stream=True,
                                      timeout=(self.connect_timeout, self.read_timeout)) as resp:
                self._response = resp
                if self._stop.is_set():  # stop() ran before the response existed to be shut down
                    return -1
                if resp.status_code != 200:
                    return self._http_failure(resp)
                self.summary.connections += 1
                log.info("stream connected (%s)", resp.status_code)
                for line in resp.iter_lines(chunk_size=self.chunk_size):
                    if not self.running:
                        return -1
                    if not self._got_data:
                        self._got_data = True
                        self.backoff.reset()  # a healthy connection: start the schedules afresh
                    if line:
                        outcome = self.router.handle(line) if self.router else "tweet"
                        if self.router is not None and self.router.done:
                            self.running = False
                            return -1
                        if outcome == "reconnect":
                            log.warning("operational disconnect from the stream; reconnecting")
                            return self.backoff.network_error()
                    else:
                        self.summary.keep_alives += 1
                    if self.router is not None:
                        self.router.sink.tick()
                if not self.running:
                    return -1
                log.warning("the stream was closed by the server")
                self.summary.network_errors += 1
                return self.backoff.network_error()
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError) as exc:
            if not self.running or self._stop.is_set():
                return -1  # our own shutdown closed the socket
            self.summary.network_errors += 1
            log.warning("stream connection error: %s", _short(exc))
            return self.backoff.network_error()
        finally:
            self._response = None

    def _http_failure(self, resp: requests.Response) -> float:
        status = resp.status_code
        self.summary.http_errors[status] = self.summary.http_errors.get(status, 0) + 1
        detail = _problem_text(resp)
        if status in FATAL_STATUSES:
            if status == 401:
                self.failure = CredentialsError("the X API rejected the bearer token (401 Unauthorized)")
            else:
                self.failure = LiveSourceError(f"the filtered stream refused the connection (HTTP {status}): {detail}")
            self.running = False
            return -1
        reset_at = None
        if status in (420, 429):
            try:
                reset_at = float(resp.headers["x-rate-limit-reset"])
            except (KeyError, ValueError):
                reset_at = None
        wait = self.backoff.http_error(status, reset_at)
        log.warning("stream HTTP %s (%s); backing off %.2fs", status, detail, wait)
        return wait


def _short(exc: BaseException) -> str:
    """A one-line description of a network exception (requests' text can be long and nested)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _problem_text(response: requests.Response) -> str:
    """X's problem text in one line: the first rule/field error if any, else ``title: detail``.

    Built from the response body only, so request headers (the token) cannot leak into it.
    """
    try:
        body = response.json()
    except ValueError:
        text = (response.text or "").strip()
        return text.splitlines()[0][:200] if text else str(response.reason or response.status_code)
    if not isinstance(body, dict):
        return str(response.status_code)
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    if errors:
        first = errors[0]
        bits = [str(first.get("title") or first.get("message") or "error")]
        bits += [str(d) for d in first.get("details") or []]
        if first.get("value"):
            bits.append(f"(rule {str(first['value'])[:60]!r})")
        if len(errors) > 1:
            bits.append(f"and {len(errors) - 1} more")
        return " ".join(bits)[:400]
    parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
    return ": ".join(parts)[:400] or str(response.status_code)


# ---------------------------------------------------------------------------------------- rule sync


@dataclass
class SyncResult:
    rule_ids: list[str]
    added: int
    deleted: int
    kept: int
    foreign: int


def sync_rules(client: LiveStreamClient, plan: RulePlan, *, dry_run: bool = False) -> SyncResult:
    """Make the stream's rules tagged ``plan``'s tag equal to ``plan`` and leave everyone else's alone.

    Order: validate the additions with ``dry_run`` first (nothing is deleted for rules X would refuse),
    delete our stale rules (frees room under the count limit), then add the missing ones.
    """
    tag = plan.rules[0].tag
    existing = client.get_rules().get("data") or []
    sync = plan_sync(plan.rules, existing, tag)
    if sync.foreign:
        log.info("leaving %d rules of other clients alone", len(sync.foreign))
    total = len(sync.foreign) + len(sync.keep) + len(sync.add)
    if total > plan.limits.max_rules:  # the count limit is per stream, shared with other clients' rules
        raise RuleLimitError(
            f"{len(sync.keep) + len(sync.add) + len(sync.foreign_same_value)} rules of ours plus "
            f"{len(sync.foreign) - len(sync.foreign_same_value)} of other clients exceed the "
            f"{plan.limits.max_rules}-rule limit of access level '{plan.limits.name}'"
        )
    for rid in sync.foreign_same_value:
        log.warning("rule %s of another client already has one of our values; sharing it", rid)
    if sync.add:
        _check_rule_response(client.add_rules([tweepy.StreamRule(r.value, r.tag) for r in sync.add], dry_run="true"),
                             "validate")  # X documents dry_run as the string true; tweepy would send "True"
    if dry_run:
        return SyncResult(list(sync.keep) + list(sync.foreign_same_value), len(sync.add), len(sync.delete_ids),
                          len(sync.keep), len(sync.foreign))
    if sync.delete_ids:
        _check_rule_response(client.delete_rules(list(sync.delete_ids)), "delete")
        log.info("deleted %d stale rules tagged %s", len(sync.delete_ids), tag)
    ids = list(sync.keep) + list(sync.foreign_same_value)
    if sync.add:
        response = _check_rule_response(
            client.add_rules([tweepy.StreamRule(r.value, r.tag) for r in sync.add]), "add")
        ids += [str(rule["id"]) for rule in response.get("data") or []]
        # a duplicate means someone added the same value meanwhile: share theirs
        ids += [str(err["id"]) for err in response.get("errors") or [] if err.get("title") == "DuplicateRule"]
        log.info("added %d rules tagged %s", len(response.get("data") or []), tag)
    return SyncResult(ids, len(sync.add), len(sync.delete_ids), len(sync.keep), len(sync.foreign))


def _check_rule_response(response: dict, action: str) -> dict:
    problems = [e for e in response.get("errors") or [] if isinstance(e, dict) and e.get("title") != "DuplicateRule"]
    if problems:
        first = problems[0]
        details = "; ".join(str(d) for d in first.get("details") or []) or first.get("message") or ""
        raise LiveSourceError(
            f"the X API refused to {action} rules: {first.get('title', 'error')} {details}".strip()
            + (f" (rule {str(first['value'])[:60]!r})" if first.get("value") else "")
            + (f" and {len(problems) - 1} more" if len(problems) > 1 else "")
        )
    return response


# ------------------------------------------------------------------------------------------- runner


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
    with _redacting(token):
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
    got_signal: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        if got_signal:  # a second signal: the user insists, stop waiting for a clean end
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
        got_signal.append(signum)
        log.warning("got %s: disconnecting and flushing", signal.Signals(signum).name)
        client.stop()

    previous: dict[int, Any] = {}
    if handle_signals and threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
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
        if got_signal:
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
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# ---------------------------------------------------------------------------------------- stream cmd


class KafkaPageSink:
    """Flattens each page (``tweetcontract.dialects``) and produces one contract-2 envelope per tweet;
    non-tweet messages go to ``<topic>.dlq`` as ``tweetpub-dlq/1`` dead letters."""

    SOURCE = "live"

    def __init__(self, producer: Any, topic: str, dlq_topic: str | None = None,
                 flush_timeout: float = 30.0) -> None:
        from tweetcontract import dialects, envelope  # local: record needs neither

        self._dialects = dialects
        self._envelope = envelope
        self.producer = producer
        self.topic = topic
        self.dlq_topic = dlq_topic or topic + DLQ_SUFFIX
        self.flush_timeout = flush_timeout
        self.values = envelope.ValueBuilder(self.SOURCE)
        self._ticks = 0
        missing = {t: 1 for t in (self.topic, self.dlq_topic) if t not in getattr(producer, "partitions", {})}
        if missing:
            producer.ensure_topics(missing)  # raises KafkaUnavailable with one clear line

    def write_page(self, page: dict, raw: bytes, number: int) -> int:
        try:
            tweets = self._dialects.normalize(page)
        except (ValueError, self._dialects.NotATweet) as exc:  # BadTweet is a ValueError
            self.dead_letter(getattr(exc, "reason", None) or getattr(exc, "kind", None) or "not a tweet", raw,
                             number)
            return 0
        for tweet in tweets:
            value = self.values(tweet.id, tweet.dialect, orjson.dumps(tweet.data))
            self.producer.send(self.topic, tweet.id.encode("utf-8"), value)
        return len(tweets)

    def dead_letter(self, reason: str, raw: bytes, number: int) -> None:
        value = self._envelope.build_dead_letter(reason, self.SOURCE, number, raw, DLQ_RAW_LIMIT)
        self.producer.send(self.dlq_topic, f"{self.SOURCE}:{number}".encode(), value)

    def tick(self) -> None:
        self.producer.poll(0)
        if self.producer.fatal_error:
            raise KafkaUnavailable(f"Kafka producer failed: {self.producer.fatal_error}")

    def close(self) -> None:
        left = self.producer.flush(self.flush_timeout)
        if left:
            raise DeliveryError(f"{left} records were not acknowledged by Kafka within {self.flush_timeout:g}s")
        failed = self.producer.stats.errors()
        if failed:
            raise DeliveryError(f"{failed} records failed delivery to Kafka: {self.producer.stats.last_error}")


def run_stream(opts: LiveOptions, *, producer: Any, topic: str | None = None,
               dlq_topic: str | None = None) -> LiveSummary:
    """``tweetpub stream``: the live filtered stream into Kafka (one envelope per tweet, DLQ for the rest).

    ``producer`` is a :class:`tweetpub.producer.TweetProducer`; missing topics are created (1 partition)
    unless the caller already ran ``producer.ensure_topics``. ``topic``/``dlq_topic`` default to the
    producer's ``topic``/``dlq_topic`` attributes (the CLI sets them), then to ``tweets``/``<topic>.dlq``.
    """
    if opts.dry_run:
        sink: PageSink = _NullSink()
    else:
        topic = topic or getattr(producer, "topic", None) or DEFAULT_TOPIC
        dlq_topic = dlq_topic or getattr(producer, "dlq_topic", None) or topic + DLQ_SUFFIX
        sink = KafkaPageSink(producer, topic, dlq_topic)
    summary = run_live(sink, opts)
    if not opts.dry_run:
        summary.acked = producer.stats.ok(topic)
    return summary


class _NullSink:
    """For ``--dry-run``: nothing is streamed, so nothing is written."""

    def write_page(self, page: dict, raw: bytes, number: int) -> int:
        return 0

    def dead_letter(self, reason: str, raw: bytes, number: int) -> None:
        pass

    def tick(self) -> None:
        pass

    def close(self) -> None:
        pass
