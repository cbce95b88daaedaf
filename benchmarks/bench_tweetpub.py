"""``make bench-tweetpub``: tweetpub replay vs Kafka's own ProducerPerformance, same tweets, same settings.

Prints tweets/s and MB/s for both, their ratio (goal >= 0.9), and the filter's cost (replay with the
23 words + the Boston box vs --no-filter). Each run writes to a fresh topic, deleted at the end.
Not a test: figures depend on the machine and on whatever else runs on it.

    python -m benchmarks.bench_tweetpub --count 100000 --jars '.cache/jars/kafka-tools/*'   (from the repo root)
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

from benchmarks.benchlib import java_kafka_config, kafka_settings

from tweetcontract.defaults import DEFAULT_LOCATIONS, DEFAULT_TRACK, dlq_topic
from tweetpub.config import DEFAULT_BATCH_SIZE, DEFAULT_COMPRESSION, DEFAULT_LINGER_MS
from tweetpub.generate import GenOptions, generate, open_output
from tweetpub.kafkaconf import client_config, producer_config
from tweetpub.producer import TweetProducer
from tweetpub.replay.run import ReplayOptions, run_replay
from tweetcontract.decode import BadLine, decode_line
from tweetcontract.envelope import ValueBuilder
from tweetpub.filters import TweetFilter, parse_locations, parse_track

_PERF_LINE = re.compile(r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\)")


def _topic(admin: AdminClient, partitions: int) -> str:
    name = f"bench-tweetpub-{uuid.uuid4().hex[:10]}"
    for fut in admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)]).values():
        fut.result(timeout=60)
    return name


def _payload_file(recording: Path, payload: Path) -> tuple[int, int]:
    """The exact record values replay produces, one per line (ProducerPerformance's --payload-file)."""
    build = ValueBuilder("replay")
    n = size = 0
    with open(recording, "rb") as src, open(payload, "wb") as out:
        for raw in src:
            raw = raw.rstrip(b"\r\n")
            try:
                tweets = decode_line(raw)
            except BadLine:
                continue
            for t in tweets:
                value = build(t.id, t.dialect, raw if t.verbatim else __import__("orjson").dumps(t.data))
                out.write(value + b"\n")
                n += 1
                size += len(value)
    return n, size


def _replay(bootstrap: str, recording: Path, topic: str, flt: TweetFilter | None, props: dict) -> tuple[float, int, int]:
    """Run replay in-process; (seconds from first line to last acknowledgement, tweets read, bytes acked)."""
    common = client_config(bootstrap, kafka_settings())
    producer = TweetProducer(producer_config(bootstrap, extra=kafka_settings(), **props), common, topic)
    producer.ensure_topics(1)
    opts = ReplayOptions(paths=[str(recording)], tweet_filter=flt,
                         run=b"bench", progress_tty=False, status_every=3600)
    start = time.perf_counter()
    counters = run_replay(opts, producer, threading.Event())
    elapsed = time.perf_counter() - start
    if counters.failed:
        raise SystemExit(f"bench: {counters.failed} records not delivered")
    return elapsed, counters.read, producer.stats.acked_bytes.get(topic, 0)  # value bytes acknowledged


def _perf_test(jars: str, bootstrap: str, topic: str, payload: Path, n: int, props: dict) -> tuple[float, float]:
    cmd = ["java", "-Xmx1g", "-cp", jars, "org.apache.kafka.tools.ProducerPerformance", "--topic", topic,
           "--num-records", str(n), "--throughput", "-1", "--payload-file", str(payload),
           "--bootstrap-server", bootstrap, "--command-property", "acks=all", "enable.idempotence=true",
           f"linger.ms={props['linger_ms']}", f"batch.size={props['batch_size']}",
           f"compression.type={props['compression']}", "--reporting-interval", "60000"]
    secured = java_kafka_config(payload.parent)  # a secured stack: the settings go in a 0600 file, not argv
    if secured:
        cmd += ["--command-config", str(secured)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    finally:
        if secured:
            secured.unlink(missing_ok=True)
    match = None
    for line in out.stdout.splitlines():
        match = _PERF_LINE.search(line) or match
    if out.returncode != 0 or match is None:
        raise SystemExit(f"bench: ProducerPerformance failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return float(match.group(2)), float(match.group(3))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--dialect", default="v1.1", choices=["v1.1", "v2", "v2-page", "mixed"])
    ap.add_argument("--jars", default=".cache/jars/kafka-tools/*")
    ap.add_argument("--workdir", default=".cache/bench-tweetpub")
    ap.add_argument("--compression", default=DEFAULT_COMPRESSION)
    ap.add_argument("--linger-ms", type=int, default=DEFAULT_LINGER_MS)
    ap.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    args = ap.parse_args(argv)
    if not args.bootstrap_servers:
        raise SystemExit("bench: set KAFKA_BOOTSTRAP_SERVERS (source .stack/env) or pass --bootstrap-servers")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("tweetpub.rdkafka").setLevel(logging.CRITICAL)
    props = {"compression": args.compression, "linger_ms": args.linger_ms, "batch_size": args.batch_size}
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    recording, payload = work / f"tweets-{args.dialect}-{args.count}.jsonl", work / "payload.txt"
    out = open_output(str(recording))
    generate(GenOptions(count=args.count, dialect=args.dialect, seed=7), out)
    out.close()
    n, size = _payload_file(recording, payload)
    print(f"corpus: {n} tweets ({args.dialect}), {size / n:.0f} B/record incl. envelope; "
          f"acks=all idempotent, {props}", flush=True)

    admin = AdminClient({"bootstrap.servers": args.bootstrap_servers, **kafka_settings()})
    topics: list[str] = []
    try:
        t_perf = _topic(admin, 1)
        topics.append(t_perf)
        perf_rps, perf_mbps = _perf_test(args.jars, args.bootstrap_servers, t_perf, payload, n, props)

        t_ours = _topic(admin, 1)
        topics += [t_ours, dlq_topic(t_ours)]
        secs, read, acked = _replay(args.bootstrap_servers, recording, t_ours, None, props)
        ours_rps, ours_mbps = read / secs, acked / secs / 2**20

        t_filt = _topic(admin, 1)
        topics += [t_filt, dlq_topic(t_filt)]
        flt = TweetFilter(parse_track(DEFAULT_TRACK), parse_locations([DEFAULT_LOCATIONS]))
        fsecs, fread, _ = _replay(args.bootstrap_servers, recording, t_filt, flt, props)
        filt_rps = fread / fsecs
    finally:
        if topics:
            for fut in admin.delete_topics(topics).values():
                try:
                    fut.result(timeout=60)
                except Exception:  # noqa: BLE001 - a topic that was never created
                    pass

    print(f"kafka ProducerPerformance : {perf_rps:10.0f} tweets/s {perf_mbps:8.2f} MB/s")
    print(f"tweetpub replay --no-filter: {ours_rps:10.0f} tweets/s {ours_mbps:8.2f} MB/s")
    print(f"ratio tweetpub / ProducerPerformance: {ours_rps / perf_rps:.2f} (goal >= 0.90)")
    print(f"tweetpub replay, 23 words + box: {filt_rps:10.0f} tweets read/s "
          f"(filter cost: {filt_rps / ours_rps:.2f} of --no-filter)")


if __name__ == "__main__":
    main()
