"""Recognize the dialect of one parsed line and normalize it to tweets.

Dialects (detected per line, so files may mix them):

* ``v1.1``: one v1.1 status per line (``id_str``, ``user``, maybe ``extended_tweet``);
* ``v2``: one flattened v2 tweet per line (``id``, ``text``, expansions inlined: ``author``,
  ``geo.place``, ``referenced_tweets[]``), as ``twarc2 flatten`` writes them;
* ``v2-page``: one v2 response page per line (``data``, ``includes``, ``meta``,
  ``matching_rules``, twarc2's ``__twarc``), flattened here into ``v2`` tweets;
* ``bluesky``: one Bluesky Jetstream event per line (``did``, ``time_us``, ``kind``); only a commit that
  creates an ``app.bsky.feed.post`` is a post, its id the AT URI ``at://<did>/app.bsky.feed.post/<rkey>``;
* ``mastodon``: one Mastodon Status per line (``uri``, ``account``, ``created_at``, ``tags``), its id the
  global ``uri``; or one streaming-API WebSocket message (``event``, ``payload``: the Status as a JSON
  string), of which only ``update`` carries a status.

Stream control messages (deletes, limit notices, errors, Jetstream identity/account events and deletes,
Mastodon events other than ``update``...) are not tweets: :class:`NotATweet`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from tweetcontract.errors import BadTweet

#: The collection of Bluesky posts; Jetstream events of other collections (likes, follows...) are not posts.
BLUESKY_POST = "app.bsky.feed.post"
#: Jetstream event kinds and commit operations named in a :class:`NotATweet` kind (others: ``bluesky-event``).
_JETSTREAM_KINDS = ("identity", "account")
_JETSTREAM_OPERATIONS = ("update", "delete")
#: Mastodon streaming events named in a :class:`NotATweet` kind (others: ``mastodon-event``).
_MASTODON_EVENTS = ("delete", "status.update", "notification", "conversation", "filters_changed",
                    "announcement", "announcement.reaction", "announcement.delete", "encrypted_message")

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

    :param id: the tweet id as a string (a Bluesky AT URI, a Mastodon status ``uri``).
    :param dialect: ``"v1.1"``, ``"v2"`` (flattened), ``"bluesky"`` or ``"mastodon"``.
    :param data: the tweet object (the whole Jetstream event for Bluesky, the Status for Mastodon).
    :param verbatim: True when ``data`` is exactly the line's JSON, so its bytes can be reused.
    :param body: the tweet's JSON bytes once serialized (set by ``decode`` for tweets that are not verbatim).
    """

    id: str
    dialect: str
    data: dict[str, Any]
    verbatim: bool = True
    body: bytes | None = None


def _jetstream(event: dict[str, Any]) -> str:
    """``bluesky`` for a post create; every other Jetstream event is a :class:`NotATweet`."""
    kind = event.get("kind")
    if kind != "commit":
        raise NotATweet(f"bluesky-{kind}" if kind in _JETSTREAM_KINDS else "bluesky-event")
    commit = event.get("commit")
    if not isinstance(commit, dict):
        raise BadTweet("bad-bluesky-event", "commit is not an object")
    if commit.get("collection") != BLUESKY_POST:
        raise NotATweet("bluesky-other-collection")
    operation = commit.get("operation")
    if operation != "create":
        raise NotATweet(f"bluesky-{operation}" if operation in _JETSTREAM_OPERATIONS else "bluesky-commit")
    if not isinstance(commit.get("record"), dict):
        raise BadTweet("bad-bluesky-event", "a post create without a record")
    return "bluesky"


def _mastodon_message(message: dict[str, Any]) -> dict[str, Any]:
    """The Status of a streaming-API ``update`` message (its ``payload`` is the Status as JSON text)."""
    event = message.get("event")
    if event != "update":
        raise NotATweet(f"mastodon-{event}" if event in _MASTODON_EVENTS else "mastodon-event")
    payload = message.get("payload")
    if isinstance(payload, str):
        try:
            payload = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise BadTweet("bad-mastodon-payload", str(exc)) from None
    try:
        is_status = detect(payload) == "mastodon"
    except (BadTweet, NotATweet):
        is_status = False
    if not is_status:
        raise BadTweet("bad-mastodon-payload", "the update carries no status")
    return payload


def detect(obj: Any) -> str:
    """Name the dialect of a parsed line: ``v1.1``, ``v2``, ``v2-page``, ``bluesky``, ``mastodon`` or
    ``mastodon-message`` (a streaming-API message wrapping a Status).

    :raises NotATweet: for stream control messages and empty pages.
    :raises BadTweet: for anything else that is not a tweet.
    """
    if not isinstance(obj, dict):
        raise BadTweet("not-an-object", type(obj).__name__)
    if "data" in obj and "id" not in obj:
        if isinstance(obj["data"], (list, dict)):
            return "v2-page"
        raise BadTweet("bad-page", "data is neither a list nor an object")
    if "did" in obj and "kind" in obj:  # Jetstream; checked before the v1.1 messages it could resemble
        return _jetstream(obj)
    if "event" in obj and "payload" in obj:  # v1.1 has an "event" message too, but no payload
        return "mastodon-message"
    if isinstance(obj.get("uri"), str) and isinstance(obj.get("account"), dict):
        return "mastodon"  # before v2: a Status has an "id" and may have a "text" (null)
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


#: Longest id accepted (X ids have 19 digits; AT and Mastodon URIs are longer): a key, not a payload.
MAX_ID_CHARS = 1024
#: Most bytes one v2 page may inline into its flattened tweets (authors, places, media, polls, referenced
#: tweets, matching_rules): a page whose tweets reference the same includes over and over would otherwise
#: turn a 54 KB line into 108 MB of records. A real page of 100 tweets inlines about 2 MB.
MAX_INLINED_BYTES = 8 * 1024 * 1024
_MAX_INT_ID = 2**64


def _key(value: Any) -> str | None:
    """A lookup key from a JSON value: strings and in-range integers only (anything else matches nothing)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and -_MAX_INT_ID < value < _MAX_INT_ID:
        return str(value)
    return None


def tweet_id(obj: dict[str, Any], dialect: str) -> str:
    """The id as a string (v1.1 ``id_str`` or ``id``; v2 ``id``).

    :raises BadTweet: ``no-id`` (missing, empty, not a string or integer), ``bad-id`` (too long, or not
        encodable as UTF-8: it becomes the Kafka key).
    """
    value = obj.get("id_str") if dialect == "v1.1" else None
    if value is None:
        value = obj.get("id")
    key = _key(value)
    if key is None or key == "":
        raise BadTweet("no-id")
    if len(key) > MAX_ID_CHARS:
        raise BadTweet("bad-id", f"{len(key)} characters")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise BadTweet("bad-id", "not encodable as UTF-8") from None
    return key


def _index(items: Any, key: str) -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for i in items:
        k = _key(i.get(key)) if isinstance(i, dict) else None
        if k is not None:
            out[k] = i
    return out


def _size(obj: Any) -> int:
    """Serialized size of ``obj`` (what inlining it costs).

    :raises BadTweet: ``unserializable`` (nested deeper than the serializer allows, or lone surrogates).
    """
    try:
        return len(orjson.dumps(obj))
    except TypeError as exc:  # orjson.JSONEncodeError
        raise BadTweet("unserializable", str(exc)) from None


class _Includes:
    """Lookup tables of one page's ``includes``, used to inline expansions into its tweets.

    Every inlined copy is charged its serialized size against ``budget`` bytes (sizes are computed once
    per object, so the accounting is linear in the page).
    """

    def __init__(self, page: dict[str, Any], data: list[dict[str, Any]], budget: int = MAX_INLINED_BYTES) -> None:
        inc = page.get("includes") if isinstance(page.get("includes"), dict) else {}
        self.users = _index(inc.get("users"), "id")
        self.places = _index(inc.get("places"), "id")
        self.media = _index(inc.get("media"), "media_key")
        self.polls = _index(inc.get("polls"), "id")
        self.tweets = _index(inc.get("tweets"), "id")
        for t in data:  # a referenced tweet may be one of the page's own tweets
            k = _key(t.get("id"))
            if k is not None:
                self.tweets.setdefault(k, t)
        self.left = budget
        self._sizes: dict[int, int] = {}

    def charge(self, obj: Any) -> Any:
        """Account for one inlined copy of ``obj``; returns it.

        :raises BadTweet: ``amplifying-page`` once the page's inlined copies exceed the budget.
        """
        size = self._sizes.get(id(obj))
        if size is None:
            size = self._sizes[id(obj)] = _size(obj)
        self.left -= size
        if self.left < 0:
            raise BadTweet("amplifying-page", f"inlines more than {MAX_INLINED_BYTES} bytes")
        return obj

    def _get(self, table: dict[str, dict[str, Any]], ref: Any) -> dict[str, Any] | None:
        k = _key(ref)
        found = table.get(k) if k is not None else None
        return None if found is None else self.charge(found)

    def expand(self, tweet: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        out = dict(tweet)
        author = self._get(self.users, tweet.get("author_id"))
        if author is not None:
            out["author"] = author
        reply_to = self._get(self.users, tweet.get("in_reply_to_user_id"))
        if reply_to is not None:
            out["in_reply_to_user"] = reply_to
        geo = tweet.get("geo")
        if isinstance(geo, dict):
            place = self._get(self.places, geo.get("place_id"))
            if place is not None:
                out["geo"] = {**geo, "place": place}
        att = tweet.get("attachments")
        if isinstance(att, dict):
            att = dict(att)
            keys = att.get("media_keys")
            if isinstance(keys, list):
                att["media"] = [m for m in (self._get(self.media, k) for k in keys) if m is not None]
            polls = att.get("poll_ids")
            if isinstance(polls, list) and polls:
                poll = self._get(self.polls, polls[0])
                if poll is not None:
                    att["poll"] = poll
            out["attachments"] = att
        refs = tweet.get("referenced_tweets")
        if isinstance(refs, list) and depth == 0:
            inlined = []
            for ref in refs:
                target = self._get(self.tweets, ref.get("id")) if isinstance(ref, dict) else None
                if target is not None:
                    inlined.append({**self.expand(target, depth + 1), **ref})
                else:
                    inlined.append(ref)
            out["referenced_tweets"] = inlined
        return out


def flatten_page(page: dict[str, Any], budget: int = MAX_INLINED_BYTES) -> list[dict[str, Any]]:
    """Turn one v2 response page into flattened tweets (expansions inlined, page metadata kept).

    Each tweet gets the page's ``matching_rules`` and ``__twarc`` blocks when present.

    :raises BadTweet: ``amplifying-page`` when the copies inlined would exceed ``budget`` bytes,
        ``unserializable`` for an included object that cannot be written back as JSON.
    """
    data = page.get("data")
    tweets = [data] if isinstance(data, dict) else [t for t in data if isinstance(t, dict)] if isinstance(data, list) else []
    includes = _Includes(page, tweets, budget)
    out = []
    for t in tweets:
        flat = includes.expand(t)
        for meta_key in ("matching_rules", "__twarc"):
            if meta_key in page and meta_key not in flat:
                flat[meta_key] = includes.charge(page[meta_key])
        out.append(flat)
    return out


def post_id(obj: dict[str, Any], dialect: str) -> str:
    """The id of a ``bluesky`` post (``at://<did>/app.bsky.feed.post/<rkey>``) or a ``mastodon``
    status (its ``uri``, the same on every server that relays it).

    :raises BadTweet: ``no-id`` when a part is missing or empty.
    """
    if dialect == "bluesky":
        did, rkey = obj.get("did"), obj["commit"].get("rkey")
        if not (isinstance(did, str) and did and isinstance(rkey, str) and rkey):
            raise BadTweet("no-id")
        return f"at://{did}/{BLUESKY_POST}/{rkey}"
    uri = obj.get("uri")
    if not isinstance(uri, str) or not uri:
        raise BadTweet("no-id")
    return uri


def normalize(obj: Any) -> list[Tweet]:
    """Normalize one parsed line to its tweets (one, or several for a v2 page).

    :raises NotATweet: stream control messages.
    :raises BadTweet: unusable objects (no id, unknown shape).
    """
    dialect = detect(obj)
    if dialect == "mastodon-message":
        status = _mastodon_message(obj)
        return [Tweet(post_id(status, "mastodon"), "mastodon", status, verbatim=False)]
    if dialect in ("bluesky", "mastodon"):
        return [Tweet(post_id(obj, dialect), dialect, obj)]
    if dialect == "v2-page":
        flat = flatten_page(obj)
        if not flat:
            raise NotATweet("empty-page")
        return [Tweet(tweet_id(t, "v2"), "v2", t, verbatim=False) for t in flat]
    return [Tweet(tweet_id(obj, dialect), dialect, obj)]
