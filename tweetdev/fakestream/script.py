"""What a fake stream connection sends (the script steps), the X API's own error bodies, and sample pages."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

OPERATIONAL_DISCONNECT = {
    "errors": [
        {
            "title": "operational-disconnect",
            "disconnect_type": "OperationalDisconnect",
            "detail": "This stream has been disconnected for operational reasons.",
            "type": "https://api.twitter.com/2/problems/operational-disconnect",
        }
    ]
}

TOO_MANY_CONNECTIONS = {
    "title": "ConnectionException",
    "detail": "This stream is currently at the maximum allowed connection limit.",
    "connection_issue": "TooManyConnections",
    "type": "https://api.twitter.com/2/problems/streaming-connection",
}


# Script steps for one stream connection -------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """Send one v2 response page. ``matching_tag``: the server fills matching_rules from its rules."""

    page: dict
    matching_tag: str | None = None


@dataclass(frozen=True)
class Raw:
    """Send one raw line (e.g. not JSON)."""

    line: bytes


@dataclass(frozen=True)
class Block:
    """Send many ready-made lines in one chunk (benchmarks: the server must not be the bottleneck)."""

    data: bytes


@dataclass(frozen=True)
class KeepAlive:
    count: int = 1


@dataclass(frozen=True)
class Drop:
    """Write half a chunk, then reset the TCP connection: a network error for the client."""


@dataclass(frozen=True)
class End:
    """Finish the chunked body cleanly: the server closed the stream."""


@dataclass(frozen=True)
class Status:
    """Answer the connection attempt with an HTTP error instead of a stream."""

    code: int
    body: dict = field(default_factory=dict)
    reset_in: float | None = None  # x-rate-limit-reset = now + reset_in


@dataclass(frozen=True)
class Hold:
    """Keep-alives every ``interval`` s until the client leaves (or ``seconds`` pass)."""

    seconds: float = 30.0
    interval: float = 0.1


Step = Page | Raw | Block | KeepAlive | Drop | End | Status | Hold


# Sample data ---------------------------------------------------------------------------------------

BOSTON_PLACE = {
    "id": "67b98f17fdcf20be",
    "full_name": "Boston, MA",
    "name": "Boston",
    "country": "United States",
    "country_code": "US",
    "place_type": "city",
    "geo": {"type": "Feature", "bbox": [-71.191421, 42.227797, -70.986004, 42.399542], "properties": {}},
}


def tweet_page(n: int, *, hashtag: str = "openstack", with_place: bool = True, text: str | None = None) -> dict:
    """A filtered-stream response page for tweet number ``n`` (ids are unique per n)."""
    tid = str(1_460_323_737_035_677_000 + n)
    author = {"id": str(10_000 + n % 7), "username": f"user{n % 7}", "name": f"User {n % 7}"}
    body = text if text is not None else f"tweet {n} about #{hashtag} in Boston"
    start = body.find("#" + hashtag)
    data: dict[str, Any] = {
        "id": tid,
        "text": body,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(1_700_000_000 + n)),
        "author_id": author["id"],
        "edit_history_tweet_ids": [tid],
        "lang": "en",
    }
    if start >= 0:
        data["entities"] = {"hashtags": [{"start": start, "end": start + 1 + len(hashtag), "tag": hashtag}]}
    includes: dict[str, Any] = {"users": [author]}
    if with_place:
        data["geo"] = {"place_id": BOSTON_PLACE["id"]}
        includes["places"] = [BOSTON_PLACE]
    return {"data": data, "includes": includes}
