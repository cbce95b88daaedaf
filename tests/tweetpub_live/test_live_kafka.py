"""The live source into the real local Kafka, and the ``stream``/``record`` commands end to end."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from tweetdev.fakestream import (
    OPERATIONAL_DISCONNECT, TOO_MANY_CONNECTIONS, Drop, FakeXApi, Hold, KeepAlive, Page, Raw, Status, tweet_page,
)
from tweetpub.cli import main
from tests.kafkahelp import drain_topic, producer_for
from tweetpub.live.client import Backoff
from tweetpub.live.run import LiveOptions
from tweetpub.live.stream import run_stream
from tweetcontract.dialects import flatten_page

TAG = "tweetpub"  # the CLI's default --rule-tag


def ours(n: int, tag: str = TAG) -> Page:
    return Page(tweet_page(n), matching_tag=tag)


@pytest.mark.integration
def test_stream_into_kafka_exactly_once_across_reconnects(fake_api: FakeXApi, token: str, kafka_bootstrap: str,
                                                          kafka_topic, capfd) -> None:
    topic = kafka_topic(partitions=3)
    dlq = kafka_topic()
    fake_api.add_connection(ours(1), ours(2), KeepAlive(3), ours(3), Drop())
    fake_api.add_connection(Status(429, TOO_MANY_CONNECTIONS, reset_in=0))
    fake_api.add_connection(ours(3), ours(4), Raw(b"\x00\xffnot json"), ours(5), Page(OPERATIONAL_DISCONNECT))
    fake_api.add_connection(Status(500))
    fake_api.add_connection(ours(6), ours(2), ours(7), ours(8), Hold())

    opts = LiveOptions(["openstack"], [(-71.4415, 41.986, -70.4747, 42.9041)], api_base=fake_api.base_url,
                       access_level="basic", rule_tag=TAG, limit=8, backoff=Backoff.scaled(0.01), read_timeout=5,
                       progress=False)
    summary = run_stream(opts, producer=producer_for(kafka_bootstrap, topic, dlq))
    assert summary.delivered == 8 and summary.acked == 8 and summary.duplicates == 2
    assert summary.http_errors == {429: 1, 500: 1} and summary.reconnects == 4

    records = drain_topic(kafka_bootstrap, topic, 8)
    ids = [m.key().decode() for m in records]
    assert sorted(ids) == sorted(tweet_page(n)["data"]["id"] for n in range(1, 9))  # each exactly once
    rule_ids = [r["id"] for r in fake_api.rules.values() if r.get("tag") == TAG]
    for msg in records:
        env = json.loads(msg.value())
        assert env["schema"] == "tweetpub/1" and env["dialect"] == "v2" and env["source"] == "x"
        assert env["id"] == msg.key().decode() == env["tweet"]["id"]
        n = int(env["id"]) - int(tweet_page(0)["data"]["id"])
        page = dict(tweet_page(n), matching_rules=[{"id": i, "tag": TAG} for i in rule_ids])
        assert env["tweet"] == flatten_page(page)[0]
        assert env["tweet"]["geo"]["place"]["country_code"] == "US"  # the place expansion arrived inlined

    dead = [json.loads(m.value()) for m in drain_topic(kafka_bootstrap, dlq, 2)]
    assert sorted(d["reason"] for d in dead) == ["invalid json", "operational disconnect"]
    assert all(d["schema"] == "tweetpub-dlq/1" and d["source"] == "x" for d in dead)
    out, err = capfd.readouterr()
    assert token not in out + err


@pytest.mark.integration
def test_cli_stream_equals_cli_record_then_replay(token: str, kafka_bootstrap: str, kafka_topic,
                                                  tmp_path: Path) -> None:
    runner = CliRunner()
    script = [ours(n) for n in range(1, 6)]
    common = ["--api-base", "", "--access-level", "basic", "--limit", "5", "--locations", "-71.4415,41.986,-70.4747,42.9041"]

    results = {}
    for how in ("stream", "record"):
        with FakeXApi(token) as api:
            api.add_connection(*script[:3], Drop())
            api.add_connection(*script[3:], Hold())
            args = [a if a else api.base_url for a in common]
            if how == "stream":
                topic = kafka_topic()
                res = runner.invoke(main, ["stream", "--bootstrap-servers", kafka_bootstrap, "--topic", topic, *args])
            else:
                res = runner.invoke(main, ["record", "-d", str(tmp_path / "rec"), *args])
            assert res.exit_code == 0, res.output
            assert token not in res.output
            results[how] = res
    stream_topic = topic
    files = sorted(str(p) for p in (tmp_path / "rec").glob("*.jsonl.gz"))
    assert files and not list((tmp_path / "rec").glob("*.part"))
    replay_topic = kafka_topic()
    res = runner.invoke(main, ["replay", *files, "--no-filter", "--bootstrap-servers", kafka_bootstrap,
                               "--topic", replay_topic])
    assert res.exit_code == 0, res.output

    def tweets(topic: str) -> list[tuple[str, str, dict]]:
        envs = [json.loads(m.value()) for m in drain_topic(kafka_bootstrap, topic, 5)]
        return sorted(((e["id"], e["dialect"], e["tweet"]) for e in envs), key=lambda t: t[0])

    live, replayed = tweets(stream_topic), tweets(replay_topic)
    assert [t[0] for t in live] == sorted(tweet_page(n)["data"]["id"] for n in range(1, 6))  # once each
    assert live == replayed


def test_cli_errors_are_one_line(tmp_path: Path, monkeypatch) -> None:
    runner = CliRunner()
    for cmd in ("stream", "record"):  # the token never goes on a command line (visible in ps)
        help_text = runner.invoke(main, [cmd, "--help"]).output
        assert "--bearer-token-file" in help_text and "--bearer-token " not in help_text
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    res = runner.invoke(main, ["record", "-d", str(tmp_path / "r"), "--dry-run"])
    assert res.exit_code != 0 and isinstance(res.exception, SystemExit)  # clean exit, no escaped exception
    assert res.output.strip().splitlines()[-1].startswith("tweetpub: error: no bearer token")

    res = runner.invoke(main, ["record", "-d", str(tmp_path / "r"), "--bearer-token-file", str(tmp_path / "nope")])
    assert res.exit_code != 0 and res.output.strip().splitlines()[-1] == \
        f"tweetpub: error: bearer token file not found: {tmp_path / 'nope'}"

    monkeypatch.setenv("X_BEARER_TOKEN", "tok-" + uuid.uuid4().hex)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = runner.invoke(main, ["record", "-d", str(tmp_path / "r"), "--api-base", f"http://127.0.0.1:{port}"])
    assert res.exit_code != 0 and isinstance(res.exception, SystemExit)  # clean exit, no escaped exception
    assert res.output.strip().splitlines()[-1].startswith("tweetpub: error: cannot reach the X API")

    res = runner.invoke(main, ["record", "-d", str(tmp_path / "r"), "--locations", "10,10,5,5"])
    assert res.exit_code == 2 and res.output.strip().splitlines()[-1].startswith("tweetpub: error: --locations box")


def test_cli_stream_dry_run_needs_no_kafka_and_changes_no_rules(fake_api: FakeXApi, token: str) -> None:
    stale = fake_api.seed_rule("stale words", TAG)
    res = CliRunner().invoke(main, ["stream", "--dry-run", "--api-base", fake_api.base_url, "--access-level", "basic"])
    assert res.exit_code == 0, res.output
    assert "stopped by dry-run" in res.output and "rules +2 -1" in res.output
    assert list(fake_api.rules) == [stale] and fake_api.stream_connections == 0
    assert token not in res.output
