"""An independent plain-Python reference of TweeTics' counts, built only on the shared hashtag rules.

It never imports tweetics: given the envelopes that should count (late ones left out by the test), it
applies ``tweetcontract.hashtags`` and the window arithmetic directly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any, Iterable

from tweetcontract.hashtags import event_time, extract_hashtags


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def usable(env: Any) -> bool:
    """What the job must count: a tweetpub envelope of a known dialect with an id and a readable time."""
    if not isinstance(env, dict) or not str(env.get("schema", "")).startswith("tweetpub/"):
        return False
    if env.get("dialect") not in ("v1.1", "v2") or not isinstance(env.get("tweet"), dict) or not env.get("id"):
        return False
    try:
        event_time(env["tweet"], env["dialect"])
    except (ValueError, TypeError):
        return False
    return True


def window_counts(envelopes: Iterable[dict[str, Any]], window_s: int, slide_s: int | None = None
                  ) -> dict[tuple[str, str, str], tuple[int, str]]:
    """``{(window_start, window_end, hashtag): (count, display)}`` with tweets deduplicated by id."""
    slide_ms, window_ms = (slide_s or window_s) * 1000, window_s * 1000
    seen: set[str] = set()
    counts: Counter[tuple[int, str]] = Counter()
    spellings: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for env in envelopes:
        if not usable(env) or env["id"] in seen:
            continue
        seen.add(env["id"])
        ts = int(event_time(env["tweet"], env["dialect"]).timestamp() * 1000)
        last_start = ts - ts % slide_ms
        starts = [s for s in range(last_start - window_ms + slide_ms, last_start + 1, slide_ms) if s <= ts < s + window_ms]
        for key, spelling in extract_hashtags(env["tweet"], env["dialect"]):
            for start in starts:
                counts[(start, key)] += 1
                spellings[(start, key)][spelling] += 1
    result = {}
    for (start, key), n in counts.items():
        # most used spelling, ties to the smallest (code point order)
        top = max(spellings[(start, key)].values())
        display = min(s for s, c in spellings[(start, key)].items() if c == top)
        result[(_iso(start), _iso(start + window_ms), key)] = (n, display)
    return result


def tweets_with_hashtags(envelopes: Iterable[dict[str, Any]]) -> set[str]:
    """Ids of the usable tweets that have at least one hashtag (what a window count can see)."""
    return {env["id"] for env in envelopes if usable(env) and extract_hashtags(env["tweet"], env["dialect"])}
