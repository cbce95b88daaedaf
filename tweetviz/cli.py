"""``tweetviz`` command line: ``serve`` the dashboard, ``check`` a data source once."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click
import orjson

from tweetcontract.cli import CONTEXT, ProgramGroup, version_option
from tweetcontract.clierrors import EXIT_USAGE, error_boundary, fail
from tweetcontract.logformat import log_format_option, setup_logging

from .exceptions import ConfigError, TweetvizError

logger = logging.getLogger(__name__)

DATA_HELP = "TweeTics output: file:///PATH, webhdfs://HOST:PORT/PATH or hdfs://HOST:PORT/PATH."


def _logging(level: str, log_format: str = "text") -> None:
    setup_logging(getattr(logging, level.upper()), log_format.lower())
    # The hdfs package logs every request at INFO; at 4 polls a second that is noise.
    logging.getLogger("hdfs").setLevel(max(logging.WARNING, logging.getLogger().level))


#: Our errors become one line on stderr and a non-zero exit, never a traceback.
_clean_errors = error_boundary("tweetviz", [(ConfigError, EXIT_USAGE), (TweetvizError, 1)])


def _overrides(**values: Any) -> dict[str, Any]:
    return {key.upper(): value for key, value in values.items() if value is not None}


@click.group(cls=ProgramGroup, name="tweetviz", context_settings=CONTEXT)
@click.option("--log-level", default="info", show_default=True, envvar="TWEETVIZ_LOG_LEVEL",
              type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
              help="Logging threshold (to stderr).")
@log_format_option("tweetviz")
@version_option("tweetviz")
def main(log_level: str, log_format: str) -> None:
    """Tweetviz: a live tag cloud of TweeTics' hashtag counts in HDFS."""
    _logging(log_level, log_format)


@main.command()
@click.option("--data", envvar="TWEETVIZ_DATA", required=True, help=DATA_HELP)
@click.option("--host", envvar="TWEETVIZ_HOST", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", envvar="TWEETVIZ_PORT", default=8050, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--server", "server", envvar="TWEETVIZ_SERVER", default="gunicorn", show_default=True,
              type=click.Choice(["gunicorn", "dev"]), help="gunicorn for production, dev for a demo.")
@click.option("--workers", envvar="TWEETVIZ_WORKERS", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes (each reads the source itself).")
@click.option("--threads", envvar="TWEETVIZ_THREADS", default=32, show_default=True, type=click.IntRange(1, 1024),
              help="Threads per gunicorn worker (each live page holds one).")
@click.option("--webhdfs-url", envvar="TWEETVIZ_WEBHDFS_URL", metavar="URL",
              help="WebHDFS base for hdfs:// data URLs [default: http://HOST:9870].")
@click.option("--hdfs-user", envvar="TWEETVIZ_HDFS_USER", help="WebHDFS user.name [default: current user].")
@click.option("--poll-interval", envvar="TWEETVIZ_POLL_INTERVAL", type=click.FloatRange(0.05, 60),
              help="Seconds between checks of latest.json [default: 0.25].")
@click.option("--env", "env", envvar="TWEETVIZ_ENV", default="production", show_default=True,
              type=click.Choice(["production", "development"]), help="Flask environment.")
@click.option("--debug/--no-debug", envvar="TWEETVIZ_DEBUG", default=False,
              help="Flask debug mode: only with --env development --server dev.")
@click.option("--frame-ancestors", envvar="TWEETVIZ_FRAME_ANCESTORS", metavar="SOURCES",
              help="Who may embed the page (CSP frame-ancestors): 'none', 'self' or origins such as "
                   "https://grafana.example.org [default: 'none'].")
@click.option("--page-title", envvar="TWEETVIZ_PAGE_TITLE", metavar="TEXT",
              help="Title shown large in presenter mode (at most 120 characters).")
@click.option("--present-cycle", envvar="TWEETVIZ_PRESENT_CYCLE", type=click.FloatRange(1, 3600), metavar="SECONDS",
              help="Seconds per view while presenter mode cycles [default: 20].")
@click.option("--history-minutes", envvar="TWEETVIZ_HISTORY_MINUTES", type=click.IntRange(60, 10080),
              metavar="MINUTES", help="How far back the series and tag panels read [default: 180].")
@_clean_errors
def serve(data: str, host: str, port: int, server: str, workers: int, threads: int, webhdfs_url: str | None,
          hdfs_user: str | None, poll_interval: float | None, env: str, debug: bool, frame_ancestors: str | None,
          page_title: str | None, present_cycle: float | None, history_minutes: int | None) -> None:
    """Serve the dashboard (page, JSON API, live stream) reading TweeTics output from DATA."""
    settings = _overrides(data=data, webhdfs_url=webhdfs_url, hdfs_user=hdfs_user,
                          poll_interval=poll_interval, env=env, debug=debug, frame_ancestors=frame_ancestors,
                          page_title=page_title, present_cycle=present_cycle, history_minutes=history_minutes)
    if debug and server != "dev":
        raise ConfigError("--debug needs --server dev (never debug under gunicorn)")
    from . import create_app
    from .server import run_dev, run_gunicorn

    app = create_app({**settings, "START_REFRESHER": False})  # validate before forking
    click.echo(f"tweetviz: serving {app.extensions['tweetviz'].source.display} on "
               f"http://{host}:{port}/ ({server})", err=True)
    if server == "dev":
        app.extensions["tweetviz"].store.start()
        run_dev(app, host, port)
    else:
        if "TWEETVIZ_MAX_STREAMS" not in os.environ:
            # Each live page holds a thread: keep half the pool for API calls; past that pages poll.
            settings["MAX_STREAMS"] = max(1, threads // 2)
        run_gunicorn(lambda: create_app(settings), host, port, workers, threads)


@main.command()
@click.option("--data", envvar="TWEETVIZ_DATA", required=True, help=DATA_HELP)
@click.option("--webhdfs-url", envvar="TWEETVIZ_WEBHDFS_URL", metavar="URL",
              help="WebHDFS base for hdfs:// data URLs [default: http://HOST:9870].")
@click.option("--hdfs-user", envvar="TWEETVIZ_HDFS_USER", help="WebHDFS user.name [default: current user].")
@click.option("--window", type=click.Choice(["1", "5", "15", "60"]), default="5", show_default=True,
              help="Window length in minutes.")
@click.option("-n", "n", type=click.IntRange(1, 200), default=10, show_default=True, help="How many hashtags.")
@_clean_errors
def check(data: str, webhdfs_url: str | None, hdfs_user: str | None, window: str, n: int) -> None:
    """Read DATA once and print its top hashtags: a quick test of the data path.

    Exits 1 when DATA cannot be read or holds no counts yet (as `tweetics counts` does).
    """
    from . import create_app

    app = create_app({**_overrides(data=data, webhdfs_url=webhdfs_url, hdfs_user=hdfs_user),
                      "START_REFRESHER": False})
    ext = app.extensions["tweetviz"]
    ext.store.refresh_once(force_scan=True)
    while not ext.store.scan_complete:  # a capped cold start: keep reading until complete
        ext.store.refresh_once(force_scan=True)
    snap = ext.store.snapshot
    if snap.state == "degraded":
        fail("tweetviz", f"cannot read {ext.source.display}: {snap.error}")
    if not ext.store.cache:
        fail("tweetviz", f"no counts in {ext.source.display} (an empty folder, or not TweeTics output)")
    doc = orjson.loads(ext.presenter.top(int(window), n, False))
    click.echo(f"source {ext.source.display}: state {snap.state}, data time {doc['data_time']}, "
               f"{len(ext.store.cache)} files cached, {ext.store.bad_lines} bad lines")
    for tag in doc["tags"]:
        click.echo(f"{tag['count']:>8}  #{tag['display']}")
