"""Capacity phases of `make bench-e2e` (issue 16): the highest sustained rate of a warmed job and of a cold start.

A step replays the demo recording (``tweetpub replay --loop --rate R``, filter off) into the job's topic for
``seconds`` and is **sustained** when the p90 of the job's batch durations stays under the trigger and the
consumer lag (topic end offsets minus the offsets of the job's last committed batch) does not grow by more than
two triggers' worth of tweets over the step. CPU-seconds per 1,000 tweets per process come from /proc.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from benchmarks.benchlib import kafka_settings, percentile
from tweetdev.harness import Run, topic_end_offsets, wait_for
from tweetdev.pipeline import BIN, group_cpu_seconds
from tweetdev.stack import procs
from tweetdev.stack.toolchain import REPO

DEMO = REPO / "tweetpub" / "data" / "demo.jsonl.gz"
PROCESSES = ("tweetpub", "tweetics", "tweetviz")


@dataclass
class JobShape:
    """How the capacity job is started: its trigger, a CPU list for ``taskset`` (a slower machine), --conf pairs."""

    trigger_s: int = 1
    taskset: str | None = None
    confs: list[str] = field(default_factory=list)


def start_job(run: Run, shape: JobShape) -> None:
    """`tweetics submit` on the run's topic from the latest offsets, optionally pinned with taskset."""
    argv = [str(BIN / "tweetics"), "submit", "--master", run.env["SPARK_MASTER"], "--driver-memory", "1g"]
    for conf in shape.confs:
        argv += ["--conf", conf]
    argv += ["--bootstrap-servers", run.env["KAFKA_BOOTSTRAP_SERVERS"], "--topic", run.topic, "--output", run.output,
             "--checkpoint", run.checkpoint, "--window", "1 minute", "--watermark", "2 minutes",
             "--trigger", f"{shape.trigger_s} seconds", "--starting-offsets", "latest", "--shuffle-partitions", "2"]
    if shape.taskset:
        argv = ["taskset", "-c", shape.taskset, *argv]
    run.pipeline.start("tweetics", argv)


def wait_started(client: Any, run: Run, timeout: float = 600) -> float:
    """Seconds until the job committed its first batch."""
    t0 = time.monotonic()
    wait_for(lambda: client.status(f"{run.root}/checkpoint/commits/0", strict=False), timeout, 1, what="first batch")
    return time.monotonic() - t0


def committed_offsets(client: Any, run: Run) -> int | None:
    """Sum of the Kafka offsets the job's newest committed batch read up to (its offset log entry)."""
    base = f"{run.root}/checkpoint"
    try:
        ids = [int(n) for n in client.list(f"{base}/commits") if n.isdigit()]
        if not ids:
            return None
        with client.read(f"{base}/offsets/{max(ids)}") as r:
            lines = r.read().decode().splitlines()
        offsets = orjson.loads(lines[2])
        return sum(int(v) for parts in offsets.values() for v in parts.values())
    except Exception:  # a file rotated away between list and read: no sample this time
        return None


def batch_metrics(client: Any, root: str, since_ms: int) -> list[dict]:
    """The job's metrics lines (output/metrics/*.jsonl) of batches that started at or after ``since_ms``."""
    from datetime import datetime

    base = f"{root}/output/metrics"
    if client.status(base, strict=False) is None:
        return []
    lines = []
    for name in client.list(base):
        with client.read(f"{base}/{name}") as r:
            lines += [orjson.loads(line) for line in r.read().splitlines() if line.strip()]
    return [m for m in lines if m.get("timestamp") and
            datetime.fromisoformat(m["timestamp"].replace("Z", "+00:00")).timestamp() * 1000 >= since_ms]


def cpu_now(run: Run, stack_dir: Path) -> dict[str, float]:
    daemons = {"kafka broker": stack_dir / "kafka" / "node-1" / "kafka.pid",
               "hdfs namenode": stack_dir / "hdfs" / "namenode.pid", "hdfs datanode": stack_dir / "hdfs" / "datanode.pid"}
    cpu = {n: run.pipeline.cpu_seconds(n) if run.pipeline.alive(n) else 0.0 for n in PROCESSES}
    cpu.update({n: group_cpu_seconds(procs.running_pid(p, stack_dir) or 0) for n, p in daemons.items()})
    return cpu


def step(run: Run, client: Any, rate: int, seconds: float, shape: JobShape, stack_dir: Path,
         settle: float = 8.0) -> dict:
    """One rate on a running job; the replay is stopped at the end."""
    env = run.env
    run.pipeline.start("tweetpub", [str(BIN / "tweetpub"), "replay", str(DEMO), "--loop", "--no-filter",
                                    "--rate", str(rate), "--bootstrap-servers", env["KAFKA_BOOTSTRAP_SERVERS"],
                                    "--topic", run.topic, "--partitions", "2", "--status-every", "5"])
    time.sleep(settle)
    settings = kafka_settings(env)
    cpu0, t0 = cpu_now(run, stack_dir), time.time()
    end0 = topic_end_offsets(env["KAFKA_BOOTSTRAP_SERVERS"], run.topic, settings)
    done0 = committed_offsets(client, run)
    time.sleep(seconds)
    end1 = topic_end_offsets(env["KAFKA_BOOTSTRAP_SERVERS"], run.topic, settings)
    done1 = committed_offsets(client, run)
    cpu1, t1 = cpu_now(run, stack_dir), time.time()
    run.pipeline.stop("tweetpub")
    produced = end1 - end0
    lag0 = None if done0 is None else end0 - done0
    lag1 = None if done1 is None else end1 - done1
    growth = None if lag0 is None or lag1 is None else lag1 - lag0
    allowed = max(2 * rate * shape.trigger_s, 200)
    batches = [m for m in batch_metrics(client, run.root, int(t0 * 1000)) if m.get("input_rows")]
    durations = [m["batch_duration_ms"] for m in batches if m.get("batch_duration_ms") is not None]
    p90 = percentile(durations, 90) if durations else None
    trigger_ms = shape.trigger_s * 1000
    sustained = bool(durations) and p90 < trigger_ms and growth is not None and growth <= allowed
    phases = ("addBatch", "queryPlanning", "walCommit", "commitOffsets", "latestOffset", "triggerExecution")
    out = {"target_rate": rate, "seconds": round(t1 - t0, 1), "produced_rate": round(produced / (t1 - t0), 1),
           "batches": len(durations), "batch_ms_p50": percentile(durations, 50) if durations else None,
           "batch_ms_p90": p90, "lag_start": lag0, "lag_end": lag1, "lag_growth": growth, "sustained": sustained,
           "durations_mean_ms": {k: round(sum(m["durations_ms"].get(k, 0) for m in batches) / len(batches))
                                 for k in phases} if batches else {},
           "compute_ms_mean": round(sum(m.get("compute_ms", 0) for m in batches) / len(batches)) if batches else None,
           "sink_ms_mean": round(sum(m.get("sink_ms", 0) for m in batches) / len(batches)) if batches else None,
           "cpu_s_per_1000": {n: round((cpu1[n] - cpu0[n]) / produced * 1000, 4) if produced else None for n in cpu0},
           "load_avg": Path("/proc/loadavg").read_text().split()[0]}
    print(f"  rate {rate:>6}/s: produced {out['produced_rate']}/s over {out['seconds']} s, batch p50 "
          f"{out['batch_ms_p50']} ms, p90 {p90} ms over {len(durations)} batches, lag {lag0} -> {lag1} -> "
          f"{'sustained' if sustained else 'NOT sustained'} (load {out['load_avg']})", file=sys.stderr)
    return out


def ladder(run: Run, client: Any, rates: list[int], seconds: float, shape: JobShape, stack_dir: Path) -> dict:
    """Rising rates on one running (warmed) job until one is not sustained."""
    steps, best = [], None
    for rate in rates:
        s = step(run, client, rate, seconds, shape, stack_dir)
        steps.append(s)
        if not s["sustained"]:
            break
        best = s
        time.sleep(5)  # drain before the next step
    return {"steps": steps, "highest_sustained": best}


def cold_ladder(make_run: Any, client: Any, rates: list[int], seconds: float, shape: JobShape,
                stack_dir: Path) -> dict:
    """Each rate on a freshly started job (its own topic): the load starts as soon as the first batch committed."""
    steps, best = [], None
    for rate in rates:
        run = make_run()
        start_job(run, shape)
        try:
            started = wait_started(client, run)
            s = step(run, client, rate, seconds, shape, stack_dir, settle=0.0)
            s["job_start_s"] = round(started, 1)
        finally:
            run.pipeline.stop_all()
        steps.append(s)
        if not s["sustained"]:
            break
        best = s
    return {"steps": steps, "highest_sustained": best}
