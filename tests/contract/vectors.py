"""The shared hashtag vectors (tests/vectors), loaded the same way by the Python and the Spark SQL tests.

``hashtags.json`` holds vectors as they are; ``hashtags_long.json`` holds hostile ones too big to write
out, each with a ``text`` given as ``[piece, repeat]`` pairs that is expanded into the dialect's text field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DIR = Path(__file__).resolve().parents[1] / "vectors"


def _read(name: str) -> list[dict[str, Any]]:
    return json.loads((DIR / name).read_text(encoding="utf-8"))


def plain_vectors() -> list[dict[str, Any]]:
    """``tests/vectors/hashtags.json``."""
    return _read("hashtags.json")


def long_vectors() -> list[dict[str, Any]]:
    """``tests/vectors/hashtags_long.json`` with each ``text`` expanded into its tweet."""
    out = []
    for v in _read("hashtags_long.json"):
        text = "".join(piece * count for piece, count in v["text"])
        tweet = json.loads(json.dumps(v["tweet"]))
        if v["dialect"] == "bluesky":
            tweet["commit"]["record"]["text"] = text
        else:
            tweet["text"] = text
        out.append({"name": v["name"], "dialect": v["dialect"], "tweet": tweet, "hashtags": v["hashtags"]})
    return out


def all_vectors() -> list[dict[str, Any]]:
    """Every shared vector."""
    return plain_vectors() + long_vectors()
