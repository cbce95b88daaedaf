"""`make demo` (`python -m tweetdev.demo`): the whole pipeline on the local stack, until Ctrl-C.

Starts the stack if needed, submits TweeTics with spark-submit, replays the committed demo recording in a loop
(or streams live: ``--source bluesky`` / ``make demo SOURCE=bluesky`` from Jetstream, ``SOURCE=mastodon`` from a
Mastodon server with MASTODON_TOKEN, ``SOURCE=x`` or X_BEARER_TOKEN set from X), serves Tweetviz, prints the URL,
and on Ctrl-C stops every process it started, the stack included when it started the stack. A live source that
cannot be reached is reported in one line, before anything starts, and the demo exits 1.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

from confluent_kafka import KafkaException

from tweetdev.pipeline import BIN, Pipeline
from tweetdev.stack.cli import Shape, load_shape, down, is_running, read_env, up
from tweetdev.stack.errors import StackError
from tweetdev.stack.toolchain import REPO, default_stack_dir

DEMO_RECORDING = REPO / "tweetpub" / "data" / "demo.jsonl.gz"
#: The live demo's filter on Bluesky and Mastodon (DEMO_TRACK overrides it; empty keeps every post): tech words
#: broad enough that a minute of either network's English posts fills the cloud.
OPEN_DEMO_TRACK = ("ai,llm,opensource,open source,linux,python,rust,golang,javascript,typescript,kubernetes,docker,"
                   "cloud,devops,database,programming,coding,developer,software,tech,cybersecurity,infosec,privacy,"
                   "github,machine learning,datascience,bigdata,big data,iot,openstack,kafka,spark,android,apple,"
                   "startup,robotics,science,space,gamedev,raspberry pi,homelab,selfhosted,fediverse,atproto")
LIVE_NAMES = {"bluesky": "Bluesky (Jetstream)", "mastodon": "Mastodon (streaming API)", "x": "the X API v2 filtered stream"}


def live_argv(source: str) -> list[str]:
    """The ``tweetpub stream`` flags of a live demo source (without Kafka's)."""
    argv = [str(BIN / "tweetpub"), "stream", "--source", source]
    if source in ("bluesky", "mastodon"):
        track = os.environ.get("DEMO_TRACK", OPEN_DEMO_TRACK)
        argv += ["--track", track, "--lang", os.environ.get("DEMO_LANG", "en")] if track else ["--no-filter"]
    return argv


def probe(source: str, timeout: float = 10.0) -> str | None:
    """None when the live source answers (``tweetpub stream --dry-run``), else its one-line reason."""
    import subprocess

    if source == "mastodon" and not (os.environ.get("MASTODON_TOKEN") or os.environ.get("TWEETPUB_TOKEN_FILE")):
        return "SOURCE=mastodon needs an access token: set MASTODON_TOKEN (or TWEETPUB_TOKEN_FILE)"
    if source == "x":
        return None  # the X source checks its token and rules itself when it starts
    argv = live_argv(source) + ["--dry-run", "--connect-timeout", str(min(5.0, timeout)), "--max-retries", "0"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"{LIVE_NAMES[source]} did not answer within {timeout:g}s"
    if done.returncode == 0:
        return None
    lines = [line for line in done.stderr.splitlines() if line.startswith("tweetpub: error: ")]
    return lines[-1].removeprefix("tweetpub: error: ") if lines else f"tweetpub exited {done.returncode}"


def _wipe_hdfs(webhdfs: str, path: str) -> None:
    req = urllib.request.Request(f"{webhdfs}/webhdfs/v1{path}?op=DELETE&recursive=true&user.name=tweetics", method="DELETE")
    with urllib.request.urlopen(req, timeout=10):
        pass


def _ensure_topics(bootstrap: str, topic: str, partitions: int, config_file: str | None = None) -> None:
    """Create the topics; ``config_file``: a secured stack's client settings (KAFKA_CONFIG_FILE)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    from tweetpub.kafkaconf import read_properties

    admin = AdminClient({"bootstrap.servers": bootstrap, **(read_properties(config_file) if config_file else {})})
    existing = admin.list_topics(timeout=10).topics
    new = [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in (topic, f"{topic}.dlq") if t not in existing]
    for fut in (admin.create_topics(new).values() if new else []):
        fut.result(timeout=30)


def run(args: argparse.Namespace) -> int:
    if args.source != "replay":
        problem = probe(args.source)
        if problem:
            print(f"demo: error: cannot stream from {LIVE_NAMES[args.source]}: {problem}", file=sys.stderr)
            return 1
    stack_dir = Path(args.dir).resolve()
    started_stack = not is_running(stack_dir)
    # A running stack keeps its shape; one the demo starts is the default single-broker, local-Spark one.
    up(stack_dir, Shape() if started_stack else (load_shape(stack_dir) or Shape()))
    env = read_env(stack_dir)
    pipeline = Pipeline(stack_dir / "demo", env)
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        _ensure_topics(env["KAFKA_BOOTSTRAP_SERVERS"], args.topic, 2, env.get("KAFKA_CONFIG_FILE"))
        # A fresh output and checkpoint each run: the replay's event times start at "now" again.
        _wipe_hdfs(env["WEBHDFS_URL"], args.hdfs_root)
        output = f"{env['HDFS_URL']}{args.hdfs_root}/tweetics"
        pipeline.start("tweetics", [str(BIN / "tweetics"), "submit", "--master", env["SPARK_MASTER"],
                                    "--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"], "--topic", args.topic,
                                    "--output", output, "--checkpoint", f"{env['HDFS_URL']}{args.hdfs_root}/checkpoints",
                                    "--window", "1 minute", "--slide", "1 minute", "--watermark", "2 minutes",
                                    "--trigger", args.trigger, "--starting-offsets", "latest",
                                    "--metrics-port", str(args.metrics_port + 1)])
        webhdfs_data = env["WEBHDFS_URL"].replace("http://", "webhdfs://") + f"{args.hdfs_root}/tweetics"
        pipeline.start("tweetviz", [str(BIN / "tweetviz"), "serve", "--data", webhdfs_data,
                                    "--host", "127.0.0.1", "--port", str(args.port)])
        # The job must be consuming before the producer starts: it reads from "latest".
        deadline = time.monotonic() + 180
        while not stopping and time.monotonic() < deadline and not _job_started(env["WEBHDFS_URL"], args.hdfs_root):
            _check(pipeline)
            time.sleep(1)
        if args.source != "replay":
            source = f"the live {LIVE_NAMES[args.source]}"
            argv = live_argv(args.source) + ["--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"], "--topic", args.topic]
        else:
            source = f"{DEMO_RECORDING.relative_to(REPO)} (looping, {args.speed}x the recorded pace)"
            argv = [str(BIN / "tweetpub"), "replay", str(DEMO_RECORDING), "--loop", "--speed", str(args.speed),
                    "--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"], "--topic", args.topic,
                    "--demo-filter"]  # replay keeps everything by default; the demo shows its words and box
        pipeline.start("tweetpub", argv + ["--metrics-port", str(args.metrics_port)])
        url = f"http://127.0.0.1:{args.port}/"
        print(f"\ndemo: tweets from {source}\ndemo: open {url}  (a cloud shows within a minute; Ctrl-C stops everything)\n"
              f"demo: Prometheus metrics: tweetpub http://127.0.0.1:{args.metrics_port}/metrics, the job "
              f"http://127.0.0.1:{args.metrics_port + 1}/metrics, tweetviz {url}metrics\n"
              f"demo: logs in {stack_dir / 'demo'}", flush=True)
        while not stopping:
            _check(pipeline)
            time.sleep(1)
        return 0
    except StackError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return 2
    except (OSError, KafkaException) as exc:  # urllib's errors are OSErrors
        print(f"demo: error: the stack did not answer: {exc}", file=sys.stderr)
        return 2
    finally:
        running = list(pipeline.children)
        pipeline.stop_all()
        if running:
            print(f"demo: stopped {', '.join(running)}", file=sys.stderr)
        if started_stack and not args.keep_stack:
            down(stack_dir)


def _job_started(webhdfs: str, root: str) -> bool:
    """The query has committed its first offsets (checkpoint/offsets exists and lists a batch)."""
    try:
        with urllib.request.urlopen(f"{webhdfs}/webhdfs/v1{root}/checkpoints/offsets?op=LISTSTATUS&user.name=tweetics", timeout=3) as r:
            return bool(json.load(r)["FileStatuses"]["FileStatus"])
    except Exception:
        return False


def _check(pipeline: Pipeline) -> None:
    dead = pipeline.dead()
    if dead:
        name, log = dead[0]
        raise StackError(f"{name} exited unexpectedly; see its log: {log}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="demo", description="Run the whole pipeline on the local stack until Ctrl-C.")
    p.add_argument("--dir", default=str(default_stack_dir()), help="stack directory (env STACK_DIR; default .stack)")
    p.add_argument("--port", type=int, default=os.environ.get("TWEETVIZ_PORT") or "8050", help="dashboard port (env TWEETVIZ_PORT)")
    p.add_argument("--topic", default=os.environ.get("TWEETPUB_TOPIC") or "tweets", help="Kafka topic (env TWEETPUB_TOPIC)")
    p.add_argument("--speed", type=float, default=os.environ.get("DEMO_SPEED") or "10", help="replay pace, times the recorded one (env DEMO_SPEED)")
    p.add_argument("--trigger", default=os.environ.get("DEMO_TRIGGER") or "2 seconds", help="TweeTics trigger interval (env DEMO_TRIGGER)")
    p.add_argument("--source", choices=["replay", "bluesky", "mastodon", "x"],
                   default=os.environ.get("SOURCE") or ("x" if os.environ.get("X_BEARER_TOKEN") else "replay"),
                   help="where the posts come from (env SOURCE; default: the committed recording, or x when "
                        "X_BEARER_TOKEN is set)")
    p.add_argument("--metrics-port", type=int, default=os.environ.get("DEMO_METRICS_PORT") or "9101",
                   help="tweetpub's /metrics port; the job's is the next one (env DEMO_METRICS_PORT)")
    p.add_argument("--hdfs-root", default="/demo", help="HDFS folder for the demo's output and checkpoints")
    p.add_argument("--keep-stack", action="store_true", help="leave the stack running on exit even if the demo started it")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("tweetdev.stack.kafka.client").setLevel(logging.CRITICAL)
    if not 0 < args.port < 65536 or args.speed <= 0:
        p.error("the port must be 1-65535 and the speed above 0")
    try:
        return run(args)
    except StackError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("demo: interrupted while starting; `make down` stops the stack", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
