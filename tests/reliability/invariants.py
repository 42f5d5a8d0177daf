"""The invariants every deployment must leave behind, whatever happened to it (issue 11's fault matrix).

One helper, `assert_trustworthy_end`, checks them all after a deployment has ended:
- at every moment of the emulator's timeline after the prod pool first had a member, it had a
  healthy member;
- the lineage holds exactly the scale sets it should (no orphan, no duplicate revision);
- exactly one BLUE scale set serves prod, and nothing else is in prod; the stage pool is empty;
- no autoscale setting targets a scale set that no longer exists;
- the target's lock is free;
- the deployment's log tells what happened (its outcome, and the failed step's cause).
"""

from __future__ import annotations

from azure.storage.blob import BlobServiceClient

from domain.tags import BG_VERSION, BLUE, HARNESS_REVISION
from gateway.storage import TargetLocks
from tests.e2e.test_bluegreen_deployments import (
    autoscale_targets,
    pool_member_scale_sets,
    prod_timeline,
    scale_set,
    scale_set_names,
)
from tests.support.arm import compute_client

# What the log must say of each outcome.
OUTCOME_LINES = {
    "Succeeded": ("Deployment succeeded: ",),
    "RolledBack": ("Deployment failed: ", "Rollback completed successfully"),
    "Failed": ("Deployment failed: ", "Rollback failed: "),
}


def assert_prod_served_from_its_first_member_on(emulator_admin, target) -> None:
    """Once the prod pool has had a member, every later moment shows a healthy one."""
    entries = prod_timeline(emulator_admin, target)
    started = False
    for entry in entries:
        started = started or bool(entry["members"])
        if started and not entry["healthy"]:
            raise AssertionError(f"prod backend pool had no healthy member at {entry['at']}: {entries}")
    assert started, "prod never had a member"


def lineage_revisions(arm_emulator, target) -> dict[str, str]:
    """Scale set name -> its HARNESS_REVISION tag, for every scale set of the lineage (the base excluded)."""
    client = compute_client(arm_emulator, target.subscription_id)
    return {v.name: (v.tags or {}).get(HARNESS_REVISION) for v in client.virtual_machine_scale_sets.list(
        target.resource_group) if v.name != target.base_vmss}


def assert_trustworthy_end(api, arm_emulator, emulator_admin, azurite, target, deployment, *,
                           lineage: set[str], serving: str, log_mentions: tuple[str, ...] = ()) -> dict:
    """`lineage`: the scale sets the lineage must hold (base excluded); `serving`: the one in prod.

    Returns the deployment's final view.
    """
    view = api.wait(deployment)
    log = api.log(deployment)
    context = (view, log)

    assert_prod_served_from_its_first_member_on(emulator_admin, target)

    revisions = lineage_revisions(arm_emulator, target)
    assert set(revisions) == lineage, ("lineage", revisions, *context)
    tagged = [r for r in revisions.values() if r is not None]
    assert len(tagged) == len(set(tagged)), ("duplicate revision", revisions, *context)

    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {serving}, context
    assert pool_member_scale_sets(arm_emulator, target, target.stage_pool) == set(), context
    blue = {name for name in lineage if (scale_set(arm_emulator, target, name).tags or {}).get(BG_VERSION) == BLUE}
    assert blue == {serving}, ("BLUE scale sets", blue, *context)

    existing = scale_set_names(arm_emulator, target)
    dangling = {setting: vmss for setting, vmss in autoscale_targets(arm_emulator, target).items()
                if vmss not in existing}
    assert dangling == {}, ("autoscale settings on deleted scale sets", dangling, *context)

    locks = TargetLocks(BlobServiceClient.from_connection_string(azurite.connection_string))
    key = TargetLocks.target_key(target.subscription_id, target.resource_group, view["infrastructureId"])
    assert locks.holder(key) is None, ("target still locked", locks.holder(key), *context)

    for line in OUTCOME_LINES[view["status"]]:
        assert line in log, (f"the log does not tell the outcome ({line!r})", *context)
    for expected in log_mentions:
        assert expected in log, (f"the log does not mention {expected!r}", *context)
    return view
