"""Ordering of Compute Gallery image versions (`major.minor.patch`, each a 32-bit integer)."""

from __future__ import annotations

import re

# Azure parses each part as an integer, so leading zeros are tolerated ("1.04.0" is 1.4.0).
_VERSION = re.compile(r"([0-9]{1,10})\.([0-9]{1,10})\.([0-9]{1,10})", re.ASCII)
_MAX_PART = 2**31 - 1

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """`"1.4.0"` -> `(1, 4, 0)`. Accepts a version resource id too (its last segment)."""
    if not isinstance(text, str):
        raise ValueError(f"image version must be a string, got {type(text).__name__}")
    candidate = text.rstrip("/").rsplit("/", 1)[-1] if "/" in text else text
    match = _VERSION.fullmatch(candidate)
    if not match:
        raise ValueError(f"image version {text!r} is not major.minor.patch")
    parts = tuple(int(part) for part in match.groups())
    if any(part > _MAX_PART for part in parts):
        raise ValueError(f"image version {text!r} has a part above {_MAX_PART}")
    return parts  # type: ignore[return-value]


def is_valid_version(text: object) -> bool:
    try:
        parse_version(text)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as `a` is older than, the same as, or newer than `b`."""
    left, right = parse_version(a), parse_version(b)
    return (left > right) - (left < right)
