"""`make bench-e2e`: capacity and latency of the whole pipeline on this machine, against issue 16's goals.

1. Capacity, warm: a job on a 1 s trigger (--capacity-trigger) and the dashboard; after a warm-up, the demo
   recording is replayed (`tweetpub replay --loop --rate R`) at rising rates. A rate is **sustained** when the p90
   of the job's batch durations (its own metrics on HDFS) stays under the trigger for the whole step
   (--step-seconds, 120 by default: the definition; shorter only for quick runs) and the consumer lag (topic end
   offsets minus the job's last committed offsets) does not grow. Goal: 10,000 tweets/s.
2. Latency at that rate: bursts of tweets with a brand-new hashtag, from the produce call to the tag in /api/top
   (polled every 50 ms) and in the page (Chromium, the cloud's SVG), on the dashboard's 5-minute view, while the
   replay runs at the highest sustained rate. Goal: /api/top p95 <= 1.5 s.
3. Capacity from a cold start: a fresh job per rate, loaded from its first batch on. Goal: 5,000 tweets/s.
4. A slower machine: the job pinned to one CPU (--taskset, `taskset -c 0`), warmed, rising rates.
CPU-seconds per 1,000 tweets per process (tweetpub, the Spark job, tweetviz, Kafka, NameNode, DataNode) come from
/proc over each step; the load average is printed too (this machine may be shared).

Everything runs on the local stack (`make up`, or --stack-dir / STACK_DIR for another one), on loopback.
Run: ``make bench-e2e`` (``BENCH_E2E_ARGS=...`` passes options; ``python -m benchmarks.bench_e2e --help``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from benchmarks import e2e_capacity as cap
from benchmarks.benchlib import kafka_settings, percentile
from tweetcontract.envelope import build_value
from tweetdev.harness import Run, free_port, get_json
from tweetdev.pipeline import BIN, Pipeline
from tweetdev.stack.cli import read_env
from tweetdev.stack.toolchain import REPO, default_stack_dir

# The dashboard's 5-minute view: its 1-minute view shows only the newest minute, so a probe produced in the
# last second of a minute would be counted (in that minute) but never shown once the next minute has data.
VIEW_MINUTES = 5


def tweet_value(tag: str, seq: int) -> tuple[bytes, bytes]:
    now = datetime.now(timezone.utc)
    tid = f"{int(now.timestamp() * 1000)}{seq:06d}"
    text = f"latency probe #{tag} for the pipeline"
    start = text.index("#")
    tweet = {"id": tid, "text": text, "created_at": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
             "entities": {"hashtags": [{"start": start, "end": start + len(tag) + 1, "tag": tag}]}}
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3].encode() + b"Z"
    return tid.encode(), build_value(tid, "v2", "bench", stamp, json.dumps(tweet).encode())


def latency(run: Run, port: int, producer: Producer, samples: int, every: float, burst: int) -> dict:
    from playwright.sync_api import sync_playwright

    api_seen: dict[str, float] = {}
    watching: set[str] = set()
    stop = threading.Event()

    def poll_api() -> None:
        while not stop.is_set():
            try:
                body = get_json(f"http://127.0.0.1:{port}/api/top?window={VIEW_MINUTES}&n=200", timeout=2)
                now = time.monotonic()
                for t in body["tags"]:
                    if t["hashtag"] in watching and t["hashtag"] not in api_seen:
                        api_seen[t["hashtag"]] = now
            except Exception:
                pass
            time.sleep(0.05)

    threading.Thread(target=poll_api, daemon=True).start()
    api_ms, page_ms = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        try:  # a loaded machine may not serve the page in time: then only /api/top is measured
            page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
            page.click(f'button.window[data-window="{VIEW_MINUTES}"]', timeout=60_000)  # the window /api/top is asked for
        except Exception as exc:
            print(f"  the dashboard page did not load ({type(exc).__name__}): measuring /api/top only", file=sys.stderr)
            page = None
        for i in range(samples):
            tag = f"probe{uuid.uuid4().hex[:8]}x"
            watching.add(tag)
            for j in range(burst):
                key, value = tweet_value(tag, 900000 + j)
                producer.produce(run.topic, key=key, value=value)
            producer.poll(0)
            t0 = time.monotonic()
            try:
                if page is None:
                    raise TimeoutError("no page")
                page.wait_for_selector(f'svg#cloud text[data-key="{tag}"], #dropped li:has-text("{tag}")',
                                       state="attached", timeout=15000)
                page_ms.append((time.monotonic() - t0) * 1000)
            except Exception:
                print(f"  sample {i}: {tag} not on the page within 15 s", file=sys.stderr)
            deadline = time.monotonic() + 15
            while tag not in api_seen and time.monotonic() < deadline:
                time.sleep(0.02)
            if tag in api_seen:
                api_ms.append((api_seen[tag] - t0) * 1000)
            time.sleep(max(0.0, every - (time.monotonic() - t0)))
        if page is not None:
            page.screenshot(path=str(REPO / "build" / "bench" / "e2e-page.png"))
        browser.close()
    stop.set()
    summary = {}
    for name, vals in (("api", api_ms), ("page", page_ms)):
        if vals:
            summary[name] = {"n": len(vals), "p50_ms": round(percentile(vals, 50)), "p95_ms": round(percentile(vals, 95)),
                             "p99_ms": round(percentile(vals, 99)), "max_ms": round(max(vals))}
    summary["lost_samples"] = samples - min(len(api_ms), len(page_ms))
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=40, help="latency samples (default 40)")
    p.add_argument("--every", type=float, default=3.0, help="seconds between latency probes (default 3)")
    p.add_argument("--burst", type=int, default=30, help="tweets per probe burst (default 30)")
    p.add_argument("--latency-rate", type=int, default=None,
                   help="replay rate under the latency probes (default: the highest sustained warm rate)")
    p.add_argument("--rates", default="1000,2000,3000,4000,5000,6000,8000,10000", help="warm capacity steps, tweets/s")
    p.add_argument("--cold-rates", default="1000,2000,3000,5000", help="cold-start steps, tweets/s ('' skips)")
    p.add_argument("--taskset", default="0", help="CPU list the job is pinned to in the slow-machine run ('' skips)")
    p.add_argument("--taskset-rates", default="500,1000,2000,3000", help="steps of the pinned run, tweets/s")
    p.add_argument("--capacity-trigger", type=int, default=1, help="trigger of the capacity jobs, seconds (default 1)")
    p.add_argument("--step-seconds", type=float, default=120.0,
                   help="measured seconds per step (default 120, the definition of sustained; shorter for quick runs)")
    p.add_argument("--warmup-seconds", type=float, default=60.0, help="load on the warm job before its steps (default 60)")
    p.add_argument("--conf", action="append", default=[], help="extra --conf for the jobs (repeatable)")
    p.add_argument("--stack-dir", default=str(default_stack_dir()), help="the stack to run on (env STACK_DIR; default .stack)")
    args = p.parse_args(argv)

    stack_dir = Path(args.stack_dir)
    env = read_env(stack_dir)
    (REPO / "build" / "bench").mkdir(parents=True, exist_ok=True)
    prefix = f"bench-e2e-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"], **kafka_settings(env)})
    topics: list[str] = []
    pipeline = Pipeline(REPO / "build" / "bench" / "e2e-logs", env)

    def make_run(tag: str) -> Run:
        topic = f"{prefix}-{tag}"
        for fut in admin.create_topics([NewTopic(topic, 2, 1), NewTopic(f"{topic}.dlq", 1, 1)]).values():
            fut.result(timeout=60)
        topics.extend([topic, f"{topic}.dlq"])
        return Run(env, topic, f"/bench/{topic}", pipeline)

    from hdfs import InsecureClient

    client = InsecureClient(env["WEBHDFS_URL"], user="tweetics")
    shape = cap.JobShape(trigger_s=args.capacity_trigger, confs=args.conf)
    rates = [int(r) for r in args.rates.split(",") if r]
    result: dict = {"machine": {"cores": os.cpu_count(), "load_avg_at_start": Path("/proc/loadavg").read_text().split()[:3]},
                    "trigger_ms": shape.trigger_s * 1000, "step_seconds": args.step_seconds}
    try:
        # 1. Warm job: started, warmed at the first rate, then rising rates on the same job.
        warm = make_run("warm")
        cap.start_job(warm, shape)
        port = free_port()
        warm.start_viz(port)
        result["warm_job_start_s"] = round(cap.wait_started(client, warm), 1)
        print(f"capacity (warm job, started in {result['warm_job_start_s']} s): {args.warmup_seconds:.0f} s warm-up, "
              f"then {args.step_seconds:.0f} s steps at a {shape.trigger_s} s trigger", file=sys.stderr)
        result["warmup"] = cap.step(warm, client, rates[0], args.warmup_seconds, shape, stack_dir)
        result["capacity"] = cap.ladder(warm, client, rates, args.step_seconds, shape, stack_dir)
        best = result["capacity"]["highest_sustained"]
        # 2. Latency at that rate, on the warm job, with the dashboard open.
        rate = args.latency_rate or (best["target_rate"] if best else rates[0])
        if args.samples:
            producer = Producer({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"], **kafka_settings(env),
                                 "enable.idempotence": True, "acks": "all", "linger.ms": 5})
            warm.pipeline.start("tweetpub", [str(BIN / "tweetpub"), "replay", str(cap.DEMO), "--loop", "--no-filter",
                                             "--rate", str(rate), "--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"],
                                             "--topic", warm.topic, "--partitions", "2"])
            time.sleep(10)
            print(f"latency: {args.samples} probes of {args.burst} tweets every {args.every}s over {rate} tweets/s "
                  f"of replay, {shape.trigger_s} s trigger", file=sys.stderr)
            result["latency"] = latency(warm, port, producer, args.samples, args.every, args.burst)
            result["latency"]["background_rate"] = rate
            producer.flush(30)
        pipeline.stop_all()
        # 3. Cold starts: a fresh job per rate, loaded from its first batch.
        cold = [int(r) for r in args.cold_rates.split(",") if r]
        if cold:
            print("capacity (cold start: a fresh job per rate)", file=sys.stderr)
            n = iter(range(1000))
            result["cold"] = cap.cold_ladder(lambda: make_run(f"cold{next(n)}"), client, cold, args.step_seconds,
                                             shape, stack_dir)
        # 4. A slower machine: the job pinned to one CPU, warmed, rising rates.
        if args.taskset:
            pinned = cap.JobShape(trigger_s=shape.trigger_s, taskset=args.taskset, confs=args.conf)
            slow = make_run("pinned")
            cap.start_job(slow, pinned)
            cap.wait_started(client, slow)
            trates = [int(r) for r in args.taskset_rates.split(",") if r]
            print(f"capacity (job pinned: taskset -c {args.taskset})", file=sys.stderr)
            cap.step(slow, client, trates[0], args.warmup_seconds, pinned, stack_dir)
            result["pinned"] = cap.ladder(slow, client, trates, args.step_seconds, pinned, stack_dir)
            pipeline.stop_all()
    finally:
        pipeline.stop_all()
        if topics:
            admin.delete_topics(topics)
        (REPO / "build" / "bench" / "e2e.json").write_text(json.dumps(result, indent=2))  # partial on a failure too
    print_report(result)
    return 0


def print_report(r: dict) -> None:
    trigger = r["trigger_ms"]
    print(f"\n== bench-e2e on {r['machine']['cores']} cores (load average at start {r['machine']['load_avg_at_start']}), "
          f"{trigger} ms trigger, {r['step_seconds']:.0f} s steps ==")
    for label, key in (("warm job", "capacity"), ("cold start", "cold"), ("job on one CPU (taskset)", "pinned")):
        if key not in r:
            continue
        best = r[key]["highest_sustained"]
        goal = {"capacity": 10000, "cold": 5000}.get(key)
        verdict = f" -> goal {goal}: {'met' if best and best['produced_rate'] >= goal else 'NOT met'}" if goal else ""
        if best:
            print(f"{label:<26} highest sustained {best['produced_rate']} tweets/s (batch p90 {best['batch_ms_p90']} ms, "
                  f"lag growth {best['lag_growth']}){verdict}")
        else:
            print(f"{label:<26} no step sustained{verdict}")
        for s in r[key]["steps"]:
            print(f"    {s['target_rate']:>6}/s: produced {s['produced_rate']}/s, p50 {s['batch_ms_p50']} p90 "
                  f"{s['batch_ms_p90']} ms, lag {s['lag_start']} -> {s['lag_end']}, "
                  f"{'sustained' if s['sustained'] else 'NOT sustained'}")
    lat = r.get("latency") or {}
    for where in ("api", "page"):
        s = lat.get(where)
        if s:
            print(f"{'/api/top' if where == 'api' else 'page (Chromium)':<16} at {lat['background_rate']} tweets/s: "
                  f"n={s['n']} p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  p99 {s['p99_ms']} ms"
                  + ("  -> goal p95 <= 1500 ms: " + ("met" if s["p95_ms"] <= 1500 else "NOT met") if where == "api" else ""))
    step = r["capacity"]["highest_sustained"] or r["capacity"]["steps"][-1]
    print(f"CPU-seconds per 1,000 tweets (warm job) at {step['produced_rate']} tweets/s:")
    for name, v in step["cpu_s_per_1000"].items():
        print(f"  {name:<14} {v}")
    total = sum(v for v in step["cpu_s_per_1000"].values() if v)
    if total:
        print(f"  {'total':<14} {total:.3f}  -> CPU bound of this box: {r['machine']['cores'] / total * 1000:.0f} tweets/s")


if __name__ == "__main__":
    sys.exit(main())
