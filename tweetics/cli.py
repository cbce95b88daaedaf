"""``tweetics``: submit the streaming job, read its counts back."""

from __future__ import annotations

import csv
import logging
import os
import sys

import click
import orjson

from tweetcontract.cli import CONTEXT, ProgramGroup, version_option
from tweetcontract.clierrors import EXIT_FAILURE, EXIT_USAGE, error_boundary
from tweetcontract.logformat import log_format_option, setup_logging
from tweetics import submit as builder
from tweetics.exceptions import TweeticsError, UsageError

logger = logging.getLogger(__name__)


#: Our errors become one line on stderr and a non-zero exit, never a traceback.
_clean_errors = error_boundary("tweetics", [(UsageError, EXIT_USAGE), (TweeticsError, EXIT_FAILURE)])


@click.group(cls=ProgramGroup, name="tweetics", context_settings=CONTEXT)
@click.option("-v", "--verbose", is_flag=True, help="Log more (to stderr).")
@log_format_option("tweetics")
@version_option("tweetics")
def main(verbose: bool, log_format: str) -> None:
    """TweeTics: hashtag counts per event-time window, Kafka -> Spark -> HDFS."""
    setup_logging(logging.DEBUG if verbose else logging.WARNING, log_format.lower())
    os.environ["TWEETICS_LOG_FORMAT"] = log_format.lower()  # the job submitted from here logs the same way


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--master", envvar="TWEETICS_MASTER", default="local[*]", show_default=True,
              help="Spark master: local[*], spark://HOST:7077, k8s://https://HOST:443, yarn.")
@click.option("--deploy-mode", type=click.Choice(["client", "cluster"]), envvar="TWEETICS_DEPLOY_MODE",
              help="Where the driver runs [default: client]. cluster on spark://: the driver runs on a worker "
                   "(through Spark's PythonRunner, as spark-submit itself refuses .py files there), so this "
                   "interpreter, the job and its zip (and --jars) must exist at the same paths on the workers; "
                   "--packages is refused there.")
@click.option("--packages", envvar="TWEETICS_PACKAGES", metavar="GROUP:ARTIFACT:VERSION[,...]",
              help=f"Maven coordinates spark-submit resolves (Ivy, Maven Central); the Kafka connector "
                   f"({builder.CONNECTOR_PACKAGE}) is added, so no local jars are needed.")
@click.option("--jars", envvar="TWEETICS_JARS", metavar="JAR[,...]",
              help="Connector jars [default: the cached jars in .cache/jars/spark-kafka, `make jars`]; "
                   "with --packages, extra jars.")
@click.option("--py-files", envvar="TWEETICS_PY_FILES", metavar="FILE[,...]",
              help="Extra Python files for the driver and executors (the job's own zip is always added).")
@click.option("--spark-home", envvar=["TWEETICS_SPARK_HOME", "SPARK_HOME"],
              help="Spark install whose bin/spark-submit runs [default: pyspark's].")
@click.option("--conf", "conf", multiple=True, metavar="KEY=VALUE", help="Spark setting, repeatable.")
@click.option("--driver-memory", envvar="TWEETICS_DRIVER_MEMORY", metavar="MEM", help="e.g. 1g")
@click.option("--executor-memory", envvar="TWEETICS_EXECUTOR_MEMORY", metavar="MEM", help="e.g. 2g")
@click.option("--dry-run", is_flag=True, help="Print the spark-submit line instead of running it.")
@click.pass_context
@_clean_errors
def submit(ctx: click.Context, master: str, deploy_mode: str | None, packages: str | None, jars: str | None,
           py_files: str | None, spark_home: str | None, conf: tuple[str, ...], driver_memory: str | None,
           executor_memory: str | None, dry_run: bool) -> None:
    """Run the job (tweetics/job.py) through spark-submit with the Kafka connector and the packaged code.

    \b
    tweetics submit [SPARK-SUBMIT OPTIONS] [JOB OPTIONS] [-- JOB OPTIONS]
    Every other spark-submit option passes through unchanged (--name, --num-executors,
    --total-executor-cores, --executor-cores, --properties-file, --files, --class ...,
    the k8s ones through --conf spark.kubernetes.*). A flag the job knows goes to the
    job, anything else to spark-submit; after `--` everything is the job's.
    The job's options: `tweetics submit -- --help`. Example:

    \b
    tweetics submit --master spark://127.0.0.1:7077 --executor-memory 1g \\
      --bootstrap-servers 127.0.0.1:9092 --topic tweets \\
      --output hdfs://127.0.0.1:8020/tweetics --checkpoint hdfs://127.0.0.1:8020/tweetics-checkpoints
    """
    from tweetics import job

    rest = list(ctx.args)
    if "--" in rest and {"--help", "-h"} & set(rest[rest.index("--"):]):
        job.build_parser().print_help()
        return
    switches, valued = job.flag_sets()
    split = builder.split_args(rest, switches, valued)
    if deploy_mode == "cluster":
        split.job += job.env_args(split.job)
    job.parse_args(split.job)  # fail fast, in one line, before a JVM starts
    cmd = builder.build_command(split.job, master=master, jars=jars, home=spark_home, conf=conf,
                                driver_memory=driver_memory, executor_memory=executor_memory, packages=packages,
                                deploy_mode=deploy_mode, py_files=py_files, spark_args=split.spark)
    if dry_run:
        click.echo(builder.shell_line(cmd))
        return
    click.echo(f"tweetics: {builder.shell_line(cmd[:3])} ... {' '.join(split.job)}", err=True)
    sys.stdout.flush()
    os.execve(cmd[0], cmd, builder.submit_env(spark_home))


@main.command()
@click.argument("output")
@click.option("--since", help="Only windows starting at/after this: ISO-8601 time or an age like 2h.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="Output format: CSV with a header, or one JSON object per line.")
@click.option("--final-only", is_flag=True, help="Only windows the watermark has closed.")
@click.option("--webhdfs-url", envvar="TWEETICS_WEBHDFS_URL", metavar="URL",
              help="WebHDFS base for hdfs:// outputs, http(s)://HOST:PORT [default: http://HOST:9870].")
@_clean_errors
def counts(output: str, since: str | None, fmt: str, final_only: bool, webhdfs_url: str | None) -> None:
    """Print the counts in OUTPUT (a path, hdfs:// or webhdfs:// URL), running updates resolved.

    One row per (window_start, window_end, hashtag): the latest count, exact once the window is final.
    """
    from tweetcontract.errors import ContractError
    from tweetcontract.output.counts import sorted_rows
    from tweetcontract.output.reader import open_store, parse_location, read_counts
    from tweetics.intervals import parse_time

    since_ms = parse_time(since) if since else None
    location = parse_location(output, webhdfs_url or "")
    try:
        found = read_counts(open_store(location, timeout=30.0), since_ms=since_ms, final_only=final_only)
    except ContractError as exc:
        where = "" if output in str(exc) else f"{output}: "
        raise type(exc)(f"{where}{exc}{_via(output, location.base_url, webhdfs_url)}") from None
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


def _via(output: str, base_url: str, webhdfs_url: str | None) -> str:
    """Why an hdfs:// URL was read on another port: its port is the NameNode's RPC one, WebHDFS is HTTP."""
    from urllib.parse import urlsplit

    if webhdfs_url or urlsplit(output).scheme.lower() != "hdfs":
        return ""
    return (f" (an hdfs:// URL is read through WebHDFS, here {base_url}, not its own port "
            f"{urlsplit(output).port or 8020}; give --webhdfs-url or TWEETICS_WEBHDFS_URL)")


if __name__ == "__main__":
    main()
