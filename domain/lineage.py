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
from domain.resource_ids import same_resource
from domain.tags import CREATED, HARNESS_REVISION, format_created, get_tag, parse_created

__all__ = [
    "LineageMember",
    "RetentionPlan",
    "ScaleSetSummary",
    "active_member",
    "in_pool",
    "lineage_members",
    "next_revision",
    "retention_plan",
    "stage_orphans",
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


def in_pool(member: LineageMember, pool_id: str | None) -> bool:
    """Whether the member's model puts its primary IP configuration in backend pool `pool_id`."""
    return bool(pool_id) and any(same_resource(p, pool_id) for p in member.summary.pool_ids)


def active_member(members: Iterable[LineageMember], prod_pool_id: str | None = None) -> LineageMember | None:
    """The member serving prod: the one whose model is in the prod backend pool (the newest by
    Created if, by some accident, several are); when none is (or `prod_pool_id` is not known), the
    newest by Created with capacity > 0 (Harness's rule). Read from Azure, not from the tags: a
    deployment that died leaves its scale set in the stage pool, newer than the one serving."""
    members = list(members)
    serving = [m for m in members if in_pool(m, prod_pool_id)]
    if serving:
        return newest_first(serving)[0]
    running = [m for m in members if m.capacity > 0]
    return newest_first(running)[0] if running else None


def stage_orphans(
    members: Iterable[LineageMember], active: LineageMember | None, stage_pool_id: str, prod_pool_id: str
) -> list[LineageMember]:
    """Members left in the stage pool by a deployment that died (terminated, or its rollback failed),
    newest first: in the stage pool, not in the prod pool, not the active member. At Setup they are
    taken out of the stage pool and scaled to 0 before the new scale set joins it."""
    return [m for m in newest_first(members)
            if in_pool(m, stage_pool_id) and not in_pool(m, prod_pool_id)
            and (active is None or m.name != active.name)]


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
    members: Iterable[LineageMember],
    active: LineageMember | None,
    versions_to_keep: int,
    prod_pool_id: str | None = None,
) -> RetentionPlan:
    """What to do with the lineage at Setup, before the new scale set exists (CONTRACT §4).

    After the deployment the lineage must hold at most `versions_to_keep` scale sets, the new one
    included: the active member, and the newest others in the slots left. A member in the prod pool
    (`prod_pool_id`) is never scaled to 0 or deleted, whatever its rank: it is kept like the active
    one (and takes a slot), because only a verified swap may take a scale set out of prod.
    "Other" members are ranked newest first (Created, then revision).
    """
    if versions_to_keep < 2:
        raise ValueError("versions_to_keep must be at least 2 (the new scale set and the one it replaces)")
    ordered = newest_first(members)
    protected = [m for m in ordered if (active is not None and m.name == active.name) or in_pool(m, prod_pool_id)]
    protected_names = {m.name for m in protected}
    others = [m for m in ordered if m.name not in protected_names]
    slots = max(versions_to_keep - 1 - len(protected), 0)
    kept_others, deleted = others[:slots], others[slots:]
    kept_names = protected_names | {m.name for m in kept_others}
    return RetentionPlan(
        keep=[m.name for m in ordered if m.name in kept_names],
        scale_to_zero=[m.name for m in kept_others if m.capacity > 0],
        delete=[m.name for m in deleted],
    )
