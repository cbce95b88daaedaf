"""``tweetics``: submit the streaming job, read its counts back."""

from __future__ import annotations

import csv
import logging
import os
import sys

import click
import orjson

from tweetcontract.clierrors import EXIT_FAILURE, EXIT_USAGE, error_boundary
from tweetics.exceptions import TweeticsError, UsageError

logger = logging.getLogger(__name__)


#: Our errors become one line on stderr and a non-zero exit, never a traceback.
_clean_errors = error_boundary("tweetics", [(UsageError, EXIT_USAGE), (TweeticsError, EXIT_FAILURE)])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="log more (to stderr)")
def main(verbose: bool) -> None:
    """TweeTics: hashtag counts per event-time window, Kafka -> Spark -> HDFS."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]})
@click.option("--master", envvar="SPARK_MASTER", default="local[*]", show_default=True,
              help="Spark master: local[*], local[2], spark://host:7077 (env SPARK_MASTER)")
@click.option("--jars", envvar="SPARK_KAFKA_JARS", help="connector jars, comma list (env SPARK_KAFKA_JARS; "
              "default: the cached jars in .cache/jars/spark-kafka)")
@click.option("--spark-home", envvar="SPARK_HOME", help="Spark install (env SPARK_HOME; default: pyspark's)")
@click.option("--conf", "conf", multiple=True, metavar="KEY=VALUE", help="extra Spark setting (repeatable)")
@click.option("--driver-memory", default=None, help="e.g. 1g")
@click.option("--dry-run", is_flag=True, help="print the spark-submit line instead of running it")
@click.argument("job_args", nargs=-1, type=click.UNPROCESSED)
@_clean_errors
def submit(master: str, jars: str | None, spark_home: str | None, conf: tuple[str, ...],
           driver_memory: str | None, dry_run: bool, job_args: tuple[str, ...]) -> None:
    """Run tweetics/job.py through spark-submit with the Kafka connector and the packaged code.

    JOB_ARGS are the job's own flags (see `tweetics submit -- --help`), e.g.
    --topic tweets --output hdfs://127.0.0.1:8020/tweetics --checkpoint hdfs://127.0.0.1:8020/ckpt/tweetics
    """
    from tweetics import job, submit as builder

    if "--help" in job_args or "-h" in job_args:
        job.build_parser().print_help()
        return
    job.parse_args(list(job_args))  # fail fast, in one line, before a JVM starts
    cmd = builder.build_command(job_args, master=master, jars=jars, home=spark_home, conf=conf,
                                driver_memory=driver_memory)
    if dry_run:
        click.echo(builder.shell_line(cmd))
        return
    click.echo(f"tweetics: {builder.shell_line(cmd[:3])} ... {' '.join(job_args)}", err=True)
    sys.stdout.flush()
    os.execve(cmd[0], cmd, builder.submit_env(spark_home))


@main.command()
@click.argument("output")
@click.option("--since", help="only windows starting at/after this: ISO-8601 time or an age like 2h")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--final-only", is_flag=True, help="only windows the watermark has closed")
@click.option("--webhdfs", envvar="WEBHDFS_URL", help="WebHDFS URL for hdfs:// outputs (env WEBHDFS_URL)")
@_clean_errors
def counts(output: str, since: str | None, fmt: str, final_only: bool, webhdfs: str | None) -> None:
    """Print the counts in OUTPUT (a path, hdfs:// or webhdfs:// URL), running updates resolved.

    One row per (window_start, window_end, hashtag): the latest count, exact once the window is final.
    """
    from tweetcontract.output.counts import sorted_rows
    from tweetcontract.output.reader import open_store, parse_location, read_counts
    from tweetics.intervals import parse_time

    since_ms = parse_time(since) if since else None
    store = open_store(parse_location(output, webhdfs or ""), timeout=30.0)
    found = read_counts(store, since_ms=since_ms, final_only=final_only)
    if found.bad_lines:
        logger.warning("skipped %d counts lines that break the contract", found.bad_lines)
    rows = sorted_rows(found.rows)
    out = click.get_text_stream("stdout")
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["window_start", "window_end", "hashtag", "count"])
        for r in rows:
            writer.writerow([r["window_start"], r["window_end"], r["hashtag"], r["count"]])
    else:
        for r in rows:
            out.write(orjson.dumps({k: r.get(k) for k in ("window_start", "window_end", "hashtag", "count",
                                                          "display", "trend", "final")}).decode() + "\n")
    windows = len({(r["window_start"], r["window_end"]) for r in rows})
    click.echo(f"tweetics: {len(rows)} counts in {windows} windows ({sum(r.get('final', False) for r in rows)} final)",
               err=True)


if __name__ == "__main__":
    main()
