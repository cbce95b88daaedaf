"""Offline emulation of the v1.1 ``statuses/filter`` ``track`` and ``locations`` parameters.

Rules (shared/notes/twitter.md A8), all pure:

* ``track``: comma-separated phrases (OR); a phrase's space-separated terms must all be present
  (AND), in any order, ignoring case. Terms are compared whole against the tweet's tokens: words
  of the full text, hashtag texts, mention screen names and URLs (expanded and display forms).
* A text word yields itself and itself without leading/trailing punctuation, so ``hello`` matches
  "hello." while the term ``hello.`` only matches a literal "hello.". Hashtags and mentions
  are taken from the entities, without ``#``/``@``, so a term with punctuation never matches them.
* URLs: scheme and ``www.`` are dropped; the whole domain+path is one token (``example.com``
  does not match ``example.com/page``) and its words are tokens too (``example com`` matches any
  URL on the domain, over-matching as the API does).
* No accent or script folding (``touché`` is not ``touche``); CJK without spaces is not segmented.
* ``locations``: a tweet with exact coordinates matches when the point is inside a box (edges
  included); otherwise its place's bounding box must overlap a box. ``track`` OR ``locations``.
* A retweet also matches on its original's content (its own text is a truncated "RT @x: ...");
  locations use the top-level tweet only (retweets carry no place).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from tweetpub.exceptions import UsageError
from tweetcontract.hashtags import find_hashtags

Box = tuple[float, float, float, float]

_URL_WORDS = re.compile(r"[\W_]+")
_MENTION = re.compile(r"(?<![\w@])[@＠](\w{1,30})")


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def _strip_punct(word: str) -> str:
    if word[0].isalnum() and word[-1].isalnum():
        return word  # the common case, without per-character category lookups
    start, end = 0, len(word)
    while start < end and _is_punct(word[start]):
        start += 1
    while end > start and _is_punct(word[end - 1]):
        end -= 1
    return word[start:end]


def parse_track(value: str) -> list[tuple[str, ...]]:
    """``"a b,c"`` -> ``[("a", "b"), ("c",)]``; lower-cased, empty phrases dropped.

    :raises UsageError: a phrase longer than the API's 60 bytes.
    """
    phrases = []
    for raw in value.split(","):
        terms = tuple(t.lower() for t in raw.split())
        if not terms:
            continue
        if len(" ".join(terms).encode("utf-8")) > 60:
            raise UsageError(f"track phrase longer than 60 bytes: {raw.strip()!r}")
        phrases.append(terms)
    return phrases


def _check_order(w: float, s: float, e: float, n: float) -> None:
    """Refuse a box that reads as latitude first: a latitude past 90 where the longitudes would be valid
    latitudes, or a box in the Antarctic (south of 60 S) that swapped back lies in the inhabited world."""
    swapped = f"{s},{w},{n},{e}"
    lats_ok_as_lons = -90 <= w <= 90 and -90 <= e <= 90
    if lats_ok_as_lons and (abs(s) > 90 or abs(n) > 90) and abs(s) <= 180 and abs(n) <= 180:
        raise UsageError(f"--locations {w},{s},{e},{n} looks like latitude first: the order is "
                         f"longitude,latitude (W,S,E,N), e.g. {swapped}")
    if lats_ok_as_lons and s < -60 and n < -60 and -60 <= w < e <= 85:
        raise UsageError(f"--locations {w},{s},{e},{n} is a box in the Antarctic; it looks like latitude "
                         f"first: the order is longitude,latitude (W,S,E,N), e.g. {swapped}")


def parse_locations(values: Iterable[str]) -> list[Box]:
    """Boxes from ``"w,s,e,n[,w,s,e,n...]"`` strings (SW corner first, as v1.1 takes them).

    :raises UsageError: wrong count, non-numbers, out-of-range or inverted corners.
    """
    boxes: list[Box] = []
    for value in values:
        parts = [p for p in value.replace(" ", "").split(",") if p]
        if not parts:
            continue
        if len(parts) % 4:
            raise UsageError(f"--locations needs groups of 4 numbers (w,s,e,n), got {len(parts)}: {value!r}")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise UsageError(f"--locations has a non-number: {value!r}") from None
        for i in range(0, len(nums), 4):
            w, s, e, n = nums[i:i + 4]
            _check_order(w, s, e, n)
            if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
                raise UsageError(f"--locations box out of range: {w},{s},{e},{n}")
            if w >= e or s >= n:
                raise UsageError(f"--locations box must be SW corner then NE corner: {w},{s},{e},{n}")
            boxes.append((w, s, e, n))
    return boxes


def _canon_url(url: str) -> str:
    u = url.strip().lower().rstrip("…").rstrip("/")
    for scheme in ("https://", "http://"):
        if u.startswith(scheme):
            u = u[len(scheme):]
            break
    if u.startswith("www."):
        u = u[4:]
    return u


@dataclass(slots=True)
class _Content:
    text: str
    hashtags: list[str]
    mentions: list[str]
    urls: list[str]
    has_entities: bool


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _v1_content(tweet: dict[str, Any]) -> _Content:
    ext = tweet.get("extended_tweet") if isinstance(tweet.get("extended_tweet"), dict) else None
    text = _get(ext, "full_text") or tweet.get("full_text") or tweet.get("text") or ""
    entities = _get(ext, "entities") if isinstance(_get(ext, "entities"), dict) else tweet.get("entities")
    if not isinstance(entities, dict):
        return _Content(text if isinstance(text, str) else "", [], [], [], False)
    urls: list[str] = []
    media = _dicts(_get(ext, "extended_entities", "media")) or _dicts(_get(tweet, "extended_entities", "media")) \
        or _dicts(entities.get("media"))
    for u in _dicts(entities.get("urls")) + media:
        urls += [v for v in (u.get("expanded_url"), u.get("display_url")) if isinstance(v, str)]
    return _Content(
        text if isinstance(text, str) else "",
        [h["text"] for h in _dicts(entities.get("hashtags")) if isinstance(h.get("text"), str)],
        [m["screen_name"] for m in _dicts(entities.get("user_mentions")) if isinstance(m.get("screen_name"), str)],
        urls, True)


def _v2_content(tweet: dict[str, Any]) -> _Content:
    note = tweet.get("note_tweet") if isinstance(tweet.get("note_tweet"), dict) else None
    text = _get(note, "text") or tweet.get("text") or ""
    entities = _get(note, "entities") if isinstance(_get(note, "entities"), dict) else tweet.get("entities")
    if not isinstance(entities, dict):
        return _Content(text if isinstance(text, str) else "", [], [], [], False)
    urls: list[str] = []
    for u in _dicts(entities.get("urls")):
        urls += [v for v in (u.get("expanded_url"), u.get("display_url")) if isinstance(v, str)]
    return _Content(
        text if isinstance(text, str) else "",
        [h["tag"] for h in _dicts(entities.get("hashtags")) if isinstance(h.get("tag"), str)],
        [m["username"] for m in _dicts(entities.get("mentions")) if isinstance(m.get("username"), str)],
        urls, True)


def _tokens(c: _Content) -> set[str]:
    tokens: set[str] = set()
    for word in c.text.lower().split():
        first = word[0]
        if first in "#＃@＠":
            continue  # hashtags and mentions are matched through their entities only
        if "://" in word or word.startswith("www."):
            if not c.has_entities:
                c.urls.append(word)
            continue
        tokens.add(word)
        stripped = _strip_punct(word)
        if stripped:
            tokens.add(stripped)
    hashtags, mentions = c.hashtags, c.mentions
    if not c.has_entities:
        hashtags = find_hashtags(c.text)
        mentions = _MENTION.findall(c.text)
    tokens.update(h.lower() for h in hashtags)
    tokens.update(m.lower() for m in mentions)
    for url in c.urls:
        canon = _canon_url(url)
        if canon:
            tokens.add(canon)
            tokens.update(w for w in _URL_WORDS.split(canon) if w)
    return tokens


def _contents(tweet: dict[str, Any], dialect: str) -> list[_Content]:
    if dialect == "v1.1":
        out = [_v1_content(tweet)]
        if isinstance(tweet.get("retweeted_status"), dict):
            out.append(_v1_content(tweet["retweeted_status"]))
        return out
    out = [_v2_content(tweet)]
    for ref in _dicts(tweet.get("referenced_tweets")):
        if ref.get("type") == "retweeted" and ("text" in ref or "note_tweet" in ref):
            out.append(_v2_content(ref))
    return out


def _point(tweet: dict[str, Any], dialect: str) -> tuple[float, float] | None:
    geo = tweet.get("coordinates") if dialect == "v1.1" else _get(tweet, "geo", "coordinates")
    coords = _get(geo, "coordinates")
    if isinstance(coords, list) and len(coords) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in coords):
        return float(coords[0]), float(coords[1])
    return None


def _place_box(tweet: dict[str, Any], dialect: str) -> Box | None:
    if dialect == "v1.1":
        ring = _get(tweet, "place", "bounding_box", "coordinates")
        try:
            pts = [(float(p[0]), float(p[1])) for p in ring[0]]
        except (TypeError, IndexError, KeyError, ValueError):
            return None
        if not pts:
            return None
        lons, lats = [p[0] for p in pts], [p[1] for p in pts]
        return min(lons), min(lats), max(lons), max(lats)
    bbox = _get(tweet, "geo", "place", "geo", "bbox")
    if isinstance(bbox, list) and len(bbox) == 4:
        try:
            w, s, e, n = (float(v) for v in bbox)
        except (TypeError, ValueError):
            return None
        return w, s, e, n
    return None


class TweetFilter:
    """``track`` OR ``locations``, compiled once.

    :param track: phrases from :func:`parse_track` (empty: no keyword matching).
    :param boxes: boxes from :func:`parse_locations` (empty: no location matching).
    """

    def __init__(self, track: Sequence[tuple[str, ...]], boxes: Sequence[Box]) -> None:
        self.track = list(track)
        self.boxes = list(boxes)

    def match_track(self, tweet: dict[str, Any], dialect: str) -> bool:
        """True when a ``track`` phrase matches the tweet (or, for a retweet, its original)."""
        if not self.track:
            return False
        for content in _contents(tweet, dialect):
            hay = " ".join([content.text, *content.hashtags, *content.mentions, *content.urls]).lower()
            # A phrase can only match when each of its terms occurs as a substring; checking that
            # first skips tokenizing most tweets.
            candidates = [p for p in self.track if all(term in hay for term in p)]
            if not candidates:
                continue
            tokens = _tokens(content)
            if any(all(term in tokens for term in phrase) for phrase in candidates):
                return True
        return False

    def match_locations(self, tweet: dict[str, Any], dialect: str) -> bool:
        """True when the exact point is inside a box, else when the place box overlaps one."""
        if not self.boxes:
            return False
        point = _point(tweet, dialect)
        if point is not None:
            lon, lat = point
            return any(w <= lon <= e and s <= lat <= n for w, s, e, n in self.boxes)
        pbox = _place_box(tweet, dialect)
        if pbox is None:
            return False
        pw, ps, pe, pn = pbox
        return any(not (pe < w or pw > e or pn < s or ps > n) for w, s, e, n in self.boxes)

    def match(self, tweet: dict[str, Any], dialect: str) -> bool:
        """``track`` OR ``locations``, as the streaming API combines them."""
        return self.match_locations(tweet, dialect) or self.match_track(tweet, dialect)
