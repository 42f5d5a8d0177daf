"""Upgrade policies Automatic and Rolling (issue 9), end to end: the platform, not the deployer, rolls a
model change out to the instances (Rolling in batches, `pauseTimeBetweenBatches` apart), and an instance
leaves or joins a backend pool only once its batch has reached it. The old scale set's exit from prod
is such a model change: the deployer waits until every old instance is on the latest model (so out of
prod) before it scales the old scale set in.

The first test was written to fail on the deployer before orchestration version 4 (on a6ed997): the old
scale set's route out of prod was fire-and-forget, and the Downsize scaled the old instances in while the
second batch still served prod from them (they left the prod pool by being deleted, at the downsize's own
instant). The rollback's way back into prod was already followed so; the second test holds it to that.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from azure.mgmt.compute import models as cm

from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import (
    assert_prod_never_empty_after_first_serving,
    autoscale_body,
    pool_member_scale_sets,
)
from tests.e2e.test_rollback_from_every_step import inject
from tests.support.arm import compute_client, monitor_client

pytestmark = pytest.mark.e2e

OLD, NEW = "web_api_prod__1", "web_api_prod__2"
WRITES = ("PUT", "PATCH")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _make_base_rolling(arm_emulator, target) -> None:
    """Half the instances a batch, five simulated minutes between batches."""
    vmss = compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets
    base = vmss.get(target.resource_group, target.base_vmss)
    base.upgrade_policy = cm.UpgradePolicy(mode="Rolling", rolling_upgrade_policy=cm.RollingUpgradePolicy(
        max_batch_instance_percent=50, pause_time_between_batches="PT5M"))
    base.virtual_machine_profile.os_profile.require_guest_provision_signal = None
    vmss.begin_create_or_update(target.resource_group, target.base_vmss, base).result()


def _spec(target, image_id: str) -> dict:
    # A rolling model change of 2 instances takes one pause and two upgrades (over 5 minutes) per route.
    return spec_for(target, image_id, steadyStateTimeoutMinutes=30, pollIntervalSeconds=30)


def _assert_left_prod_before_downsized(emulator_admin, target, name: str, since: int) -> None:
    """`name`'s route out of prod and its Downsize are its two writes since request `since`: the platform
    took its instances out of prod batch by batch after the route, every one before the Downsize."""
    path = f"/resourcegroups/{target.resource_group}/providers/microsoft.compute/virtualmachinescalesets/{name}"
    writes = [r for r in emulator_admin.get("/_emulator/requests").json()
              if r["seq"] > since and r["method"] in WRITES and r["path"].lower().endswith(path.lower())]
    assert len(writes) == 2, writes  # its route out of prod, then the Downsize to 0
    routed_out, downsized = (_instant(w["at"]) for w in writes)

    prod_pool = target.pool_id(target.prod_pool).lower()
    prod = [e for e in emulator_admin.get("/_emulator/timeline").json() if e["pool"].lower() == prod_pool]
    marker = f"/virtualmachinescalesets/{name}/virtualmachines/".lower()
    last_with_it = max(i for i, e in enumerate(prod) if any(marker in m.lower() for m in e["members"]))
    gone_at = _instant(prod[last_with_it + 1]["at"])
    assert gone_at > routed_out
    # None left prod by deletion: the scale-in found them all out of it already.
    assert gone_at < downsized, (
        f"[{name}]'s instances were still in the prod pool when the Downsize began ({gone_at} >= {downsized})")
    # The scale set that replaced it served prod throughout.
    assert all(e["healthy"] for e in prod[last_with_it + 1:])


def test_a_rolling_old_scale_set_leaves_prod_before_it_is_downsized(api, arm_emulator, emulator_admin, target,
                                                                      seeder, seeded):
    _make_base_rolling(arm_emulator, target)
    first = api.deploy(_spec(target, seeded[0]))
    assert api.wait(first, timeout=300)["status"] == "Succeeded", api.log(first)
    since = emulator_admin.get("/_emulator/requests").json()[-1]["seq"]

    second = api.deploy(_spec(target, seeded[1]))
    view = api.wait(second, timeout=300)
    assert view["status"] == "Succeeded", api.log(second)
    assert (view["oldVmss"], view["newVmss"]) == (OLD, NEW)

    _assert_left_prod_before_downsized(emulator_admin, target, OLD, since)


def test_a_rolling_old_scale_set_is_back_in_prod_before_the_rollback_retires_the_new_one(
        api, arm_emulator, emulator_admin, target, seeder, seeded):
    """A failure after the old scale set left prod: the rollback routes it back in, and under Rolling its
    instances rejoin prod batch by batch; the new scale set leaves only once every old one is back."""
    _make_base_rolling(arm_emulator, target)
    first = api.deploy(_spec(target, seeded[0]))
    assert api.wait(first, timeout=300)["status"] == "Succeeded", api.log(first)
    monitor_client(arm_emulator, target.subscription_id).autoscale_settings.create_or_update(
        target.resource_group, "web-autoscale", autoscale_body(target, OLD, 1, 4, 2))
    # The new scale set's setting is attached after the swap (the old one is out of prod by then): refuse it.
    inject(emulator_admin, target, {"method": "PUT", "path": f"/autoscalesettings/{NEW}_Autoscale", "status": 400,
                                    "times": 20})

    second = api.deploy(_spec(target, seeded[1]))
    view = api.wait(second, timeout=300)
    emulator_admin.delete("/_emulator/faults")
    assert view["status"] == "RolledBack" and view["error"].startswith("Swap: "), api.log(second)
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {OLD}
    assert_prod_never_empty_after_first_serving(emulator_admin, target)

    old_marker, new_marker = (f"/virtualmachinescalesets/{n}/virtualmachines/".lower() for n in (OLD, NEW))
    prod = [e for e in emulator_admin.get("/_emulator/timeline").json()
            if e["pool"].lower() == target.pool_id(target.prod_pool).lower()]
    last_with_new = max(i for i, e in enumerate(prod) if any(new_marker in m.lower() for m in e["members"]))
    # When the new instances left prod, both old instances were back in it, healthy.
    assert sum(old_marker in m.lower() for m in prod[last_with_new + 1]["healthy"]) == 2, prod[last_with_new:]


def test_an_undo_on_a_rolling_lineage_takes_the_undone_scale_set_out_of_prod_before_downsizing_it(
        api, arm_emulator, emulator_admin, target, seeder, seeded):
    _make_base_rolling(arm_emulator, target)
    for image in seeded:
        deployment = api.deploy(_spec(target, image))
        assert api.wait(deployment, timeout=300)["status"] == "Succeeded", api.log(deployment)
    since = emulator_admin.get("/_emulator/requests").json()[-1]["seq"]

    undo = api.act(deployment, "undo")
    assert undo.status_code == 202, undo.text
    view = api.wait(undo.json()["id"], timeout=300)
    assert view["status"] == "Succeeded", api.log(undo.json()["id"])
    assert (view["newVmss"], view["oldVmss"]) == (OLD, NEW)
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {OLD}
    _assert_left_prod_before_downsized(emulator_admin, target, NEW, since)
