"""From one raw line to tweets, or to the reason it is dead-lettered (pure).

Every field of a line can be hostile: whatever the bytes, :func:`decode_line` returns tweets whose
``body()`` is valid JSON, or raises :class:`BadLine` with a short reason; never another exception.
"""

from __future__ import annotations

import orjson

from tweetcontract.errors import BadTweet
from tweetcontract.dialects import NotATweet, Tweet, normalize


#: orjson writes at most this many nested levels (it reads up to 1024).
_WRITER_DEPTH = 254


class BadLine(ValueError):
    """A line that cannot yield tweets.

    :param reason: short dead-letter reason (``invalid-json``, ``not-utf8``, ``not-a-tweet:delete``...).
    :param malformed: True for broken data, False for well-formed non-tweet messages (skipped).
    """

    def __init__(self, reason: str, malformed: bool, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.malformed = malformed
        self.detail = detail


def json_error_reason(exc: ValueError, raw: bytes) -> str:
    """The dead-letter reason for bytes orjson refused: ``not-utf8``, ``too-deep`` (nested past the
    parser's depth limit), ``lone-surrogate`` (``\\ud800`` escapes, real in truncated tweets) or
    ``invalid-json``."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not-utf8"
    text = str(exc)
    if "depth limit" in text or "recursion" in text.lower():
        return "too-deep"
    if "surrogate" in text:
        return "lone-surrogate"
    return "invalid-json"


def tweet_json(tweet: Tweet) -> bytes:
    """The tweet object as JSON bytes.

    :raises BadLine: ``unserializable`` (nested past the serializer's limit, which is lower than the
        parser's, or a string with lone surrogates from a lenient parser).
    """
    if tweet.body is not None:
        return tweet.body
    try:
        return orjson.dumps(tweet.data)
    except TypeError as exc:  # orjson.JSONEncodeError
        raise BadLine("unserializable", True, str(exc)) from None


def decode_line(raw: bytes) -> list[Tweet]:
    """Parse and normalize one line.

    Tweets that are not the line itself (flattened v2 pages) are checked to serialize, so a caller
    never meets a tweet it cannot write.

    :raises BadLine: invalid UTF-8 or JSON, too deep, lone surrogates, a non-tweet message or an
        unusable object.
    """
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadLine(json_error_reason(exc, raw), True, str(exc)) from None
    tweets = decode_object(obj)
    if raw.count(b"[") + raw.count(b"{") > _WRITER_DEPTH:
        # Could be nested past what orjson writes (it reads deeper): a verbatim tweet a looping replay
        # has to re-serialize must not fail there, so check it now (rare, so the hot path stays cheap).
        for t in tweets:
            if t.verbatim:
                t.body = tweet_json(t)
    return tweets


def decode_object(obj: object) -> list[Tweet]:
    """Normalize one parsed line (see :func:`decode_line`).

    :raises BadLine: a non-tweet message, an unusable object, or tweets that cannot be serialized.
    """
    try:
        tweets = normalize(obj)
    except NotATweet as exc:
        raise BadLine(f"not-a-tweet:{exc.kind}", False) from None
    except BadTweet as exc:
        raise BadLine(exc.reason, True, exc.detail) from None
    except RecursionError:  # a lenient parser's object nested past Python's own stack
        raise BadLine("too-deep", True) from None
    for t in tweets:
        if not t.verbatim:
            t.body = tweet_json(t)
    return tweets
