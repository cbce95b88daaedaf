"""TweeTics: hashtag counts per event-time window from tweetpub's Kafka topic to HDFS, live and exact.

Run it with the Kafka connector jars (``tweetics submit ...`` builds this line for you)::

    spark-submit --master local[*] \\
      --jars spark-sql-kafka-0-10_2.13-4.0.0.jar,spark-token-provider-kafka-0-10_2.13-4.0.0.jar,kafka-clients-3.9.0.jar,commons-pool2-2.12.0.jar \\
      --py-files tweetics.zip \\
      tweetics/job.py --bootstrap-servers 127.0.0.1:9092 --topic tweets \\
        --output hdfs://127.0.0.1:8020/tweetics --checkpoint hdfs://127.0.0.1:8020/tweetics-checkpoints \\
        [--window "1 minute"] [--slide "10 seconds"] [--watermark "2 minutes"] [--trigger "5 seconds"] \\
        [--starting-offsets earliest] [--available-now]

Pipeline: Kafka value -> pruned JSON envelope -> event time -> hashtags (contract rules, Spark SQL only)
-> distinct tweet ids per (window, hashtag) with a watermark (dedup and count in one state) -> update mode ->
foreachBatch writer (:mod:`tweetics.sinks`) -> ``counts/``, ``latest.json``; metrics by
:mod:`tweetics.listener` -> ``metrics/``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from typing import Any, NoReturn, Sequence

# spark-submit runs this file as a script: the packages come from --py-files (tweetics submit ships
# tweetcontract and tweetics in one zip) or from an installed tweetics-suite.
from tweetcontract.logformat import setup_logging
from tweetics.exceptions import TweeticsError, UsageError
from tweetics.intervals import parse_duration, spark_interval
from tweetics.kafkaopts import source_options

logger = logging.getLogger("tweetics.job")

PROG = "tweetics-job"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Count hashtags per event-time window from Kafka into HDFS. "
                "Environment variables (TWEETICS_<FLAG>) stand in for the flags marked [env var: ...].")
    env = os.environ.get
    p.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    p.add_argument("--bootstrap-servers", "--bootstrap-server", dest="bootstrap_servers",
                   default=env("TWEETICS_BOOTSTRAP_SERVERS"), metavar="HOST:PORT[,...]",
                   help="Kafka brokers, host:port[,...]  [env var: TWEETICS_BOOTSTRAP_SERVERS]")
    p.add_argument("--kafka-config-file", default=env("TWEETICS_KAFKA_CONFIG_FILE"),
                   help="Kafka client properties (SASL, TLS; Java or librdkafka names) read here and passed to the "
                        "source as kafka.* options; passwords belong in it, never on the command line  "
                        "[env var: TWEETICS_KAFKA_CONFIG_FILE]")
    p.add_argument("--topic", default=env("TWEETICS_TOPIC", "tweets"),
                   help="topic to read  [env var: TWEETICS_TOPIC; default: tweets]")
    p.add_argument("--output", required=True, help="output folder: hdfs://nn:8020/tweetics or a local path")
    p.add_argument("--checkpoint", required=True, help="checkpoint folder (keep it with the output)")
    p.add_argument("--window", default="1 minute", help="window length (default '1 minute')")
    p.add_argument("--slide", default=None, help="slide for sliding windows (default: tumbling, = window)")
    p.add_argument("--watermark", default="2 minutes", help="allowed lateness of event time (default '2 minutes')")
    p.add_argument("--max-future", default="5 minutes",
                   help="a tweet dated later than its Kafka ingest time plus this is set aside and counted as "
                        "implausible_time, never counted nor used for the watermark (default '5 minutes')")
    p.add_argument("--trigger", default="5 seconds", help="micro-batch interval (default '5 seconds')")
    p.add_argument("--available-now", action="store_true",
                   help="process what the topic holds now, in as many batches as needed, then stop")
    p.add_argument("--starting-offsets", default="latest",
                   help="earliest | latest | Kafka JSON offsets; only for a new checkpoint (default latest)")
    p.add_argument("--max-offsets-per-trigger", type=int, default=None, help="cap records per micro-batch")
    p.add_argument("--shuffle-partitions", type=int, default=4,
                   help="state partitions (fixed once the checkpoint exists; default 4)")
    p.add_argument("--baseline-windows", type=int, default=5, help="windows in the trend baseline (default 5)")
    p.add_argument("--compact-every", type=int, default=60,
                   help="compact an open hour partition once it holds this many batch files (default 60)")
    p.add_argument("--retention", default="7 days", help="drop hour partitions older than this (default 7 days)")
    p.add_argument("--fail-on-data-loss", action="store_true",
                   help="stop when Kafka offsets vanished (retention) or a new checkpoint's first batch would skip "
                        "offsets (--starting-offsets latest on a topic with records) instead of skipping ahead; "
                        "without it they are counted as lost_offsets (skipped_offsets) in the metrics")
    p.add_argument("--max-restarts", type=int, default=env("TWEETICS_MAX_RESTARTS", "10"),
                   help="restart a failed query from its checkpoint up to this many times in a row, with backoff "
                        "(HDFS or Kafka briefly gone); 0 = fail at once  [env var: TWEETICS_MAX_RESTARTS; "
                        "default: 10]")
    p.add_argument("--log-level", default=env("TWEETICS_LOG_LEVEL", "INFO"), help="Python log level  [env var: TWEETICS_LOG_LEVEL; default: INFO]")
    p.add_argument("--log-format", default=env("TWEETICS_LOG_FORMAT", "text"), choices=("text", "json"),
                   help="log lines on stderr: text, or json (one object per line)  [env var: TWEETICS_LOG_FORMAT; "
                        "default: text]")
    p.add_argument("--metrics-port", type=int, default=env("TWEETICS_METRICS_PORT"),
                   help="serve Prometheus /metrics from the driver on this port  [env var: TWEETICS_METRICS_PORT]")
    p.add_argument("--metrics-addr", default=env("TWEETICS_METRICS_ADDR", "0.0.0.0"),
                   help="address of the /metrics server  [env var: TWEETICS_METRICS_ADDR; default: 0.0.0.0]")
    return p


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tweetics-suite")
    except PackageNotFoundError:  # run from a zip on a cluster without the package installed
        return "unknown"


def env_args(argv: Sequence[str]) -> list[str]:
    """The flags the environment stands in for (each help names its ``[env var: ...]``), spelled out: a driver
    on a cluster node has not this shell's environment."""
    import re

    given = {a.split("=", 1)[0] for a in argv}
    out: list[str] = []
    for action in build_parser()._actions:  # argparse has no public list of its actions
        found = re.search(r"\[env var: (\w+)", action.help or "")
        if found and os.environ.get(found.group(1)) and not given & set(action.option_strings):
            out += [action.option_strings[0], os.environ[found.group(1)]]
    return out


def flag_sets() -> tuple[frozenset[str], frozenset[str]]:
    """The job's flags: (those without a value, those with one), for ``tweetics submit`` to route them."""
    switches: set[str] = set()
    valued: set[str] = set()
    for action in build_parser()._actions:  # argparse has no public list of its actions
        (switches if action.nargs == 0 else valued).update(action.option_strings)
    return frozenset(switches), frozenset(valued)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and validate; every mistake becomes one error line and exit status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        validate(args)
    except UsageError as exc:
        parser.error(str(exc))
    return args


def validate(args: argparse.Namespace) -> None:
    """Check values and fill the derived millisecond fields."""
    if not args.bootstrap_servers:
        raise UsageError("--bootstrap-servers is required (or set TWEETICS_BOOTSTRAP_SERVERS)")
    if not all(":" in s and s.rsplit(":", 1)[1].isdigit() for s in args.bootstrap_servers.split(",")):
        raise UsageError(f"--bootstrap-servers: expected host:port[,host:port], got {args.bootstrap_servers!r}")
    args.kafka_options = source_options(args.bootstrap_servers, args.kafka_config_file)  # may hold secrets: never log
    if not args.topic:
        raise UsageError("--topic must not be empty")
    args.window_ms = parse_duration(args.window, name="--window")
    args.slide_ms = parse_duration(args.slide, name="--slide") if args.slide else args.window_ms
    args.watermark_ms = parse_duration(args.watermark, name="--watermark", allow_zero=True)
    args.trigger_ms = parse_duration(args.trigger, name="--trigger")
    args.max_future_ms = parse_duration(args.max_future, name="--max-future", allow_zero=True)
    if args.max_future_ms > 366 * 86_400_000:  # a tolerance of years would be no guard at all
        raise UsageError(f"--max-future: at most 366 days, got {args.max_future!r}")
    args.retention_ms = parse_duration(args.retention, name="--retention")
    if args.slide_ms > args.window_ms:
        raise UsageError("--slide must not be longer than --window")
    if args.window_ms % args.slide_ms:
        raise UsageError("--window must be a whole multiple of --slide")
    if args.starting_offsets not in ("earliest", "latest") and not args.starting_offsets.lstrip().startswith("{"):
        raise UsageError("--starting-offsets: use earliest, latest or Kafka JSON offsets")
    for name in ("shuffle_partitions", "baseline_windows", "compact_every"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.max_offsets_per_trigger is not None and args.max_offsets_per_trigger < 1:
        raise UsageError("--max-offsets-per-trigger must be at least 1")
    if args.output.rstrip("/") == args.checkpoint.rstrip("/"):
        raise UsageError("--output and --checkpoint must be different folders")
    if args.metrics_port is not None and not 1 <= int(args.metrics_port) <= 65535:
        raise UsageError(f"--metrics-port: a port 1-65535, got {args.metrics_port}")
    if args.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise UsageError("--log-level: use DEBUG, INFO, WARNING or ERROR")


# HDFS client tuning, kept unless spark-submit sets its own (--conf). The client's close() asks the
# NameNode to complete the file; when the DataNode's block report has not landed yet the answer is
# "not yet" and the client sleeps 400 ms (default) before asking again. Every checkpoint file (offsets,
# commits) and every file the sink writes paid it: ~1.2 s of a 1.7 s micro-batch, measured. Ask again
# after 10 ms, doubling, with more retries so the total patience (10 ms x (2^11 - 1) = 20 s) stays above
# the default's (400 ms x (2^5 - 1) = 12.4 s).
HDFS_CLIENT_DEFAULTS = {
    "spark.hadoop.dfs.client.block.write.locateFollowingBlock.initial.delay.ms": "10",
    "spark.hadoop.dfs.client.block.write.locateFollowingBlock.retries": "11",
}

# Per-micro-batch costs at a short trigger (docs/performance.md), kept unless spark-submit sets its own.
# The web UI's SQL listener keeps every micro-batch's plan graph and metrics: CPU on the driver per batch
# for a page nobody watches on a pipeline host (--conf spark.ui.enabled=true brings it back). The RocksDB
# state store with changelog checkpointing was tried and not kept: no gain measurable on the shared test
# machine, and the fault suite could not be run to prove its recovery there.
STREAMING_DEFAULTS = {
    "spark.ui.enabled": "false",
}


def build_session(args: argparse.Namespace) -> Any:
    """The SparkSession with the settings the job's semantics rely on (UTC partitions, state layout)."""
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    # Only a JVM-backed SparkConf sees spark-submit's --conf and spark-defaults.conf (a SparkConf made
    # before the gateway exists is an empty Python dict), and builder options override them.
    SparkContext._ensure_initialized()
    submitted = SparkConf()
    builder = SparkSession.builder.appName("tweetics")
    for key, value in {**HDFS_CLIENT_DEFAULTS, **STREAMING_DEFAULTS}.items():
        if not submitted.contains(key):
            builder = builder.config(key, value)
    spark = (builder
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
             .config("spark.sql.streaming.stopGracefullyOnShutdown", "true")
             .getOrCreate())
    spark.sparkContext.setLogLevel("WARN")
    return spark


def read_kafka(spark: Any, args: argparse.Namespace) -> Any:
    """The Kafka source with the job's options (shared with the benchmark's baseline query)."""
    reader = (spark.readStream.format("kafka")
              .options(**args.kafka_options)
              .option("subscribe", args.topic)
              .option("startingOffsets", args.starting_offsets)
              .option("failOnDataLoss", str(bool(args.fail_on_data_loss)).lower()))
    if args.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(args.max_offsets_per_trigger))
    return reader.load()


def build_query(spark: Any, args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """Start the streaming query; returns ``(query, writer, listener)``."""
    from tweetics.late import LateCounter
    from tweetics.listener import MetricsListener, metrics_file_writer
    from tweetics.sinks import CountsWriter, SinkConfig, initial_offsets, offset_log_metadata
    from tweetics.transforms import WindowSpec, hashtag_counts

    window, slide = spark_interval(args.window_ms), spark_interval(args.slide_ms)
    spec = WindowSpec(window=window, slide=slide, watermark=spark_interval(args.watermark_ms),
                      max_future_ms=args.max_future_ms)
    counts = hashtag_counts(read_kafka(spark, args), spec)
    writer = CountsWriter(spark, args.output, args.checkpoint, SinkConfig(
        window=args.window, slide=args.slide or args.window, window_ms=args.window_ms, slide_ms=args.slide_ms,
        baseline_windows=args.baseline_windows, compact_every=args.compact_every, retention_ms=args.retention_ms))

    def sink_report(batch_id: int) -> dict[str, Any]:
        report = writer.reports.pop(batch_id, None)
        return dict(vars(report)) if report else {}

    listener = MetricsListener(metrics_file_writer(writer.out), sink_report,
                               LateCounter(spark, args.kafka_options, spec,
                                           lambda batch_id: offset_log_metadata(writer.ckpt, batch_id)),
                               initial_offsets=lambda: initial_offsets(writer.ckpt),
                               input_counts=writer.add_input_counts,
                               source_counts=writer.recent_sources.add,
                               observe=args.prom.observe if getattr(args, "prom", None) else None)
    spark.streams.addListener(listener)
    stream = (counts.writeStream.queryName("tweetics").outputMode("update")
              .option("checkpointLocation", args.checkpoint)
              .foreachBatch(_refuse_skipped_offsets(args, writer) if args.fail_on_data_loss else writer))
    stream = stream.trigger(availableNow=True) if args.available_now else \
        stream.trigger(processingTime=spark_interval(args.trigger_ms))
    return stream.start(), writer, listener


def _refuse_skipped_offsets(args: argparse.Namespace, writer: Any) -> Any:
    """The writer, preceded on a new checkpoint's first batch by the --fail-on-data-loss check: offsets below
    where that batch starts (--starting-offsets latest on a topic with records, or records retention deleted
    first) would be skipped for good. Spark's failOnDataLoss never sees those; this stops before any output."""
    from tweetics.listener import skipped_offsets
    from tweetics.sinks import initial_offsets

    def sink(batch: Any, batch_id: int) -> None:
        if batch_id == 0:
            skipped = skipped_offsets(initial_offsets(writer.ckpt))
            if skipped:
                args.data_loss = (f"--fail-on-data-loss: the first batch would skip {skipped} offsets of {args.topic} "
                                  f"(--starting-offsets {args.starting_offsets}, or records deleted by retention)")
                raise RuntimeError(args.data_loss)
        writer(batch, batch_id)

    return sink


def run_supervised(spark: Any, args: argparse.Namespace) -> tuple[Any, Any]:
    """Run the query; when it fails, restart it from its checkpoint with backoff.

    Restarting is exactly-once by construction: a batch re-run after a failure reads the same offsets and
    rewrites the same files (idempotent by batch id). The restart budget counts failures in a row; a committed
    batch since the last failure resets it, so a long run survives many short outages but not a real bug.
    """
    from py4j.protocol import Py4JError
    from pyspark.errors import StreamingQueryException

    stopping = False
    current: dict[str, Any] = {}

    def on_term(*_: Any) -> None:
        nonlocal stopping
        stopping = True
        if "query" in current:
            current["query"].stop()

    signal.signal(signal.SIGTERM, on_term)
    failures = 0
    while True:
        listener = None
        try:
            query, writer, listener = build_query(spark, args)
            current["query"] = query
            logger.info("reading %s from %s, writing %s (window %s, slide %s, watermark %s)", args.topic,
                        args.bootstrap_servers, args.output, args.window, args.slide or args.window, args.watermark)
            query.awaitTermination()
            return query, (writer, listener)
        except (StreamingQueryException, Py4JError, OSError) as exc:
            if getattr(args, "data_loss", None):  # a restart would meet the same offsets: not an outage
                raise TweeticsError(args.data_loss) from exc
            if stopping:
                raise
            progressed = listener is not None and listener.last_batch_id is not None
            failures = 1 if progressed else failures + 1
            if failures > args.max_restarts:
                raise
            wait = min(60.0, 2.0 ** failures)
            first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            logger.warning("query failed (%s); restart %d of %d from the checkpoint in %.0f s",
                           first, failures, args.max_restarts, wait)
            time.sleep(wait)
        finally:
            if listener is not None:
                spark.streams.removeListener(listener)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging(args.log_level, args.log_format)
    logging.getLogger("py4j").setLevel(logging.WARNING)
    args.prom = None
    if args.metrics_port:
        from tweetics.prom import JobMetrics

        args.prom = JobMetrics()
        try:
            args.prom.serve(int(args.metrics_port), args.metrics_addr)
        except OSError as exc:
            print(f"{PROG}: error: --metrics-port {args.metrics_port}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    spark = build_session(args)
    try:
        query, (writer, listener) = run_supervised(spark, args)
        last = query.lastProgress
        listener.wait_for(last["batchId"] if last else None)
        writer.finish()
        totals = listener.totals
        unknown = totals.get("late_unknown_batches", 0)
        logger.info("done: %d records, %d counted, %d malformed, %d non-tweet, %d missing fields, "
                    "%d implausible time, %d late tweets%s, %d lost offsets (%d skipped before the first batch)",
                    totals.get("input_rows", 0), totals.get("valid", 0), totals.get("malformed", 0),
                    totals.get("non_tweet", 0), totals.get("missing_fields", 0), totals.get("implausible_time", 0),
                    totals.get("late", 0), f" (and late tweets of {unknown} batches not recounted)" if unknown else "",
                    totals.get("lost_offsets", 0), totals.get("skipped_offsets", 0))
        return 0
    except TweeticsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # StreamingQueryException and py4j errors: one line, details in the log
        logger.debug("query failed", exc_info=True)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"{PROG}: error: query failed: {first}", file=sys.stderr)
        return 1
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
