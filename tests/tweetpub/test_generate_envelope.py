"""The synthetic recording generator, the committed demo recording and the envelope."""

from __future__ import annotations

import gzip
import io
from collections import Counter
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

import tweetpub
from tweetcontract.defaults import DEFAULT_LOCATIONS, DEFAULT_TRACK
from tweetpub.generate import GenOptions, generate
from tweetcontract.decode import BadLine, decode_line
from tweetcontract.envelope import (
    ValueBuilder, build_dead_letter, build_value, parse_dead_letter, parse_value,
)
from tweetpub.filters import TweetFilter, parse_locations, parse_track
from tweetcontract.hashtags import event_time, extract_hashtags

DEMO = Path(tweetpub.__file__).parent / "data" / "demo.jsonl.gz"
#: The committed demo recording is exactly this (see tweetpub/README.md).
DEMO_OPTS = GenOptions(count=3000, dialect="mixed", seed=2017, malformed=12)


def _gen(**kw) -> bytes:
    out = io.BytesIO()
    generate(GenOptions(**kw), out)
    return out.getvalue()


def test_deterministic() -> None:
    assert _gen(count=200, seed=1) == _gen(count=200, seed=1)
    assert _gen(count=200, seed=1) != _gen(count=200, seed=2)


@pytest.mark.parametrize("dialect", ["v1.1", "v2", "v2-page", "mixed"])
def test_every_line_decodes_in_its_dialect(dialect: str) -> None:
    tweets = []
    for line in _gen(count=300, dialect=dialect).splitlines():
        tweets += decode_line(line)
    assert len(tweets) == 300
    kinds = Counter(t.dialect for t in tweets)
    assert set(kinds) == ({"v1.1"} if dialect == "v1.1" else {"v2"} if dialect in ("v2", "v2-page") else {"v1.1", "v2"})


def test_content_is_realistic() -> None:
    opts = GenOptions(count=2000, seed=3)
    tweets = [t for line in _gen(count=2000, seed=3).splitlines() for t in decode_line(line)]
    flt_box = TweetFilter([], parse_locations([DEFAULT_LOCATIONS]))
    flt_track = TweetFilter(parse_track(DEFAULT_TRACK), [])
    inside = sum(flt_box.match(t.data, t.dialect) for t in tweets)
    tracked = sum(flt_track.match(t.data, t.dialect) for t in tweets)
    assert 0.4 * len(tweets) < inside < 0.9 * len(tweets)  # some outside the box
    assert 0.2 * len(tweets) < tracked < len(tweets)
    tags = Counter(k for t in tweets for k, _ in extract_hashtags(t.data, t.dialect))
    top = [n for _, n in tags.most_common()]
    assert top[0] > 5 * top[len(top) // 2]  # Zipf-like: a head and a long tail
    assert any(not k.isascii() for k in tags)  # Unicode hashtags
    retweets = sum(1 for t in tweets if "retweeted_status" in t.data or any(
        r.get("type") == "retweeted" for r in t.data.get("referenced_tweets", [])))
    assert retweets > 0.05 * len(tweets)
    times = [event_time(t.data, t.dialect) for t in tweets]
    assert min(times) >= opts.start and max(times) <= opts.start + timedelta(seconds=opts.duration + 5)


def test_malformed_lines_on_request() -> None:
    lines = _gen(count=100, malformed=10).splitlines()
    bad = 0
    for line in lines:
        try:
            decode_line(line)
        except BadLine:
            bad += 1
    assert bad == 10


def test_committed_demo_recording_is_the_documented_generation() -> None:
    data = DEMO.read_bytes()
    assert len(data) < 1_000_000
    assert gzip.decompress(data) == _gen(count=DEMO_OPTS.count, dialect="mixed", seed=DEMO_OPTS.seed,
                                         malformed=DEMO_OPTS.malformed)


def test_envelope_round_trip() -> None:
    tweet = {"id_str": "1", "text": "é #x"}
    value = build_value("1", "v1.1", "replay", b"2026-01-01T00:00:00.000Z", orjson.dumps(tweet))
    env = parse_value(value)
    assert env == {"schema": "tweetpub/1", "id": "1", "dialect": "v1.1", "source": "replay",
                   "produced_at": "2026-01-01T00:00:00.000Z", "tweet": tweet}
    env2 = parse_value(ValueBuilder("replay")('we"ird~2', "v2", b' {"id":"x"} '))
    assert env2["id"] == 'we"ird~2' and env2["tweet"] == {"id": "x"} and env2["produced_at"].endswith("Z")
    with pytest.raises(ValueError):
        parse_value(b'{"schema":"other"}')


def test_dead_letter_format() -> None:
    raw = "é".encode() * 40000  # 80 000 bytes, cut inside a character at 64 KiB
    dl = parse_dead_letter(build_dead_letter("invalid-json", "f.jsonl.gz", 17, raw))
    assert set(dl) == {"schema", "reason", "source", "line", "raw"}
    assert (dl["schema"], dl["reason"], dl["source"], dl["line"]) == ("tweetpub-dlq/1", "invalid-json", "f.jsonl.gz", 17)
    assert len(dl["raw"].encode()) <= 64 * 1024 + 3
    assert parse_dead_letter(build_dead_letter("not-utf8", "-", 1, b"a\xffb"))["raw"] == "a\ufffdb"
