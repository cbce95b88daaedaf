"""The one set of hashtag rules (docs/contracts.md section 3), for every dialect.

tweetics implements the same rules in Spark SQL with :data:`HASHTAG_PATTERN` (Java regex) and the
constants below, and both must pass ``tests/vectors/*.json``. Keep the public names and behaviour stable.
Every step is linear in the size of the tweet: the pattern never backtracks into a tag body and has no
repeated group (java.util.regex recurses once per repetition of a group, not of a character class).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any, Iterable

import regex

from tweetcontract.times import format_iso_time, format_v1_time, parse_any_time

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

#: Hashtags kept per tweet: the first 100 valid ones as written (before merging duplicates). A tweet of
#: 280 characters holds at most 93 (``#a #b ...``), a Bluesky post about 100 in its 300 graphemes plus 8
#: record tags; beyond that it is spam or an attack, and every tag costs a state group in the job and
#: a row in the output.
MAX_TAGS = 100
#: Longest hashtag kept, in code points after cleaning; a longer one is dropped, never cut (a cut tag
#: is a tag nobody wrote). 280, a whole tweet: any hashtag a tweet can hold fits, and so does a Bluesky
#: tag (at most 64 graphemes and 640 UTF-8 bytes) unless its graphemes stack several marks each.
MAX_TAG_LENGTH = 280
#: The facet feature type of a Bluesky hashtag (lexicon ``app.bsky.richtext.facet``).
BLUESKY_TAG_FEATURE = "app.bsky.richtext.facet#tag"
#: A post record's ``tags`` hold at most 8 (lexicon ``app.bsky.feed.post``); extra entries are ignored.
BLUESKY_MAX_RECORD_TAGS = 8
#: Bidirectional controls: marks (ALM, LRM, RLM), embeddings and overrides (U+202A-U+202E), isolates
#: (U+2066-U+2069). Never part of a key or a display spelling: an override can turn the page around.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: Removed from every spelling before it is keyed or shown, so tags that differ only by them are one:
#: soft hyphen, combining grapheme joiner, Mongolian vowel separator, zero-width space, word joiner,
#: invisible math operators, BOM (zero-width no-break space), and the bidi controls. ZWNJ/ZWJ are kept
#: inside a tag: Persian and Indic spellings need them (twitter-text counts them as hashtag
#: characters) and emoji sequences are built with ZWJ; at either end of a tag they join nothing and go.
INVISIBLE = "\u00ad\u034f\u180e\u200b\u2060\u2061\u2062\u2063\u2064\ufeff" + BIDI_CONTROLS
JOINERS = "\u200c\u200d"
#: Stripped from the start of a spelling: a ``#`` in a tag value (Bluesky's ``##tag`` facet holds ``#tag``).
LEADING = "#\uff03" + JOINERS
_DROP = dict.fromkeys(map(ord, INVISIBLE))


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


def _bluesky_spellings(event: dict[str, Any]) -> list[str]:
    """Facet ``#tag`` features, then the record's first :data:`BLUESKY_MAX_RECORD_TAGS` ``tags``.

    The facets are Bluesky's entities: a record with ``facets`` or ``tags`` is never re-read from its
    text (the ``tag`` value is taken whole, so byte offsets are never used); only a record with neither,
    like a v1.1/v2 tweet without an entities object, has its text run through :data:`HASHTAG_PATTERN`.
    """
    record = _get(event, "commit", "record")
    if not isinstance(record, dict):
        return []
    facets, tags = record.get("facets"), record.get("tags")
    if not isinstance(facets, list) and not isinstance(tags, list):
        text = record.get("text")
        return find_hashtags(text) if isinstance(text, str) else []
    out: list[str] = []
    for facet in facets if isinstance(facets, list) else []:
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features if isinstance(features, list) else []:
            if (isinstance(feature, dict) and feature.get("$type") == BLUESKY_TAG_FEATURE
                    and isinstance(feature.get("tag"), str)):
                out.append(feature["tag"])
    if isinstance(tags, list):
        out += [t for t in tags[:BLUESKY_MAX_RECORD_TAGS] if isinstance(t, str)]
    return out


def _mastodon_spellings(status: dict[str, Any]) -> list[str]:
    """``tags[].name`` of the status, or of its original when it is a reblog.

    No text fallback: a Status always carries ``tags`` (the server's own parse), and its ``content`` is
    HTML, where the ``#`` and the name sit in different elements.
    """
    original = status.get("reblog")
    if isinstance(original, dict):
        status = original
    tags = status.get("tags")
    if not isinstance(tags, list):
        return []
    return [t["name"] for t in tags if isinstance(t, dict) and isinstance(t.get("name"), str)]


_SPELLINGS = {"v1.1": _v1_spellings, "v2": _v2_spellings, "bluesky": _bluesky_spellings,
              "mastodon": _mastodon_spellings}
#: The dialects the rules (and the job) understand.
DIALECTS: tuple[str, ...] = tuple(_SPELLINGS)


def clean_tag(spelling: str) -> str:
    """A spelling as it is keyed and shown: :data:`INVISIBLE` removed, leading ``#``/``＃`` and
    ZWNJ/ZWJ at either end stripped (``##tag`` is ``tag``, as in text; a joiner joins nothing there)."""
    return spelling.translate(_DROP).lstrip(LEADING).rstrip(JOINERS)


def bounded_spellings(spellings: Iterable[str]) -> list[str]:
    """Cleaned spellings, without empty ones and ones over :data:`MAX_TAG_LENGTH`, at most
    :data:`MAX_TAGS` of them (the first, as written)."""
    out: list[str] = []
    for spelling in spellings:
        cleaned = clean_tag(spelling)
        if 0 < len(cleaned) <= MAX_TAG_LENGTH:
            out.append(cleaned)
            if len(out) == MAX_TAGS:
                break
    return out


def distinct_tags(spellings: Iterable[str]) -> list[tuple[str, str]]:
    """``(key, first spelling)`` pairs, one per distinct key, in order of first appearance, after the
    bounds and cleaning of :func:`bounded_spellings`."""
    seen: dict[str, str] = {}
    for spelling in bounded_spellings(spellings):
        key = normalize_tag(spelling)
        if key and key not in seen:
            seen[key] = spelling
    return list(seen.items())


def extract_hashtags(tweet: dict[str, Any], dialect: str) -> list[tuple[str, str]]:
    """The tweet's hashtags as distinct ``(normalized key, original spelling)`` pairs.

    :param tweet: a v1.1 status, a flattened v2 tweet, a Jetstream commit event or a Mastodon Status.
    :param dialect: one of :data:`DIALECTS`.
    """
    rule = _SPELLINGS.get(dialect)
    if rule is None:
        raise ValueError(f"unknown dialect {dialect!r}")
    return distinct_tags(rule(tweet))


def event_time(tweet: dict[str, Any], dialect: str) -> datetime:
    """The tweet's event time as an aware UTC datetime: ``created_at`` (v1.1 style or ISO-8601), for
    Bluesky the record's ``createdAt``.

    :raises ValueError: when the time is missing or unparseable.
    """
    value = _get(tweet, "commit", "record", "createdAt") if dialect == "bluesky" else tweet.get("created_at")
    if not isinstance(value, str):
        raise ValueError("tweet has no created_at")
    return parse_any_time(value)


def with_event_time(tweet: dict[str, Any], dialect: str, when: datetime) -> dict[str, Any]:
    """A copy of ``tweet`` whose event time (the field :func:`event_time` reads) is ``when``: v1.1 style
    for v1.1, ISO-8601 otherwise; a Bluesky event gets copies of ``commit`` and ``commit.record``. The
    original is not modified (a looping replay shifts each loop from the recorded tweet)."""
    if dialect == "bluesky":
        commit = dict(tweet.get("commit") or {})
        commit["record"] = dict(commit.get("record") or {}, createdAt=format_iso_time(when))
        return dict(tweet, commit=commit)
    return dict(tweet, created_at=format_v1_time(when) if dialect == "v1.1" else format_iso_time(when))


def normalize_query(text: str) -> str:
    """The key of a tag as a person types it in a query or a setting: with or without ``#``/``＃``."""
    return normalize_tag(clean_tag(text.strip()))
