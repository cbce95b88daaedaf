"""Routes only: the page, the JSON API, the SSE stream, the OpenAPI file and plotly.js."""

from __future__ import annotations

from importlib import resources
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, render_template, request, send_file
from werkzeug.exceptions import HTTPException

from . import charts, explore, params, sse
from .config import WINDOWS_MINUTES
from .exceptions import ValidationError
from .payloads import health
from .vendor import PLOTLY_JS, injected_style_ids, plotly_css

bp = Blueprint("tweetviz", __name__)

OPENAPI = resources.files("tweetviz") / "openapi.yaml"


def _ext() -> Any:
    return current_app.extensions["tweetviz"]


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="application/json")


def _args(*allowed: str) -> dict[str, str]:
    lists = request.args.to_dict(flat=False)
    params.check_names(lists, allowed)
    return {name: values[0] for name, values in lists.items()}


def _ranges() -> tuple[int, ...]:
    return explore.ranges(int(current_app.config["HISTORY_MINUTES"]))


@bp.get("/")
def index() -> str:
    config = current_app.config
    # Every URL in the page is relative, so it works under any sub-path behind a reverse proxy.
    return render_template("index.html", windows=WINDOWS_MINUTES, ranges=_ranges(),
                           source=_ext().store.source.display, style_placeholders=injected_style_ids(),
                           title=str(config["PAGE_TITLE"] or ""), cycle=float(config["PRESENT_CYCLE"]),
                           legend=charts.legend_stops(config["TREND_NEUTRAL"], config["TREND_SPAN"]))


def _view_args() -> tuple[int, bool, dict[str, Any]]:
    args = _args("window", "tracked", "vertical", "range")
    window = params.window(args.get("window"))
    tracked = params.flag(args.get("tracked"), "tracked")
    options = {"vertical": params.flag(args.get("vertical"), "vertical"),
               "range_minutes": params.range_minutes(args.get("range"), _ranges())}
    return window, tracked, options


@bp.get("/api/top")
def api_top() -> Response:
    args = _args("window", "n", "tracked")
    window = params.window(args.get("window"))
    n = params.count(args.get("n"))
    tracked = params.flag(args.get("tracked"), "tracked")
    return _json(_ext().presenter.top(window, n, tracked))


@bp.get("/api/series")
def api_series() -> Response:
    args = _args("tags", "window")
    tags = params.tags(args.get("tags"))
    window = params.window(args.get("window"), default=60)
    return _json(_ext().presenter.series(tags, window))


@bp.get("/api/view")
def api_view() -> Response:
    window, tracked, options = _view_args()
    return _json(_ext().presenter.view(window, tracked, **options))


@bp.get("/api/tag")
def api_tag() -> Response:
    args = _args("tag", "window", "range", "tracked")
    tag = params.tag(args.get("tag"))
    window = params.window(args.get("window"))
    range_minutes = params.range_minutes(args.get("range"), _ranges(), default=60)
    tracked = params.flag(args.get("tracked"), "tracked")
    return _json(_ext().presenter.tag(tag, window, range_minutes, tracked))  # type: ignore[arg-type]


@bp.get("/api/export")
def api_export() -> Response:
    args = _args("window", "tracked", "format")
    window = params.window(args.get("window"))
    tracked = params.flag(args.get("tracked"), "tracked")
    fmt = params.export_format(args.get("format"))
    body, data_time = _ext().presenter.export(window, tracked, fmt)
    response = Response(body, mimetype="text/csv" if fmt == "csv" else "application/json")
    if fmt == "csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    stamp = data_time.replace(":", "").replace("-", "")
    name = f"tweetviz-{window}min{'-tracked' if tracked else ''}-{stamp}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/api/stream")
def api_stream() -> Response:
    window, tracked, options = _view_args()
    ext = _ext()
    if not ext.streams.acquire(blocking=False):
        return _error(503, "too many live streams on this server; poll /api/view instead")
    response = Response(sse.stream(ext.store, ext.presenter, window, tracked,
                                   current_app.config["STREAM_MAX_SECONDS"],
                                   current_app.config["STREAM_HEARTBEAT"], **options),
                        mimetype="text/event-stream")
    response.call_on_close(ext.streams.release)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


@bp.get("/api/health")
def api_health() -> Response:
    doc = health(_ext().store, current_app.config["HDFS_TIMEOUT"])
    # 503 when degraded, so a load balancer, a probe or an uptime check sees it without reading the body
    return _json(orjson.dumps(doc), 503 if doc["status"] == "degraded" else 200)


@bp.get("/api/ping")
def api_ping() -> Response:
    return _json(b'{"status":"alive"}')


@bp.get("/openapi.yaml")
def openapi() -> Response:
    return Response(OPENAPI.read_bytes(), mimetype="application/yaml")


@bp.get("/vendor/plotly.min.js")
def plotly_js() -> Response:
    # Served from the installed plotly package: the page never needs a CDN.
    return send_file(str(PLOTLY_JS), mimetype="text/javascript", max_age=86400, conditional=True)


@bp.get("/vendor/plotly.css")
def plotly_stylesheet() -> Response:
    response = Response(plotly_css(), mimetype="text/css")
    response.cache_control.max_age = 86400
    return response


def _error(status: int, message: str) -> Response:
    return _json(orjson.dumps({"error": message, "status": status}), status)


@bp.app_errorhandler(ValidationError)
def _bad_request(exc: ValidationError) -> Response:
    return _error(400, str(exc))


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    if request.path.startswith("/api/"):
        response = _error(exc.code or 500, exc.description or exc.name)
    else:
        response = Response(f"{exc.code} {exc.name}\n", status=exc.code or 500, mimetype="text/plain")
    if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


@bp.app_errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error on %s", request.path)
    return _error(500, "internal error")
