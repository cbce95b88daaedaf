"""Pure parts of the live source: X's backoff schedule, message routing, the bearer token."""

from __future__ import annotations

import json

import pytest

from tweetpub.exceptions import CredentialsError
from tweetpub.live.client import Backoff, BackoffState
from tweetpub.live.credentials import load_bearer_token
from tweetpub.live.routing import LiveSummary, PageRouter, classify
from tweetdev.fakestream import OPERATIONAL_DISCONNECT, tweet_page


def test_network_backoff_is_linear_250ms_capped_at_16s() -> None:
    state = BackoffState(Backoff())
    waits = [state.network_error() for _ in range(70)]
    assert waits[:5] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert max(waits) == 16.0 and waits[-1] == 16.0
    state.reset()
    assert state.network_error() == 0.0


def test_http_backoff_doubles_from_5s_to_320s() -> None:
    state = BackoffState(Backoff())
    assert [state.http_error(503) for _ in range(8)] == [5, 10, 20, 40, 80, 160, 320, 320]


def test_429_starts_at_a_minute_and_honours_the_reset_header() -> None:
    state = BackoffState(Backoff())
    assert [state.http_error(429) for _ in range(5)] == [60, 120, 240, 320, 320]
    state.reset()
    assert state.http_error(429, reset_at=1000.0 + 200, now=1000.0) == 200  # reset is later than 60 s
    state.reset()
    assert state.http_error(429, reset_at=1000.0 + 10_000, now=1000.0) == 320  # capped
    state.reset()
    assert state.http_error(503) == 5
    assert state.http_error(429) == 60  # a 429 after a 5 s error jumps to the 429 floor


def test_scaled_backoff() -> None:
    fast = Backoff.scaled(0.01)
    assert fast.rate_limit_start == pytest.approx(0.6) and fast.http_max == pytest.approx(3.2)
    assert Backoff() == Backoff.scaled(1)
    with pytest.raises(ValueError):
        Backoff.scaled(-1)


class ListSink:
    def __init__(self) -> None:
        self.pages: list[dict] = []
        self.dead: list[tuple[str, bytes, int]] = []
        self.closed = False

    def write_page(self, page: dict, raw: bytes, number: int) -> int:
        self.pages.append(page)
        return 1

    def dead_letter(self, reason: str, raw: bytes, number: int) -> None:
        self.dead.append((reason, raw, number))

    def tick(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def line(obj: dict) -> bytes:
    return json.dumps(obj).encode()


def test_classify() -> None:
    assert classify(tweet_page(1)) == "tweet"
    assert classify(OPERATIONAL_DISCONNECT) == "operational-disconnect"
    assert classify({"errors": [{"title": "Not Found Error"}]}) == "error"
    assert classify({"meta": {}}) == "unknown"
    assert classify([1, 2]) == "unknown"


def test_router_dedups_filters_foreign_and_dead_letters() -> None:
    sink, summary = ListSink(), LiveSummary()
    router = PageRouter(sink, summary, rule_tag="tweetpub:me", rule_ids={"11"}, limit=3)
    ours = {**tweet_page(1), "matching_rules": [{"id": "11", "tag": "tweetpub:me"}]}
    theirs = {**tweet_page(2), "matching_rules": [{"id": "99", "tag": "other"}]}
    both = {**tweet_page(3), "matching_rules": [{"id": "99", "tag": "other"}, {"id": "11", "tag": "x"}]}
    untagged = tweet_page(4)  # no matching_rules at all: nothing tells it is not ours
    outcomes = [router.handle(line(p)) for p in (ours, ours, theirs, both)]
    assert outcomes == ["tweet", "duplicate", "foreign", "tweet"]
    assert not router.done
    assert router.handle(b"{not json") == "invalid"
    assert router.handle(line({"data": {"text": "no id"}})) == "invalid"
    assert router.handle(line({"errors": [{"title": "x"}]})) == "error"
    assert router.handle(line(OPERATIONAL_DISCONNECT)) == "reconnect"
    assert router.handle(line(untagged)) == "tweet"
    assert router.done
    assert [p["data"]["id"] for p in sink.pages] == [tweet_page(n)["data"]["id"] for n in (1, 3, 4)]
    assert [d[0] for d in sink.dead] == ["invalid json", "tweet page without data.id", "stream error message",
                                        "operational disconnect"]
    assert [d[2] for d in sink.dead] == [5, 6, 7, 8]  # message numbers
    assert (summary.messages, summary.tweets, summary.delivered, summary.duplicates, summary.foreign,
            summary.dead_letters, summary.operational_disconnects) == (9, 5, 3, 1, 1, 4, 1)


def test_token_from_env_or_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", "  env-token \n")
    assert load_bearer_token() == "env-token"
    f = tmp_path / "token"
    f.write_text("file-token\n")
    assert load_bearer_token(f) == "file-token"  # the file wins over the environment


def test_token_errors_never_show_the_token(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    with pytest.raises(CredentialsError, match="X_BEARER_TOKEN"):
        load_bearer_token()
    with pytest.raises(CredentialsError, match="not found"):
        load_bearer_token(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(CredentialsError, match="empty"):
        load_bearer_token(empty)
    two = tmp_path / "two"
    two.write_text("secret-part-one secret-part-two\n")
    with pytest.raises(CredentialsError) as err:
        load_bearer_token(two)
    assert "secret-part" not in str(err.value)
    with pytest.raises(CredentialsError, match="cannot read"):
        load_bearer_token(tmp_path)  # a directory
