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
])
def test_usage_errors(tmp_path: Path, args: list[str], message: str, monkeypatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
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
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    f = tmp_path / "f.jsonl"
    f.write_bytes(b"{}\n")
    res = CliRunner().invoke(main, ["replay", str(f)])
    assert res.exit_code == 2 and "KAFKA_BOOTSTRAP_SERVERS" in res.output


def test_generate_writes_gzip(tmp_path: Path) -> None:
    out = tmp_path / "g.jsonl.gz"
    res = CliRunner().invoke(main, ["generate", "-n", "50", "-o", str(out), "--dialect", "v2", "--malformed", "2"])
    assert res.exit_code == 0, res.output
    assert len(gzip.decompress(out.read_bytes()).splitlines()) == 52
