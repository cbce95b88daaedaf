"""The one set of hashtag rules (docs/contracts.md section 3).

tweetics implements the same rules in Spark SQL with :data:`HASHTAG_PATTERN` (Java regex) and both
must pass ``tests/vectors/hashtags.json``. Keep the public names and behaviour stable.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any, Iterable

import regex

from tweetcontract.times import parse_any_time

# Characters that may appear inside a hashtag besides letters, marks and digits (twitter-text's
# "special chars": underscore, ZWNJ/ZWJ, Hebrew geresh/gershayim/maqaf, CJK iteration and wave
# marks, Tibetan tsheg, middle dot...). Written as \uXXXX so the same text works in Java and `regex`.
_SPECIAL = (r"_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb\u3003"
            r"\u0f0b\u0f0c\u00b7")
_LETTERS = r"\p{L}\p{M}"
_WORD = _LETTERS + r"\p{Nd}" + _SPECIAL

#: The hashtag pattern; capture group 1 is the tag without its ``#``. A plain string, valid as a
#: Java regex (Spark's ``regexp_extract_all(text, HASHTAG_PATTERN, 1)``) and in the PyPI `regex` module.
#:
#: * starts at ``#`` or fullwidth ``＃`` that is not preceded by a word character, ``&`` (HTML
#:   entities) or ``/`` (a URL fragment such as ``example.com/#tag``); a preceding emoji variation
#:   selector (U+FE0E/U+FE0F) is allowed although it is a mark;
#: * the ``#`` must not start a keycap emoji (``#`` + U+FE0F / U+20E3);
#: * the body is word characters with at least one letter or mark (so ``#123`` is not a tag);
#: * the body is taken whole (atomic group) and the match is dropped when the body is directly
#:   followed by another ``#``/``＃`` or by ``://`` (``#tag#tag``, ``#http://...``) instead of
#:   being shortened to make it fit.
HASHTAG_PATTERN: str = (
    r"(?:(?<![&/" + _WORD + r"])|(?<=[\ufe0e\ufe0f]))"
    r"[#\uff03](?![\ufe0f\u20e3])"
    r"((?>[" + _WORD + r"]*[" + _LETTERS + r"][" + _WORD + r"]*))"
    r"(?![#\uff03]|://)"
)

_COMPILED = regex.compile(HASHTAG_PATTERN, regex.V0)


def normalize_tag(tag: str) -> str:
    """The counting key of a hashtag: NFKC, then full Unicode case folding (ß -> ss, ς -> σ)."""
    return unicodedata.normalize("NFKC", tag).casefold()


def find_hashtags(text: str) -> list[str]:
    """Hashtags (as written, without ``#``) found in free text with :data:`HASHTAG_PATTERN`."""
    return [m.group(1) for m in _COMPILED.finditer(text)]


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _entity_tags(entities: dict[str, Any], field: str) -> list[str]:
    tags = entities.get("hashtags") or []
    if not isinstance(tags, list):
        return []
    return [t[field] for t in tags if isinstance(t, dict) and isinstance(t.get(field), str)]


def _v1_spellings(tweet: dict[str, Any]) -> list[str]:
    original = tweet.get("retweeted_status")
    if isinstance(original, dict):
        return _v1_spellings(original)
    extended = tweet.get("extended_tweet")
    if isinstance(extended, dict) and isinstance(extended.get("entities"), dict):
        return _entity_tags(extended["entities"], "text")
    if isinstance(tweet.get("entities"), dict):
        return _entity_tags(tweet["entities"], "text")
    text = _get(extended, "full_text") or tweet.get("full_text") or tweet.get("text")
    return find_hashtags(text) if isinstance(text, str) else []


def _v2_spellings(tweet: dict[str, Any]) -> list[str]:
    refs = tweet.get("referenced_tweets")
    if isinstance(refs, list):
        for ref in refs:
            # Only an inlined (flattened) original carries content; a bare {type, id} does not.
            if isinstance(ref, dict) and ref.get("type") == "retweeted" and (
                    "text" in ref or "entities" in ref or "note_tweet" in ref):
                return _v2_spellings(ref)
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("entities"), dict):
        return _entity_tags(note["entities"], "tag")
    if isinstance(tweet.get("entities"), dict):
        return _entity_tags(tweet["entities"], "tag")
    text = _get(note, "text") or tweet.get("text")
    return find_hashtags(text) if isinstance(text, str) else []


def distinct_tags(spellings: Iterable[str]) -> list[tuple[str, str]]:
    """``(key, first spelling)`` pairs, one per distinct key, in order of first appearance."""
    seen: dict[str, str] = {}
    for spelling in spellings:
        key = normalize_tag(spelling)
        if key and key not in seen:
            seen[key] = spelling
    return list(seen.items())


def extract_hashtags(tweet: dict[str, Any], dialect: str) -> list[tuple[str, str]]:
    """The tweet's hashtags as distinct ``(normalized key, original spelling)`` pairs.

    :param tweet: a v1.1 status or a flattened v2 tweet.
    :param dialect: ``"v1.1"`` or ``"v2"``.
    """
    if dialect == "v1.1":
        spellings = _v1_spellings(tweet)
    elif dialect == "v2":
        spellings = _v2_spellings(tweet)
    else:
        raise ValueError(f"unknown dialect {dialect!r}")
    return distinct_tags(spellings)


def event_time(tweet: dict[str, Any], dialect: str) -> datetime:
    """The tweet's ``created_at`` as an aware UTC datetime (v1.1 style or ISO-8601, either dialect).

    :raises ValueError: when ``created_at`` is missing or unparseable.
    """
    value = tweet.get("created_at")
    if not isinstance(value, str):
        raise ValueError("tweet has no created_at")
    return parse_any_time(value)


def normalize_query(text: str) -> str:
    """The key of a tag as a person types it in a query or a setting: with or without ``#``/``＃``."""
    return normalize_tag(text.strip().lstrip("#\uff03"))
