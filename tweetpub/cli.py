"""The ``tweetpub`` command line: replay, generate, stream, record.

Every user mistake (bad option, missing file, unreachable broker) ends with one ``tweetpub: error:`` line
on stderr and a non-zero exit, never a traceback. Exit codes: 0 ok, 1 records not delivered,
2 usage or input error, 3 Kafka unreachable, 128+N stopped by signal N.
"""

from __future__ import annotations

import functools
import logging
import sys
from datetime import timezone
from typing import Any, Callable

import click

from tweetcontract import defaults
from tweetcontract.cli import CONTEXT, ProgramGroup, version_option
from tweetcontract.clierrors import error_boundary, fail
from tweetcontract.logformat import log_format_option, setup_logging
from tweetpub import config
from tweetpub.metrics import metrics_option
from tweetpub.live.rules import ACCESS_LEVELS
from tweetpub.exceptions import KafkaUnavailable, SourceError, TweetpubError, UsageError
from tweetpub.signals import StopSignals

logger = logging.getLogger("tweetpub")

EXIT_UNDELIVERED, EXIT_USAGE, EXIT_KAFKA = 1, 2, 3


def _setup_logging(verbose: int, log_format: str = "text") -> None:
    setup_logging(logging.DEBUG if verbose > 1 else logging.INFO, log_format.lower())
    # librdkafka's own chatter (connection retries...) only with -vv: the CLI reports failures itself.
    logging.getLogger("tweetpub.rdkafka").setLevel(logging.DEBUG if verbose > 1 else logging.CRITICAL)
    if verbose == 0:
        logging.getLogger("tweetpub.producer").setLevel(logging.WARNING)


def _fail(message: str, code: int) -> None:
    fail("tweetpub", message, code)


#: tweetpub's own exceptions become one error line and an exit code (the contract's clierrors style).
clean_errors = error_boundary("tweetpub", [(KafkaUnavailable, EXIT_KAFKA), ((UsageError, SourceError), EXIT_USAGE),
                                           (TweetpubError, EXIT_UNDELIVERED)])


def kafka_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Flags shared by every command that writes to Kafka."""
    opts = [
        click.option("--bootstrap-servers", "--bootstrap-server", "bootstrap_servers",
                     envvar="TWEETPUB_BOOTSTRAP_SERVERS", metavar="HOST:PORT[,...]", help="Kafka brokers."),
        click.option("--topic", envvar="TWEETPUB_TOPIC", default=defaults.DEFAULT_TOPIC, show_default=True,
                     help="Topic for tweets."),
        click.option("--dlq-topic", envvar="TWEETPUB_DLQ_TOPIC", metavar="TOPIC",
                     help="Dead-letter topic. [default: <topic>.dlq]"),
        click.option("--partitions", type=click.IntRange(1), default=1, show_default=True,
                     help="Partitions for topics tweetpub has to create."),
        click.option("--kafka-config", "kafka_pairs", multiple=True, metavar="KEY=VALUE",
                     help="Extra librdkafka setting, repeatable (e.g. security.protocol, sasl.mechanism). "
                          "Passwords and secrets only through --kafka-config-file."),
        click.option("--kafka-config-file", envvar="TWEETPUB_KAFKA_CONFIG_FILE", type=click.Path(dir_okay=False),
                     help="Properties file of extra librdkafka settings (SASL, TLS; secrets go here)."),
        click.option("--compression", type=click.Choice(["none", "gzip", "snappy", "lz4", "zstd"]),
                     default=config.DEFAULT_COMPRESSION, show_default=True, help="compression.type"),
        click.option("--linger-ms", type=click.IntRange(0, 900000), default=config.DEFAULT_LINGER_MS,
                     show_default=True, help="linger.ms: how long to wait to fill a batch."),
        click.option("--batch-size", type=click.IntRange(1), default=config.DEFAULT_BATCH_SIZE,
                     show_default=True, help="batch.size in bytes."),
        click.option("--timeout", type=click.FloatRange(0.1), default=10.0, show_default=True,
                     help="Seconds to wait for the brokers before giving up."),
        click.option("--flush-timeout", type=click.FloatRange(0), default=30.0, show_default=True,
                     help="Seconds to wait for outstanding records on exit."),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--track`` / ``--locations`` with the demo's defaults (the live sources need rules)."""
    func = click.option("--locations", multiple=True, envvar="TWEETPUB_LOCATIONS", metavar="W,S,E,N[,...]",
                        help="Boxes, longitude first (west, south, east, north); repeatable or a comma list of 4n "
                             f"numbers. [default: {defaults.DEFAULT_LOCATIONS}]")(func)
    func = click.option("--track", envvar="TWEETPUB_TRACK", default=defaults.DEFAULT_TRACK, metavar="PHRASES",
                        help="Comma = OR, space = AND. [default: the 23 demo words]")(func)
    return func


def replay_filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--track`` / ``--locations`` without defaults: replay keeps everything unless asked to filter."""
    func = click.option("--demo-filter", is_flag=True,
                        help=f"Filter by the demo's 23 words and box ({defaults.DEFAULT_LOCATIONS}), as "
                             "`make demo` does; --track/--locations given beside it replace its parts.")(func)
    func = click.option("--no-filter", is_flag=True,
                        help="Keep every tweet even if TWEETPUB_TRACK/TWEETPUB_LOCATIONS are set.")(func)
    func = click.option("--locations", multiple=True, envvar="TWEETPUB_LOCATIONS", metavar="W,S,E,N[,...]",
                        help="Keep tweets in these boxes, longitude first (west, south, east, north); "
                             "repeatable or a comma list of 4n numbers.")(func)
    func = click.option("--track", envvar="TWEETPUB_TRACK", metavar="PHRASES",
                        help="Keep tweets matching these phrases: comma = OR, space = AND.")(func)
    return func


def _kafka_extra(pairs: tuple[str, ...], path: str | None) -> dict[str, str]:
    from tweetpub.kafkaconf import parse_pairs, read_properties

    extra = read_properties(path) if path else {}
    extra.update(parse_pairs(pairs))
    return extra


def _make_producer(kw: dict[str, Any]) -> Any:
    from tweetpub.kafkaconf import client_config, producer_config
    from tweetpub.producer import TweetProducer

    extra = _kafka_extra(kw["kafka_pairs"], kw["kafka_config_file"])
    bootstrap = kw["bootstrap_servers"] or ""
    common = client_config(bootstrap, extra)
    pconf = producer_config(bootstrap, compression=kw["compression"], linger_ms=kw["linger_ms"],
                            batch_size=kw["batch_size"], extra=extra)
    producer = TweetProducer(pconf, common, kw["topic"], kw["dlq_topic"], timeout=kw["timeout"])
    producer.ensure_topics(kw["partitions"])
    return producer, common


@click.group(cls=ProgramGroup, name="tweetpub", context_settings=CONTEXT)
@click.option("-v", "--verbose", count=True, help="More logging (-vv: debug, with librdkafka's own logs).")
@log_format_option("tweetpub")
@version_option("tweetpub")
def main(verbose: int, log_format: str) -> None:
    """tweetpub: geo-boxed, keyword-tracked tweets into Kafka, live or from recordings."""
    _setup_logging(verbose, log_format)


@main.command()
@click.argument("files", nargs=-1, metavar="FILE...")
@kafka_options
@replay_filter_options
@click.option("--rate", type=click.FloatRange(0, min_open=True), metavar="N", help="Emit N tweets per second.")
@click.option("--speed", type=click.FloatRange(0, min_open=True), metavar="X",
              help="Follow the recorded created_at gaps, X times faster (1 = real time).")
@click.option("--max-gap", type=click.FloatRange(0), default=3600.0, show_default=True, metavar="SECONDS",
              help="With --speed: wait at most this much event time between two lines (a 2099 line never stalls).")
@click.option("--loop", is_flag=True, help="Start over at the end, shifting event times so the demo looks live.")
@click.option("--loops", type=click.IntRange(1), metavar="N", help="With --loop: stop after N passes.")
@click.option("--resume", is_flag=True, help="Continue after the last record this file list already has in Kafka.")
@click.option("--max-line-bytes", type=click.IntRange(1024), default=config.DEFAULT_MAX_LINE_BYTES,
              show_default=True, help="Longer lines are dead-lettered.")
@click.option("--status-every", type=click.FloatRange(0.1), default=5.0, show_default=True,
              help="Seconds between status lines when stderr is not a terminal.")
@clean_errors
@metrics_option
def replay(files: tuple[str, ...], no_filter: bool, demo_filter: bool, track: str | None,
           locations: tuple[str, ...], rate: float | None,
           speed: float | None, max_gap: float, loop: bool, loops: int | None, resume: bool, max_line_bytes: int,
           status_every: float, **kw: Any) -> None:
    """Replay recorded tweet files (FILE... or - for stdin; plain or .gz) into Kafka.

    \b
    Filter: none by default, every valid record is produced. Replaying your own
    archive should not silently drop what it holds, so filtering is opt-in:
    --track and/or --locations filter the way v1.1 statuses/filter did (track OR
    locations); --demo-filter applies the demo's words and box.

    Each line may be a v1.1 tweet, a flattened v2 tweet or a v2 response page (twarc2). Bad lines
    never stop the run: they are counted and sent to the dead-letter topic.
    """
    from tweetpub.filters import TweetFilter, parse_locations, parse_track
    from tweetpub.replay import resume as resume_mod
    from tweetpub.replay.pacing import Pacer, RatePacer, TimelinePacer
    from tweetpub.replay.reader import check_paths
    from tweetpub.replay.run import ReplayOptions, run_replay

    paths = list(files) or ["-"]
    if rate and speed:
        raise UsageError("--rate and --speed exclude each other")
    if loops and not loop:
        loop = True
    if loop and "-" in paths:
        raise UsageError("--loop needs files, not stdin")
    tweet_filter = None
    if not no_filter and (demo_filter or track is not None or locations):
        boxes = parse_locations(locations or ([defaults.DEFAULT_LOCATIONS] if demo_filter else []))
        phrases = parse_track(track if track is not None else defaults.DEFAULT_TRACK if demo_filter else "")
        if not phrases and not boxes:
            raise UsageError("empty --track and --locations match nothing; omit them to keep everything")
        tweet_filter = TweetFilter(phrases, boxes)
    check_paths(paths)
    if resume and "-" in paths:
        raise UsageError("--resume needs files, not stdin")
    run = resume_mod.run_id(paths) if "-" not in paths else b"stdin"
    pacer = TimelinePacer(speed, max_gap=max_gap) if speed else RatePacer(rate) if rate else Pacer()
    producer, common = _make_producer(kw)
    resume_from = resume_mod.ResumePoint()
    if resume:
        resume_from = resume_mod.find_resume_point(common, producer, resume_mod.run_id(paths), kw["timeout"])
        logger.info("resume: %s", "continuing after the records already in Kafka" if resume_from else "nothing to skip")
    opts = ReplayOptions(paths=paths, tweet_filter=tweet_filter, pacer=pacer, loop=loop,
                         loops=(loops if loop else 1), max_line_bytes=max_line_bytes, run=run,
                         resume_from=resume_from, flush_timeout=kw["flush_timeout"], status_every=status_every)
    with StopSignals() as sig:
        counters = run_replay(opts, producer, sig.stop)
    click.echo(f"summary: {counters.summary()}", err=True)
    if producer.fatal_error:
        _fail(f"Kafka producer failed: {producer.fatal_error}", EXIT_UNDELIVERED)
    if counters.failed:
        _fail(f"{counters.failed} record(s) not delivered ({producer.stats.last_error or 'flush timed out'})",
              EXIT_UNDELIVERED)
    if sig.signum:
        sys.exit(128 + sig.signum)


@main.command()
@click.option("-n", "--count", type=click.IntRange(1), default=1000, show_default=True, help="Tweets to generate.")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="Output file (.gz: gzip), - for stdout.")
@click.option("--dialect", type=click.Choice(["v1.1", "v2", "v2-page", "mixed"]), default="mixed",
              show_default=True, help="Line format; mixed = all three, per line.")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same bytes.")
@click.option("--malformed", type=click.IntRange(0), default=0, show_default=True,
              help="Also write this many bad lines (truncated JSON, bad bytes, deletes, limits).")
@click.option("--start", default="2026-11-21T09:00:00Z", show_default=True, help="First created_at (ISO-8601).")
@click.option("--duration", type=click.FloatRange(0), default=1800.0, show_default=True,
              help="Recorded timeline span in seconds.")
@click.option("--inside", "inside_fraction", type=click.FloatRange(0, 1), default=0.7, show_default=True,
              help="Share of tweets located in the Boston box (the rest are outside or unlocated).")
@clean_errors
def generate(count: int, output: str, dialect: str, seed: int, malformed: int, start: str, duration: float,
             inside_fraction: float) -> None:
    """Write a synthetic, deterministic recording that replay reads."""
    from tweetpub.generate import GenOptions, generate as gen, open_output
    from tweetcontract.times import parse_iso_time

    try:
        start_dt = parse_iso_time(start)
    except ValueError:
        raise UsageError(f"--start is not an ISO-8601 time: {start!r}") from None
    opts = GenOptions(count=count, dialect=dialect, seed=seed, start=start_dt.astimezone(timezone.utc),
                      duration=duration, malformed=malformed, inside_fraction=inside_fraction)
    try:
        out = open_output(output)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    try:
        lines = gen(opts, out)
    finally:
        if output != "-":
            out.close()
    click.echo(f"wrote {lines} lines ({count} tweets, {malformed} bad) to {output}", err=True)


def _live_filter(track: str, locations: tuple[str, ...]) -> tuple[list[str], list[Any]]:
    from tweetpub.filters import parse_locations, parse_track

    phrases = [" ".join(p) for p in parse_track(track)]
    boxes = parse_locations(locations or [defaults.DEFAULT_LOCATIONS])
    return phrases, boxes


def live_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Flags of the live X API commands (stream, record)."""
    opts = [
        click.option("--bearer-token-file", envvar="TWEETPUB_BEARER_TOKEN_FILE", type=click.Path(dir_okay=False),
                     help="File holding the X API bearer token (else the variable X_BEARER_TOKEN)."),
        click.option("--api-base", envvar="TWEETPUB_API_BASE", default="https://api.x.com", show_default=True,
                     help="X API base URL (a local fake in tests)."),
        click.option("--access-level", type=click.Choice(list(ACCESS_LEVELS)), default="pro",
                     show_default=True, help="Your API tier: bounds rule count and length."),
        click.option("--rule-tag", default="tweetpub", show_default=True, help="Tag of the rules tweetpub owns."),
        click.option("--limit", type=click.IntRange(1), help="Stop after this many tweets."),
        click.option("--duration", type=click.FloatRange(0, min_open=True), help="Stop after this many seconds."),
        click.option("--dry-run", is_flag=True, help="Show the rule changes, do not stream."),
        click.option("--backoff-scale", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True,
                     help="Multiply X's reconnect waits (1 = X's rules: network +0.25 s to 16 s, HTTP 5 s to 320 s, 429 from 60 s)."),
        click.option("--max-retries", type=click.IntRange(0), help="Give up after this many failed reconnects (default: never)."),
        click.option("--read-timeout", type=click.FloatRange(1), default=21.0, show_default=True,
                     help="Seconds without data or keep-alive before reconnecting (X sends a keep-alive every 20 s)."),
    ]

    @functools.wraps(func)
    def with_live_options(*args: Any, track: str, locations: tuple[str, ...], bearer_token_file: str | None,
                          api_base: str, access_level: str, rule_tag: str, limit: int | None,
                          duration: float | None, dry_run: bool, backoff_scale: float, max_retries: int | None,
                          read_timeout: float, source: str, **kw: Any) -> Any:
        from tweetpub.live.client import Backoff
        from tweetpub.live.run import LiveOptions

        if source != "x":
            live_open = open_options(source, track, locations, kw, limit=limit, duration=duration, dry_run=dry_run,
                                      backoff=Backoff.scaled(backoff_scale), max_retries=max_retries,
                                      read_timeout=read_timeout)
            return func(*args, live=live_open, **kw)
        for name in OPEN_ONLY:
            kw.pop(name, None)
        phrases, boxes = _live_filter(track, locations)
        live = LiveOptions(phrases, boxes, bearer_token_file=bearer_token_file, api_base=api_base,
                           access_level=access_level, rule_tag=rule_tag, limit=limit, duration=duration,
                           backoff=Backoff.scaled(backoff_scale), max_retries=max_retries,
                           read_timeout=read_timeout, dry_run=dry_run)
        return func(*args, live=live, **kw)

    from tweetpub.live.openoptions import OPEN_ONLY, open_options, open_source_options

    for opt in reversed(opts + open_source_options()):
        with_live_options = opt(with_live_options)
    return with_live_options


@main.command()
@kafka_options
@filter_options
@clean_errors  # outside live_options: building the options can fail on a bad --locations
@metrics_option
@live_options
def stream(live: Any, **kw: Any) -> None:
    """Stream live posts into Kafka: the X API v2 filtered stream, Bluesky (Jetstream) or Mastodon.

    X: --track/--locations become v2 rules (bounding_box tiles for the boxes). bluesky/mastodon: --track
    (v1.1 semantics) and --lang filter the posts here; --locations is refused (no geo).
    """
    from tweetpub.live.stream import run_stream

    producer = None if live.dry_run else _make_producer(kw)[0]
    if getattr(live, "source", "x") != "x":
        from tweetpub.live.opensinks import run_open_stream

        summary = run_open_stream(live, producer=producer)
    else:
        summary = run_stream(live, producer=producer)
    click.echo(f"summary: {summary.line()}", err=True)


@main.command()
@filter_options
@click.option("-d", "--out-dir", default="recordings", show_default=True, type=click.Path(file_okay=False),
              help="Directory for the rotating .jsonl.gz files.")
@click.option("--prefix", default="tweets", show_default=True, help="File name prefix.")
@click.option("--rotate-mb", type=click.FloatRange(0, min_open=True), default=64.0, show_default=True,
              help="Start a new file after this many MB.")
@click.option("--rotate-seconds", type=click.FloatRange(0, min_open=True), default=3600.0, show_default=True,
              help="Start a new file after this many seconds.")
@clean_errors
@live_options
def record(live: Any, out_dir: str, prefix: str, rotate_mb: float, rotate_seconds: float) -> None:
    """Record a live stream (X, bluesky or mastodon) to rotating .jsonl.gz files that replay reads.

    bluesky/mastodon: one post per line exactly as received (the Jetstream event, the Mastodon Status).
    """
    from tweetpub.live.record import run_record

    if getattr(live, "source", "x") != "x":
        from tweetpub.live.opensinks import run_open_record

        summary = run_open_record(live, out_dir=out_dir, prefix=prefix, rotate_bytes=int(rotate_mb * 2**20),
                                  rotate_seconds=rotate_seconds)
    else:
        summary = run_record(live, out_dir=out_dir, prefix=prefix, rotate_bytes=int(rotate_mb * 2**20),
                             rotate_seconds=rotate_seconds)
    click.echo(f"summary: {summary.line()}", err=True)
