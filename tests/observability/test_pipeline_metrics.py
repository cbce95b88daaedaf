"""Every program's /metrics scraped during a real run (tweetpub -> Kafka -> spark-submit'ed job -> HDFS -> tweetviz
under gunicorn), with JSON logs and a Kafka password in the client settings: the figures move and agree with
Kafka and with each other; no log line, /metrics page or command line shows the password."""
from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timezone
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.harness import generate
from tests.observability.conftest import all_cmdlines, queried_metrics, scrape, total, value
from tweetdev.harness import free_port, get_json, topic_end_offsets, wait_for
from tweetdev.pipeline import BIN

pytestmark = pytest.mark.integration

MALFORMED = 4


def _json_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text(errors="replace").splitlines() if line.startswith("{")]


def test_metrics_of_the_three_programs_move_during_a_run(run, tmp_path):
    password = "pw-" + secrets.token_urlsafe(24)
    props = tmp_path / "kafka.properties"  # SASL settings beside PLAINTEXT: read, handed to the clients, unused
    props.write_text(f"security.protocol=PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=tweetics\n"
                     f"sasl.password={password}\n")
    recording = generate(tmp_path / "rec.jsonl", count=400, duration_s=300, seed=11, malformed=MALFORMED,
                         start="2026-11-21T09:00:00Z")
    pub_port, job_port, viz_port = free_port(), free_port(), free_port()
    env = run.env
    run.pipeline.start("tweetics", [
        str(BIN / "tweetics"), "--log-format", "json", "submit", "--master", env["SPARK_MASTER"],
        "--driver-memory", "1g", "--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"], "--topic", run.topic,
        "--kafka-config-file", str(props), "--output", run.output, "--checkpoint", run.checkpoint,
        "--trigger", "1 second", "--starting-offsets", "earliest", "--shuffle-partitions", "2",
        "--metrics-port", str(job_port), "--metrics-addr", "127.0.0.1"])
    data = env["WEBHDFS_URL"].replace("http://", "webhdfs://") + f"{run.root}/output"
    run.pipeline.start("tweetviz", [str(BIN / "tweetviz"), "serve", "--data", data, "--port", str(viz_port),
                                    "--workers", "2", "--threads", "8", "--poll-interval", "0.2"],
                       extra_env={"TWEETVIZ_LOG_FORMAT": "json"})
    job = f"http://127.0.0.1:{job_port}/metrics"
    # The driver serves /metrics before its query starts: the topic is still empty, nothing read yet.
    first = wait_for(lambda: scrape(job), 240, 0.5, what="the job's /metrics")
    assert value(first, "tweetics_input_rows_total") == 0
    # tweetpub: paced so several scrapes land mid-run; /metrics kept up after the run for the final scrape.
    run.pipeline.start("tweetpub", [
        str(BIN / "tweetpub"), "--log-format", "json", "replay", str(recording), "--no-filter",
        "--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"], "--topic", run.topic, "--partitions", "2",
        "--kafka-config-file", str(props), "--rate", "100", "--metrics-port", str(pub_port),
        "--metrics-addr", "127.0.0.1", "--metrics-linger", "600"])

    # --- tweetpub: records sent rise while it runs, and end at exactly what Kafka holds ---------------------
    pub = f"http://127.0.0.1:{pub_port}/metrics"
    seen: list[float] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            got = scrape(pub)
        except OSError:
            time.sleep(0.2)
            continue
        seen.append(value(got, "tweetpub_records_sent_total", topic=run.topic) or 0.0)
        if "run over" in (run.pipeline.log_dir / "tweetpub.log").read_text(errors="replace"):
            break
        time.sleep(0.3)
    final = scrape(pub)
    in_kafka = topic_end_offsets(env["KAFKA_BOOTSTRAP_SERVERS"], run.topic)
    sent = value(final, "tweetpub_records_sent_total", topic=run.topic)
    assert in_kafka > 300 and sent == in_kafka, (sent, in_kafka)
    assert len({v for v in seen if 0 < v < sent}) >= 2 and seen == sorted(seen), seen  # it moved, upwards
    assert total(final, "tweetpub_dead_letters_total") == MALFORMED
    assert value(final, "tweetpub_records_sent_total", topic=f"{run.topic}.dlq") == MALFORMED
    assert value(final, "tweetpub_bytes_sent_total", topic=run.topic) > 100 * sent
    assert value(final, "tweetpub_delivery_failures_total", topic=run.topic) == 0
    assert value(final, "tweetpub_lines_read_total") >= in_kafka / 2
    summary = [ln for ln in (run.pipeline.log_dir / "tweetpub.log").read_text().splitlines() if "summary:" in ln]
    assert summary and f"produced={int(sent)} " in summary[0], summary

    # --- the job: batches counted, every record read, lag drained to 0 on both partitions -----------------
    def drained():
        got = scrape(job)
        return got if total(got, "tweetics_input_rows_total") == in_kafka and \
            total(got, "tweetics_kafka_processed_offset", topic=run.topic) == in_kafka else None

    done = wait_for(drained, 900, 1, what="the job to read every record")  # a loaded CI machine: minutes
    assert value(done, "tweetics_batches_total") > value(first, "tweetics_batches_total")
    assert value(done, "tweetics_last_batch_id") >= 0
    assert value(done, "tweetics_last_batch_timestamp_seconds") > time.time() - 600
    lags = {ls: v for (n, ls), v in done.items() if n == "tweetics_kafka_lag"}
    assert len(lags) == 2 and set(lags.values()) == {0.0}, lags
    assert value(done, "tweetics_valid_records_total") == in_kafka
    assert total(done, "tweetics_dropped_records_total") == 0 and value(done, "tweetics_lost_offsets_total") == 0
    assert value(done, "tweetics_batch_duration_seconds_count") == value(done, "tweetics_batches_total")
    assert value(done, "tweetics_state_rows") > 0

    # --- tweetviz: data seen, requests counted across both gunicorn workers, a stream open then closed -----
    viz = f"http://127.0.0.1:{viz_port}"
    wait_for(lambda: get_json(f"{viz}/api/health")["status"] == "ok", 120, 0.5, what="dashboard ok")
    before = scrape(f"{viz}/metrics")
    for _ in range(7):
        assert get_json(f"{viz}/api/top?window=60&n=5")["tags"]
    after = scrape(f"{viz}/metrics")
    key = dict(endpoint="/api/top", method="GET", status="200")
    assert (value(after, "tweetviz_http_requests_total", **key) or 0) - \
        (value(before, "tweetviz_http_requests_total", **key) or 0) == 7
    assert value(after, "tweetviz_http_request_duration_seconds_count", endpoint="/api/top") >= 7
    assert value(after, "tweetviz_source_up") == 1 and value(after, "tweetviz_source_state", state="ok") == 1
    # the recording's last window ends at 09:05 or 09:06 of its (past) day: data age is measured from there
    newest = datetime(2026, 11, 21, 9, 5, tzinfo=timezone.utc).timestamp()
    assert -5 <= (time.time() - newest) - value(after, "tweetviz_data_age_seconds") <= 60 + 5
    assert value(after, "tweetviz_open_streams") == 0
    stream = urllib.request.urlopen(f"{viz}/api/stream?window=5", timeout=10)
    assert stream.readline() == b"retry: 1000\n"
    wait_for(lambda: value(scrape(f"{viz}/metrics"), "tweetviz_open_streams") == 1, 20, 0.3, what="one open stream")
    stream.close()
    wait_for(lambda: value(scrape(f"{viz}/metrics"), "tweetviz_open_streams") == 0, 60, 0.5, what="stream closed")

    # --- logs: JSON lines from the three; access lines for the requests; the password nowhere -------------
    logs = {name: run.pipeline.log_dir / f"{name}.log" for name in ("tweetpub", "tweetics", "tweetviz")}
    pub_lines, job_lines, viz_lines = (_json_lines(logs[n]) for n in ("tweetpub", "tweetics", "tweetviz"))
    assert any(r["logger"] == "tweetpub.metrics" for r in pub_lines), pub_lines[:5]
    assert any(r["logger"] == "tweetics.listener" and r["message"].startswith("batch ") for r in job_lines)
    access = [r for r in viz_lines if r["logger"] == "gunicorn.access" and r.get("path") == "/api/top"]
    assert len(access) >= 7 and {r["status"] for r in access} == {200} and all(r["duration_ms"] >= 0 for r in access)
    pages = "\n".join(urllib.request.urlopen(u, timeout=5).read().decode() for u in (pub, job, f"{viz}/metrics"))
    for name, log in logs.items():
        assert password not in log.read_text(errors="replace"), f"the password is in {name}'s log"
    assert password not in pages and password not in all_cmdlines()

    for name, got in (("tweetpub", final), ("tweetics", done), ("tweetviz", after)):  # shown with pytest -rP
        print(f"--- {name} /metrics (excerpt)")
        for (n, labels), v in sorted(got.items()):
            if n.startswith(name) and not n.endswith(("_bucket", "_created")):
                print(n + ("{" + ",".join(f'{k}="{x}"' for k, x in labels) + "}" if labels else ""), v)

    # --- every metric the Grafana dashboard and the alert rules query is exported (live-source ones: see
    # test_live_metrics) --------------------------------------------------------------------------------
    exported = {n for got in (final, done, after) for (n, _labels) in got}
    wanted = {m for m in queried_metrics() if not m.startswith("tweetpub_source_")}
    assert len(wanted) > 20 and wanted <= exported, sorted(wanted - exported)
