"""tweetpub's /metrics on a live source (the fake X API, real Kafka): the connection figures, and the bearer
token and a Kafka password in no log line (debug logs, JSON format), no /metrics page and no command line."""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.observability.conftest import all_cmdlines, queried_metrics, scrape, value
from tests.tweetpub_live.conftest import fake_api, token  # noqa: F401  (fixtures: the fake X API, a random token)
from tweetdev.fakestream import Drop, FakeXApi, Hold, KeepAlive, Page, tweet_page
from tweetdev.harness import free_port, wait_for

BIN = Path(sys.executable).parent
BOSTON = "-71.4415,41.986,-70.4747,42.9041"


@pytest.mark.integration
def test_live_source_metrics_and_no_secret_anywhere(fake_api: FakeXApi, token: str, kafka_bootstrap: str,
                                                    kafka_topic, tmp_path: Path) -> None:
    fake_api.add_connection(Page(tweet_page(1), matching_tag="tweetpub"), Page(tweet_page(2), matching_tag="tweetpub"),
                            Drop())
    fake_api.add_connection(Page(tweet_page(3), matching_tag="tweetpub"), KeepAlive(1), Hold())
    password = "pw-" + secrets.token_urlsafe(24)
    props = tmp_path / "kafka.properties"
    props.write_text(f"security.protocol=PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=tweetpub\n"
                     f"sasl.password={password}\n")
    port, topic, log = free_port(), kafka_topic(), tmp_path / "tweetpub.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(BIN / "tweetpub"), "-vv", "stream", "--api-base", fake_api.base_url, "--access-level", "basic",
             "--locations", BOSTON, "--backoff-scale", "0.01", "--bootstrap-servers", kafka_bootstrap,
             "--topic", topic, "--kafka-config-file", str(props), "--metrics-port", str(port),
             "--metrics-addr", "127.0.0.1"],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "TWEETPUB_LOG_FORMAT": "json"})
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        got = wait_for(lambda: (g := scrape(url)) if value(g := scrape(url), "tweetpub_records_sent_total",
                                                              topic=topic) == 3 else None,
                       60, 0.3, what="three tweets acknowledged")
        assert value(got, "tweetpub_source_connections_total") == 2
        assert value(got, "tweetpub_source_reconnects_total") >= 1
        assert value(got, "tweetpub_source_messages_total") >= 3
        assert value(got, "tweetpub_source_connected") == 1
        assert 0 <= value(got, "tweetpub_source_last_message_age_seconds") < 30
        wanted = {m for m in queried_metrics() if m.startswith("tweetpub_source_")}  # replay's: the pipeline test
        assert wanted <= {n for n, _ in got}, sorted(wanted - {n for n, _ in got})
        with urllib.request.urlopen(url, timeout=5) as resp:
            page = resp.read().decode()
        cmdlines = all_cmdlines()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    text = log.read_text(errors="replace")
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(r["level"] == "DEBUG" for r in records), text[-2000:]  # -vv: the most verbose logs
    assert any(r["logger"].startswith("tweetpub.live") for r in records), text[-2000:]
    for secret in (token, password):
        assert secret not in text and secret not in page and secret not in cmdlines
