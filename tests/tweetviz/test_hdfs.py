"""The API against real HDFS (WebHDFS) holding TweeTics-shaped output in a fresh uuid folder."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tweetdev.harness import write_hdfs
from tweetviz import create_app
from tweetviz.sample import build_output, jsonl, latest_doc, partition, window_rows

from .helpers import TcpProxy, minute_now, wait_until

pytestmark = pytest.mark.integration

TAGS = {"OpenStack": 12, "Kubernetes": 8, "AWS": 3}


@pytest.fixture
def hdfs_out(hdfs_client, hdfs_path) -> dict:
    """20 minutes of output written by batch 5, plus an older batch with a tag latest.json dropped."""
    end = minute_now()
    files = build_output(end, 20, TAGS, batch_id=5, trends={"OpenStack": 1.7})
    files[f"{partition(end - 1800)}/batch-000000004.jsonl"] = jsonl(window_rows(end - 1800, {"Rare": 6}, 4))
    write_hdfs(hdfs_client, hdfs_path, files)
    return {"path": hdfs_path, "end": end}


def webhdfs_data(webhdfs_url: str, path: str, port: int | None = None) -> str:
    parts = urlsplit(webhdfs_url)
    return f"webhdfs://{parts.hostname}:{port or parts.port}{path}"


def make_app(data: str, **extra):
    app = create_app({"DATA": data, "START_REFRESHER": False, "HDFS_USER": "tweetics", "HDFS_TIMEOUT": 2.0,
                      **extra})
    app.extensions["tweetviz"].store.refresh_once(force_scan=True)
    return app


def tops(client, window: int) -> dict[str, int]:
    return {t["hashtag"]: t["count"] for t in client.get(f"/api/top?window={window}&n=50").get_json()["tags"]}


def test_api_serves_the_counts_in_hdfs(webhdfs_url, hdfs_out):
    app = make_app(webhdfs_data(webhdfs_url, hdfs_out["path"]))
    client = app.test_client()
    assert tops(client, 1) == {"openstack": 12, "kubernetes": 8, "aws": 3}
    assert tops(client, 15) == {"openstack": 180, "kubernetes": 120, "aws": 45}
    # The 60-minute window also has the older batch's tag, read from its hour partition.
    assert tops(client, 60) == {"openstack": 240, "kubernetes": 160, "aws": 60, "rare": 6}
    top = client.get("/api/top?n=1").get_json()
    assert top["tags"][0] == {"hashtag": "openstack", "display": "OpenStack", "count": 60, "trend": 1.7}
    assert top["status"]["state"] == "ok" and top["status"]["batch_id"] == 5
    assert top["status"]["source"].startswith("webhdfs://")
    series = client.get("/api/series?tags=aws,rare&window=60").get_json()
    assert sum(series["series"][0]["counts"]) == 60 and sum(series["series"][1]["counts"]) == 6
    health = client.get("/api/health").get_json()
    assert health["status"] == "ok" and health["cache_files"] >= 2


def test_hdfs_url_is_read_through_the_configured_webhdfs(hdfs_url, webhdfs_url, hdfs_out):
    app = make_app(f"{hdfs_url}{hdfs_out['path']}", WEBHDFS_URL=webhdfs_url)
    assert tops(app.test_client(), 1) == {"openstack": 12, "kubernetes": 8, "aws": 3}


def test_new_counts_written_to_hdfs_appear_and_only_new_files_are_read(hdfs_client, webhdfs_url, hdfs_out):
    app = make_app(webhdfs_data(webhdfs_url, hdfs_out["path"]))
    store = app.extensions["tweetviz"].store
    source = store.source
    reads: list[str] = []
    original = source.read
    source.read = lambda path: reads.append(path) or original(path)  # count, still real reads
    assert not store.refresh_once(force_scan=True)
    assert reads == [], "unchanged files come from the cache"
    end = hdfs_out["end"]
    rows = window_rows(end - 60, {"OpenStack": 20, "Brandnew": 9}, 6)
    write_hdfs(hdfs_client, hdfs_out["path"], {f"{partition(end - 60)}/batch-000000006.jsonl": jsonl(rows),
                                               "latest.json": latest_doc(rows, 6, end + 5)})
    assert store.refresh_once(force_scan=True)
    assert sorted(reads) == sorted(["latest.json", f"{partition(end - 60)}/batch-000000006.jsonl"])
    assert tops(app.test_client(), 1) == {"openstack": 20, "brandnew": 9, "kubernetes": 8, "aws": 3}


def test_live_refresher_picks_up_an_hdfs_write(hdfs_client, webhdfs_url, hdfs_out):
    app = create_app({"DATA": webhdfs_data(webhdfs_url, hdfs_out["path"]), "HDFS_USER": "tweetics",
                      "POLL_INTERVAL": 0.1})
    store = app.extensions["tweetviz"].store
    try:
        wait_until(lambda: store.snapshot.state == "ok", timeout=15)
        end = hdfs_out["end"]
        rows = window_rows(end - 60, {"LiveTag": 4}, 7)
        write_hdfs(hdfs_client, hdfs_out["path"], {"latest.json": latest_doc(rows, 7, end + 9)})
        wait_until(lambda: "livetag" in tops(app.test_client(), 1), timeout=15)
    finally:
        store.stop()


@pytest.fixture
def proxied(webhdfs_url, hdfs_out):
    """``(proxy, test client, store)``: the app reads WebHDFS through a TCP proxy the test can cut."""
    parts = urlsplit(webhdfs_url)
    proxy = TcpProxy(parts.hostname, parts.port).start()
    try:
        app = make_app(webhdfs_data(webhdfs_url, hdfs_out["path"], proxy.port), HDFS_TIMEOUT=1.0)
        yield proxy, app.test_client(), app.extensions["tweetviz"].store
    finally:
        proxy.stop()


def test_webhdfs_outage_serves_last_data_degraded_and_recovers(proxied):
    proxy, client, store = proxied
    assert client.get("/api/health").get_json()["status"] == "ok"
    proxy.stop()  # WebHDFS is down
    store.refresh_once()
    health = client.get("/api/health")
    assert health.status_code == 503 and health.get_json()["status"] == "degraded"
    assert "WebHDFS" in health.get_json()["error"]
    for path in ("/api/top?window=15", "/api/series?tags=aws", "/api/view", "/"):
        assert client.get(path).status_code == 200, path
    top = client.get("/api/top?window=1").get_json()
    assert top["status"]["stale_since"] and top["tags"][0]["count"] == 12
    proxy.start()  # same port again
    wait_until(lambda: store.refresh_once() or store.snapshot.state == "ok", timeout=10)
    assert client.get("/api/health").get_json()["status"] == "ok"
    assert client.get("/api/top").get_json()["status"]["stale_since"] is None


def test_slow_webhdfs_times_out_to_degraded_and_recovers(proxied):
    proxy, client, store = proxied
    proxy.stall()  # the NameNode accepts connections but never answers
    store.refresh_once()  # bounded by HDFS_TIMEOUT, not hung
    answer = client.get("/api/health")
    health = answer.get_json()
    assert answer.status_code == 503 and health["status"] == "degraded" and "timed out" in health["error"]
    assert client.get("/api/top?window=1").get_json()["tags"][0]["count"] == 12
    proxy.stop()
    proxy.start()
    wait_until(lambda: store.refresh_once() or store.snapshot.state == "ok", timeout=10)
