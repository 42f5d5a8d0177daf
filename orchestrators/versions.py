"""The orchestration versions of `bluegreen_deployment` this app still runs, and what differs between them.

Durable Functions stamps each new instance with host.json's `extensions.durableTask.defaultVersion`
and the instance keeps it for life (`context.version`). Replaying an instance on code whose steps
differ from the ones it recorded fails it (a nondeterminism error), so a change to the order or the
set of steps, or to what a step yields, ships as a new version: a new entry here, host.json's
`defaultVersion` set to it, and the older entries kept for as long as instances of them may exist
(docs/deploy-to-azure.md, "Shipping an orchestrator change"). Each entry has a recorded history that
tests/orchestrators/test_versions.py replays on today's code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain import steps as S
from domain.spec import DeploymentSpec
from domain.steps import plan_steps


@dataclass(frozen=True)
class FlowVersion:
    """What an instance of one orchestration version runs."""

    plan: Callable[[DeploymentSpec], list[str]]  # its steps, in order: each a key of `step_table()`
    wait_version: str  # the explicit version of the steady_state_wait sub-orchestrations it starts
    # Version 3: every awaited task raced with the operator's `abort` and `resumed` events, deadlines judged
    # after a zero-length timer and moved by pauses, approvals that need the token drawn for them, and an
    # abort (not the `rollback` event) ending the scale-down delay. Versions 1 and 2 keep the approval
    # without a token and the scale-down delay's `rollback` event (triggers/deployments.py raises them).
    operator_actions: bool = False
    # Version 3 too: once the new scale set serves prod (verified) and the old one has left it, a Downsize
    # that cannot complete leaves the new version serving, Succeeded with a warning, instead of swapping
    # back (versions 1 and 2 rolled back: their histories go on scheduling the rollback's activities).
    downsize_failure_warns: bool = False
    # Version 3 too: Azure's throttling (429) and "another operation is in progress" (409) are answered by
    # the activities with a busy marker (their input carries BUSY_OK_KEY), which a step waits out with a
    # durable timer and retries until its deadline; the steady-state wait's polls likewise (wait version 2).
    # Versions 1 and 2 never ask for the marker: such an answer fails their activity as it always did.
    rides_out_busy_azure: bool = False
    # Version 4: validation reads the base from one list of the resource group's scale sets and answers the
    # lineage from it, so Setup schedules no `inspect_lineage` unless it waited for the image meanwhile.
    lineage_read_at_validation: bool = False
    # Version 4: under upgrade policy Automatic or Rolling, Azure (not a manual upgrade) brings instances to a
    # route's new model, Rolling batch by batch, and an instance changes pools only once it is there. After a
    # route that says so (`platform_upgrades`) the step waits, as the new scale set's way into prod always
    # did, until every instance runs the latest model: the old scale set's exit from prod (before Downsize
    # scales it in), the undo's revived scale set into the stage pool and its parking. Versions 1 to 3 went on
    # at once (their histories have no such wait).
    waits_platform_upgrades: bool = False
    # Version 4 too: a rollback that resizes the old scale set back clears its autoscale setting first (when
    # Downsize had not cleared it yet: it left prod with the setting attached, which would scale it in again)
    # and restores it once the old scale set serves prod. Versions 1 to 3 resized it with the setting on.
    rollback_clears_old_autoscale: bool = False
    # Version 4 too: the new scale set's autoscale setting is attached once it serves prod (after the verified
    # swap), never while it idles in the stage pool. Versions 1 to 3 attached it after Upgrade (with an
    # approval: just before the swap's routing).
    autoscale_once_serving_prod: bool = False
    # Version 4: activities never wait for Azure's long-running operations. A write activity starts its
    # operation and answers at once with a pending-operation marker (its input carries
    # FOLLOWS_OPERATIONS_KEY); the step follows the operation with durable timers and `read_operation`
    # (one status read each), then calls the activity again where it has more to do. A scale-out is followed
    # too (version 3 did not wait for it: an operation that ended Failed went unnoticed). Versions 1 to 3
    # never ask: their activities wait for the operations as they always did.
    follows_operations: bool = False


def rescale_as_its_own_step(spec: DeploymentSpec) -> list[str]:
    """Version 2: after an approval, bringing the new scale set back to its tested size is a step of
    its own instead of the start of Swap. The approval may wait hours, and whatever shrank the idle scale
    set meanwhile is undone and waited out before anything touches prod: version 1 showed that wait as
    `Swap` Running (and a timeout there as a failed Swap) while prod was not touched at all."""
    steps = plan_steps(spec)
    if S.APPROVAL in steps:
        steps.insert(steps.index(S.APPROVAL) + 1, S.RESCALE)
    return steps


VERSION_1 = FlowVersion(plan=plan_steps, wait_version="1")
VERSION_2 = FlowVersion(plan=rescale_as_its_own_step, wait_version="1")
VERSION_3 = FlowVersion(plan=rescale_as_its_own_step, wait_version="2", operator_actions=True,
                        downsize_failure_warns=True, rides_out_busy_azure=True)
# Version 4: its steady-state waits (wait version 3) poll every pollIntervalSeconds, slower only when
# Compute's read budget for the scale set runs low.
VERSION_4 = FlowVersion(plan=rescale_as_its_own_step, wait_version="3", operator_actions=True,
                        downsize_failure_warns=True, rides_out_busy_azure=True, lineage_read_at_validation=True,
                        waits_platform_upgrades=True, rollback_clears_old_autoscale=True,
                        autoscale_once_serving_prod=True, follows_operations=True)

# Keys are `context.version`: None is an instance started before host.json had a defaultVersion
# (the flow of version 1). The newest key is host.json's defaultVersion (tests/orchestrators/test_versions.py).
FLOWS: dict[str | None, FlowVersion] = {
    None: VERSION_1,
    "1": VERSION_1,
    "2": VERSION_2,
    "3": VERSION_3,
    "4": VERSION_4,
}

# The steady_state_wait's own versions (its `context.version`, the `wait_version` above): from "2" on a
# poll timer is raced with the operator's `abort` event; None and "1" only sleep. From "3" on the interval
# between polls adapts (domain.steady_state.next_poll_seconds); before, it is pollIntervalSeconds.
WAIT_VERSIONS: tuple[str | None, ...] = (None, "1", "2", "3")
ABORTABLE_WAIT_VERSIONS: frozenset[str | None] = frozenset({"2", "3"})
PACED_WAIT_VERSIONS: frozenset[str | None] = frozenset({"3"})


def wait_is_abortable(version: str | None) -> bool:
    version = version or None  # an instance started without a version may carry "" rather than None
    if version not in WAIT_VERSIONS:
        raise UnsupportedVersion(version)
    return version in ABORTABLE_WAIT_VERSIONS


def wait_is_paced(version: str | None) -> bool:
    version = version or None
    if version not in WAIT_VERSIONS:
        raise UnsupportedVersion(version)
    return version in PACED_WAIT_VERSIONS


class UnsupportedVersion(Exception):
    def __init__(self, version: str | None) -> None:
        known = ", ".join(repr(v) for v in FLOWS)
        super().__init__(f"orchestration version {version!r} is not one this app runs (it runs {known})")


def flow_version(version: str | None) -> FlowVersion:
    """The flow an instance of `version` runs; an unknown version fails it at once, before any step.
    An instance started without a version may carry "" rather than None: the same flow."""
    try:
        return FLOWS[version or None]
    except KeyError:
        raise UnsupportedVersion(version) from None
