"""A looping replay's later loops splice the shifted time into a template: the bytes must be those of the
full shift and re-serialisation (tweetpub.replay.run._shift + orjson), for every dialect."""
from __future__ import annotations

import orjson
import pytest

from tweetpub.replay.loopcache import SENTINEL, LoopCache, Kept, TimeText, _format, template
from tweetpub.replay.run import _shift
from tests.tweetpub.test_replay_shift import TWEETS

WHENS = [1_764_579_015.0, 1_764_579_015.0004, 1_764_579_015.9996, 1_764_579_016.123456, 951_782_400.5]


@pytest.mark.parametrize("dialect", sorted(TWEETS))
def test_template_plus_time_is_the_full_reserialisation(dialect):
    head, tail = template(TWEETS[dialect], dialect)
    times = TimeText()
    for when in WHENS:
        assert head + times(dialect, when) + tail == orjson.dumps(_shift(TWEETS[dialect], dialect, when))


def test_a_tweet_quoting_the_sentinel_time_gets_no_template():
    tweet = dict(TWEETS["v2"], text=_format("v2", SENTINEL))
    assert template(tweet, "v2") is None


def test_the_cache_gives_up_past_its_limit():
    cache = LoopCache(limit=1000)
    cache.line()
    cache.add(0, 1, 1, [Kept("1", "v2", 0, None, b"x" * 400, b"y")])
    cache.line()
    cache.add(0, 2, 1, [Kept("2", "v2", 0, None, b"x" * 400, b"y")])
    cache.finish()
    assert not cache.usable and cache.entries == []
