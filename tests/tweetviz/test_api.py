"""The Flask app over a real local folder: API values, validation, headers, page, stream."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import orjson
import pytest

from tweetviz import create_app
from tweetviz.sample import latest_doc, window_rows
from tweetviz.vendor import PLOTLY_JS

from .helpers import minute_now, write_local


def test_top_returns_counts_of_the_window(client):
    doc = client.get("/api/top?window=5&n=3").get_json()
    assert [(t["display"], t["count"]) for t in doc["tags"]] == [("OpenStack", 200), ("Kubernetes", 150),
                                                                 ("Python", 100)]
    assert doc["tags"][0]["trend"] == 2.0 and doc["status"]["state"] == "ok" and doc["status"]["batch_id"] == 3
    one = client.get("/api/top?window=1").get_json()
    assert {t["hashtag"]: t["count"] for t in one["tags"]} == {"openstack": 40, "kubernetes": 30, "python": 20,
                                                               "docker": 10, "boston": 5}
    assert client.get("/api/top?window=60").get_json()["tags"][0]["count"] == 800


def test_tracked_filter_keeps_only_tracked_words(client):
    doc = client.get("/api/top?tracked=true&n=10").get_json()
    assert [t["hashtag"] for t in doc["tags"]] == ["openstack", "kubernetes", "python", "docker"]


def test_series_returns_per_minute_counts(client):
    doc = client.get("/api/series?tags=%23OpenStack,boston&window=5").get_json()
    assert len(doc["times"]) == 5
    assert doc["series"] == [{"hashtag": "openstack", "display": "OpenStack", "counts": [40] * 5},
                             {"hashtag": "boston", "display": "Boston", "counts": [5] * 5}]


@pytest.mark.parametrize("query, message", [
    ("/api/top?window=2", "window must be one of 1, 5, 15, 60"),
    ("/api/top?n=0", "n must be an integer from 1 to 200"),
    ("/api/top?n=abc", "n must be an integer"),
    ("/api/top?tracked=maybe", "tracked must be true or false"),
    ("/api/top?limit=5", "unknown parameter 'limit'"),
    ("/api/top?window=5&window=1", "given more than once"),
    ("/api/series", "tags is required"),
    ("/api/series?tags=a,,b", "empty items"),
    ("/api/view?window=9", "window must be one of"),
    ("/api/stream?tracked=2", "tracked must be true or false"),
])
def test_bad_parameters_are_400_with_a_clear_message(client, query, message):
    response = client.get(query)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_endpoints_are_read_only(client):
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/api/top")
        assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert client.get("/api/nope").status_code == 404


def test_security_headers_and_strict_csp_everywhere(client):
    for path in ("/", "/api/top", "/api/health", "/static/app.js", "/api/top?window=3"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/api/top").headers["Cache-Control"] == "no-store"


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
            self._in_script = True
        if tag == "style" or "style" in attrs or any(k.startswith("on") for k in attrs):
            self.inline.append(tag)

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, text):
        if self._in_script and text.strip():
            self.inline.append("script body")


def test_page_has_no_inline_script_or_style_and_no_cdn(client):
    html = client.get("/").get_data(as_text=True)
    scan = _Scan()
    scan.feed(html)
    assert not scan.inline
    # relative paths: the page works under any sub-path behind a reverse proxy
    assert {s["src"] for s in scan.scripts} == {"vendor/plotly.min.js", "static/cloud.js", "static/sphere.js",
                                                "static/panel.js", "static/app.js"}
    assert not re.search(r"https?://", html), "everything is served locally"
    assert not re.search(r'(?:src|href)="/', html), "no absolute path in the page"
    for script in scan.scripts:
        assert client.get("/" + script["src"]).status_code == 200


def test_plotly_js_is_served_from_the_installed_package(client):
    response = client.get("/vendor/plotly.min.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.get_data() == PLOTLY_JS.read_bytes()
    response.close()
    css = client.get("/vendor/plotly.css").get_data(as_text=True)
    assert ".js-plotly-plot .plotly .modebar" in css


def test_openapi_file_is_shipped(client):
    import yaml

    doc = yaml.safe_load(client.get("/openapi.yaml").get_data())
    assert {"/api/top", "/api/series", "/api/health"} <= set(doc["paths"])


def test_health_reports_ok_then_degraded_without_500s(tmp_path):
    root = tmp_path / "out"
    write_local(str(root), {"latest.json": latest_doc(window_rows(minute_now() - 60, {"AWS": 3}, 1), 1, minute_now())})
    app = create_app({"DATA": f"file://{root}", "START_REFRESHER": False})
    store = app.extensions["tweetviz"].store
    client = app.test_client()
    assert client.get("/api/health").get_json()["status"] == "starting"
    store.refresh_once()
    assert client.get("/api/health").get_json()["status"] == "ok"
    root.rename(tmp_path / "gone")
    store.refresh_once()
    health = client.get("/api/health")
    assert health.status_code == 503  # degraded: a probe or a load balancer sees it from the status alone
    body = health.get_json()
    assert body["status"] == "degraded" and body["stale_since"] and "does not exist" in body["error"]
    top = client.get("/api/top")
    assert top.status_code == 200 and top.get_json()["tags"][0]["hashtag"] == "aws"
    assert top.get_json()["status"]["stale_since"] == body["stale_since"]


def test_view_payload_has_cloud_sphere_series(client):
    view = client.get("/api/view?window=15").get_json()
    assert [w["key"] for w in view["cloud"]["words"]][:2] == ["openstack", "kubernetes"]
    assert view["cloud"]["words"][0]["text"] == "#OpenStack" and view["cloud"]["dropped"] == []
    assert [w["key"] for w in view["sphere"]["words"]][:2] == ["openstack", "kubernetes"]
    assert [t["name"] for t in view["series"]["data"]][:2] == ["#OpenStack", "#Kubernetes"]
    assert len(view["series"]["data"][0]["x"]) == 15  # the default range: the window, at least 15 min


def test_untrusted_display_text_stays_inert_in_json(data_dir, app, client):
    evil = "<script>alert(1)</script>"
    end = minute_now()
    rows = window_rows(end - 60, {evil: 99}, 9)
    write_local(data_dir, {"latest.json": latest_doc(rows, 9, end)})
    app.extensions["tweetviz"].store.refresh_once()
    response = client.get("/api/view?window=1")
    assert response.mimetype == "application/json"
    view = orjson.loads(response.get_data())
    assert view["cloud"]["words"][0]["text"] == "#" + evil  # raw in JSON; the page sets it as text
    assert view["sphere"]["words"][0]["text"] == "#" + evil  # the sphere's SVG labels too
    assert "<script>" not in orjson.dumps(view["series"]).decode()


def test_stream_sends_the_view_then_ends(client):
    response = client.get("/api/stream?window=5")
    assert response.mimetype == "text/event-stream"
    body = response.get_data(as_text=True)  # STREAM_MAX_SECONDS is 0.5 in the fixture
    assert body.startswith("retry: 1000\n\n")
    event = re.search(r"id: (\d+)\nevent: update\ndata: (.*)\n\n", body)
    assert event and orjson.loads(event.group(2))["cloud"]["words"][0]["key"] == "openstack"


def test_stream_limit_answers_503_and_polling_still_works(data_dir):
    app = create_app({"DATA": f"file://{data_dir}", "START_REFRESHER": False, "MAX_STREAMS": 0})
    client = app.test_client()
    response = client.get("/api/stream")
    assert response.status_code == 503 and "poll /api/view" in response.get_json()["error"]
    assert client.get("/api/view").status_code == 200


def test_repeated_requests_reuse_one_serialization(client, app):
    first = client.get("/api/top?n=5").get_data()
    presenter = app.extensions["tweetviz"].presenter
    assert presenter.top(5, 5, False) is presenter.top(5, 5, False)
    assert client.get("/api/top?n=5").get_data() == first


def test_health_carries_the_jobs_input_totals_and_a_2099_window_never_becomes_the_data_time(tmp_path):
    root = tmp_path / "out"
    now = minute_now()
    rows = window_rows(now - 60, {"AWS": 3}, 1) + window_rows(4070908800, {"FromTheFuture": 1}, 1)  # 2099-01-01
    doc = orjson.loads(latest_doc(rows, 1, now))
    doc["input"] = {"implausible_time": 1, "lost_offsets": 300, "<b>": 5, "negative": -1}
    write_local(str(root), {"latest.json": orjson.dumps(doc)})
    app = create_app({"DATA": f"file://{root}", "START_REFRESHER": False})
    app.extensions["tweetviz"].store.refresh_once(force_scan=True)
    client = app.test_client()
    health = client.get("/api/health").get_json()
    assert health["implausible_time"] == 1 and health["lost_offsets"] == 300 and health["future_rows"] == 1
    assert health["data_time"] == client.get("/api/top").get_json()["data_time"]
    assert health["data_time"] < "2027"  # the newest window ending before the wall clock + slack, not 2099
    assert [t["hashtag"] for t in client.get("/api/top?window=1").get_json()["tags"]] == ["aws"]


def test_health_without_input_totals_says_null(tmp_path):
    root = tmp_path / "out"
    write_local(str(root), {"latest.json": latest_doc(window_rows(minute_now() - 60, {"AWS": 3}, 1), 1, minute_now())})
    app = create_app({"DATA": f"file://{root}", "START_REFRESHER": False})
    app.extensions["tweetviz"].store.refresh_once()
    health = app.test_client().get("/api/health").get_json()
    assert health["implausible_time"] is None and health["lost_offsets"] is None and health["future_rows"] == 0
