"""``GET /metrics`` of the dashboard (Prometheus text format).

* ``tweetviz_http_requests_total{endpoint,method,status}``: requests by route (the rule, e.g.
  ``/api/top``; ``unmatched`` for 404s, so a scanner cannot grow the label set);
* ``tweetviz_http_request_duration_seconds{endpoint}``: latency histogram (an SSE stream: until its
  headers are sent);
* ``tweetviz_open_streams``: live ``/api/stream`` connections;
* ``tweetviz_data_age_seconds``: now minus the newest window end shown; ``tweetviz_data_updated_age_seconds``:
  now minus ``latest.json``'s ``updated_at``; ``tweetviz_source_up`` (0 when degraded),
  ``tweetviz_source_state{state}``, ``tweetviz_last_success_age_seconds``, cache files, bad lines, batch id.

Under gunicorn each worker is a process: :func:`prepare_multiprocess` (called by the server before it
forks) makes prometheus_client keep the counters in files shared by the workers, so any worker's
``/metrics`` answers for all of them; the data figures are those of the worker that answers (every
worker reads the same source).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from typing import Any, Iterator

from flask import Flask, Response, g, request

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STATES = ("starting", "waiting", "ok", "degraded")


def prepare_multiprocess() -> str | None:
    """Before gunicorn forks: a fresh folder for the workers' metric files (``PROMETHEUS_MULTIPROC_DIR`` if
    set, else a temporary one). Returns the temporary folder to remove at exit, else ``None``; without a
    folder each worker reports only its own requests."""
    from prometheus_client import values

    made = None
    try:
        path = os.environ.get(MULTIPROC_ENV)
        if path:
            for name in os.listdir(path):  # a previous run's files would be added to this one's
                if name.endswith(".db"):
                    os.remove(os.path.join(path, name))
        else:
            path = made = tempfile.mkdtemp(prefix="tweetviz-metrics-")
            os.environ[MULTIPROC_ENV] = path
    except OSError as exc:
        logger.warning("metrics: no folder for the workers' shared figures (%s); each worker reports its own", exc)
        return None
    # prometheus_client picks its value store when imported (here, before the env var existed): pick again,
    # so the metrics each worker creates after the fork are kept in files under ``path``.
    values.ValueClass = values.get_value_class()
    return made


def child_exit(_server: Any, worker: Any) -> None:
    """gunicorn hook: a dead worker's live gauges (open streams) stop counting."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def cleanup(path: str | None) -> None:
    if path:
        shutil.rmtree(path, ignore_errors=True)


class _DataCollector:
    """The data figures, read from the app's store at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        from .payloads import health

        ext = self.app.extensions["tweetviz"]
        doc = health(ext.store, float(self.app.config["HDFS_TIMEOUT"]))
        snap, store, now = ext.store.snapshot, ext.store, time.time()

        def age(t: float | None) -> float:
            return -1.0 if t is None else round(max(0.0, now - t), 3)

        yield GaugeMetricFamily("tweetviz_data_age_seconds", "Now minus the newest window end shown (-1: none).",
                                value=age(snap.data_time))
        yield GaugeMetricFamily("tweetviz_data_updated_age_seconds", "Now minus latest.json's updated_at (-1: none).",
                                value=age(snap.updated_at))
        yield GaugeMetricFamily("tweetviz_last_success_age_seconds", "Seconds since the source last answered "
                                "(-1: never).", value=age(store.last_success))
        yield GaugeMetricFamily("tweetviz_source_up", "0 when the data source is degraded.",
                                value=int(doc["status"] != "degraded"))
        state = GaugeMetricFamily("tweetviz_source_state", "1 for the current state of the data source.",
                                  labels=["state"])
        for name in STATES:
            state.add_metric([name], int(doc["status"] == name))
        yield state
        yield GaugeMetricFamily("tweetviz_cache_files", "Count files cached.", value=len(store.cache))
        yield GaugeMetricFamily("tweetviz_bad_lines", "Count lines that broke the contract (skipped).",
                                value=store.bad_lines)
        yield GaugeMetricFamily("tweetviz_batch_id", "The job's batch id in latest.json (-1: none).",
                                value=-1 if snap.batch_id is None else snap.batch_id)


def init_app(app: Flask) -> None:
    """Count every request, and serve ``GET /metrics``."""
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

    disable_created_metrics()
    registry = CollectorRegistry()
    requests = Counter("tweetviz_http_requests", "HTTP requests.", ["endpoint", "method", "status"],
                       registry=registry)
    latency = Histogram("tweetviz_http_request_duration_seconds", "Time to answer (a stream: to its headers).",
                        ["endpoint"], buckets=LATENCY_BUCKETS, registry=registry)
    streams = Gauge("tweetviz_open_streams", "Live /api/stream connections.", registry=registry,
                    multiprocess_mode="livesum")
    data = _DataCollector(app)
    registry.register(data)

    @app.before_request
    def _start() -> None:
        g.metrics_t0 = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        requests.labels(endpoint, request.method, str(response.status_code)).inc()
        t0 = g.get("metrics_t0")
        if t0 is not None:
            latency.labels(endpoint).observe(time.perf_counter() - t0)
        if endpoint == "/api/stream" and response.status_code == 200:
            streams.inc()
            response.call_on_close(streams.dec)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        if os.environ.get(MULTIPROC_ENV):
            from prometheus_client import multiprocess

            scrape = CollectorRegistry()
            multiprocess.MultiProcessCollector(scrape)
            scrape.register(data)
        else:
            scrape = registry
        return Response(generate_latest(scrape), mimetype=CONTENT_TYPE_LATEST)
