"""A looping replay moves each tweet's event time where its dialect keeps it (tweetpub.replay.run._shift)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tweetcontract.hashtags import event_time
from tweetpub.replay.run import _shift

WHEN = datetime(2026, 12, 1, 9, 30, 15, tzinfo=timezone.utc)
TWEETS = {
    "v1.1": {"id_str": "1", "created_at": "Wed Feb 29 19:42:02 +0000 2012", "text": "#a"},
    "v2": {"id": "2", "created_at": "2021-08-21T16:35:50.000Z", "text": "#a"},
    "bluesky": {"did": "did:plc:x", "time_us": 1, "kind": "commit",
                "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "3k",
                           "record": {"text": "#a", "createdAt": "2024-11-01T10:00:00.000Z"}}},
    "mastodon": {"id": "9", "uri": "https://m.example/s/9", "created_at": "2024-11-01T10:00:00.000Z",
                 "content": "<p>#a</p>", "tags": [{"name": "a"}]},
}


@pytest.mark.parametrize("dialect", sorted(TWEETS))
def test_shifted_event_time_is_read_back_and_the_recorded_tweet_is_untouched(dialect):
    original = TWEETS[dialect]
    before = event_time(original, dialect)
    shifted = _shift(original, dialect, WHEN.timestamp())
    assert event_time(shifted, dialect) == WHEN
    assert event_time(original, dialect) == before  # the next loop shifts from the recorded time again
