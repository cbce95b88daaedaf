"""Local stand-ins for the open networks' streams, for the tests and ``bench_open`` (our machines cannot
reach the real services):

- :mod:`.jetstream`: Bluesky's Jetstream, ``/subscribe`` over WebSocket (wantedCollections, cursor replay,
  zstd with a dictionary), faults per connection, restart on the same port;
- :mod:`.mastodon`: Mastodon's streaming API over server-sent events (hashtag and public streams, bearer
  token or ``access_token``, heartbeats), scripted per connection, restart on the same port.
"""
from .jetstream import Conn, FakeJetstream, post_event
from .mastodon_ws import FakeMastodonWs, On
from .mastodon import (DropConn, EndStream, Event, FakeMastodon, Heartbeat, HttpStatus, Pause, RawBytes, status,
                       update)

__all__ = ["Conn", "DropConn", "EndStream", "Event", "FakeJetstream", "FakeMastodon", "FakeMastodonWs", "On", "Heartbeat", "HttpStatus",
           "Pause", "RawBytes", "post_event", "status", "update"]
