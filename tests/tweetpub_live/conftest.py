"""Fixtures of the live-source tests: a fresh fake X API per test, a random bearer token, fast backoff."""

from __future__ import annotations

import secrets
from typing import Iterator

import pytest

from tweetdev.fakestream import FakeXApi
from tweetpub.live.client import Backoff


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """A random bearer token, exported as X_BEARER_TOKEN (tests check it never leaks)."""
    value = "AAAA" + secrets.token_urlsafe(32)
    monkeypatch.setenv("X_BEARER_TOKEN", value)
    return value


@pytest.fixture
def fake_api(token: str) -> Iterator[FakeXApi]:
    with FakeXApi(token) as api:
        yield api


@pytest.fixture
def fast_backoff() -> Backoff:
    """X's schedule at 1/100 scale: 429 waits 0.6 s, HTTP errors 0.05 s, network 2.5 ms steps."""
    return Backoff.scaled(0.01)
