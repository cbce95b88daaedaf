"""Deterministic synthetic tweet recordings in every dialect tweetpub reads.

Realistic enough to exercise the whole pipeline and to project as a demo: Boston-area points and places
plus tweets outside the box, posts written from templates about a tech-conference week (the tracked words
as plain words and hashtags, tech hashtags led by IoT and BigData, a long tail), retweets, replies,
mentions, links, long (extended / note) tweets, a keynote burst of one hashtag in the middle of the
timeline, a few posts in other languages with Unicode hashtags, and optional bad lines (truncated JSON,
non-UTF-8 bytes, deletes and limit notices). The words themselves live in :mod:`tweetpub.generate_text`.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import orjson

from tweetcontract.times import format_iso_time, format_v1_time
from tweetpub import generate_text as words
from tweetpub.generate_world import INSIDE_PLACES, PLACES, World, place_v1

DIALECTS = ("v1.1", "v2", "v2-page", "mixed")

@dataclass
class GenOptions:
    """What to generate. ``duration`` is the recorded timeline span in seconds."""

    count: int = 1000
    dialect: str = "mixed"
    seed: int = 42
    start: datetime = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
    duration: float = 1800.0
    malformed: int = 0
    inside_fraction: float = 0.7


class Generator:
    """Makes tweets one by one; :meth:`lines` renders them in the requested dialect."""

    def __init__(self, opts: GenOptions) -> None:
        if opts.dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {DIALECTS}")
        self.opts = opts
        self.rng = random.Random(opts.seed)
        self.world = World(self.rng)
        self.places = list(PLACES)
        self.recent: list[dict[str, Any]] = []
        self.originals: list[tuple[int, dict[str, Any]]] = []  # (id, author) of recent posts, to reply to

    # -- content -------------------------------------------------------------------------------
    def _text(self, keynote: bool) -> tuple[str, str, list[str]]:
        """(language, text without hashtags, hashtags) of one original post."""
        rng = self.rng
        if keynote:  # the keynote moment: most posts in the room carry its tag
            tags = [words.KEYNOTE_TAG] + (["OpenStackSummit"] if rng.random() < 0.25 else [])
            return "en", words.fill(rng.choice(words.KEYNOTE_LINES), rng, ""), tags
        if rng.random() < 0.06:
            lang, template, pool = rng.choice(words.FOREIGN)
            tags = rng.sample(pool, rng.randrange(1, 3))
            return lang, template.format(x=rng.choice(words.FOREIGN_SUBJECTS)), tags
        tags = self.world.pick_tags()
        return "en", words.original_body(tags, rng), tags

    def _compose(self, body: str, tags: list[str], mention: dict | None, reply: bool, url: str | None) -> str:
        """Hashtags at the end, or the first one up front; a mention as a reply prefix, a cc or a via."""
        rng = self.rng
        text = body
        if tags and rng.random() < 0.2:
            text = f"#{tags[0]}: {text}" + "".join(f" #{t}" for t in tags[1:])
        elif tags:
            text += " " + " ".join("#" + t for t in tags)
        if mention and reply:
            text = f"@{mention['screen_name']} {text}"
        elif mention:
            text += f" {rng.choice(('cc', 'via', 'h/t'))} @{mention['screen_name']}"
        if url:
            text += " https://t.co/" + "".join(rng.choice("abcdefghijkLMNOP0123456789") for _ in range(10))
        return text

    def _point_or_place(self) -> tuple[list[float] | None, tuple | None]:
        rng = self.rng
        inside = rng.random() < self.opts.inside_fraction
        pool = self.places[:INSIDE_PLACES + 1] if inside else self.places[INSIDE_PLACES + 1:]
        place = rng.choice(pool)
        r = rng.random()
        if r < 0.3:
            w, s, e, n = place[2]
            return [round(rng.uniform(w, e), 6), round(rng.uniform(s, n), 6)], place
        if r < 0.9:
            return None, place
        return None, None

    def _entities(self, text: str, tags: list[str], mention: dict | None, url: str | None) -> dict[str, Any]:
        ents: dict[str, Any] = {"hashtags": [], "urls": [], "user_mentions": [], "symbols": []}
        pos = 0
        for t in tags:
            i = text.find("#" + t, pos)
            if i >= 0:
                ents["hashtags"].append({"text": t, "indices": [i, i + 1 + len(t)]})
                pos = i + 1
        if mention:
            i = text.find("@" + mention["screen_name"])
            ents["user_mentions"].append({"screen_name": mention["screen_name"], "name": mention["name"],
                                          "id": mention["id"], "id_str": mention["id_str"],
                                          "indices": [i, i + 1 + len(mention["screen_name"])]})
        if url:
            i = text.find("https://t.co/")
            ents["urls"].append({"url": text[i:i + 23], "expanded_url": url,
                                 "display_url": url.split("://", 1)[1][:26], "indices": [i, i + 23]})
        return ents

    def _base(self, when: datetime, keynote: bool) -> dict[str, Any]:
        """A dialect-neutral tweet description."""
        rng = self.rng
        keynote = keynote and rng.random() < 0.6
        lang, body, tags = self._text(keynote)
        if rng.random() < 0.12 and not keynote:  # long posts: a second sentence makes them extended / note tweets
            body += ". " + ". ".join(words.fill(a, rng, "") for a in rng.sample(words.LONG_ADDONS, 2))
        reply_to = self.originals[-1 - rng.randrange(len(self.originals))] \
            if self.originals and rng.random() < 0.12 else None
        if reply_to:
            body = rng.choice(words.REPLIES)
            tags = tags[:1] if rng.random() < 0.5 else []
        mention = reply_to[1] if reply_to else rng.choice(self.world.users) if rng.random() < 0.15 else None
        user = rng.choice(self.world.users)
        url = words.link(rng, user["screen_name"]) if rng.random() < 0.25 else None
        text = self._compose(body, tags, mention, reply_to is not None, url)
        found = [t for t in tags if ("#" + t) in text]
        coords, place = self._point_or_place()
        if keynote:  # in the hall, so inside the box
            coords, place = None, self.places[0]
        tid = self.world.new_id()
        self.originals = (self.originals + [(tid, user)])[-50:]
        return {"id": tid, "when": when, "user": user, "text": text, "lang": lang, "tags": found,
                "mention": mention, "url": url, "coords": coords, "place": place, "long": len(text) > 140,
                "reply_to": reply_to[0] if reply_to else None}

    # -- v1.1 ----------------------------------------------------------------------------------
    def _v1(self, b: dict[str, Any], no_entities: bool = False) -> dict[str, Any]:
        text = b["text"]
        ents = self._entities(text, b["tags"], b["mention"], b["url"])
        out: dict[str, Any] = {
            "created_at": format_v1_time(b["when"]), "id": b["id"], "id_str": str(b["id"]),
            "text": text if not b["long"] else text[:139] + "…",
            "source": '<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>',
            "truncated": b["long"], "in_reply_to_status_id": b["reply_to"],
            "in_reply_to_status_id_str": str(b["reply_to"]) if b["reply_to"] else None,
            "in_reply_to_user_id": b["mention"]["id"] if b["reply_to"] else None,
            "in_reply_to_screen_name": b["mention"]["screen_name"] if b["reply_to"] else None, "user": b["user"], "geo": None, "coordinates": None,
            "place": None, "contributors": None, "is_quote_status": False, "quote_count": 0, "reply_count": 0,
            "retweet_count": 0, "favorite_count": 0, "entities": ents, "favorited": False, "retweeted": False,
            "filter_level": "low", "lang": b["lang"], "timestamp_ms": str(int(b["when"].timestamp() * 1000)),
        }
        if b["long"]:
            out["entities"] = self._entities(out["text"], [t for t in b["tags"] if "#" + t in out["text"]], None, None)
            out["extended_tweet"] = {"full_text": text, "display_text_range": [0, len(text)], "entities": ents}
        if b["coords"]:
            out["coordinates"] = {"type": "Point", "coordinates": b["coords"]}
            out["geo"] = {"type": "Point", "coordinates": [b["coords"][1], b["coords"][0]]}
        if b["place"]:
            out["place"] = place_v1(b["place"])
        if no_entities:
            out.pop("entities", None)
            out.get("extended_tweet", {}).pop("entities", None)
        return out

    def _v1_retweet(self, orig: dict[str, Any], when: datetime) -> dict[str, Any]:
        user = self.rng.choice(self.world.users)
        ou = orig["user"]["screen_name"]
        text = f"RT @{ou}: {orig.get('extended_tweet', {}).get('full_text', orig['text'])}"[:140]
        rid = self.world.new_id()
        return {"created_at": format_v1_time(when), "id": rid, "id_str": str(rid), "text": text,
                "source": orig["source"], "truncated": False, "user": user, "geo": None, "coordinates": None,
                "place": None, "retweeted_status": orig, "is_quote_status": False, "retweet_count": 0,
                "favorite_count": 0, "lang": orig["lang"],
                "entities": {"hashtags": [], "urls": [], "symbols": [],
                             "user_mentions": [{"screen_name": ou, "id_str": orig["user"]["id_str"],
                                                "indices": [3, 4 + len(ou)]}]},
                "timestamp_ms": str(int(when.timestamp() * 1000))}

    # -- v2 ------------------------------------------------------------------------------------
    @staticmethod
    def _v2_user(u: dict[str, Any]) -> dict[str, Any]:
        return {"id": u["id_str"], "name": u["name"], "username": u["screen_name"], "created_at": "2009-03-10T14:02:11.000Z",
                "description": u["description"], "location": u["location"], "verified": u["verified"],
                "public_metrics": {"followers_count": u["followers_count"], "following_count": u["friends_count"],
                                   "tweet_count": u["statuses_count"], "listed_count": u["listed_count"]}}

    @staticmethod
    def _v2_place(p: tuple) -> dict[str, Any]:
        name, full, bbox = p
        return {"id": place_v1(p)["id"], "full_name": full, "name": name, "country": "United States",
                "country_code": "US", "place_type": "admin" if "USA" in full else "city",
                "geo": {"type": "Feature", "bbox": list(bbox), "properties": {}}}

    def _v2(self, b: dict[str, Any], no_entities: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
        """(tweet as the API returns it in ``data``, its includes)."""
        text = b["text"]
        t: dict[str, Any] = {"id": str(b["id"]), "text": text if not b["long"] else text[:279],
                             "edit_history_tweet_ids": [str(b["id"])], "author_id": b["user"]["id_str"],
                             "created_at": format_iso_time(b["when"]), "lang": b["lang"],
                             "conversation_id": str(b["id"]), "possibly_sensitive": False,
                             "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0}}
        ents: dict[str, Any] = {}
        if b["tags"]:
            ents["hashtags"] = [{"start": text.find("#" + tag), "end": text.find("#" + tag) + len(tag) + 1, "tag": tag}
                                for tag in b["tags"]]
        if b["mention"]:
            at = text.find("@" + b["mention"]["screen_name"])
            ents["mentions"] = [{"start": at, "end": at + 1 + len(b["mention"]["screen_name"]),
                                 "username": b["mention"]["screen_name"], "id": b["mention"]["id_str"]}]
        if b["url"]:
            ents["urls"] = [{"url": "https://t.co/x", "expanded_url": b["url"],
                             "display_url": b["url"].split("://", 1)[1][:26]}]
        if b["reply_to"]:
            t["referenced_tweets"] = [{"type": "replied_to", "id": str(b["reply_to"])}]
            t["in_reply_to_user_id"] = b["mention"]["id_str"]
        if b["long"]:
            t["note_tweet"] = {"text": text, "entities": ents} if ents else {"text": text}
            t["entities"] = {k: v for k, v in ents.items() if k != "hashtags"} or {"urls": []}
        elif ents:
            t["entities"] = ents
        if no_entities:
            t.pop("entities", None)
            t.get("note_tweet", {}).pop("entities", None)
        includes: dict[str, list[Any]] = {"users": [self._v2_user(b["user"])]}
        if b["coords"] or b["place"]:
            geo: dict[str, Any] = {}
            if b["coords"]:
                geo["coordinates"] = {"type": "Point", "coordinates": b["coords"]}
            if b["place"]:
                geo["place_id"] = self._v2_place(b["place"])["id"]
                includes["places"] = [self._v2_place(b["place"])]
            t["geo"] = geo
        return t, includes

    def _v2_retweet(self, orig: dict[str, Any], orig_inc: dict[str, Any], when: datetime
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
        user = self.rng.choice(self.world.users)
        rid = str(self.world.new_id())
        t = {"id": rid, "text": f"RT @{orig_inc['users'][0]['username']}: {orig['text']}"[:280],
             "edit_history_tweet_ids": [rid], "author_id": user["id_str"], "created_at": format_iso_time(when),
             "lang": orig["lang"], "referenced_tweets": [{"type": "retweeted", "id": orig["id"]}]}
        inc = {"users": [self._v2_user(user)] + orig_inc["users"], "tweets": [orig]}
        if "places" in orig_inc:
            inc["places"] = orig_inc["places"]
        return t, inc

    # -- rendering -----------------------------------------------------------------------------
    def _keynote(self) -> tuple[float, float]:
        """The keynote moment: a few minutes in the middle of the timeline (offsets in seconds)."""
        d = self.opts.duration
        return d * 0.4, d * 0.52

    def records(self) -> Iterator[bytes]:
        """The recording's lines (without newlines), deterministic for the options' seed."""
        o, rng = self.opts, self.rng
        key_start, key_end = self._keynote()
        page_buf: list[tuple[dict[str, Any], dict[str, Any]]] = []
        v2_recent: list[tuple[dict[str, Any], dict[str, Any]]] = []
        bad_at = set(rng.sample(range(o.count), min(o.malformed, o.count))) if o.malformed else set()
        for i in range(o.count):
            offset = o.duration * i / max(o.count, 1) + rng.uniform(0, o.duration / max(o.count, 1))
            when = o.start + timedelta(seconds=offset)
            keynote = key_start <= offset < key_end
            dialect = o.dialect if o.dialect != "mixed" else rng.choices(("v1.1", "v2", "v2-page"), (5, 3, 2))[0]
            if i in bad_at:
                yield self._bad_line(i)
            no_ents = rng.random() < 0.04
            if dialect == "v1.1":
                if self.recent and rng.random() < 0.15:
                    yield orjson.dumps(self._v1_retweet(rng.choice(self.recent), when))
                else:
                    tw = self._v1(self._base(when, keynote), no_ents)
                    self.recent = (self.recent + [tw])[-50:]
                    yield orjson.dumps(tw)
            else:
                if v2_recent and rng.random() < 0.15:
                    t, inc = self._v2_retweet(*rng.choice(v2_recent), when)
                else:
                    t, inc = self._v2(self._base(when, keynote), no_ents)
                    v2_recent = (v2_recent + [(t, inc)])[-50:]
                if dialect == "v2":
                    yield orjson.dumps(_flatten_one(t, inc))
                else:
                    page_buf.append((t, inc))
                    if len(page_buf) >= rng.randrange(1, 6):
                        yield orjson.dumps(_page(page_buf, when))
                        page_buf = []
        if page_buf:
            yield orjson.dumps(_page(page_buf, o.start + timedelta(seconds=o.duration)))

    def _bad_line(self, i: int) -> bytes:
        kind = i % 5
        if kind == 0:
            return b'{"created_at":"Wed Feb 29 19:42:02 +0000 2012","id_str":"1","text":"trunc'
        if kind == 1:
            return b'{"id_str":"2","text":"bad \xff\xfe bytes","user":{}}'
        if kind == 2:
            return orjson.dumps({"delete": {"status": {"id": 3, "id_str": "3", "user_id": 4, "user_id_str": "4"},
                                            "timestamp_ms": "1330000000000"}})
        if kind == 3:
            return orjson.dumps({"limit": {"track": 42 + i, "timestamp_ms": "1330000000000"}})
        return b"this is not json at all"


def _flatten_one(t: dict[str, Any], inc: dict[str, Any]) -> dict[str, Any]:
    from tweetcontract.dialects import flatten_page  # the same inlining replay applies to pages
    return flatten_page({"data": [t], "includes": inc})[0]


def _page(items: list[tuple[dict[str, Any], dict[str, Any]]], when: datetime) -> dict[str, Any]:
    includes: dict[str, dict[str, Any]] = {}
    for _t, inc in items:
        for kind, objs in inc.items():
            bucket = includes.setdefault(kind, {})
            for obj in objs:
                bucket.setdefault(obj.get("id", obj.get("media_key")), obj)
    return {
        "data": [t for t, _ in items],
        "includes": {k: list(v.values()) for k, v in includes.items()},
        "meta": {"result_count": len(items), "newest_id": items[-1][0]["id"], "oldest_id": items[0][0]["id"]},
        "matching_rules": [{"id": "1590000000000000001", "tag": "boston-demo"}],
        "__twarc": {"url": "https://api.twitter.com/2/tweets/search/stream", "version": "2.14.1",
                    "retrieved_at": format_iso_time(when)},
    }


def open_output(path: str) -> BinaryIO:
    """Open ``path`` for writing, gzip when it ends in ``.gz``; ``-`` is stdout."""
    import sys
    if path == "-":
        return sys.stdout.buffer
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if path.endswith(".gz"):
        # mtime=0 keeps the output byte-identical across runs (the committed demo file)
        return gzip.GzipFile(filename="", mode="wb", fileobj=open(path, "wb"), mtime=0)  # noqa: SIM115
    return open(path, "wb")  # noqa: SIM115


def generate(opts: GenOptions, out: BinaryIO) -> int:
    """Write the recording to ``out``; returns the number of lines written."""
    n = 0
    for line in Generator(opts).records():
        out.write(line + b"\n")
        n += 1
    return n
