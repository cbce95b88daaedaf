"""Fault injection: after each fault the final counts equal the ground truth exactly (nothing lost, nothing
counted twice) and the dashboard recovers by itself. Runs on private stacks (their own folders and ports), so
restarting daemons never disturbs the session's stack or an external cluster. Each case ends by itself.

The recovery times and record counts go to build/faults.jsonl; the session prints them as a table.
"""
from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from hdfs import InsecureClient

from tests.e2e.faults import FaultResult, PrivateStack, TcpProxy
from tests.e2e.harness import (cli_counts, committed_batches, diff, expected_envelopes, generate, topic_ids, totals,
                               truth)
from tweetdev.harness import Run, eventually_equal, free_port, get_json, topic_end_offsets, wait_for
from tweetdev.pipeline import Pipeline

pytestmark = pytest.mark.integration
RATE = 20  # tweets/s: the replay lasts ~40 s, so every fault lands while data still flows


@pytest.fixture(scope="module")
def stack1(tmp_path_factory):
    s = PrivateStack.up(tmp_path_factory.mktemp("fault-stack-1"), brokers=1, port_offset=12000)
    yield s
    s.down()


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = generate(tmp_path_factory.mktemp("rec") / "faults.jsonl", count=1000, duration_s=600, seed=11, malformed=3)
    envs = expected_envelopes(path)
    return path, envs, truth(envs)


def make_run(stack: PrivateStack, tmp_path: Path, request, replication: int = 1) -> Run:
    topic = f"faults-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": stack.env["KAFKA_BOOTSTRAP_SERVERS"]})
    topics = [NewTopic(t, num_partitions=2, replication_factor=replication) for t in (topic, f"{topic}.dlq")]
    for fut in admin.create_topics(topics).values():
        fut.result(timeout=60)
    pipeline = Pipeline(tmp_path / "logs", stack.env)
    request.node._pipeline = pipeline
    request.addfinalizer(pipeline.stop_all)
    return Run(stack.env, topic, f"/faults/{topic}", pipeline)


def client(stack: PrivateStack) -> InsecureClient:
    return InsecureClient(stack.env["WEBHDFS_URL"], user="tweetics", timeout=10)


def wait_produced(run: Run, n: int, timeout: float = 120) -> None:
    wait_for(lambda: topic_end_offsets(run.env["KAFKA_BOOTSTRAP_SERVERS"], run.topic) >= n, timeout, 0.3,
             what=f"{n} records in {run.topic}")


def wait_new_batch(stack: PrivateStack, run: Run, after: int, timeout: float = 180) -> float:
    t0 = time.monotonic()
    wait_for(lambda: committed_batches(client(stack), run.root) > after, timeout, 0.3, what="a new committed batch")
    return time.monotonic() - t0


def settle(run: Run, envelopes, want, name: str, recovery: float, means: str) -> None:
    """Let the replay finish and the job drain, then compare with the truth and record the result."""
    if "tweetpub" in run.pipeline.children:
        assert run.pipeline.wait("tweetpub", timeout=240) == 0, "replay failed after the fault"
    got = eventually_equal(lambda: cli_counts(run.output, run.env), want, timeout=300)
    lost, dup = diff(got if isinstance(got, dict) else {}, want)
    ids = topic_ids(run.env["KAFKA_BOOTSTRAP_SERVERS"], run.topic)
    absorbed = sum(n - 1 for n in ids.values() if n > 1)
    FaultResult(name, recovery, means, lost, dup, absorbed).save()
    assert set(ids) == {e["id"] for e in envelopes}, "a tweet is missing from Kafka"
    assert got == want


def test_kill_tweetpub_then_resume(stack1, recording, tmp_path, request):
    path, envelopes, want = recording
    run = make_run(stack1, tmp_path, request)
    run.start_job()
    run.replay(path, rate=RATE)
    wait_produced(run, len(envelopes) // 3)
    run.pipeline.kill("tweetpub")
    before = topic_end_offsets(run.env["KAFKA_BOOTSTRAP_SERVERS"], run.topic)
    t0 = time.monotonic()
    run.replay(path, rate=RATE, resume=True)
    wait_produced(run, before + 1)
    settle(run, envelopes, want, "kill -9 tweetpub mid-replay, then --resume", time.monotonic() - t0,
           "restart to first new record in Kafka")


def test_kill_spark_driver_then_restart(stack1, recording, tmp_path, request):
    path, envelopes, want = recording
    run = make_run(stack1, tmp_path, request)
    run.start_job()
    run.replay(path, rate=RATE)
    wait_for(lambda: committed_batches(client(stack1), run.root) >= 1, 180, 0.5, what="a first committed batch")
    assert run.pipeline.alive("tweetpub"), "the replay ended before the fault; slow it down"
    run.pipeline.kill("tweetics")
    after = committed_batches(client(stack1), run.root)
    t0 = time.monotonic()
    run.start_job()
    wait_new_batch(stack1, run, after)
    settle(run, envelopes, want, "kill -9 of the Spark driver, restart from the checkpoint", time.monotonic() - t0,
           "restart to first batch committed by the new driver")


def test_restart_single_broker(stack1, recording, tmp_path, request):
    path, envelopes, want = recording
    run = make_run(stack1, tmp_path, request)
    run.start_job()
    run.replay(path, rate=RATE)
    wait_produced(run, len(envelopes) // 3)
    stack1.stop_broker(1)
    time.sleep(3)  # the outage: producer and job both see the broker gone
    t0 = time.monotonic()
    stack1.ensure_up()
    before = topic_end_offsets(run.env["KAFKA_BOOTSTRAP_SERVERS"], run.topic)
    wait_produced(run, before + 1)
    wait_new_batch(stack1, run, committed_batches(client(stack1), run.root))
    settle(run, envelopes, want, "restart of the single Kafka broker", time.monotonic() - t0,
           "broker start to producing and a new batch")


def test_namenode_restart(stack1, recording, tmp_path, request):
    path, envelopes, want = recording
    run = make_run(stack1, tmp_path, request)
    port = free_port()
    run.start_job()
    run.start_viz(port)
    run.replay(path, rate=RATE)
    wait_for(lambda: committed_batches(client(stack1), run.root) >= 1, 180, 0.5, what="a first committed batch")
    assert run.pipeline.alive("tweetpub"), "the replay ended before the fault; slow it down"
    stack1.stop_namenode()
    time.sleep(3)
    t0 = time.monotonic()
    stack1.ensure_up()
    after = committed_batches(client(stack1), run.root)
    wait_new_batch(stack1, run, after)
    recovery = time.monotonic() - t0
    assert run.pipeline.alive("tweetics"), "the job died with the NameNode instead of riding it out"
    settle(run, envelopes, want, "NameNode restart", recovery, "NameNode start to a new committed batch")
    wait_for(lambda: get_json(f"http://127.0.0.1:{port}/api/health")["status"] == "ok", 60, 0.5, what="dashboard ok")


def test_webhdfs_outage_while_dashboard_open(stack1, recording, tmp_path, request):
    path, envelopes, want = recording
    run = make_run(stack1, tmp_path, request)
    nn_http = int(stack1.env["WEBHDFS_URL"].rsplit(":", 1)[1])
    proxy = TcpProxy(nn_http).start()
    request.addfinalizer(proxy.cut)
    port = free_port()
    run.start_job()
    run.start_viz(port, webhdfs_url=f"http://127.0.0.1:{proxy.port}")
    run.replay(path, rate=RATE)
    health = f"http://127.0.0.1:{port}/api/health"
    wait_for(lambda: get_json(health)["status"] == "ok", 120, 0.5, what="dashboard ok before the outage")
    proxy.cut()
    stale = wait_for(lambda: (h := get_json(health))["status"] == "degraded" and h, 60, 0.5, what="degraded health")
    assert stale["stale_since"], stale
    # The page keeps serving the last good data meanwhile: no 500s.
    assert get_json(f"http://127.0.0.1:{port}/api/top?window=60&n=5")["tags"]
    time.sleep(3)
    t0 = time.monotonic()
    proxy.restore()
    wait_for(lambda: get_json(health)["status"] == "ok", 60, 0.2, what="dashboard recovered")
    recovery = time.monotonic() - t0
    settle(run, envelopes, want, "WebHDFS outage while the dashboard is open", recovery,
           "WebHDFS back to /api/health ok")
    ranked = sorted(totals(want).items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    top = lambda: [(t["hashtag"], t["count"]) for t in get_json(f"http://127.0.0.1:{port}/api/top?window=60&n=20")["tags"]]
    assert eventually_equal(top, ranked, timeout=60, interval=1) == ranked


def test_kill_one_of_three_brokers_while_producing(recording, tmp_path_factory, tmp_path, request):
    stack3 = PrivateStack.up(tmp_path_factory.mktemp("fault-stack-3"), brokers=3, port_offset=13000)
    request.addfinalizer(stack3.down)
    path, envelopes, want = recording
    run = make_run(stack3, tmp_path, request, replication=3)
    run.start_job()
    run.replay(path, rate=RATE)
    wait_produced(run, len(envelopes) // 3)
    stack3.kill_broker(2)
    t0 = time.monotonic()
    # Partitions led by the dead broker answer only after a new leader is elected: retry the lookup.
    before = wait_for(lambda: topic_end_offsets(run.env["KAFKA_BOOTSTRAP_SERVERS"], run.topic), 60, 0.3,
                      what="end offsets after the kill")
    wait_produced(run, before + 20)
    wait_new_batch(stack3, run, committed_batches(client(stack3), run.root))
    settle(run, envelopes, want, "kill -9 of 1 of 3 brokers while producing (RF 3, min ISR 2)",
           time.monotonic() - t0, "kill to producing and a new batch")
