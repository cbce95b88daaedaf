"""tweetviz: the live tag-cloud dashboard over TweeTics' hashtag counts in HDFS."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Mapping

from flask import Flask

from tweetcontract.output.reader import Store as Source
from tweetcontract.output.reader import open_store

from . import config as _config
from . import metrics, security, views
from .payloads import Presenter
from .store import Store

logger = logging.getLogger(__name__)

__all__ = ["create_app"]


@dataclass
class Tweetviz:
    """The app's resources, kept in ``app.extensions["tweetviz"]``."""

    source: Source
    store: Store
    presenter: Presenter
    streams: threading.BoundedSemaphore


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Application factory: defaults, then ``TWEETVIZ_*`` variables, then ``test_config``.

    Raises :class:`tweetviz.exceptions.ConfigError` for unusable settings. With ``START_REFRESHER``
    (default) the background refresher starts here, i.e. in each gunicorn worker after the fork.
    """
    app = Flask(__name__)
    app.config.from_mapping(_config.DEFAULTS)
    app.config.from_prefixed_env("TWEETVIZ")
    if test_config:
        app.config.from_mapping(test_config)
    location = _config.validate(app.config)
    # No sessions or cookies are used, so no SECRET_KEY is needed (and none is ever logged).
    app.json.sort_keys = False  # type: ignore[attr-defined]
    source = open_store(location, str(app.config["HDFS_USER"] or "") or None, float(app.config["HDFS_TIMEOUT"]))
    store = Store(source, float(app.config["POLL_INTERVAL"]), float(app.config["PARTITION_INTERVAL"]),
                  int(app.config["HISTORY_MINUTES"]), int(app.config["CACHE_MAX_FILES"]),
                  int(app.config["MAX_FILES_PER_SCAN"]))
    presenter = Presenter(store, _config.tracked_words(app.config["TRACKED"]), dict(app.config))
    app.extensions["tweetviz"] = Tweetviz(source, store, presenter,
                                          threading.BoundedSemaphore(int(app.config["MAX_STREAMS"])))
    security.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(views.bp)
    if app.config["START_REFRESHER"]:
        store.start()
    logger.info("tweetviz reading %s", source.display)
    return app
