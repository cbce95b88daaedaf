"""How ``tweetviz serve`` runs gunicorn: what run_gunicorn hands it, and what the CLI hands run_gunicorn.

gunicorn is stopped just before it would start its arbiter, so these tests need no port and no
waiting; the configuration checked is gunicorn's own parsed Config, not our option dict.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from tweetviz import config as tweetviz_config
from tweetviz import server
from tweetviz.cli import main


@pytest.fixture
def handed(monkeypatch) -> dict[str, Any]:
    """Instead of running, record the gunicorn application run_gunicorn built (its Config)."""
    seen: dict[str, Any] = {}

    def fake_run(self: BaseApplication) -> None:
        seen["cfg"] = self.cfg
        seen["app"] = self

    monkeypatch.setattr(BaseApplication, "run", fake_run)
    return seen


# One thread too: gunicorn quietly turns "sync" with threads > 1 into gthread, but not with one.
@pytest.mark.parametrize("threads", [1, 12])
def test_gunicorn_gets_gthread_workers_so_a_stream_outlives_the_timeout(handed, threads: int) -> None:
    made = []
    server.run_gunicorn(lambda: made.append(1) or "app", "0.0.0.0", 8050, 3, threads)
    cfg = handed["cfg"]
    assert cfg.bind == ["0.0.0.0:8050"]
    assert cfg.workers == 3 and cfg.threads == threads
    # gthread: a thread per connection, and the worker reports to the arbiter from its own loop,
    # so gunicorn's timeout never ends a long request. The sync worker (gunicorn's default, what a
    # bare `gunicorn tweetviz:create_app()` runs) reports only between requests: every live page
    # would be killed at the timeout.
    assert cfg.worker_class_str == "gthread"
    assert cfg.worker_class is ThreadWorker and not issubclass(cfg.worker_class, SyncWorker)
    stream_seconds = tweetviz_config.DEFAULTS["STREAM_MAX_SECONDS"]
    assert stream_seconds > 30 and stream_seconds > cfg.timeout, \
        "if streams were shorter than the timeout this test would prove nothing"
    assert 10 <= cfg.timeout, "the heartbeat comes about once a second; leave room for a busy worker"
    # SIGTERM: streams get a short grace, well inside Docker's 10 s and Kubernetes' 30 s.
    assert 0 < cfg.graceful_timeout < 10
    assert cfg.preload_app is False  # each worker builds its own app and refresher after the fork
    if "control_socket_disable" in cfg.settings:  # gunicorn >= 25.1
        assert cfg.control_socket_disable is True
    # The factory runs in the worker (load), not when the app is configured.
    assert made == [] and handed["app"].load() == "app" and made == [1]


def test_ipv6_hosts_are_bracketed(handed) -> None:
    server.run_gunicorn(lambda: None, "::", 8050, 1, 2)
    assert handed["cfg"].bind == ["[::]:8050"]


@pytest.fixture
def run_args(monkeypatch) -> dict[str, Any]:
    """What `tweetviz serve` hands run_gunicorn (which is not run)."""
    seen: dict[str, Any] = {}

    def fake(factory, host, port, workers, threads) -> None:
        seen.update(factory=factory, host=host, port=port, workers=workers, threads=threads)

    monkeypatch.setattr(server, "run_gunicorn", fake)
    monkeypatch.setenv("TWEETVIZ_START_REFRESHER", "false")  # the worker apps built below stay idle
    for var in ("TWEETVIZ_HOST", "TWEETVIZ_PORT", "TWEETVIZ_WORKERS", "TWEETVIZ_THREADS",
                "TWEETVIZ_MAX_STREAMS", "TWEETVIZ_SERVER"):
        monkeypatch.delenv(var, raising=False)
    return seen


def test_serve_as_a_container_runs_it_settings_from_the_environment(run_args, data_dir, monkeypatch) -> None:
    """The images, compose and Kubernetes run `tweetviz serve --host 0.0.0.0` and set the rest as
    TWEETVIZ_* variables."""
    monkeypatch.setenv("TWEETVIZ_DATA", f"file://{data_dir}")
    monkeypatch.setenv("TWEETVIZ_WORKERS", "3")
    monkeypatch.setenv("TWEETVIZ_THREADS", "12")
    monkeypatch.setenv("TWEETVIZ_PORT", "8051")
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert (run_args["host"], run_args["port"], run_args["workers"], run_args["threads"]) == \
        ("0.0.0.0", 8051, 3, 12)
    app = run_args["factory"]()
    assert app.config["MAX_STREAMS"] == 6, "half of each worker's threads may hold live pages"
    assert app.config["DATA"] == f"file://{data_dir}"


def test_an_explicit_stream_cap_is_kept(run_args, data_dir, monkeypatch) -> None:
    monkeypatch.setenv("TWEETVIZ_MAX_STREAMS", "3")
    result = CliRunner().invoke(main, ["serve", "--data", f"file://{data_dir}", "--threads", "12"])
    assert result.exit_code == 0, result.output
    assert run_args["host"] == "127.0.0.1"  # outside a container, loopback by default
    assert run_args["factory"]().config["MAX_STREAMS"] == 3
