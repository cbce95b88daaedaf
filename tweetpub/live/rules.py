"""Build X API v2 filtered-stream rules from v1.1-style ``track`` phrases and ``locations`` boxes.

Pure logic, no I/O. v1.1 ``statuses/filter`` took a comma list of phrases (a phrase matches when all of
its space-separated terms occur, any order) OR'ed with location boxes. v2 has no such parameters: a rule
is a query string, the stream delivers a tweet when any rule matches. So the v1.1 filter becomes a
disjunction of clauses (one per phrase, one per geo tile) packed into as few rules as the access level
allows. v2 ``bounding_box:`` needs each side under 25 miles, hence the tiling.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from tweetpub.exceptions import RuleLimitError

Box = tuple[float, float, float, float]
"""(west, south, east, north) in degrees, the v1.1 ``locations`` order (SW corner first)."""

EARTH_RADIUS_MILES = 3958.8
"""Mean Earth radius; the ellipsoid differs by < 0.4 %, covered by the safety margin."""

MAX_SIDE_MILES = 25.0
"""X: a ``bounding_box:`` must be under 25 miles wide and high."""

DEFAULT_MARGIN = 0.9
"""Tiles target 90 % of the limit so rounding and X's own distance formula cannot push us over."""

DEFAULT_TAG = "tweetpub:default"
JOINER = " OR "
MAX_PHRASE_BYTES = 60  # v1.1 limit per track phrase


@dataclass(frozen=True)
class AccessLimits:
    """Rule limits of one X API access level."""

    name: str
    max_rule_length: int
    max_rules: int


ACCESS_LEVELS: dict[str, AccessLimits] = {
    # The historical Elevated level (and the first "Basic" tier) had 25 rules of 512 characters.
    "elevated": AccessLimits("elevated", 512, 25),
    "basic": AccessLimits("basic", 512, 25),
    "pro": AccessLimits("pro", 1024, 1000),
    "enterprise": AccessLimits("enterprise", 2048, 2500),
}


@dataclass(frozen=True)
class Rule:
    """One filtered-stream rule as sent to ``POST /2/tweets/search/stream/rules``."""

    value: str
    tag: str


@dataclass(frozen=True)
class RulePlan:
    """The rules for one filter plus what was derived on the way."""

    rules: tuple[Rule, ...]
    keyword_clauses: tuple[str, ...]
    tiles: tuple[Box, ...]
    limits: AccessLimits
    warnings: tuple[str, ...] = field(default=())

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(rule.value for rule in self.rules)


def access_limits(level: str) -> AccessLimits:
    """Look up an access level by name (case-insensitive)."""
    try:
        return ACCESS_LEVELS[level.strip().lower()]
    except KeyError:
        raise RuleLimitError(
            f"unknown access level {level!r} (choose one of: {', '.join(ACCESS_LEVELS)})"
        ) from None


# --------------------------------------------------------------------------------------------- keywords

_PLAIN_TERM = re.compile(r"[#@]?\w+", re.UNICODE)
_RESERVED = {"OR", "AND", "NOT"}


def render_term(term: str) -> str:
    """One v1.1 track term as a v2 rule token.

    v2 tokenizes tweets on punctuation and reads ``-x``, ``x:y``, ``(`` as operators, so a term with
    anything but word characters (after an optional ``#``/``@``) is sent as a quoted exact phrase.
    """
    if _PLAIN_TERM.fullmatch(term) and term.upper() not in _RESERVED:
        return term
    escaped = term.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def keyword_clause(phrase: str) -> str:
    """A v1.1 phrase (terms AND'ed, any order) as a v2 clause; v2's space is AND as well."""
    terms = phrase.split()
    if not terms:
        raise RuleLimitError("empty track phrase")
    if len(phrase.strip().encode("utf-8")) > MAX_PHRASE_BYTES:
        raise RuleLimitError(
            f"track phrase {phrase.strip()!r} is longer than {MAX_PHRASE_BYTES} bytes (the v1.1 limit)"
        )
    rendered = [render_term(term) for term in terms]
    if len(rendered) == 1:
        return rendered[0]
    return "(" + " ".join(rendered) + ")"


# ---------------------------------------------------------------------------------------------- geo


def haversine_miles(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance between two lon/lat points in miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def _widest_latitude(south: float, north: float) -> float:
    """The latitude in [south, north] where a degree of longitude is longest (closest to the equator)."""
    if south <= 0.0 <= north:
        return 0.0
    return south if abs(south) < abs(north) else north


def box_size_miles(box: Box) -> tuple[float, float]:
    """(width, height) of a box in miles, conservatively: the width along its widest parallel.

    Along a parallel the distance is R*cos(lat)*dlon, a little more than the great-circle chord
    between the corners, so the bound holds whatever formula X uses.
    """
    west, south, east, north = box
    height = haversine_miles(west, south, west, north)
    lat = math.radians(_widest_latitude(south, north))
    width = EARTH_RADIUS_MILES * math.cos(lat) * math.radians(east - west)
    return width, height


def validate_box(box: Sequence[float]) -> Box:
    """Check a v1.1 box (SW corner first) and return it as a tuple."""
    if len(box) != 4:
        raise RuleLimitError(f"a location box needs 4 numbers west,south,east,north, got {len(box)}")
    west, south, east, north = (float(v) for v in box)
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise RuleLimitError(f"location box {box!r} has a non-finite coordinate")
    if not (-180.0 <= west < east <= 180.0):
        raise RuleLimitError(
            f"location box {_fmt_box((west, south, east, north))}: need -180 <= west < east <= 180 "
            "(SW corner first; boxes across the antimeridian must be split)"
        )
    if not (-90.0 <= south < north <= 90.0):
        raise RuleLimitError(
            f"location box {_fmt_box((west, south, east, north))}: need -90 <= south < north <= 90"
        )
    return west, south, east, north


def _edges(start: float, stop: float, parts: int) -> list[float]:
    """parts+1 rounded edges; neighbours share the same rounded value, so tiles leave no gaps."""
    step = (stop - start) / parts
    inner = [round(start + i * step, 6) for i in range(1, parts)]
    return [start, *inner, stop]


def tile_box(box: Box, max_side_miles: float = MAX_SIDE_MILES, margin: float = DEFAULT_MARGIN) -> list[Box]:
    """Split a box into a grid of tiles whose sides are at most ``max_side_miles * margin``.

    Rows first (equal latitude bands), then each row into equal columns sized at the row's widest
    parallel, so high-latitude rows get fewer columns. Tiles are ordered south-west to north-east.
    """
    if not 0 < margin <= 1:
        raise ValueError("margin must be in (0, 1]")
    west, south, east, north = validate_box(box)
    target = max_side_miles * margin
    _, height = box_size_miles(box)
    rows = max(1, math.ceil(height / target))
    lat_edges = _edges(south, north, rows)
    tiles: list[Box] = []
    for r in range(rows):
        row_s, row_n = lat_edges[r], lat_edges[r + 1]
        width, _ = box_size_miles((west, row_s, east, row_n))
        cols = max(1, math.ceil(width / target))
        lon_edges = _edges(west, east, cols)
        for c in range(cols):
            tiles.append((lon_edges[c], row_s, lon_edges[c + 1], row_n))
    for tile in tiles:
        w_mi, h_mi = box_size_miles(tile)
        if w_mi >= max_side_miles or h_mi >= max_side_miles:  # pragma: no cover - margin makes it impossible
            raise AssertionError(f"tile {tile} is {w_mi:.2f} x {h_mi:.2f} miles")
    return tiles


def _fmt_coord(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fmt_box(box: Box) -> str:
    return ",".join(_fmt_coord(v) for v in box)


def bounding_box_clause(tile: Box) -> str:
    """``bounding_box:[west south east north]`` for one tile."""
    return "bounding_box:[" + " ".join(_fmt_coord(v) for v in tile) + "]"


# ------------------------------------------------------------------------------------------- packing


def pack_clauses(clauses: Sequence[str], max_length: int) -> list[str]:
    """OR clauses together into as few rule strings of at most ``max_length`` characters as possible.

    First-fit decreasing (within 11/9 of optimal); each rule then lists its clauses in input order so
    the same filter always yields the same rule strings (rule sync relies on that).
    """
    order = {clause: i for i, clause in enumerate(clauses)}
    unique = list(dict.fromkeys(clauses))
    for clause in unique:
        if len(clause) > max_length:
            raise RuleLimitError(
                f"clause {clause[:60]!r} is {len(clause)} characters, over the {max_length}-character rule limit"
            )
    bins: list[list[str]] = []
    lengths: list[int] = []
    for clause in sorted(unique, key=lambda c: (-len(c), order[c])):
        for i, used in enumerate(lengths):
            if used + len(JOINER) + len(clause) <= max_length:
                bins[i].append(clause)
                lengths[i] = used + len(JOINER) + len(clause)
                break
        else:
            bins.append([clause])
            lengths.append(len(clause))
    packed = [sorted(b, key=order.__getitem__) for b in bins]
    packed.sort(key=lambda b: order[b[0]])
    return [JOINER.join(b) for b in packed]


# ------------------------------------------------------------------------------------------ building


def v1_differences(track: Sequence[str], tiles_per_box: Sequence[int], quoted: Sequence[str]) -> list[str]:
    """Human-readable notes on where the v2 rules match differently from v1.1 ``statuses/filter``."""
    notes: list[str] = []
    if tiles_per_box:
        notes.append(
            "v2 bounding_box matches a tweet's exact point, or a place only when the place polygon lies "
            "fully inside the box; v1.1 locations matched any place that overlapped the box, so tweets "
            "tagged with a large place (a city or state around the box) are not delivered"
        )
        if any(n > 1 for n in tiles_per_box):
            notes.append(
                f"boxes were tiled into {sum(tiles_per_box)} bounding_box tiles under {MAX_SIDE_MILES:g} miles "
                "a side; a place polygon straddling a tile border fits no single tile and is missed even "
                "though it lies inside the original box"
            )
        notes.append(
            "v2 geo operators match neither Retweets nor places on the original of a Quote "
            "(v1.1 never matched Retweets by location either: Retweets carry no place)"
        )
    if track:
        notes.append(
            "v2 matches keywords against text tokenized on punctuation and symbols; v1.1 also matched "
            "terms against expanded/display URLs and mention screen names as words, which v2 keywords "
            "do not do the same way (v2 has url: and @ operators), so URL-only matches are missed"
        )
        if quoted:
            notes.append(
                "terms with punctuation were sent as quoted exact phrases, where v1.1 treated punctuation "
                "as part of the term: " + ", ".join(quoted)
            )
    return notes


def build_rules(
    track: Iterable[str | Sequence[str]],
    locations: Iterable[Sequence[float]],
    access_level: str = "pro",
    tag: str = DEFAULT_TAG,
    max_side_miles: float = MAX_SIDE_MILES,
    margin: float = DEFAULT_MARGIN,
) -> RulePlan:
    """The v2 rules equivalent (as far as v2 allows) to v1.1 ``track=...&locations=...``.

    Raises RuleLimitError when the filter cannot fit the access level's rule length/count limits.
    """
    limits = access_limits(access_level)
    if not tag or len(tag) > 128:
        raise RuleLimitError("rule tag must be 1..128 characters")
    # a phrase is "a b" or, as tweetpub.filters.parse_track gives it, ("a", "b")
    phrases = [" ".join(p.split() if isinstance(p, str) else p) for p in track]
    phrases = [p for p in phrases if p]
    keyword_clauses = list(dict.fromkeys(keyword_clause(p) for p in phrases))
    quoted = sorted({t for p in phrases for t in p.split() if render_term(t) != t})
    tiles: list[Box] = []
    tiles_per_box: list[int] = []
    for box in locations:
        box_tiles = tile_box(validate_box(box), max_side_miles, margin)
        tiles.extend(box_tiles)
        tiles_per_box.append(len(box_tiles))
    clauses = keyword_clauses + [bounding_box_clause(t) for t in tiles]
    if not clauses:
        raise RuleLimitError("nothing to stream: give at least one track phrase or location box")
    values = pack_clauses(clauses, limits.max_rule_length)
    if len(values) > limits.max_rules:
        raise RuleLimitError(
            f"the filter needs {len(values)} rules of at most {limits.max_rule_length} characters but "
            f"access level '{limits.name}' allows {limits.max_rules}; track fewer phrases, use smaller "
            "boxes, or a higher access level"
        )
    return RulePlan(
        rules=tuple(Rule(v, tag) for v in values),
        keyword_clauses=tuple(keyword_clauses),
        tiles=tuple(tiles),
        limits=limits,
        warnings=tuple(v1_differences(phrases, tiles_per_box, quoted)),
    )


@dataclass(frozen=True)
class SyncPlan:
    """What rule sync must do against the rules currently on the stream."""

    add: tuple[Rule, ...]
    delete_ids: tuple[str, ...]
    keep: tuple[str, ...]            # ids of our rules already present
    foreign_same_value: tuple[str, ...]  # ids of others' rules with one of our values (X rejects duplicates)
    foreign: tuple[str, ...]         # ids of others' rules, left alone


def plan_sync(wanted: Sequence[Rule], existing: Iterable[dict], tag: str) -> SyncPlan:
    """Diff wanted rules against ``GET .../rules`` data: only rules tagged exactly ``tag`` are ours.

    Our stale rules are deleted, missing ones added; others' rules are never touched. X rejects a rule
    whose value already exists, so a value another client already added counts as present.
    """
    wanted_values = {rule.value for rule in wanted}
    add: list[Rule] = []
    delete: list[str] = []
    keep: list[str] = []
    foreign_same: list[str] = []
    foreign: list[str] = []
    present: set[str] = set()
    for rule in existing:
        rid, value = str(rule.get("id")), rule.get("value", "")
        if rule.get("tag") == tag:
            if value in wanted_values and value not in present:
                keep.append(rid)
                present.add(value)
            else:
                delete.append(rid)
        else:
            foreign.append(rid)
            if value in wanted_values:
                foreign_same.append(rid)
                present.add(value)
    for rule in wanted:
        if rule.value not in present:
            add.append(rule)
            present.add(rule.value)
    return SyncPlan(tuple(add), tuple(delete), tuple(keep), tuple(foreign_same), tuple(foreign))
