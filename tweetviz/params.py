"""Validation of query parameters (pure): every mistake becomes a ValidationError (HTTP 400)."""

from __future__ import annotations

import unicodedata
from typing import Iterable, Mapping, Sequence

from .config import WINDOWS_MINUTES
from .data import normalize_tag
from .exceptions import ValidationError

MAX_N = 200
MAX_TAGS = 10
MAX_TAG_CHARS = 100


def check_names(args: Mapping[str, Sequence[str]], allowed: Iterable[str]) -> None:
    """Reject unknown and repeated parameters (a typo should not silently use a default)."""
    allowed = set(allowed)
    for name, values in args.items():
        if name not in allowed:
            raise ValidationError(f"unknown parameter {name!r}; allowed: {', '.join(sorted(allowed))}")
        if len(values) > 1:
            raise ValidationError(f"parameter {name!r} given more than once")


def window(value: str | None, default: int = 5) -> int:
    """Window length in minutes: one of 1, 5, 15, 60."""
    chosen = _minutes_choice("window", value, WINDOWS_MINUTES, default)
    assert chosen is not None  # default is an int
    return chosen


def count(value: str | None, default: int = 20) -> int:
    """Number of hashtags, 1..200."""
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_N:
        raise ValidationError(f"n must be an integer from 1 to {MAX_N}, got {value[:20]!r}")
    return int(value)


def flag(value: str | None, name: str, default: bool = False) -> bool:
    """A boolean: true/false (also 1/0)."""
    if value is None:
        return default
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValidationError(f"{name} must be true or false, got {value[:20]!r}")


def tags(value: str | None) -> list[str]:
    """Comma-separated hashtags (with or without '#'), 1..10, as normalized keys."""
    if value is None or not value.strip():
        raise ValidationError("tags is required: a comma-separated list of 1 to 10 hashtags")
    keys: list[str] = []
    for raw in value.split(","):
        if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in raw):
            raise ValidationError("tags must not contain control characters")
        key = normalize_tag(raw)
        if not key:
            raise ValidationError("tags must not contain empty items")
        if len(key) > MAX_TAG_CHARS:
            raise ValidationError(f"each tag must be at most {MAX_TAG_CHARS} characters")
        if key not in keys:
            keys.append(key)
    if len(keys) > MAX_TAGS:
        raise ValidationError(f"at most {MAX_TAGS} tags, got {len(keys)}")
    return keys


def range_minutes(value: str | None, offered: tuple[int, ...], default: int | None = None) -> int | None:
    """Minutes of history for a series or a tag's panel: one of the ranges this server offers."""
    return _minutes_choice("range", value, offered, default)


def _minutes_choice(name: str, value: str | None, offered: tuple[int, ...], default: int | None) -> int | None:
    """``value`` as one of the ``offered`` minutes, ``default`` when absent; a ValidationError otherwise."""
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or int(value) not in offered:
        choices = ", ".join(map(str, offered))
        raise ValidationError(f"{name} must be one of {choices} (minutes), got {value[:20]!r}")
    return int(value)


def tag(value: str | None) -> str:
    """Exactly one hashtag (with or without '#') as its normalized key."""
    keys = tags(value)
    if len(keys) != 1:
        raise ValidationError("tag must be one hashtag")
    return keys[0]


def export_format(value: str | None) -> str:
    """``csv`` or ``json``."""
    if value is None:
        return "json"
    if value not in ("csv", "json"):
        raise ValidationError(f"format must be csv or json, got {value[:20]!r}")
    return value
