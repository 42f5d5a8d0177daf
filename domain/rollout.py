"""The orchestrator's decisions, as pure functions: when autoscale is attached, what a rollback does,
and whether an event's version may be deployed at all. The orchestrator reads state, asks these, and
acts on the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.model import ScaleSetSummary
from domain.resource_ids import ImageVersionId
from domain.tags import BG_VERSION, BLUE, get_tag
from domain.versions import compare_versions

# -- autoscale ------------------------------------------------------------------------------------


class AutoscaleAttach(StrEnum):
    """The moment the new scale set gets the active one's autoscale setting."""

    AFTER_UPGRADE = "AfterUpgrade"
    BEFORE_SWAP_ROUTING = "BeforeSwapRouting"
    AFTER_SWAP = "AfterSwap"
    AFTER_DOWNSIZE = "AfterDownsize"


def autoscale_attach_point(*, approval_required: bool, downsize_old_first: bool,
                           downsize_old_vmss: bool, once_serving_prod: bool = False) -> AutoscaleAttach:
    """With `downsizeOldFirst`, only once the old capacity is freed: after Downsize, or after the swap
    when nothing is downsized. Otherwise, from orchestration version 4 (`once_serving_prod`), once the
    new scale set serves prod (after the verified swap): attached while it idles in the stage pool
    without load, its scale-in rules would shrink it under the swap's check. Versions 1 to 3 attached it
    after Upgrade, or with an approval just before the swap's routing (not while the approval waits)."""
    if downsize_old_first:
        return AutoscaleAttach.AFTER_DOWNSIZE if downsize_old_vmss else AutoscaleAttach.AFTER_SWAP
    if once_serving_prod:
        return AutoscaleAttach.AFTER_SWAP
    return AutoscaleAttach.BEFORE_SWAP_ROUTING if approval_required else AutoscaleAttach.AFTER_UPGRADE


# -- rollback -------------------------------------------------------------------------------------


class Done(StrEnum):
    """What a deployment did that a rollback has to undo."""

    NEW_CREATED = "NewCreated"
    OLD_LEFT_PROD = "OldLeftProd"
    OLD_AUTOSCALE_CLEARED = "OldAutoscaleCleared"
    OLD_DOWNSIZED = "OldDownsized"


@dataclass(frozen=True)
class ClearOldAutoscale:
    """Before the old scale set is resized back: its setting (still attached when it left prod without a
    Downsize) would scale it in again while it is restored. Restored with `RestoreOldAutoscale` after."""

    name: str


@dataclass(frozen=True)
class RestoreOldToProd:
    """Back to its pre-deployment capacity (autoscale may have shrunk it out of prod), into the prod
    pool tagged BLUE, and verified healthy there before the new one goes."""

    name: str
    capacity: int


@dataclass(frozen=True)
class TagOldBlue:
    """It never left prod but is not tagged BLUE: only the tag, no model change rolled out."""

    name: str


@dataclass(frozen=True)
class RestoreOldAutoscale:
    pass


@dataclass(frozen=True)
class RetireNew:
    """Out of every pool, scaled to 0, deleted."""

    name: str


RollbackAction = ClearOldAutoscale | RestoreOldToProd | TagOldBlue | RestoreOldAutoscale | RetireNew


def rollback_plan(done: frozenset[Done], old: ScaleSetSummary | None, old_had_autoscale: bool,
                  new_name: str | None, clear_autoscale_first: bool = False) -> list[RollbackAction]:
    """Old back to serving first (so prod is never empty), then the new one out and deleted. Nothing to
    do when the new scale set was never created.

    An old scale set that never left prod is not re-routed: that would also roll out, to every serving
    instance at once, any model change pending on it (one `manualupgrade` of all).
    `clear_autoscale_first` (orchestration version 4): see `restore_old`."""
    if Done.NEW_CREATED not in done:
        return []
    return [*restore_old(done, old, old_had_autoscale, clear_autoscale_first),
            *([RetireNew(new_name)] if new_name is not None else [])]


def restore_old(done: frozenset[Done], old: ScaleSetSummary | None, old_had_autoscale: bool,
                clear_autoscale_first: bool = False) -> list[RollbackAction]:
    """What brings the scale set that served prod before back to serving, as it was: the first part of
    every rollback plan (a deployment's, an undo's). With `clear_autoscale_first`, an old scale set that
    is resized back still has its autoscale setting (it left prod, and Downsize did not clear it yet):
    the setting is cleared before the resize and put back once it serves prod again (CONTRACT §4)."""
    actions: list[RollbackAction] = []
    cleared = Done.OLD_AUTOSCALE_CLEARED in done
    if old is not None and (Done.OLD_LEFT_PROD in done or Done.OLD_DOWNSIZED in done):
        if clear_autoscale_first and old_had_autoscale and not cleared:
            actions.append(ClearOldAutoscale(old.name))
            cleared = True
        actions.append(RestoreOldToProd(old.name, old.capacity))
    elif old is not None and get_tag(old.tags, BG_VERSION) != BLUE:
        actions.append(TagOldBlue(old.name))
    if old is not None and old_had_autoscale and cleared:
        actions.append(RestoreOldAutoscale())
    return actions


# -- event-driven deployments ---------------------------------------------------------------------


def version_order_skip(source_kind: str, offered_image_id: str, active: ScaleSetSummary) -> str | None:
    """Why an event must not deploy `offered_image_id` over `active`, or None when it may.

    An event never deploys an older gallery version over a newer one, nor the version already running
    again (a repeated or late event must not churn out a new revision). An HTTP request may deploy any
    version, an older one included (that is how an operator goes back)."""
    if source_kind != "eventgrid" or not active.image_id:
        return None
    try:
        running, offered = ImageVersionId.parse(active.image_id), ImageVersionId.parse(offered_image_id)
    except ValueError:
        return None  # the running scale set uses a non-gallery image: nothing to compare with
    if running.image_definition_id.lower() != offered.image_definition_id.lower():
        return None
    order = compare_versions(offered.version, running.version)
    if order < 0:
        return f"image version [{offered.version}] is older than version [{running.version}] run by [{active.name}]"
    if order == 0:
        return f"image version [{offered.version}] is already running on [{active.name}]"
    return None


# -- operator actions -----------------------------------------------------------------------------

ABORTED_BY_OPERATOR = "Aborted by operator"


@dataclass(frozen=True)
class Pause:
    """One interval a deployment was held (suspended) by an operator, on the orchestration clock."""

    paused_at: datetime
    resumed_at: datetime


def paused_within(pauses: tuple[Pause, ...], start: datetime, end: datetime) -> timedelta:
    """How long the deployment was held between `start` and `end`: what a deadline set at `start`
    is moved by, so that a pause never fails a step by itself."""
    held = timedelta(0)
    for pause in pauses:
        overlap = min(pause.resumed_at, end) - max(pause.paused_at, start)
        if overlap > timedelta(0):
            held += overlap
    return held


@dataclass(frozen=True)
class ApprovalDecision:
    decision: str  # "approve" or "reject"
    decided_by: str
    comment: str | None


def accepted_approval(data: Any, current_token: str) -> ApprovalDecision | None:
    """The decision an approval event carries, or None when it must be ignored: an event without the
    token of the approval now waiting (raised early, replayed from an old page, or raised through the
    durable API's sendEventPostUri by someone who never saw the token) decides nothing."""
    if not isinstance(data, dict) or data.get("token") != current_token:
        return None
    decision = data.get("decision")
    if decision not in ("approve", "reject"):
        return None
    comment = data.get("comment")
    return ApprovalDecision(decision=decision, decided_by=str(data.get("decidedBy") or "function key"),
                            comment=str(comment) if comment is not None else None)


def downsize_warning(old: ScaleSetSummary, new_name: str, reason: str, *, downsized: bool,
                     autoscale_cleared: bool) -> str:
    """What an operator must know when Downsize could not complete after a verified swap: the new
    version serves prod; what is left undone is named, with what to do about it. `downsized`: the old
    scale set's resize to 0 was accepted (what failed came after it)."""
    if downsized:
        return (f"Downsize did not complete ({reason}) after old Virtual Machine Scale Set [{old.name}] was scaled to "
                f"0: [{new_name}] serves prod, but its autoscale setting may be missing; check it and attach it "
                f"by hand if needed.")
    autoscale = " Its autoscale setting was cleared." if autoscale_cleared else ""
    return (f"Old Virtual Machine Scale Set [{old.name}] is out of prod but could not be downsized ({reason}): it "
            f"may still run up to {old.capacity} instance(s).{autoscale} Scale it to 0 by hand, or leave it for an "
            f"undo; the next deployment's retention handles it too.")
