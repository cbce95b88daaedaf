"""`tweetviz serve` under gunicorn (two workers), text log format: the access log is on stderr in the
suite's text format, and /metrics counts the requests of both workers."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.observability.conftest import scrape, value
from tweetdev.harness import free_port, wait_for

BIN = Path(sys.executable).parent


def test_text_access_log_and_metrics_summed_over_workers(tmp_path):
    data = tmp_path / "out"
    data.mkdir()
    port = free_port()
    err = tmp_path / "stderr.txt"
    with err.open("w") as out:
        proc = subprocess.Popen([str(BIN / "tweetviz"), "serve", "--data", f"file://{data}", "--port", str(port),
                                 "--workers", "2", "--threads", "4"], stderr=out, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: urllib.request.urlopen(f"{base}/api/ping", timeout=2).status == 200, 60, 0.3,
                 what="tweetviz answers")
        before = value(scrape(f"{base}/metrics"), "tweetviz_http_requests_total",
                       endpoint="/api/ping", method="GET", status="200") or 0
        for _ in range(12):  # keep-alive-free requests: gunicorn hands them to either worker
            assert urllib.request.urlopen(f"{base}/api/ping?n=1", timeout=5).status == 200
        after = scrape(f"{base}/metrics")
        assert value(after, "tweetviz_http_requests_total", endpoint="/api/ping", method="GET", status="200") \
            == before + 12
        assert value(after, "tweetviz_source_state", state="waiting") == 1  # an empty folder: no latest.json yet
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    lines = err.read_text().splitlines()
    access = [ln for ln in lines if " gunicorn.access: " in ln and '"GET /api/ping?n=1 HTTP/1.1" 200 ' in ln]
    assert len(access) == 12, lines[-20:]
    # TIME LEVEL logger: message (UTC, the contract's text format), the message in gunicorn's combined format
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO gunicorn\.access: 127\.0\.0\.1 - - \[", access[0]), access[0]
    pids = {ln.split("Booting worker with pid: ")[1] for ln in lines if "Booting worker with pid: " in ln}
    assert len(pids) == 2, lines[:20]
