"""Fixtures of the tweetviz tests (the session services come from tests/conftest.py)."""

from __future__ import annotations

from typing import Iterator

import pytest

from tweetviz import create_app
from tweetviz.sample import build_output

from .helpers import minute_now, write_local

TAGS = {"OpenStack": 40, "Kubernetes": 30, "Python": 20, "Docker": 10, "Boston": 5}


@pytest.fixture
def data_dir(tmp_path) -> str:
    """A local TweeTics output folder: 20 one-minute windows, 5 hashtags, batch 3."""
    root = str(tmp_path / "out")
    write_local(root, build_output(minute_now(), 20, TAGS, batch_id=3, trends={"OpenStack": 2.0}))
    return root


@pytest.fixture
def app(data_dir):
    app = create_app({"DATA": f"file://{data_dir}", "START_REFRESHER": False, "TESTING": True,
                      "STREAM_MAX_SECONDS": 0.5, "STREAM_HEARTBEAT": 0.2})
    app.extensions["tweetviz"].store.refresh_once(force_scan=True)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def running_app(data_dir) -> Iterator:
    """The app with its refresher thread running (stopped afterwards)."""
    app = create_app({"DATA": f"file://{data_dir}", "TESTING": True, "POLL_INTERVAL": 0.05,
                      "PARTITION_INTERVAL": 0.2})
    yield app
    app.extensions["tweetviz"].store.stop()
