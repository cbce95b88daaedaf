"""The log line contract (tweetcontract.logformat): one JSON object per line, the same in the three programs."""
from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

from tweetcontract.logformat import JsonFormatter, setup_logging, utc_time

BIN = Path(sys.executable).parent


def _record(logger: logging.Logger, stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_time_level_logger_message_extra_and_exception():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("tests.observability.sample")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.DEBUG)
    try:
        log.info("sent %d records\nto %s", 3, "tweets", extra={"topic": "tweets", "status": 200, "odd": object()})
        try:
            raise ValueError("bad line")
        except ValueError:
            log.exception("could not parse")
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # the message's newline stays inside its JSON string
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "INFO" and first["logger"] == "tests.observability.sample"
    assert first["message"] == "sent 3 records\nto tweets"
    assert first["topic"] == "tweets" and first["status"] == 200 and first["odd"].startswith("<object")
    assert first["time"].endswith("Z") and len(first["time"]) == len("2026-12-01T04:20:00.123Z")
    assert second["level"] == "ERROR" and second["exc_type"] == "ValueError" and second["exc_message"] == "bad line"
    assert "Traceback" in second["exc_trace"]


def test_utc_time_has_milliseconds():
    assert utc_time(1764562800.5) == "2025-12-01T04:20:00.500Z"


def test_setup_logging_replaces_handlers_and_sets_the_format():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        setup_logging("info", "json", stream)
        logging.getLogger("a.b").warning("hello %s", "world")
        logging.getLogger("a.b").debug("not shown")
        setup_logging(logging.DEBUG, "text", stream)
        logging.getLogger("a.b").debug("plain")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = stream.getvalue().splitlines()
    assert json.loads(lines[0])["message"] == "hello world" and len(lines) == 2
    assert lines[1].endswith(" DEBUG a.b: plain")


def test_each_program_takes_the_flag_and_its_env_var(tmp_path):
    """`tweetviz check` on an empty folder, with --log-format json and with TWEETVIZ_LOG_FORMAT=json: its log
    lines are JSON; a bad value is a usage error; the three programs show the option and its variable."""
    empty = tmp_path / "out"
    empty.mkdir()
    for argv, env in ((["--log-format", "json"], {}), ([], {"TWEETVIZ_LOG_FORMAT": "json"})):
        res = subprocess.run([str(BIN / "tweetviz"), *argv, "check", "--data", f"file://{empty}"],
                             capture_output=True, text=True, env={"PATH": str(BIN), **env}, timeout=60)
        logs = [line for line in res.stderr.splitlines() if line.startswith("{")]
        assert logs, res.stderr
        assert all(json.loads(line)["logger"].startswith("tweetviz") for line in logs), res.stderr
    bad = subprocess.run([str(BIN / "tweetviz"), "--log-format", "xml", "check", "--data", f"file://{empty}"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    for prog in ("tweetpub", "tweetics", "tweetviz"):
        out = subprocess.run([str(BIN / prog), "--help"], capture_output=True, text=True, timeout=60).stdout
        assert "--log-format" in out and f"{prog.upper()}_LOG_FORMAT" in out, out
    job = subprocess.run([str(BIN / "tweetics"), "submit", "--", "--help"], capture_output=True, text=True, timeout=60)
    assert "--log-format" in job.stdout and "TWEETICS_METRICS_PORT" in job.stdout, job.stdout
