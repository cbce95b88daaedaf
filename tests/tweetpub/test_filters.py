"""The v1.1 track/locations conformance table (tests/vectors/track_filter.json) and option parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tweetcontract.defaults import BOSTON_BOX, DEFAULT_LOCATIONS, DEFAULT_TRACK, TRACK_WORDS
from tweetpub.exceptions import UsageError
from tweetpub.filters import TweetFilter, parse_locations, parse_track

TABLE = json.loads((Path(__file__).parents[1] / "vectors" / "track_filter.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("row", TABLE, ids=[r["name"] for r in TABLE])
def test_conformance(row: dict) -> None:
    flt = TweetFilter(parse_track(row["track"]), parse_locations([row["locations"]]))
    assert flt.match(row["tweet"], row["dialect"]) is row["match"]


def test_table_has_both_outcomes_and_dialects() -> None:
    assert {r["match"] for r in TABLE} == {True, False}
    assert {r["dialect"] for r in TABLE} == {"v1.1", "v2"}
    assert len(TABLE) >= 40


def test_parse_track() -> None:
    assert parse_track("a b, C ,,") == [("a", "b"), ("c",)]
    assert len(parse_track(DEFAULT_TRACK)) == len(TRACK_WORDS) == 23
    with pytest.raises(UsageError):
        parse_track("x" * 61)


def test_parse_locations() -> None:
    assert parse_locations([DEFAULT_LOCATIONS]) == [BOSTON_BOX]
    assert len(parse_locations(["1,2,3,4,5,6,7,8"])) == 2
    assert parse_locations(["1,2,3,4", "5,6,7,8"]) == [(1, 2, 3, 4), (5, 6, 7, 8)]
    for bad in ("1,2,3", "a,b,c,d", "3,2,1,4", "0,0,200,1", "1,5,2,4"):
        with pytest.raises(UsageError):
            parse_locations([bad])


def test_empty_filter_matches_nothing() -> None:
    assert not TweetFilter([], []).match({"text": "python", "id_str": "1"}, "v1.1")
