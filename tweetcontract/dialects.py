"""Recognize the dialect of one parsed line and normalize it to tweets.

Dialects (detected per line, so files may mix them):

* ``v1.1``: one v1.1 status per line (``id_str``, ``user``, maybe ``extended_tweet``);
* ``v2``: one flattened v2 tweet per line (``id``, ``text``, expansions inlined: ``author``,
  ``geo.place``, ``referenced_tweets[]``), as ``twarc2 flatten`` writes them;
* ``v2-page``: one v2 response page per line (``data``, ``includes``, ``meta``,
  ``matching_rules``, twarc2's ``__twarc``), flattened here into ``v2`` tweets.

Stream control messages (deletes, limit notices, errors...) are not tweets: :class:`NotATweet`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tweetcontract.errors import BadTweet

#: Top-level keys of v1.1 streaming messages that are not tweets.
V1_MESSAGES = ("delete", "scrub_geo", "limit", "status_withheld", "user_withheld", "disconnect",
               "warning", "friends", "friends_str", "event", "control", "for_user")


class NotATweet(ValueError):
    """A well-formed stream message that carries no tweet; ``kind`` names it (``delete``, ``limit``...)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(slots=True)
class Tweet:
    """One normalized tweet.

    :param id: the tweet id as a string.
    :param dialect: ``"v1.1"`` or ``"v2"`` (flattened).
    :param data: the tweet object.
    :param verbatim: True when ``data`` is exactly the line's JSON, so its bytes can be reused.
    """

    id: str
    dialect: str
    data: dict[str, Any]
    verbatim: bool = True


def detect(obj: Any) -> str:
    """Name the dialect of a parsed line: ``v1.1``, ``v2``, ``v2-page``.

    :raises NotATweet: for stream control messages and empty pages.
    :raises BadTweet: for anything else that is not a tweet.
    """
    if not isinstance(obj, dict):
        raise BadTweet("not-an-object", type(obj).__name__)
    if "data" in obj and "id" not in obj:
        if isinstance(obj["data"], (list, dict)):
            return "v2-page"
        raise BadTweet("bad-page", "data is neither a list nor an object")
    for key in V1_MESSAGES:
        if key in obj:
            raise NotATweet(key)
    if "id_str" in obj or isinstance(obj.get("user"), dict):
        return "v1.1"
    if "id" in obj and ("text" in obj or "edit_history_tweet_ids" in obj or "author_id" in obj
                        or "author" in obj or "note_tweet" in obj):
        return "v2"
    if "errors" in obj:
        raise NotATweet("errors")
    if "meta" in obj:
        raise NotATweet("empty-page")
    raise BadTweet("unknown-object", ",".join(sorted(obj)[:8]))


def tweet_id(obj: dict[str, Any], dialect: str) -> str:
    """The id as a string (v1.1 ``id_str`` or ``id``; v2 ``id``)."""
    value = obj.get("id_str") if dialect == "v1.1" else None
    if value is None:
        value = obj.get("id")
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise BadTweet("no-id")
    return str(value)


def _index(items: Any, key: str) -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {str(i[key]): i for i in items if isinstance(i, dict) and key in i}


class _Includes:
    """Lookup tables of one page's ``includes``, used to inline expansions into its tweets."""

    def __init__(self, page: dict[str, Any], data: list[dict[str, Any]]) -> None:
        inc = page.get("includes") if isinstance(page.get("includes"), dict) else {}
        self.users = _index(inc.get("users"), "id")
        self.places = _index(inc.get("places"), "id")
        self.media = _index(inc.get("media"), "media_key")
        self.polls = _index(inc.get("polls"), "id")
        self.tweets = _index(inc.get("tweets"), "id")
        for t in data:  # a referenced tweet may be one of the page's own tweets
            if "id" in t:
                self.tweets.setdefault(str(t["id"]), t)

    def expand(self, tweet: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        out = dict(tweet)
        author = self.users.get(str(tweet.get("author_id")))
        if author is not None:
            out["author"] = author
        reply_to = self.users.get(str(tweet.get("in_reply_to_user_id")))
        if reply_to is not None:
            out["in_reply_to_user"] = reply_to
        geo = tweet.get("geo")
        if isinstance(geo, dict) and str(geo.get("place_id")) in self.places:
            out["geo"] = {**geo, "place": self.places[str(geo["place_id"])]}
        att = tweet.get("attachments")
        if isinstance(att, dict):
            att = dict(att)
            keys = att.get("media_keys")
            if isinstance(keys, list):
                att["media"] = [self.media[k] for k in keys if k in self.media]
            polls = att.get("poll_ids")
            if isinstance(polls, list) and polls and str(polls[0]) in self.polls:
                att["poll"] = self.polls[str(polls[0])]
            out["attachments"] = att
        refs = tweet.get("referenced_tweets")
        if isinstance(refs, list) and depth == 0:
            inlined = []
            for ref in refs:
                if isinstance(ref, dict) and str(ref.get("id")) in self.tweets:
                    inlined.append({**self.expand(self.tweets[str(ref["id"])], depth + 1), **ref})
                else:
                    inlined.append(ref)
            out["referenced_tweets"] = inlined
        return out


def flatten_page(page: dict[str, Any]) -> list[dict[str, Any]]:
    """Turn one v2 response page into flattened tweets (expansions inlined, page metadata kept).

    Each tweet gets the page's ``matching_rules`` and ``__twarc`` blocks when present.
    """
    data = page.get("data")
    tweets = [data] if isinstance(data, dict) else [t for t in (data or []) if isinstance(t, dict)]
    includes = _Includes(page, tweets)
    out = []
    for t in tweets:
        flat = includes.expand(t)
        for meta_key in ("matching_rules", "__twarc"):
            if meta_key in page and meta_key not in flat:
                flat[meta_key] = page[meta_key]
        out.append(flat)
    return out


def normalize(obj: Any) -> list[Tweet]:
    """Normalize one parsed line to its tweets (one, or several for a v2 page).

    :raises NotATweet: stream control messages.
    :raises BadTweet: unusable objects (no id, unknown shape).
    """
    dialect = detect(obj)
    if dialect == "v2-page":
        flat = flatten_page(obj)
        if not flat:
            raise NotATweet("empty-page")
        return [Tweet(tweet_id(t, "v2"), "v2", t, verbatim=False) for t in flat]
    return [Tweet(tweet_id(obj, dialect), dialect, obj)]
