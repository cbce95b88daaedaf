"""``/metrics`` for tweetpub (Prometheus text format), served when ``--metrics-port`` is given.

Figures are read at scrape time from the objects a run already keeps (the producer's delivery stats,
replay's counters, a live source's summary), so the hot path pays nothing. Exposed:

* ``tweetpub_records_sent_total{topic}``: records Kafka acknowledged (the tweet topic and the DLQ);
* ``tweetpub_bytes_sent_total{topic}``: their value bytes;
* ``tweetpub_dead_letters_total{reason}``: dead letters queued, by reason (contract section 2);
* ``tweetpub_delivery_failures_total{topic}``, ``tweetpub_delivery_retries_total``,
  ``tweetpub_records_redirected_total``: deliveries that failed, were sent again, were dead-lettered;
* ``tweetpub_send_rate``: records acknowledged per second over the last ~10 s;
* ``tweetpub_lines_read_total``, ``tweetpub_lines_malformed_total`` (replay);
* ``tweetpub_source_connections_total``, ``tweetpub_source_reconnects_total``,
  ``tweetpub_source_network_errors_total``, ``tweetpub_source_http_errors_total{status}``,
  ``tweetpub_source_messages_total``, ``tweetpub_source_last_message_age_seconds`` and
  ``tweetpub_source_connected`` (1 while messages or keep-alives arrived within the last 30 s) (live).
"""

from __future__ import annotations

import collections
import functools
import logging
import threading
import time
from typing import Any, Callable, Iterator, TypeVar

import click

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
ENVVAR = "TWEETPUB_METRICS_PORT"
RATE_WINDOW_S = 10.0
#: X sends a keep-alive every 20 s; Jetstream and Mastodon send more often: silence past this = not connected.
CONNECTED_WITHIN_S = 30.0


class _Watched:
    """The objects the current run registered (a process runs one command)."""

    def __init__(self) -> None:
        self.producer: Any = None
        self.counters: Any = None  # replay's Counters
        self.summary: Any = None   # a live LiveSummary / OpenSummary
        self.samples: collections.deque[tuple[float, int]] = collections.deque()
        self.last_messages = 0
        self.last_message_at: float | None = None
        self.lock = threading.Lock()

    def acked(self) -> int:
        return self.producer.acked() if self.producer is not None else 0

    def sample(self, now: float | None = None) -> None:
        """Record (time, acked) and the time the source last delivered something."""
        now = time.monotonic() if now is None else now
        with self.lock:
            self.samples.append((now, self.acked()))
            while len(self.samples) > 2 and now - self.samples[0][0] > RATE_WINDOW_S:
                self.samples.popleft()
            summary = self.summary
            if summary is not None:
                seen = int(getattr(summary, "messages", 0)) + int(getattr(summary, "keep_alives", 0)) + \
                    int(getattr(summary, "heartbeats", 0))
                if seen != self.last_messages:
                    self.last_messages, self.last_message_at = seen, now

    def rate(self) -> float:
        with self.lock:
            if len(self.samples) < 2:
                return 0.0
            (t0, a0), (t1, a1) = self.samples[0], self.samples[-1]
        return (a1 - a0) / (t1 - t0) if t1 > t0 else 0.0


WATCHED = _Watched()


def watch(producer: Any = None, counters: Any = None, summary: Any = None) -> None:
    """Register what the run's figures come from (any of them; later calls add to earlier ones)."""
    if producer is not None:
        WATCHED.producer = producer
    if counters is not None:
        WATCHED.counters = counters
    if summary is not None:
        WATCHED.summary = summary


class TweetpubCollector:
    """A prometheus_client collector over :data:`WATCHED`."""

    def __init__(self, watched: _Watched = WATCHED) -> None:
        self.w = watched

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        w = self.w
        w.sample()
        stats = w.producer.stats if w.producer is not None else None
        sent = CounterMetricFamily("tweetpub_records_sent", "Records Kafka acknowledged.", labels=["topic"])
        sent_bytes = CounterMetricFamily("tweetpub_bytes_sent", "Value bytes Kafka acknowledged.", labels=["topic"])
        failed = CounterMetricFamily("tweetpub_delivery_failures", "Deliveries that failed (a failed dead "
                                     "letter is lost).", labels=["topic"])
        dead = CounterMetricFamily("tweetpub_dead_letters", "Dead letters queued, by reason.", labels=["reason"])
        if stats is not None:
            for topic in sorted({w.producer.topic, w.producer.dlq_topic, *stats.acked}):
                sent.add_metric([topic], stats.acked.get(topic, 0))
                sent_bytes.add_metric([topic], stats.acked_bytes.get(topic, 0))
                failed.add_metric([topic], stats.failed.get(topic, 0))
            for reason, n in sorted(stats.dead_letters.items()):
                dead.add_metric([reason], n)
        yield from (sent, sent_bytes, failed, dead)
        yield CounterMetricFamily("tweetpub_delivery_retries", "Failed deliveries sent once more.",
                                  value=stats.retried if stats else 0)
        yield CounterMetricFamily("tweetpub_records_redirected", "Records Kafka refused, dead-lettered instead.",
                                  value=stats.redirected if stats else 0)
        yield GaugeMetricFamily("tweetpub_send_rate", f"Records acknowledged per second, last {RATE_WINDOW_S:.0f} s.",
                                value=round(w.rate(), 3))
        c = w.counters
        if c is not None:
            yield CounterMetricFamily("tweetpub_lines_read", "Lines replay read.", value=c.lines)
            yield CounterMetricFamily("tweetpub_lines_malformed", "Lines that were not JSON or too long.",
                                      value=c.malformed)
            yield CounterMetricFamily("tweetpub_records_filtered_out", "Tweets the track/locations filter dropped.",
                                      value=max(0, c.read - c.matched))
        s = w.summary
        if s is not None:
            yield CounterMetricFamily("tweetpub_source_connections", "Connections the live source opened.",
                                      value=s.connections)
            yield CounterMetricFamily("tweetpub_source_reconnects", "Reconnects of the live source.",
                                      value=s.reconnects)
            yield CounterMetricFamily("tweetpub_source_network_errors", "Network errors of the live source.",
                                      value=s.network_errors)
            http = CounterMetricFamily("tweetpub_source_http_errors", "HTTP errors of the live source.",
                                       labels=["status"])
            for status, n in sorted(s.http_errors.items()):
                http.add_metric([str(status)], n)
            yield http
            yield CounterMetricFamily("tweetpub_source_messages", "Messages the live source received.",
                                      value=s.messages)
            age = None if w.last_message_at is None else time.monotonic() - w.last_message_at
            yield GaugeMetricFamily("tweetpub_source_last_message_age_seconds",
                                    "Seconds since the source last sent a message or keep-alive (-1: never).",
                                    value=-1 if age is None else round(age, 3))
            yield GaugeMetricFamily("tweetpub_source_connected", "1 if the source sent something within "
                                    f"{CONNECTED_WITHIN_S:.0f} s.", value=int(age is not None and age < CONNECTED_WITHIN_S))


def _sampler(stop: threading.Event) -> None:
    while not stop.wait(1.0):  # a steady rate window whether or not anyone scrapes
        try:
            WATCHED.sample()
        except Exception:  # a figure must never stop the run
            logger.debug("metrics sample failed", exc_info=True)


def serve(port: int, addr: str = "0.0.0.0") -> Any:
    """Start the ``/metrics`` HTTP server on ``port`` (a daemon thread); returns the server."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.platform_collector import PlatformCollector
    from prometheus_client.process_collector import ProcessCollector

    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    registry.register(TweetpubCollector())
    try:
        server, _thread = start_http_server(port, addr, registry=registry)
    except OSError as exc:
        from tweetpub.exceptions import UsageError

        raise UsageError(f"--metrics-port {port}: {exc.strerror or exc}") from None
    threading.Thread(target=_sampler, args=(threading.Event(),), name="metrics-sampler", daemon=True).start()
    logger.info("metrics on http://%s:%d/metrics", addr, port)
    return server


def metrics_option(func: F) -> F:
    """``--metrics-port`` (env TWEETPUB_METRICS_PORT): serve /metrics there while the command runs."""
    @functools.wraps(func)
    def wrapper(*args: Any, metrics_port: int | None, metrics_addr: str, metrics_linger: float,
                **kwargs: Any) -> Any:
        if metrics_port:
            serve(metrics_port, metrics_addr)
        try:
            return func(*args, **kwargs)
        finally:
            if metrics_port and metrics_linger:
                # a short replay ends between two scrapes: keep its final figures up for the next one
                logger.info("run over; serving its final metrics for %.0f s more", metrics_linger)
                time.sleep(metrics_linger)

    wrapper = click.option("--metrics-linger", envvar="TWEETPUB_METRICS_LINGER", type=click.FloatRange(0),
                           default=0.0, show_default=True, metavar="SECONDS",
                           help="After the run, keep /metrics up this long (a scrape interval or two) so the "
                                "final figures are scraped.")(wrapper)
    wrapper = click.option("--metrics-addr", envvar="TWEETPUB_METRICS_ADDR", default="0.0.0.0", show_default=True,
                           help="Address of the /metrics server.")(wrapper)
    wrapper = click.option("--metrics-port", envvar=ENVVAR, type=click.IntRange(1, 65535), metavar="PORT",
                           help="Serve Prometheus /metrics on this port while the command runs.")(wrapper)
    return wrapper  # type: ignore[return-value]
