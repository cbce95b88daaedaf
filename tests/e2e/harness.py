"""Ground truth and readers for the end-to-end tests and the fault suite (the pipeline run itself, polling and
Kafka offsets are in tweetdev.harness, shared with `make bench-e2e`).

The ground truth comes from the recording itself: the shared tweet rules (dialects, the v1.1 filter, hashtags)
and the independent plain-Python window reference in tests/tweetics/reference.py, never from the job's code.
"""
from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from tests.tweetics.reference import window_counts
from tweetdev.harness import topic_end_offsets
from tweetdev.pipeline import BIN
from tweetcontract import dialects
from tweetcontract.defaults import DEFAULT_LOCATIONS, DEFAULT_TRACK
from tweetpub import filters

Counts = dict[tuple[str, str, str], int]


def generate(path: Path, count: int, duration_s: int, seed: int, malformed: int = 0,
             start: str = "2026-11-21T09:00:00Z") -> Path:
    subprocess.run([str(BIN / "tweetpub"), "generate", "-n", str(count), "--duration", str(duration_s),
                    "--seed", str(seed), "--malformed", str(malformed), "--start", start, "-o", str(path)],
                   check=True, capture_output=True)
    return path


def expected_envelopes(path: Path, filtered: bool = True) -> list[dict[str, Any]]:
    """What replay must put in Kafka: every readable tweet of the file that passes the default filter."""
    flt = filters.TweetFilter(filters.parse_track(DEFAULT_TRACK), filters.parse_locations([DEFAULT_LOCATIONS]))
    out = []
    for line in path.read_bytes().splitlines():
        try:
            tweets = dialects.normalize(json.loads(line))
        except (ValueError, dialects.NotATweet):
            continue
        for t in tweets:
            if not filtered or flt.match(t.data, t.dialect):
                out.append({"schema": "tweetpub/1", "id": t.id, "dialect": t.dialect, "tweet": t.data})
    return out


def truth(envelopes: list[dict[str, Any]], window_s: int = 60, slide_s: int | None = None) -> Counts:
    return {k: n for k, (n, _display) in window_counts(envelopes, window_s, slide_s).items()}


def totals(counts: Counts) -> dict[str, int]:
    out: Counter[str] = Counter()
    for (_s, _e, tag), n in counts.items():
        out[tag] += n
    return dict(out)


def diff(got: Counts, want: Counts) -> tuple[int, int]:
    """(records lost, records counted twice): hashtag occurrences missing from or extra in `got`."""
    lost = sum(max(0, n - got.get(k, 0)) for k, n in want.items())
    extra = sum(max(0, n - want.get(k, 0)) for k, n in got.items())
    return lost, extra


def resolve_rows(lines: list[bytes]) -> Counts:
    """The contract's resolution rule: per (window, hashtag) the row with the highest batch_id wins."""
    best: dict[tuple[str, str, str], tuple[int, int]] = {}
    for line in lines:
        if not line.strip():
            continue
        row = orjson.loads(line)
        key = (row["window_start"], row["window_end"], row["hashtag"])
        if key not in best or row["batch_id"] >= best[key][0]:
            best[key] = (row["batch_id"], row["count"])
    return {k: c for k, (_b, c) in best.items()}


def hdfs_counts(client, root: str) -> Counts:
    """Read every counts file straight from HDFS (WebHDFS) and resolve it, independently of tweetics' reader."""
    lines: list[bytes] = []
    base = f"{root}/output/counts"
    if client.status(base, strict=False) is None:
        return {}
    for dirpath, _dirs, files in client.walk(base):
        for name in files:
            if name.endswith(".jsonl"):
                with client.read(f"{dirpath}/{name}") as r:
                    lines += r.read().splitlines()
    return resolve_rows(lines)


def cli_counts(output: str, env: dict[str, str]) -> Counts:
    proc = subprocess.run([str(BIN / "tweetics"), "counts", output, "--format", "json"], capture_output=True,
                          text=True, timeout=120, env={**env, "PATH": f"{BIN}:/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
    return {(r["window_start"], r["window_end"], r["hashtag"]): r["count"] for r in rows}


def committed_batches(client, root: str) -> int:
    """How many micro-batches the query has committed (its checkpoint's commits folder)."""
    try:
        return len([n for n in client.list(f"{root}/checkpoint/commits") if n.isdigit()])
    except Exception:
        return 0


def topic_ids(bootstrap: str, topic: str, settings: dict[str, str] | None = None) -> Counter[str]:
    """Every envelope id in the topic, with how often it occurs (Kafka-level duplicates show as > 1);
    ``settings``: client security (SASL_SSL...), if any."""
    from confluent_kafka import Consumer

    expected = topic_end_offsets(bootstrap, topic, settings)
    c = Consumer({"bootstrap.servers": bootstrap, **(settings or {}), "group.id": f"ids-{time.time_ns()}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    ids: Counter[str] = Counter()
    seen = 0
    deadline = time.monotonic() + 120
    try:
        while seen < expected and time.monotonic() < deadline:
            for msg in c.consume(500, timeout=1):
                if msg.error():
                    continue
                seen += 1
                ids[msg.key().decode()] += 1
    finally:
        c.close()
    return ids
