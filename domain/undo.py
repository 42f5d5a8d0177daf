"""Undo (CONTRACT §5 `POST /api/deployments/{id}/undo`): when a finished deployment may be undone, what
the undo deploys with, and what its rollback does. Pure decisions; the trigger and the undo
orchestrator read state, ask these, and act.

An undo brings the scale set a deployment replaced (the "revived" one) back to the capacity and
autoscale it had before that deployment, swaps it into prod with the same verified swap, and downsizes
the scale set it undoes. It is a deployment of its own (kind `undo`): it takes the target's lock,
appears in the list, and when it fails, its rollback leaves the undone scale set serving.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain import steps as S
from domain.lineage import LineageMember
from domain.model import ScaleSetSummary
from domain.rollout import Done, RollbackAction, restore_old
from domain.steps import DeploymentStatus
from domain.view import DeploymentView

SKIPPED_PHASE = "Skipped"
_NEVER = datetime.min.replace(tzinfo=UTC)
# Setup: check Azure still matches; Upgrade: the revived scale set into the stage pool at its old size,
# steady; Swap: the verified swap; Downsize: the undone one. `plan_steps(undo_spec(...))` gives these.
UNDO_STEPS = (S.SETUP, S.UPGRADE, S.SWAP, S.DOWNSIZE)


def same_target(a: DeploymentView, b: DeploymentView) -> bool:
    def key(view: DeploymentView) -> tuple[str, str, str]:
        return ((view.subscription_id or "").lower(), (view.resource_group or "").lower(),
                (view.infrastructure_id or "").lower())

    return key(a) == key(b)


def _created(view: DeploymentView) -> datetime:
    return view.created_at or _NEVER


def changed_prod(view: DeploymentView) -> bool:
    """A deployment that left a new scale set serving prod. A rolled-back or failed one left (or put
    back) what was there; a skipped one deployed nothing."""
    return view.status == DeploymentStatus.SUCCEEDED and view.phase != SKIPPED_PHASE


def undo_refusal(candidate: DeploymentView, deployments: Iterable[DeploymentView]) -> str | None:
    """Why `candidate` cannot be undone from what the deployment records say, or None.
    `deployments`: every deployment known (any target; the candidate may be among them)."""
    name = candidate.id
    if candidate.kind == "undo":
        return f"Deployment [{name}] is itself an undo; deploy the version you want instead"
    if candidate.status != DeploymentStatus.SUCCEEDED:
        return f"Deployment [{name}] is {candidate.status}, not Succeeded: only a succeeded deployment can be undone"
    if candidate.phase == SKIPPED_PHASE:
        return f"Deployment [{name}] was skipped: it deployed nothing to undo"
    if candidate.replaced is None or not candidate.old_vmss:
        return (f"Deployment [{name}] replaced no scale set (it was the first of its lineage, or it ran before "
                f"deployments recorded what they replaced)")
    later = [view for view in deployments
             if view.id != candidate.id and same_target(view, candidate) and changed_prod(view)
             and _created(view) > _created(candidate)]
    if later:
        newest = max(later, key=_created)
        return (f"Deployment [{name}] is not the latest of its target: [{newest.id}] "
                f"({newest.kind}, {newest.new_vmss}) succeeded after it")
    return None


def missing_scale_set_refusal(candidate: DeploymentView) -> str:
    return (f"The scale set [{candidate.old_vmss}] that deployment [{candidate.id}] replaced no longer exists "
            f"(retention or an operator deleted it): there is nothing to go back to")


def undo_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """What the undo deploys with: the undone deployment's target, timeouts and notifications, with no
    approval and no scale-down delay (an operator asked for it now), and the undone scale set downsized."""
    spec = {key: value for key, value in spec.items() if key not in ("approval", "scaleDownDelaySeconds")}
    spec["downsizeOldVmss"] = True
    return spec


def revival_problem(members: Iterable[LineageMember], active: LineageMember | None, undone: str,
                    revived: str) -> str | None:
    """At the undo's start, from Azure's state: the undone scale set must still be what serves prod
    and the revived one must still exist in the lineage, else nothing is changed."""
    names = {member.name.lower() for member in members}
    if revived.lower() not in names:
        return f"The scale set [{revived}] to go back to no longer exists in the lineage"
    if active is None or active.name.lower() != undone.lower():
        serving = active.name if active else "none"
        return f"The scale set [{undone}] to undo is no longer the active one (active: {serving})"
    return None


@dataclass(frozen=True)
class ParkRevived:
    """The revived scale set back to how the undo found it: autoscale cleared, out of every pool, tagged
    GREEN, capacity 0. Never deleted: it is still the lineage's previous version."""

    name: str


UndoRollbackAction = RollbackAction | ParkRevived


def undo_rollback_plan(done: frozenset[Done], undone: ScaleSetSummary | None, undone_had_autoscale: bool,
                       revived: str | None, clear_autoscale_first: bool = False) -> list[UndoRollbackAction]:
    """The undone scale set keeps (or gets back) prod first, so prod is never empty; then the revived
    one is parked. `Done.NEW_CREATED` marks that the undo has touched the revived scale set."""
    if Done.NEW_CREATED not in done:
        return []
    return [*restore_old(done, undone, undone_had_autoscale, clear_autoscale_first),
            *([ParkRevived(revived)] if revived is not None else [])]
