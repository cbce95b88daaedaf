"""A local stand-in for the X API v2 filtered-stream endpoints, for the live-source tests and `make bench-live`.

Threaded stdlib HTTP server on 127.0.0.1 (random port) speaking:

- ``GET  /2/tweets/search/stream/rules``  list rules (``ids=`` filter)
- ``POST /2/tweets/search/stream/rules``  ``{"add": [...]}`` / ``{"delete": {"ids": [...]}}``, ``dry_run``,
  length/count validation, duplicate-value errors the way X reports them
- ``GET  /2/tweets/search/stream``         chunked transfer, ``\\r\\n`` keep-alives, scripted per connection:
  tweets (v2 response pages with ``includes.places``), mid-stream drops, clean server closes,
  HTTP errors (429 with ``x-rate-limit-reset``), operational-disconnect messages, garbage lines.

Every endpoint checks ``Authorization: Bearer <token>``. Each connection to the stream consumes the
next script from a queue; with the queue empty it holds the connection open with keep-alives until
the client leaves or the server stops, so every handler ends by itself.
"""
from .script import (OPERATIONAL_DISCONNECT, TOO_MANY_CONNECTIONS, Block, Drop, End, Hold, KeepAlive, Page, Raw,
                     Status, Step, tweet_page)
from .server import RULES_PATH, STREAM_PATH, FakeXApi, RecordedRequest

__all__ = ["OPERATIONAL_DISCONNECT", "RULES_PATH", "STREAM_PATH", "TOO_MANY_CONNECTIONS", "Block", "Drop", "End",
           "FakeXApi", "Hold", "KeepAlive", "Page", "Raw", "RecordedRequest", "Status", "Step", "tweet_page"]
