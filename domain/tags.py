"""The tags Harness puts on a lineage's scale sets, kept compatible so its lineages can be taken over.

Azure treats tag names case-insensitively, so every lookup and replacement here does too: a base
scale set tagged `name=web` must not end up with both `name` and `Name`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

from domain.naming import revision_tag

HARNESS_REVISION: Final = "HARNESS_REVISION"
NAME: Final = "Name"
CREATED: Final = "Created"
BG_VERSION: Final = "BG_VERSION"
BLUE: Final = "BLUE"
GREEN: Final = "GREEN"
COLOURS: Final = (BLUE, GREEN)

CREATED_FORMAT: Final = "%Y%m%dT%H%M%SZ"  # yyyyMMddTHHmmssZ, always UTC
# strptime alone would also take "z", "t" and single-digit fields.
_CREATED_SHAPE = re.compile(r"[0-9]{8}T[0-9]{6}Z", re.ASCII)


def format_created(moment: datetime) -> str:
    """`yyyyMMddTHHmmssZ` in UTC. A naive datetime is taken as UTC (the Durable orchestration clock is)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(CREATED_FORMAT)


def parse_created(value: str | None) -> datetime | None:
    """The aware UTC datetime of a `Created` tag, or None when it is missing or not that exact shape."""
    if not isinstance(value, str) or not _CREATED_SHAPE.fullmatch(value):
        return None
    try:
        return datetime.strptime(value, CREATED_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def get_tag(tags: Mapping[str, str] | None, key: str) -> str | None:
    """The value of tag `key`, its name matched case-insensitively (an exact match wins)."""
    if not tags:
        return None
    if key in tags:
        return tags[key]
    folded = key.casefold()
    for name, value in tags.items():
        if name.casefold() == folded:
            return value
    return None


def without_tags(tags: Mapping[str, str] | None, *keys: str) -> dict[str, str]:
    folded = {key.casefold() for key in keys}
    return {name: value for name, value in (tags or {}).items() if name.casefold() not in folded}


def with_tags(tags: Mapping[str, str] | None, updates: Mapping[str, str]) -> dict[str, str]:
    """`tags` with `updates` set, replacing any same-named tag whatever its case."""
    return {**without_tags(tags, *updates), **updates}


def new_scale_set_tags(
    base_tags: Mapping[str, str] | None, infra_id: str, revision: int, name: str, created: datetime
) -> dict[str, str]:
    """Tags of a new lineage member: the base's, minus its identity, plus Harness's (CONTRACT §4)."""
    return with_tags(
        without_tags(base_tags, HARNESS_REVISION, NAME),
        {
            HARNESS_REVISION: revision_tag(infra_id, revision),
            NAME: name,
            CREATED: format_created(created),
            BG_VERSION: GREEN,
        },
    )


def with_bg_version(tags: Mapping[str, str] | None, colour: str) -> dict[str, str]:
    if colour not in COLOURS:
        raise ValueError(f"BG_VERSION must be {BLUE} or {GREEN}, not {colour!r}")
    return with_tags(tags, {BG_VERSION: colour})
