"""CLI user mistakes: one error line, non-zero exit, no traceback (no Kafka needed)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from tweetpub.cli import main


@pytest.mark.parametrize("args,message", [
    (["replay", "/no/such/file.jsonl"], "no such file: /no/such/file.jsonl"),
    (["replay", "{dir}"], "is a directory"),
    (["replay", "{file}", "--locations", "1,2,3"], "groups of 4 numbers"),
    (["replay", "{file}", "--locations", "-70,42,-71,43"], "SW corner then NE corner"),
    (["replay", "{file}", "--rate", "5", "--speed", "2"], "exclude each other"),
    (["replay", "{file}", "--kafka-config", "oops"], "item 1 is not key=value"),
    (["replay", "{file}", "--kafka-config", "sasl.password=hunter2"], "secrets must not be given on the command line"),
    (["replay", "{file}", "--kafka-config", "sasl.jaas.config=x password=hunter2"], "--kafka-config-file"),
    (["replay", "{file}", "--track", "", "--locations", ""], "match nothing"),
    (["replay", "-", "--loop"], "--loop needs files"),
    (["replay", "-", "--resume", "--bootstrap-servers", "127.0.0.1:1"], "--resume needs files"),
    (["replay", "{file}", "--bootstrap-servers", "x:1", "--kafka-config", "no.such.key=1"], "bad Kafka settings"),
    (["replay", "{file}", "--kafka-config-file", "/no/props"], "Kafka properties file: cannot read /no/props"),
    (["generate", "--start", "yesterday"], "not an ISO-8601 time"),
    # latitude first: Boston as S,W,N,E reads as a box in the Antarctic; San Francisco's -122 as a latitude
    (["replay", "{file}", "--locations", "42.23,-71.19,42.40,-70.99"], "looks like latitude first"),
    (["replay", "{file}", "--locations", "37.7,-122.5,37.9,-122.3"], "e.g. -122.5,37.7,-122.3,37.9"),
    (["replay", "{file}", "--bogus"], "No such option"),  # click's own usage errors: the same one line
    (["replay", "{file}", "--rate", "fast"], "Invalid value for '--rate'"),
])
def test_usage_errors(tmp_path: Path, args: list[str], message: str, monkeypatch) -> None:
    monkeypatch.delenv("TWEETPUB_BOOTSTRAP_SERVERS", raising=False)
    f = tmp_path / "f.jsonl"
    f.write_bytes(b"{}\n")
    args = [a.format(dir=tmp_path, file=f) for a in args]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tweetpub: error: ") and message in lines[0]
    assert "hunter2" not in res.output  # a secret is never echoed back
    assert res.exc_info is None or res.exc_info[0] is SystemExit


def test_missing_brokers_is_a_usage_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TWEETPUB_BOOTSTRAP_SERVERS", raising=False)
    f = tmp_path / "f.jsonl"
    f.write_bytes(b"{}\n")
    res = CliRunner().invoke(main, ["replay", str(f)])
    assert res.exit_code == 2 and "TWEETPUB_BOOTSTRAP_SERVERS" in res.output


def test_generate_writes_gzip(tmp_path: Path) -> None:
    out = tmp_path / "g.jsonl.gz"
    res = CliRunner().invoke(main, ["generate", "-n", "50", "-o", str(out), "--dialect", "v2", "--malformed", "2"])
    assert res.exit_code == 0, res.output
    assert len(gzip.decompress(out.read_bytes()).splitlines()) == 52


def test_bootstrap_server_is_an_alias(tmp_path: Path) -> None:
    f = tmp_path / "f.jsonl"
    f.write_bytes(b"{}\n")
    # Both spellings reach the same option: an unreachable broker, not an unknown option.
    for flag in ("--bootstrap-server", "--bootstrap-servers"):
        res = CliRunner().invoke(main, ["replay", str(f), flag, "127.0.0.1:1", "--timeout", "0.5"])
        assert res.exit_code == 3, res.output
        assert res.stderr.strip().splitlines()[-1].startswith("tweetpub: error: ")


def test_version_and_variables_in_help() -> None:
    assert CliRunner().invoke(main, ["--version"]).stdout.strip().startswith("tweetpub ")
    text = " ".join(CliRunner().invoke(main, ["replay", "--help"]).stdout.split())
    for var in ("TWEETPUB_BOOTSTRAP_SERVERS", "TWEETPUB_TOPIC", "TWEETPUB_KAFKA_CONFIG_FILE", "TWEETPUB_TRACK"):
        assert f"env var: {var}" in text
    assert "Filter: none by default" in text  # the replay default, stated first
