"""Pure tests: v1.1 track/locations -> v2 rules (keywords, tiling, packing, sync planning)."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tweetcontract.defaults import BOSTON_BOX, TRACK_WORDS
from tweetpub.exceptions import UsageError
from tweetpub.filters import parse_track
from tweetpub.live.rules import (
    ACCESS_LEVELS, JOINER, Rule, RuleLimitError, bounding_box_clause, build_rules, keyword_clause,
    pack_clauses, plan_sync, render_term, tile_box,
)

BBOX = re.compile(r"bounding_box:\[(\S+) (\S+) (\S+) (\S+)\]")


def gc_miles(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Independent great-circle distance (spherical law of cosines, WGS84 equatorial radius: larger)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 3963.19 * math.acos(max(-1.0, min(1.0, c)))


def sides(tile: tuple[float, float, float, float]) -> tuple[float, float]:
    """Longest edge width (south or north edge, or along the equator if it crosses it) and height."""
    w, s, e, n = tile
    widths = [gc_miles(w, lat, e, lat) for lat in (s, n)]
    if s < 0 < n:
        widths.append(gc_miles(w, 0, e, 0))
    return max(widths), gc_miles(w, s, w, n)


def clauses_of(rules) -> list[str]:
    out = []
    for r in rules:
        out += r.value.split(JOINER)
    return out


# ------------------------------------------------------------------------------------------- defaults


def test_boston_default_filter_fits_elevated_and_covers_everything() -> None:
    plan = build_rules(TRACK_WORDS, [BOSTON_BOX], access_level="elevated", tag="tweetpub:t1")
    assert 1 < len(plan.rules) <= 25
    assert all(len(r.value) <= 512 and r.tag == "tweetpub:t1" for r in plan.rules)
    clauses = clauses_of(plan.rules)
    assert sorted(c for c in clauses if not c.startswith("bounding_box")) == sorted(TRACK_WORDS)
    boxes = [tuple(map(float, BBOX.fullmatch(c).groups())) for c in clauses if c.startswith("bounding_box")]
    assert len(boxes) == len(plan.tiles) == 9  # 49.7 x 63.4 miles -> 3 x 3 tiles under 22.5 miles
    for box in boxes:
        width, height = sides(box)
        assert width < 25 and height < 25, box
    # the tiles cover the box exactly: same outer edges, and their areas add up
    assert min(b[0] for b in boxes) == BOSTON_BOX[0] and max(b[2] for b in boxes) == BOSTON_BOX[2]
    assert min(b[1] for b in boxes) == BOSTON_BOX[1] and max(b[3] for b in boxes) == BOSTON_BOX[3]
    area = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes)
    assert area == pytest.approx((BOSTON_BOX[2] - BOSTON_BOX[0]) * (BOSTON_BOX[3] - BOSTON_BOX[1]), rel=1e-9)


def test_pro_packs_the_default_filter_into_one_rule() -> None:
    plan = build_rules(TRACK_WORDS, [BOSTON_BOX], access_level="pro")
    assert len(plan.rules) == 1 and len(plan.rules[0].value) <= 1024
    assert plan.rules[0].value.startswith("openstack OR kubernetes OR k8s")


def test_same_input_same_rules() -> None:
    a = build_rules(TRACK_WORDS, [BOSTON_BOX], access_level="elevated")
    b = build_rules(list(TRACK_WORDS), [list(BOSTON_BOX)], access_level="ELEVATED")
    assert a.values == b.values


def test_parse_track_tuples_are_accepted() -> None:
    plan = build_rules(parse_track("hybrid cloud,docker"), [])
    assert plan.values == ("(hybrid cloud) OR docker",)


# ------------------------------------------------------------------------------------------- keywords


@pytest.mark.parametrize("phrase, clause", [
    ("python", "python"),
    ("hybrid cloud", "(hybrid cloud)"),           # v1.1 AND, any order == v2 space AND
    ("  spaced   out ", "(spaced out)"),
    ("#openstack", "#openstack"),
    ("@mirantis", "@mirantis"),
    ("coca-cola", '"coca-cola"'),                 # v2 tokenizes on punctuation: exact phrase
    ("hello.", '"hello."'),
    ("-docker", '"-docker"'),                     # would be a negation in v2
    ("url:x", '"url:x"'),                         # would be an operator in v2
    ("OR", '"OR"'),
    ('say "hi"', '(say "\\"hi\\"")'),
    ("touché", "touché"),
])
def test_keyword_clause(phrase: str, clause: str) -> None:
    assert keyword_clause(phrase) == clause


def test_phrase_over_60_bytes_is_refused() -> None:
    with pytest.raises(RuleLimitError, match="60 bytes"):
        build_rules(["é" * 31], [])


def test_quoted_terms_are_listed_in_the_warnings() -> None:
    plan = build_rules(["coca-cola", "python"], [])
    assert any("coca-cola" in w and "quoted" in w for w in plan.warnings)
    assert render_term("python") == "python"


def test_geo_warnings_name_containment_and_tiling() -> None:
    plan = build_rules([], [BOSTON_BOX])
    text = " ".join(plan.warnings)
    assert "fully inside" in text and "overlap" in text
    assert "9 bounding_box tiles" in text
    assert "Retweets" in text
    assert not any("tokenized" in w for w in plan.warnings)


# ---------------------------------------------------------------------------------------------- tiles


def test_small_box_is_one_tile_and_formatted_compactly() -> None:
    box = (-71.1, 42.3, -71.0, 42.4)
    assert tile_box(box) == [box]
    assert bounding_box_clause(box) == "bounding_box:[-71.1 42.3 -71 42.4]"


def test_high_latitude_rows_get_fewer_columns() -> None:
    tiles = tile_box((10.0, 60.0, 12.0, 70.0))
    rows: dict[float, int] = {}
    for t in tiles:
        rows[t[1]] = rows.get(t[1], 0) + 1
    counts = [rows[k] for k in sorted(rows)]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


@settings(max_examples=60, deadline=None)
@given(
    west=st.floats(-179.0, 170.0), south=st.floats(-80.0, 75.0),
    width=st.floats(0.001, 6.0), height=st.floats(0.001, 4.0),
)
def test_tiles_are_under_25_miles_and_tile_the_box(west: float, south: float, width: float, height: float) -> None:
    box = (west, south, min(west + width, 180.0), min(south + height, 85.0))
    tiles = tile_box(box)
    for t in tiles:
        w_mi, h_mi = sides(t)
        assert w_mi < 25.0 and h_mi < 25.0, (t, w_mi, h_mi)
        assert t[0] < t[2] and t[1] < t[3]
    # rows are contiguous bands; within a row, columns are contiguous from west to east
    bands = sorted({(t[1], t[3]) for t in tiles})
    assert bands[0][0] == box[1] and bands[-1][1] == box[3]
    assert all(a[1] == b[0] for a, b in zip(bands, bands[1:]))
    for s, n in bands:
        row = sorted((t for t in tiles if (t[1], t[3]) == (s, n)), key=lambda t: t[0])
        assert row[0][0] == box[0] and row[-1][2] == box[2]
        assert all(a[2] == b[0] for a, b in zip(row, row[1:]))


@pytest.mark.parametrize("box", [
    (-70.0, 42.0, -71.0, 43.0),     # west > east (NE corner first)
    (-71.0, 43.0, -70.0, 42.0),     # south > north
    (-181.0, 0.0, -179.0, 1.0),     # out of range
    (170.0, 0.0, -170.0, 1.0),      # across the antimeridian
    (0.0, 0.0, float("nan"), 1.0),
])
def test_bad_boxes_are_refused(box) -> None:
    with pytest.raises(RuleLimitError):
        build_rules([], [box])


def test_rule_limit_error_is_a_usage_error() -> None:
    assert issubclass(RuleLimitError, UsageError)


# -------------------------------------------------------------------------------------------- packing


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text("abcdefgh", min_size=1, max_size=40), min_size=1, max_size=60, unique=True),
       st.integers(40, 200))
def test_packing_keeps_every_clause_once_within_the_length(clauses: list[str], limit: int) -> None:
    rules = pack_clauses(clauses, limit)
    assert all(len(r) <= limit for r in rules)
    packed = [c for r in rules for c in r.split(JOINER)]
    assert sorted(packed) == sorted(clauses)
    # never worse than one rule per clause, and never below the total-length bound
    total = sum(len(c) for c in clauses) + len(JOINER) * (len(clauses) - len(rules))
    assert math.ceil(total / limit) <= len(rules) <= len(clauses)
    assert pack_clauses(clauses, limit) == rules  # deterministic


def test_a_clause_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(RuleLimitError, match="over the 10-character rule limit"):
        pack_clauses(["short", "much-too-long-clause"], 10)


def test_too_many_rules_for_the_level_is_a_clear_error() -> None:
    boxes = [(-100.0 + i, 40.0, -99.0 + i, 41.0) for i in range(40)]  # ~ 40 x (3x3) tiles
    with pytest.raises(RuleLimitError) as err:
        build_rules([], boxes, access_level="elevated")
    msg = str(err.value)
    assert "access level 'elevated' allows 25" in msg and "\n" not in msg
    plan = build_rules([], boxes, access_level="enterprise")  # fits a bigger level
    assert len(plan.rules) <= ACCESS_LEVELS["enterprise"].max_rules


def test_unknown_access_level_and_empty_filter() -> None:
    with pytest.raises(RuleLimitError, match="unknown access level"):
        build_rules(["x"], [], access_level="gold")
    with pytest.raises(RuleLimitError, match="nothing to stream"):
        build_rules([" ", ""], [])


# ----------------------------------------------------------------------------------------------- sync


def test_plan_sync_touches_only_our_tag() -> None:
    tag = "tweetpub:me"
    wanted = [Rule("a OR b", tag), Rule("c", tag), Rule("shared", tag)]
    existing = [
        {"id": "1", "value": "a OR b", "tag": tag},          # ours, still wanted: keep
        {"id": "2", "value": "old rule", "tag": tag},        # ours, stale: delete
        {"id": "3", "value": "a OR b", "tag": tag},          # ours, duplicate of a kept one: delete
        {"id": "4", "value": "theirs", "tag": "other"},      # foreign: untouched
        {"id": "5", "value": "shared"},                      # foreign with our value: shared, not re-added
        {"id": "6", "value": "old rule", "tag": "tweetpub:someone-else"},
    ]
    plan = plan_sync(wanted, existing, tag)
    assert plan.keep == ("1",)
    assert plan.delete_ids == ("2", "3")
    assert plan.add == (Rule("c", tag),)
    assert plan.foreign == ("4", "5", "6")
    assert plan.foreign_same_value == ("5",)


def test_plan_sync_is_a_no_op_when_in_sync() -> None:
    wanted = [Rule("x", "t")]
    plan = plan_sync(wanted, [{"id": "9", "value": "x", "tag": "t"}], "t")
    assert plan.add == () and plan.delete_ids == () and plan.keep == ("9",)
