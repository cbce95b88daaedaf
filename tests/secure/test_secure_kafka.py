"""Kafka with SASL_SSL (SCRAM-SHA-512) end to end, on a private `up --secure` stack of the launcher.

replay (tweetpub --kafka-config-file) -> the job (--kafka-config-file, the late recount included) -> counts equal
the ground truth; clients without credentials, with a wrong password or without the CA are refused with a clear
reason; the password is on no process's command line nor in any environment while the job runs, nor in its log.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic
from hdfs import InsecureClient

from tests.e2e.harness import cli_counts, expected_envelopes, generate, truth
from tweetdev.harness import Run
from tweetdev.pipeline import BIN, Pipeline
from tweetdev.services import STACK, complete
from tweetdev.stack.cli import read_env

pytestmark = pytest.mark.integration
PORT_OFFSET = 4600  # Kafka 13692/13693, HDFS 12620 and 14470: clear of the shared stack and the fault stacks


def _properties(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


@pytest.fixture(scope="module")
def secure_stack(tmp_path_factory):
    d = tmp_path_factory.mktemp("secure-stack")
    proc = subprocess.run([*STACK, "--dir", str(d), "up", "--secure", "--port-offset", str(PORT_OFFSET)],
                          capture_output=True, text=True, timeout=600)
    try:
        assert proc.returncode == 0, f"secure stack did not start: {proc.stderr[-1500:]}"
        env = complete(read_env(d))
        yield d, env
    finally:
        subprocess.run([*STACK, "--dir", str(d), "down"], capture_output=True, timeout=300)


def _client_settings(env: dict[str, str]) -> dict[str, str]:
    return _properties(Path(env["KAFKA_CONFIG_FILE"]))


def _refusal(env: dict[str, str], settings: dict[str, str]) -> list[tuple[str, str]]:
    """Ask for metadata with ``settings``; must fail. Returns the (error name, text) librdkafka reported."""
    errors: list[tuple[str, str]] = []
    admin = AdminClient({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"], "log_level": 0,
                         "error_cb": lambda e: errors.append((e.name(), e.str())), **settings})
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=8)
    admin.poll(1)
    return errors


def test_env_file_names_a_private_settings_file_not_the_password(secure_stack):
    d, env = secure_stack
    settings_file = Path(env["KAFKA_CONFIG_FILE"])
    settings = _properties(settings_file)
    assert settings["security.protocol"] == "SASL_SSL" and settings["sasl.mechanism"] == "SCRAM-SHA-512"
    assert settings_file.stat().st_mode & 0o077 == 0, "client.properties must be readable by its owner only"
    assert settings["sasl.password"] not in (d / "env").read_text()
    for server_props in (d / "kafka").glob("node-*/server.properties"):
        assert server_props.stat().st_mode & 0o077 == 0
        assert "PLAINTEXT://" not in _properties(server_props)["advertised.listeners"]


def test_clients_without_valid_credentials_are_refused(secure_stack, tmp_path):
    _, env = secure_stack
    good = _client_settings(env)
    # The right credentials get metadata: the refusals below are about the credentials, nothing else.
    AdminClient({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"], **good}).list_topics(timeout=30)

    # No credentials at all (a plain client, as every client was before): the broker speaks TLS only.
    assert _refusal(env, {})
    # TLS with the stack's CA but no SASL login: the broker closes the connection.
    assert _refusal(env, {"security.protocol": "SSL", "ssl.ca.location": good["ssl.ca.location"]})
    # The right user with a wrong password: an authentication error that says so.
    wrong = _refusal(env, {**good, "sasl.password": "not-" + good["sasl.password"]})
    assert any(name == "_AUTHENTICATION" and "invalid credentials" in text for name, text in wrong), wrong
    # A user that does not exist: the same clear refusal.
    nobody = _refusal(env, {**good, "sasl.username": "nobody"})
    assert any(name == "_AUTHENTICATION" and "SCRAM-SHA-512" in text for name, text in nobody), nobody
    # tweetpub with a wrong password: one line that says the login was refused, and exit status 3.
    bad = tmp_path / "wrong.properties"
    bad.write_text("".join(f"{k}={v}\n" for k, v in {**good, "sasl.password": "wrong-" + good["sasl.password"]}.items()))
    bad.chmod(0o600)
    recording = generate(tmp_path / "few.jsonl", count=5, duration_s=10, seed=3)
    proc = subprocess.run([str(BIN / "tweetpub"), "replay", str(recording), "--bootstrap-servers",
                           env["KAFKA_BOOTSTRAP_SERVERS"], "--topic", "refused", "--kafka-config-file", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "refused" in proc.stderr and "invalid credentials" in proc.stderr, proc.stderr[-2000:]
    assert good["sasl.password"] not in proc.stderr + proc.stdout
    # Without the stack's CA the broker's certificate is not trusted.
    untrusted = _refusal(env, {k: v for k, v in good.items() if k != "ssl.ca.location"})
    assert any("certificate verify failed" in text for _, text in untrusted), untrusted


def _secret_holders(secret: bytes, pids_seen: set[int]) -> list[str]:
    """Every process whose command line or (readable) environment holds ``secret``."""
    hits = []
    for proc in Path("/proc").glob("[0-9]*"):
        for part in ("cmdline", "environ"):
            try:
                data = (proc / part).read_bytes()
            except OSError:
                continue
            if part == "cmdline":
                pids_seen.add(int(proc.name))
            if secret in data:
                hits.append(f"{proc.name}/{part}: {data[:200]!r}")
    return hits


def _metrics(client: InsecureClient, root: str) -> list[dict]:
    lines = []
    for name in client.list(f"{root}/output/metrics"):
        with client.read(f"{root}/output/metrics/{name}") as f:
            lines += [json.loads(line) for line in f.read().splitlines() if line.strip()]
    return lines


def _run_job(run: Run, env: dict[str, str], secret: bytes) -> list[str]:
    """The job over what the topic holds (--available-now), scanning /proc while it runs; returns the hits."""
    hits: list[str] = []
    pids: set[int] = set()
    run.pipeline.start("tweetics", [str(BIN / "tweetics"), "submit", "--master", env["SPARK_MASTER"],
                                    "--driver-memory", "1g", "--conf", "spark.ui.enabled=false", "--",
                                    "--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"],
                                    "--kafka-config-file", env["KAFKA_CONFIG_FILE"], "--topic", run.topic,
                                    "--output", run.output, "--checkpoint", run.checkpoint,
                                    "--starting-offsets", "earliest", "--shuffle-partitions", "2",
                                    "--window", "1 minute", "--watermark", "2 minutes", "--available-now"])
    stop = threading.Event()

    def scan() -> None:
        while not stop.is_set():
            hits.extend(_secret_holders(secret, pids))
            stop.wait(0.5)

    scanner = threading.Thread(target=scan, daemon=True)
    scanner.start()
    try:
        status = run.pipeline.wait("tweetics", timeout=420)
    finally:
        stop.set()
        scanner.join()
    log = (run.pipeline.log_dir / "tweetics.log").read_text(errors="replace")
    assert status == 0, log[-3000:]
    assert secret.decode() not in log, "the password reached the job's log"
    return hits


def test_replay_job_counts_through_sasl_ssl(secure_stack, tmp_path):
    d, env = secure_stack
    settings = _client_settings(env)
    secret = settings["sasl.password"].encode()
    topic = f"secure-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"], **settings})
    for fut in admin.create_topics([NewTopic(t, num_partitions=2, replication_factor=1)
                                    for t in (topic, f"{topic}.dlq")]).values():
        fut.result(timeout=60)
    # The children get the stack's env as `. .stack/env` gives it: the settings file's path, never the password.
    pipeline = Pipeline(tmp_path / "logs", {**os.environ, **env})
    run = Run(env, topic, f"/secure/{topic}", pipeline)
    try:
        recording = generate(tmp_path / "on-time.jsonl", count=400, duration_s=600, seed=5)
        envs = expected_envelopes(recording)
        run.replay(recording, extra=["--kafka-config-file", env["KAFKA_CONFIG_FILE"]])
        assert pipeline.wait("tweetpub", timeout=180) == 0, (pipeline.log_dir / "tweetpub.log").read_text()[-2000:]

        hits = _run_job(run, env, secret)
        assert not hits, f"the SCRAM password is visible in /proc: {hits[:3]}"
        assert cli_counts(run.output, env) == truth(envs)

        # Tweets two hours older than the watermark: dropped as late, and the late recount (a second
        # Kafka read with the same secured options) counts every one of them that carries a hashtag.
        old = generate(tmp_path / "late.jsonl", count=60, duration_s=300, seed=6, start="2026-11-21T07:00:00Z")
        late_envs = [e for e in expected_envelopes(old) if truth([e])]
        assert late_envs
        run.replay(old, extra=["--kafka-config-file", env["KAFKA_CONFIG_FILE"]])
        assert pipeline.wait("tweetpub", timeout=180) == 0
        hits = _run_job(run, env, secret)
        assert not hits, f"the SCRAM password is visible in /proc: {hits[:3]}"
        assert cli_counts(run.output, env) == truth(envs)
        metrics = _metrics(InsecureClient(env["WEBHDFS_URL"], user="tweetics", timeout=10), run.root)
        assert sum(m["late_groups"] for m in metrics) > 0
        assert all(m["late"] is not None for m in metrics), "the late recount could not read the secured topic"
        assert sum(m["late"] for m in metrics) == len({e["id"] for e in late_envs})
    finally:
        pipeline.stop_all()
