"""Configuration: data URLs, validation, TWEETVIZ_* variables; query-parameter validation."""

from __future__ import annotations

import pytest

from tweetviz import create_app, params
from tweetviz.config import DEFAULTS, parse_data_url, tracked_words, validate
from tweetviz.exceptions import ConfigError, ValidationError


@pytest.mark.parametrize("url, kind, base, root", [
    ("file:///srv/tweetics/", "local", "", "/srv/tweetics"),
    ("webhdfs://nn.example:9870/tweetics", "webhdfs", "http://nn.example:9870", "/tweetics"),
    ("swebhdfs://nn.example:9871/t", "webhdfs", "https://nn.example:9871", "/t"),
    ("hdfs://127.0.0.1:8020/tweetics", "webhdfs", "http://127.0.0.1:9870", "/tweetics"),
    ("webhdfs://[::1]:9870/x", "webhdfs", "http://[::1]:9870", "/x"),
])
def test_data_urls_map_to_a_reader(url, kind, base, root):
    loc = parse_data_url(url)
    assert (loc.kind, loc.base_url, loc.root) == (kind, base, root)


def test_hdfs_url_uses_the_configured_webhdfs_address():
    loc = parse_data_url("hdfs://nn:8020/out", webhdfs_url="http://gateway:14000/")
    assert loc.base_url == "http://gateway:14000" and loc.display == "hdfs://nn:8020/out"


@pytest.mark.parametrize("url", ["", "s3://bucket/x", "file://host/x", "hdfs:///x", "webhdfs://h:notaport/x"])
def test_bad_data_urls_are_config_errors(url):
    with pytest.raises(ConfigError):
        parse_data_url(url)


def test_debug_is_refused_outside_development():
    with pytest.raises(ConfigError, match="debug"):
        validate({**DEFAULTS, "DATA": "file:///tmp", "DEBUG": True})
    validate({**DEFAULTS, "DATA": "file:///tmp", "DEBUG": True, "ENV": "development"})


@pytest.mark.parametrize("key, value", [("POLL_INTERVAL", 0), ("CACHE_MAX_FILES", -1), ("MAX_STREAMS", -1),
                                        ("HISTORY_MINUTES", 30), ("CLOUD_WORDS", "many")])
def test_bad_numbers_are_config_errors(key, value):
    with pytest.raises(ConfigError, match=key):
        validate({**DEFAULTS, "DATA": "file:///tmp", key: value})


def test_settings_come_from_tweetviz_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("TWEETVIZ_DATA", f"file://{tmp_path}")
    monkeypatch.setenv("TWEETVIZ_POLL_INTERVAL", "0.5")
    monkeypatch.setenv("TWEETVIZ_TRACKED", "OpenStack,#K8s")
    app = create_app({"START_REFRESHER": False})
    assert app.config["POLL_INTERVAL"] == 0.5 and app.config["DEBUG"] is False
    assert app.extensions["tweetviz"].store.poll_interval == 0.5
    assert app.extensions["tweetviz"].presenter.tracked == frozenset({"openstack", "k8s"})


def test_default_tracked_words_are_the_23_team_words():
    words = tracked_words(DEFAULTS["TRACKED"])
    assert len(words) == 23 and {"openstack", "k8s", "iot"} <= words


def test_query_parameter_validation():
    assert params.window(None) == 5 and params.window("60") == 60
    assert params.count("200") == 200 and params.flag("TRUE", "t") is True and params.flag("0", "t") is False
    assert params.tags("#OpenStack, k8s,openstack") == ["openstack", "k8s"]
    for call in (lambda: params.window("7"), lambda: params.window("٥"), lambda: params.count("0"),
                 lambda: params.count("201"), lambda: params.flag("yes", "t"), lambda: params.tags(""),
                 lambda: params.tags("a,,b"), lambda: params.tags(",".join(str(i) for i in range(11))),
                 lambda: params.tags("a\x00b"), lambda: params.tags("x" * 101),
                 lambda: params.check_names({"windw": ["5"]}, ["window"]),
                 lambda: params.check_names({"window": ["5", "1"]}, ["window"])):
        with pytest.raises(ValidationError):
            call()
