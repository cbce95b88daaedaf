"""The X API v2 filtered stream through tweepy's ``StreamingClient``: connections, backoff, HTTP failures.

tweepy gives us the rule endpoints, the ``filter`` parameters and the per-line callbacks. Three things
are ours: the API host is configurable (tests point it at a local fake), the reconnect waits are
configurable (X's values by default, shrunk in tests) and interruptible for a clean shutdown, and the
bearer token is sent per request but never logged (tweepy's ``BaseClient.request`` logs all request
headers at DEBUG level, the token included, so we replace it).

The connection loop runs in tweepy's worker thread and hands every line to a
:class:`~tweetpub.live.routing.PageRouter`; :mod:`tweetpub.live.run` supervises it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import requests
import tweepy
import urllib3

from tweetpub.exceptions import CredentialsError, LiveSourceError
from tweetpub.live.lines import DEFAULT_MAX_LINE_BYTES, LongLine, bounded_lines
from tweetpub.live.routing import LiveSummary, PageRouter

log = logging.getLogger(__name__)


DEFAULT_API_BASE = "https://api.x.com"
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


# ------------------------------------------------------------------------------------------- client


class LiveStreamClient(tweepy.StreamingClient):
    """tweepy's StreamingClient against a configurable host, with X's backoff made configurable."""

    def __init__(self, bearer_token: str, *, api_base: str = DEFAULT_API_BASE, backoff: Backoff = Backoff(),
                 read_timeout: float = 21.0, connect_timeout: float = 10.0, max_retries: int | None = None,
                 router: PageRouter | None = None, summary: LiveSummary | None = None,
                 max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        super().__init__(bearer_token, return_type=dict, wait_on_rate_limit=False,
                         max_retries=math.inf if max_retries is None else max_retries, daemon=True)
        self.api_base = api_base.rstrip("/")
        self.backoff = BackoffState(backoff)
        self.read_timeout = read_timeout
        self.max_line_bytes = max_line_bytes  # a line that never ends is cut and dead-lettered, not kept
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
                for line in bounded_lines(resp.iter_content(chunk_size=self.chunk_size), self.max_line_bytes):
                    if not self.running:
                        return -1
                    if not self._got_data:
                        self._got_data = True
                        self.backoff.reset()  # a healthy connection: start the schedules afresh
                    if isinstance(line, LongLine):
                        if self.router is not None:
                            self.router.too_long(line.head)
                    elif line:
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
            # A stream's connection is never reused: the server may have closed it after the body ended, and a
            # reconnect on the stale pooled socket would fail once more (a spurious network error and reconnect).
            self.session.close()

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
