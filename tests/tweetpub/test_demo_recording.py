"""The committed demo recording looks like the real thing (issue 13, item 6).

Everything is measured on the committed file with the shared rules: the dialect decoder, the default
v1.1 filter (23 track words + the Boston box) and the hashtag rules; the trend score is the job's own
pure sink logic (tweetics.state), fed 1-minute windows of the replay at the demo's pace.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import tweetpub
from tweetcontract.decode import BadLine, decode_line
from tweetcontract.defaults import DEFAULT_LOCATIONS, DEFAULT_TRACK
from tweetcontract.hashtags import event_time, extract_hashtags
from tweetics.state import SinkState, Update
from tweetpub.filters import TweetFilter, parse_locations, parse_track

DEMO = Path(tweetpub.__file__).parent / "data" / "demo.jsonl.gz"
DEMO_SPEED = 10  # tweetdev.demo's default --speed
MIN_MS = 60_000
#: Real tech hashtags a 2017 Boston tech-conference cloud could lead with (normalized keys).
TECH = {"iot", "bigdata", "openstacksummit", "openstack", "cloud", "ai", "edgecomputing", "devops", "kubernetes",
        "docker", "python", "machinelearning", "security", "datascience", "serverless", "sdn", "nfv",
        "containers", "linux", "opensource", "cloudcomputing", "5g", "aws", "azure", "k8s", "golang"}


@cache
def demo() -> tuple[int, tuple[tuple[Any, str, datetime, tuple[tuple[str, str], ...]], ...]]:
    """(bad lines, the tweets the default filter keeps as (data, dialect, event time, hashtags))."""
    flt = TweetFilter(parse_track(DEFAULT_TRACK), parse_locations([DEFAULT_LOCATIONS]))
    bad, kept = 0, []
    for line in gzip.decompress(DEMO.read_bytes()).splitlines():
        try:
            tweets = decode_line(line)
        except BadLine:
            bad += 1
            continue
        for t in tweets:
            if flt.match(t.data, t.dialect):
                kept.append((t.data, t.dialect, event_time(t.data, t.dialect), tuple(extract_hashtags(t.data, t.dialect))))
    return bad, tuple(kept)


def tag_counts() -> Counter[str]:
    return Counter(key for *_rest, tags in demo()[1] for key, _spelling in tags)


def test_the_file_stays_small_and_keeps_a_few_malformed_lines() -> None:
    assert 300_000 < DEMO.stat().st_size < 800_000
    assert 5 <= demo()[0] <= 30  # the dashboard's dead letters have something to show
    assert len(demo()[1]) > 2000


def test_top_ten_are_real_tech_tags_led_by_iot_and_bigdata() -> None:
    top = [k for k, _n in tag_counts().most_common(10)]
    assert top[:2] == ["iot", "bigdata"]
    assert "openstacksummit" in top[:6]
    assert set(top) <= TECH, set(top) - TECH
    assert not [k for k in tag_counts() if re.fullmatch(r"topic\d+", k)]


def test_texts_read_like_tweets() -> None:
    tweets = demo()[1]
    texts = [d.get("text", "") for d, *_ in tweets]
    n = len(texts)
    retweets = sum(t.startswith("RT @") for t in texts)
    replies = sum(bool(d.get("in_reply_to_status_id")) or any(r.get("type") == "replied_to"
                                                               for r in d.get("referenced_tweets") or [])
                  for d, *_ in tweets)
    mentions = sum("@" in t for t in texts)
    links = sum("https://t.co/" in t for t in texts)
    assert 0.05 < retweets / n < 0.3
    assert 0.04 < replies / n < 0.25
    assert 0.15 < mentions / n < 0.7
    assert 0.1 < links / n < 0.5
    originals = [t for t in texts if not t.startswith("RT @")]
    assert len(set(originals)) > 0.8 * len(originals)  # varied, not a handful of sentences
    assert sum(len(t.split()) >= 6 for t in texts) > 0.8 * n


def test_other_languages_are_present_but_minor() -> None:
    langs = Counter(d.get("lang") for d, *_ in demo()[1])
    n = sum(langs.values())
    others = {lang: c for lang, c in langs.items() if lang != "en"}
    assert langs["en"] > 0.85 * n
    assert len(others) >= 4 and all(c < 0.05 * n for c in others.values())
    assert any(not k.isascii() for k in tag_counts())  # their hashtags too, some non-ASCII


def _demo_windows(loops: int) -> dict[int, Counter[str]]:
    """1-minute windows of the demo's looping replay: each loop replays the recorded offsets / DEMO_SPEED."""
    tweets = demo()[1]
    t0 = min(t for _d, _di, t, _tags in tweets)
    span_ms = int(max((t - t0).total_seconds() for _d, _di, t, _tags in tweets) * 1000 / DEMO_SPEED) + 1
    windows: dict[int, Counter[str]] = {}
    for loop in range(loops):
        for _d, _di, t, tags in tweets:
            at = loop * span_ms + int((t - t0).total_seconds() * 1000 / DEMO_SPEED)
            windows.setdefault(at // MIN_MS * MIN_MS, Counter()).update({k for k, _s in tags})
    return windows


def _trends(windows: dict[int, Counter[str]]) -> dict[int, dict[str, tuple[int, float]]]:
    """Window start -> tag -> (count, trend), scored by the job's sink state window after window."""
    state = SinkState(window_ms=MIN_MS, slide_ms=MIN_MS)
    out: dict[int, dict[str, tuple[int, float]]] = {}
    for batch, start in enumerate(sorted(windows)):
        updates = [Update(start, start + MIN_MS, tag, n, tag) for tag, n in windows[start].items()]
        lines = state.apply(updates, start + MIN_MS, batch)
        out[start] = {ln["hashtag"]: (ln["count"], ln["trend"]) for ln in lines if ln["final"]}
    return out


def test_a_keynote_burst_the_trend_score_picks_out_within_minutes() -> None:
    trends = _trends(_demo_windows(loops=3))
    starts = sorted(trends)
    leaders = []
    for start in starts:
        busy = {tag: tr for tag, (n, tr) in trends[start].items() if n >= 10}
        leaders.append(max(busy, key=lambda tag: busy[tag]) if busy else None)
    first = next((i for i, tag in enumerate(leaders) if tag == "edgecomputing"), None)
    assert first is not None and first <= 4  # the first loop's keynote, a few minutes into the demo
    count, trend = trends[starts[first]]["edgecomputing"]
    assert count >= 30 and trend >= 3.0
    # and it is a burst, not a constant: most minutes carry little of it
    quiet = [trends[s].get("edgecomputing", (0, 0.0))[0] for s in starts]
    assert sorted(quiet)[len(quiet) // 2] < count / 4
