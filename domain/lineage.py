"""A lineage: the scale sets of one infrastructure id, which of them serves, and which to retire.

Membership (CONTRACT §4): tag `HARNESS_REVISION` is `<infraId>__N`. The tag *name* is matched
case-insensitively (Azure tag names are); the *value* prefix case-sensitively, as Harness's
`startsWith` did, so lineages Harness created are taken over exactly. A value that starts with the
prefix but whose rest is not a number (`<infraId>__x__3`) belongs to another lineage
(`<infraId>__x`), so it is not a member here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.model import ScaleSetSummary
from domain.naming import parse_revision
from domain.tags import CREATED, HARNESS_REVISION, format_created, get_tag, parse_created

__all__ = [
    "LineageMember",
    "RetentionPlan",
    "ScaleSetSummary",
    "active_member",
    "lineage_members",
    "next_revision",
    "retention_plan",
]

_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LineageMember:
    summary: ScaleSetSummary
    revision: int
    created: datetime | None  # from the Created tag; None when missing or malformed

    @property
    def name(self) -> str:
        return self.summary.name

    @property
    def capacity(self) -> int:
        return self.summary.capacity

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary.to_json(),
            "revision": self.revision,
            "created": format_created(self.created) if self.created else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineageMember:
        return cls(
            summary=ScaleSetSummary.from_json(data["summary"]),
            revision=int(data["revision"]),
            created=parse_created(data.get("created")),
        )


def _newest_first_key(member: LineageMember) -> tuple[datetime, int, str]:
    """Newer Created first; a missing Created counts as oldest; ties go to the higher revision,
    then the name, so the order never depends on the order Azure listed them in."""
    return (member.created or _OLDEST, member.revision, member.name)


def newest_first(members: Iterable[LineageMember]) -> list[LineageMember]:
    return sorted(members, key=_newest_first_key, reverse=True)


def lineage_members(scale_sets: Iterable[ScaleSetSummary], infra_id: str) -> list[LineageMember]:
    """The members of lineage `infra_id` among `scale_sets`, newest first."""
    members = []
    for scale_set in scale_sets:
        revision = parse_revision(get_tag(scale_set.tags, HARNESS_REVISION), infra_id)
        if revision is not None:
            created = parse_created(get_tag(scale_set.tags, CREATED))
            members.append(LineageMember(summary=scale_set, revision=revision, created=created))
    return newest_first(members)


def active_member(members: Iterable[LineageMember]) -> LineageMember | None:
    """The newest member (by Created) with capacity > 0: the one serving prod."""
    running = [m for m in members if m.capacity > 0]
    return newest_first(running)[0] if running else None


def next_revision(members: Iterable[LineageMember]) -> int:
    return max((m.revision for m in members), default=0) + 1


@dataclass(frozen=True)
class RetentionPlan:
    """Names of lineage members, each in exactly one list. Newest first in every list."""

    keep: list[str] = field(default_factory=list)
    # Kept but inactive and still sized: the caller clears their autoscale and scales them to 0.
    scale_to_zero: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, list[str]]:
        return {"keep": list(self.keep), "scaleToZero": list(self.scale_to_zero), "delete": list(self.delete)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RetentionPlan:
        return cls(
            keep=list(data.get("keep", [])),
            scale_to_zero=list(data.get("scaleToZero", [])),
            delete=list(data.get("delete", [])),
        )


def retention_plan(
    members: Iterable[LineageMember], active: LineageMember | None, versions_to_keep: int
) -> RetentionPlan:
    """What to do with the lineage at Setup, before the new scale set exists (CONTRACT §4).

    After the deployment the lineage must hold at most `versions_to_keep` scale sets, the new one
    included. With an active member that is the new one, the active one and `versions_to_keep - 2`
    others. With no active member nothing is being replaced, so `versions_to_keep - 1` others stay.
    "Other" members are ranked newest first (Created, then revision).
    """
    if versions_to_keep < 2:
        raise ValueError("versions_to_keep must be at least 2 (the new scale set and the one it replaces)")
    ordered = newest_first(members)
    others = [m for m in ordered if active is None or m.name != active.name]
    slots = versions_to_keep - 2 if active is not None else versions_to_keep - 1
    kept_others, deleted = others[:slots], others[slots:]
    keep = [m.name for m in ordered if (active is not None and m.name == active.name) or m in kept_others]
    return RetentionPlan(
        keep=keep,
        scale_to_zero=[m.name for m in kept_others if m.capacity > 0],
        delete=[m.name for m in deleted],
    )
