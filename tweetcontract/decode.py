"""From one raw line to tweets, or to the reason it is dead-lettered (pure)."""

from __future__ import annotations

import orjson

from tweetcontract.errors import BadTweet
from tweetcontract.dialects import NotATweet, Tweet, normalize


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


def decode_line(raw: bytes) -> list[Tweet]:
    """Parse and normalize one line.

    :raises BadLine: invalid UTF-8, invalid JSON, a non-tweet message or an unusable object.
    """
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadLine("not-utf8", True, str(exc)) from None
        raise BadLine("invalid-json", True, str(exc)) from None
    try:
        return normalize(obj)
    except NotATweet as exc:
        raise BadLine(f"not-a-tweet:{exc.kind}", False) from None
    except BadTweet as exc:
        raise BadLine(exc.reason, True, exc.detail) from None
