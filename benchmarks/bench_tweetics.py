"""Benchmark: TweeTics vs pyspark's structured_kafka_wordcount.py query, same topic, same run.

1. Produce N generated tweets (tweetpub's generator, realistic v1.1 and v2 payloads) into a fresh topic.
2. Drain it with ``--available-now`` semantics ``--rounds`` times per query, alternating (A B B A ...)
   after a warm-up on a small topic, in one Spark session with the same source options, shuffle partitions and trigger:
   * TweeTics: the job's own query (tweetics.job.build_query) writing to HDFS;
   * the anchor: the query of pyspark's examples/src/main/python/sql/streaming/structured_kafka_wordcount.py
     (CAST(value AS STRING), split on ' ', explode, groupBy(word).count(), complete mode, console sink).
   Prints tweets/s for both (best round each) and the ratio, best vs best and median vs median (goal: >= 1.2).
3. Sustained rate at a 5 s trigger: the highest maxOffsetsPerTrigger/5 whose batches all finish under 5 s
   (on a topic of its own, --sustain-tweets long, so that the steps can go past the drained topic's size).
4. Files on HDFS after an hour of simulated traffic: one hour of event time in 720 batches (one per 5 s).

Run: ``make bench-tweetics`` (or ``python -m benchmarks.bench_tweetics --help`` from the repo root).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Iterator

from benchmarks.benchlib import kafka_settings
from tweetics.kafkaopts import source_options

logger = logging.getLogger("bench_tweetics")


def tweets(n: int, seed: int, start: datetime, duration_s: float) -> Iterator[tuple[bytes, bytes]]:
    """``(key, envelope value)`` pairs: half v1.1, half v2, interleaved, from tweetpub's generator."""
    import orjson

    from tweetpub.generate import GenOptions, Generator
    from tweetcontract.envelope import ValueBuilder

    build = ValueBuilder("bench")
    gens = [Generator(GenOptions(count=(n + 1) // 2, dialect="v1.1", seed=seed, start=start, duration=duration_s)),
            Generator(GenOptions(count=n // 2, dialect="v2", seed=seed + 1, start=start, duration=duration_s))]
    streams = [(d, g.records()) for d, g in zip(("v1.1", "v2"), gens)]
    while streams:
        for item in list(streams):
            dialect, records = item
            line = next(records, None)
            if line is None:
                streams.remove(item)
                continue
            tid = orjson.loads(line).get("id_str") if dialect == "v1.1" else None
            tid = tid or str(orjson.loads(line)["id"])
            yield tid.encode(), build(tid, dialect, line)


def produce(bootstrap: str, topic: str, partitions: int, records: Iterator[tuple[bytes, bytes]]) -> tuple[int, int]:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap, **kafka_settings()})
    for fut in admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)]).values():
        fut.result(timeout=60)
    producer = Producer({"bootstrap.servers": bootstrap, **kafka_settings(), "linger.ms": 50, "batch.size": 1_000_000,
                         "compression.type": "lz4", "queue.buffering.max.messages": 500_000})
    count = size = 0
    for key, value in records:
        while True:
            try:
                producer.produce(topic, value=value, key=key)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
        count += 1
        size += len(value)
    if producer.flush(120):
        raise SystemExit("bench: Kafka did not acknowledge every record")
    return count, size


def delete_topics(bootstrap: str, topics: list[str]) -> None:
    from confluent_kafka.admin import AdminClient

    for fut in AdminClient({"bootstrap.servers": bootstrap, **kafka_settings()}).delete_topics(topics).values():
        try:
            fut.result(timeout=60)
        except Exception:  # cleanup only
            pass


def job_args(opts: argparse.Namespace, topic: str, base: str, *extra: str) -> Any:
    from tweetics.job import parse_args

    return parse_args(["--bootstrap-servers", opts.bootstrap_servers, "--topic", topic,
                       "--output", f"{base}/out", "--checkpoint", f"{base}/ckpt", "--starting-offsets", "earliest",
                       "--window", "1 minute", "--slide", "1 minute", "--watermark", "2 minutes",
                       "--shuffle-partitions", str(opts.shuffle_partitions), *extra])


def run_tweetics(spark: Any, opts: argparse.Namespace, topic: str, base: str, *extra: str) -> tuple[float, Any]:
    from tweetics.job import build_query

    args = job_args(opts, topic, base, "--available-now", *extra)
    started = time.perf_counter()
    query, writer, listener = build_query(spark, args)
    query.awaitTermination()
    writer.flush()
    elapsed = time.perf_counter() - started
    spark.streams.removeListener(listener)
    return elapsed, query


def run_wordcount(spark: Any, opts: argparse.Namespace, topic: str) -> float:
    """The anchor's query, line for line, with the same source options and trigger as TweeTics."""
    from pyspark.sql.functions import explode, split

    lines = (spark.readStream.format("kafka")
             .options(**source_options(opts.bootstrap_servers, os.environ.get("KAFKA_CONFIG_FILE")))
             .option("subscribe", topic)
             .option("startingOffsets", "earliest")
             .option("failOnDataLoss", "false")
             .load()
             .selectExpr("CAST(value AS STRING)"))
    words = lines.select(explode(split(lines.value, " ")).alias("word"))
    word_counts = words.groupBy("word").count()
    checkpoint = tempfile.mkdtemp(prefix="bench-wordcount-")  # the example's default: a local temp dir
    started = time.perf_counter()
    query = (word_counts.writeStream.outputMode("complete").format("console")
             .option("checkpointLocation", checkpoint)
             .trigger(availableNow=True).start())
    query.awaitTermination()
    elapsed = time.perf_counter() - started
    shutil.rmtree(checkpoint, ignore_errors=True)
    return elapsed


def sustained_rate(spark: Any, opts: argparse.Namespace, topic: str, hdfs_base: str, n: int) -> tuple[int, list]:
    """Highest rate (tweets/s) whose 5 s batches all finish under 5 s, stepping up until one fails."""
    from tweetics.job import build_query

    best, table = 0, []
    for rate in opts.rates:
        if rate * 5 * (opts.sustain_batches + 1) > n:
            print(f"  {rate:>6} tweets/s: not tried, the topic holds {n} tweets (raise --sustain-tweets)", flush=True)
            break
        args = job_args(opts, topic, f"{hdfs_base}/sustain-{rate}", "--trigger", "5 seconds",
                        "--max-offsets-per-trigger", str(rate * 5))
        query, _writer, listener = build_query(spark, args)
        try:
            deadline = time.monotonic() + 5 * (opts.sustain_batches + 1) + 120
            while time.monotonic() < deadline:
                done = [p for p in query.recentProgress if p["numInputRows"] > 0]
                if len(done) > opts.sustain_batches:
                    break
                time.sleep(1)
        finally:
            query.stop()
            spark.streams.removeListener(listener)
        durations = [p["durationMs"]["triggerExecution"] for p in query.recentProgress if p["numInputRows"] > 0][1:]
        durations = durations[:opts.sustain_batches]
        ok = len(durations) == opts.sustain_batches and max(durations) < 5000
        table.append((rate, durations, ok))
        print(f"  {rate:>6} tweets/s: batch durations {durations} ms -> {'sustained' if ok else 'NOT sustained'}",
              flush=True)
        if not ok:
            break
        best = rate
    return best, table


def hour_of_traffic(spark: Any, opts: argparse.Namespace, hdfs_base: str) -> dict[str, int]:
    """One hour of event time in 720 batches (a 5 s trigger's worth each); count the output's files."""
    from tweetics.job import build_query

    topic = f"bench-hour-{uuid.uuid4().hex[:8]}"
    per_batch = opts.hour_rate * 5
    start = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
    count, _size = produce(opts.bootstrap_servers, topic, opts.partitions,
                           tweets(per_batch * opts.hour_batches, 99, start, opts.hour_batches * 5.0))
    args = job_args(opts, topic, f"{hdfs_base}/hour", "--available-now", "--max-offsets-per-trigger", str(per_batch))
    started = time.perf_counter()
    query, _writer, listener = build_query(spark, args)
    query.awaitTermination()
    spark.streams.removeListener(listener)
    elapsed = time.perf_counter() - started
    files = count_files(spark, f"{hdfs_base}/hour/out")
    files["batches"] = query.lastProgress["batchId"] + 1 if query.lastProgress else 0  # recentProgress keeps 100
    files["seconds"] = int(elapsed)
    files["tweets"] = count
    delete_topics(opts.bootstrap_servers, [topic])
    return files


def count_files(spark: Any, base: str) -> dict[str, int]:
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(base)
    fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
    summary = fs.getContentSummary(path)
    counts_path = jvm.org.apache.hadoop.fs.Path(f"{base}/counts")
    return {"files": int(summary.getFileCount()),
            "count_files": int(fs.getContentSummary(counts_path).getFileCount()) if fs.exists(counts_path) else 0}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", "--tweets", type=int, default=150_000,
                   help="tweets in the drained topic (default 150000: enough to amortize each query's start-up)")
    p.add_argument("--driver-memory", default="3g",
                   help="driver heap (default 3g: the example's complete-mode word state needs it)")
    p.add_argument("--partitions", type=int, default=2, help="topic partitions (default 2)")
    p.add_argument("--shuffle-partitions", type=int, default=2, help="spark.sql.shuffle.partitions (both queries)")
    p.add_argument("--master", default=os.environ.get("SPARK_MASTER", "local[2]"))
    p.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    p.add_argument("--hdfs", default=os.environ.get("HDFS_URL", "hdfs://127.0.0.1:8020"))
    p.add_argument("--jars", default=os.environ.get("SPARK_KAFKA_JARS"))
    p.add_argument("--rounds", type=int, default=5,
                   help="alternating rounds of both queries; the best of each is reported (shared machine)")
    p.add_argument("--rates", type=lambda s: [int(x) for x in s.split(",")],
                   default=[4000, 8000, 12000, 16000, 20000, 24000, 28000, 32000],
                   help="sustained-rate steps, tweets/s")
    p.add_argument("--sustain-tweets", type=int, default=650_000,
                   help="tweets in the sustained-rate phase's own topic (each step reads rate x 5 s x "
                        "(--sustain-batches + 1) of them; default 650000)")
    p.add_argument("--sustain-batches", type=int, default=3, help="5 s batches that must all stay under 5 s")
    p.add_argument("--hour-batches", type=int, default=720, help="batches in the simulated hour (0 skips it)")
    p.add_argument("--hour-rate", type=int, default=10, help="tweets/s of the simulated hour (default 10)")
    opts = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    from pyspark.sql import SparkSession

    from tweetics.job import HDFS_CLIENT_DEFAULTS
    from tweetics.submit import connector_jars

    run = uuid.uuid4().hex[:8]
    hdfs_base = f"{opts.hdfs}/tmp/bench-tweetics/{run}"
    start = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
    warm_topic, topic, sustain_topic = f"bench-warm-{run}", f"bench-{run}", f"bench-sustain-{run}"
    print(f"producing {opts.tweets} tweets into {topic} ({opts.partitions} partitions) ...", flush=True)
    t = time.perf_counter()
    produce(opts.bootstrap_servers, warm_topic, opts.partitions, tweets(3000, 1, start, 600))
    count, size = produce(opts.bootstrap_servers, topic, opts.partitions, tweets(opts.tweets, 2, start, 1800))
    print(f"  {count} tweets, {size / count:.0f} bytes each on average, in {time.perf_counter() - t:.1f} s", flush=True)

    # The job's own HDFS client settings (tweetics.job.build_session); the example's checkpoint is local.
    builder = SparkSession.builder
    for key, value in HDFS_CLIENT_DEFAULTS.items():
        builder = builder.config(key, value)
    spark = (builder.master(opts.master).appName("bench-tweetics")
             .config("spark.driver.memory", opts.driver_memory)
             .config("spark.jars", ",".join(connector_jars(opts.jars)))
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", str(opts.shuffle_partitions))
             .config("spark.ui.enabled", "false")
             .config("spark.log.level", "ERROR")
             .getOrCreate())
    try:
        print("warm-up ...", flush=True)
        run_tweetics(spark, opts, warm_topic, f"{hdfs_base}/warm")
        run_wordcount(spark, opts, warm_topic)
        times: dict[str, list[float]] = {"tweetics": [], "wordcount": []}
        order = [q for r in range(opts.rounds) for q in (("tweetics", "wordcount") if r % 2 == 0
                                                          else ("wordcount", "tweetics"))]
        for i, name in enumerate(order):
            if name == "tweetics":
                elapsed, _ = run_tweetics(spark, opts, topic, f"{hdfs_base}/drain-{i}")
            else:
                elapsed = run_wordcount(spark, opts, topic)
            times[name].append(elapsed)
            print(f"  {name}: {count / elapsed:,.0f} tweets/s ({elapsed:.1f} s)", flush=True)
        ours, anchor = count / min(times["tweetics"]), count / min(times["wordcount"])
        print("\nsustained rate at a 5 s trigger ...", flush=True)
        sustain_count, _ = produce(opts.bootstrap_servers, sustain_topic, opts.partitions,
                                   tweets(opts.sustain_tweets, 3, start, 3600))
        best, _table = sustained_rate(spark, opts, sustain_topic, hdfs_base, sustain_count)
        hour = None
        if opts.hour_batches:
            print(f"\nan hour of simulated traffic ({opts.hour_batches} batches, {opts.hour_rate} tweets/s) ...",
                  flush=True)
            hour = hour_of_traffic(spark, opts, hdfs_base)
        print("\n== bench-tweetics ==")
        print(f"tweets: {count} ({size / count:.0f} B avg), topic partitions {opts.partitions}, "
              f"shuffle partitions {opts.shuffle_partitions}, master {opts.master}, trigger availableNow")
        print(f"TweeTics (windowed hashtags, dedup, exact HDFS sink): {ours:,.0f} tweets/s")
        print(f"structured_kafka_wordcount.py query (split on spaces): {anchor:,.0f} tweets/s")
        median = statistics.median(times["wordcount"]) / statistics.median(times["tweetics"])
        print(f"ratio: {ours / anchor:.2f} best vs best, {median:.2f} median vs median (goal >= 1.2); all rounds: tweetics "
              f"{[round(count / t) for t in times['tweetics']]}, wordcount {[round(count / t) for t in times['wordcount']]}")
        top = " (the highest step tried: raise --rates and --sustain-tweets to find the limit)" \
            if best and best == max(opts.rates) else ""
        print(f"highest sustained rate at a 5 s trigger: {best} tweets/s (batches under 5 s){top}")
        if hour:
            print(f"files on HDFS after an hour of simulated traffic: {hour['files']} in total, "
                  f"{hour['count_files']} under counts/ ({hour['batches']} batches, {hour['tweets']} tweets, "
                  f"{hour['seconds']} s)")
    finally:
        try:
            base = spark._jvm.org.apache.hadoop.fs.Path(hdfs_base)
            base.getFileSystem(spark._jsc.hadoopConfiguration()).delete(base, True)
        finally:
            spark.stop()
            delete_topics(opts.bootstrap_servers, [warm_topic, topic, sustain_topic])
    return 0


if __name__ == "__main__":
    sys.exit(main())
