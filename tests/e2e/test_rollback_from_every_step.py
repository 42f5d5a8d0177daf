"""A failure in every step and activity of a deployment that replaces a running scale set rolls back
cleanly: prod never empty, the old scale set back at its pre-deployment size and autoscale, tagged
BLUE, in prod; the new one gone; a sensible status and error; the target's lock released."""

from __future__ import annotations

import pytest
from azure.mgmt.compute import models as cm
from azure.storage.blob import BlobServiceClient

from domain.tags import BG_VERSION
from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import (
    NEW_NAME,
    assert_prod_never_empty_after_first_serving,
    autoscale_body,
    autoscale_targets,
    last_seq,
    pool_member_scale_sets,
    scale_set,
    scale_set_names,
    writes_to,
)
from tests.support.arm import compute_client, monitor_client

pytestmark = pytest.mark.e2e

OLD, NEW = f"{NEW_NAME}__1", f"{NEW_NAME}__2"
OLD_AUTOSCALE = "web-autoscale"


def inject(emulator_admin, target, fault: dict) -> None:
    """Fault paths are matched against every resource group: scope them to this test's."""
    scoped = {**fault, "path": f"(?i)/resourceGroups/{target.resource_group}/.*{fault['path']}"}
    assert emulator_admin.post("/_emulator/faults", json=scoped).status_code in (200, 201)


@pytest.fixture
def running_old(api, arm_emulator, target, seeded) -> str:
    """`__1` serving prod at capacity 2 with an autoscale setting of its own (min 1, max 4, default 2)."""
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded", api.log(first)
    monitor_client(arm_emulator, target.subscription_id).autoscale_settings.create_or_update(
        target.resource_group, OLD_AUTOSCALE, autoscale_body(target, OLD, 1, 4, 2))
    return OLD


def assert_rolled_back(api, arm_emulator, emulator_admin, target, deployment, step, *, old=OLD, new=NEW,
                       capacity=2, autoscale=True, error: str | None = None) -> dict:
    """`error`: the exact error when the cause is not the step's own failure (an operator's abort)."""
    view = api.wait(deployment)
    log = api.log(deployment)
    assert view["status"] == "RolledBack", (view, log)
    assert view["phase"] == "RolledBack", view
    assert view["error"] == error if error is not None else view["error"].startswith(f"{step}: "), view
    statuses = {s["name"]: s["status"] for s in view["steps"]}
    assert statuses[step] == "Failed" and statuses["Rollback"] == "Succeeded", view["steps"]
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {old}, log
    assert pool_member_scale_sets(arm_emulator, target, target.stage_pool) == set(), log
    restored = scale_set(arm_emulator, target, old)
    assert restored.tags[BG_VERSION] == "BLUE" and restored.sku.capacity == capacity, log
    assert new not in scale_set_names(arm_emulator, target), log
    if autoscale:
        assert autoscale_targets(arm_emulator, target) == {OLD_AUTOSCALE: old}, log
    assert_prod_never_empty_after_first_serving(emulator_admin, target)
    return view


def assert_target_free(api, target, image) -> None:
    """The lock was released: the next deployment is accepted (and is let finish)."""
    response = api.start(spec_for(target, image))
    assert response.status_code == 202, response.text
    assert api.wait(response.json()["id"])["status"] in ("Succeeded", "RolledBack", "Failed")


# -- Setup -----------------------------------------------------------------------------------------


def test_create_refused_after_retention_rolls_back_to_the_running_scale_set(
        api, arm_emulator, emulator_admin, target, seeded, running_old):
    second = api.deploy(spec_for(target, seeded[1]))
    assert api.wait(second)["status"] == "Succeeded", api.log(second)
    # __2 serves now; __3 is refused. versionsToKeep 2: retention deletes __1 before __3 is created.
    inject(emulator_admin, target, {"method": "PUT", "path": f"/virtualMachineScaleSets/{NEW_NAME}__3$",
                                    "status": 400, "times": 3})
    third = api.deploy(spec_for(target, seeded[0], versionsToKeep=2))
    assert_rolled_back(api, arm_emulator, emulator_admin, target, third, "Setup", old=NEW, new=f"{NEW_NAME}__3",
                       autoscale=False)
    assert OLD not in scale_set_names(arm_emulator, target)
    assert_target_free(api, target, seeded[1])


def test_a_scale_set_whose_creation_failed_is_not_adopted(api, arm_emulator, emulator_admin, target, seeded,
                                                          running_old):
    # Every try of the creation ends Failed: the deployment must not go on with a failed scale set.
    inject(emulator_admin, target, {"method": "PUT", "path": f"/virtualMachineScaleSets/{NEW}$",
                                    "lroStatus": "Failed", "times": 3})
    second = api.deploy(spec_for(target, seeded[1]))
    assert_rolled_back(api, arm_emulator, emulator_admin, target, second, "Setup")


def test_a_creation_that_failed_once_is_retried_from_scratch(api, arm_emulator, emulator_admin, target, seeded,
                                                             running_old):
    inject(emulator_admin, target, {"method": "PUT", "path": f"/virtualMachineScaleSets/{NEW}$",
                                    "lroStatus": "Failed", "times": 1})
    second = api.deploy(spec_for(target, seeded[1]))
    view = api.wait(second)
    assert view["status"] == "Succeeded", api.log(second)
    assert scale_set(arm_emulator, target, NEW).provisioning_state == "Succeeded"
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {NEW}


def test_a_name_owned_by_another_lineage_is_refused_before_any_write(
        api, arm_emulator, emulator_admin, target, seeded, running_old):
    # Same scale-set name, another infrastructure id: its first revision would be named like ours.
    before = last_seq(emulator_admin)
    other = api.deploy(spec_for(target, seeded[1], infrastructureId="web-canary"))
    view = api.wait(other)
    assert view["status"] == "Failed" and view["error"].startswith("Setup: "), (view, api.log(other))
    assert f"[{OLD}] already exists" in view["error"]
    assert writes_to(emulator_admin, target, before) == []
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {OLD}
    assert scale_set(arm_emulator, target, OLD).sku.capacity == 2


def test_a_new_scale_set_of_zero_instances_never_replaces_a_serving_one(
        api, arm_emulator, emulator_admin, target, seeded, running_old):
    before = last_seq(emulator_admin)
    second = api.deploy(spec_for(target, seeded[1], instances={"mode": "fixed", "min": 0, "max": 4, "desired": 0}))
    view = api.wait(second)
    assert view["status"] == "Failed" and view["error"].startswith("Setup: "), (view, api.log(second))
    assert "0 instances" in view["error"]
    assert writes_to(emulator_admin, target, before) == []
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {OLD}
    assert_prod_never_empty_after_first_serving(emulator_admin, target)


# -- Upgrade ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [
    {"method": "PATCH", "path": f"/virtualMachineScaleSets/{NEW}$", "status": 400, "times": 3},
    {"method": "GET", "path": f"/virtualMachineScaleSets/{NEW}/virtualMachines$", "status": 400, "times": 3},
], ids=["resize refused", "instance poll refused"])
def test_a_failure_in_upgrade_rolls_back_without_touching_the_old_scale_set(
        api, arm_emulator, emulator_admin, target, seeded, running_old, fault):
    # An operator changed the old scale set's model and rolls it out to its instances at a time of their
    # choosing: a rollback that never moved the old scale set must not roll it out for them.
    compute = compute_client(arm_emulator, target.subscription_id)
    compute.virtual_machine_scale_sets.begin_update(target.resource_group, OLD, cm.VirtualMachineScaleSetUpdate(
        virtual_machine_profile=cm.VirtualMachineScaleSetUpdateVMProfile(user_data="b3BlcmF0b3I="))).result()
    before = last_seq(emulator_admin)
    inject(emulator_admin, target, fault)
    second = api.deploy(spec_for(target, seeded[1]))
    assert_rolled_back(api, arm_emulator, emulator_admin, target, second, "Upgrade")
    touched = [w for w in writes_to(emulator_admin, target, before)
               if f"/virtualmachinescalesets/{OLD}".lower() in w["path"].lower()]
    assert touched == [], touched
    assert not any(vm.latest_model_applied
                   for vm in compute.virtual_machine_scale_set_vms.list(target.resource_group, OLD))


# -- Approval --------------------------------------------------------------------------------------


def test_an_approved_deployment_swaps_at_the_tested_size_even_if_the_new_scale_set_shrank_while_waiting(
        api, arm_emulator, emulator_admin, target, seeded, running_old):
    second = api.deploy(spec_for(target, seeded[1], steadyStateTimeoutMinutes=2,
                                 approval={"required": True, "timeoutMinutes": 60}))
    api.wait(second, statuses={"AwaitingApproval"}, timeout=90)
    # In the stage pool the new scale set has no load: an autoscale setting scales it in while the
    # approval waits (hours, in real life).
    compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.begin_update(
        target.resource_group, NEW, cm.VirtualMachineScaleSetUpdate(sku=cm.Sku(capacity=1))).result()
    assert api.decide(second, "approve").status_code == 202
    view = api.wait(second)
    assert view["status"] == "Succeeded", (view, api.log(second))
    assert scale_set(arm_emulator, target, NEW).sku.capacity == 2
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {NEW}
    assert autoscale_targets(arm_emulator, target) == {f"{NEW}_Autoscale": NEW}
    assert_prod_never_empty_after_first_serving(emulator_admin, target)


# -- ScaleDownDelay and Downsize -------------------------------------------------------------------


def test_rollback_during_the_delay_restores_an_old_scale_set_that_autoscale_shrank(
        api, arm_emulator, emulator_admin, target, seeded, running_old):
    second = api.deploy(spec_for(target, seeded[1], scaleDownDelaySeconds=3600, steadyStateTimeoutMinutes=2))
    api.wait(second, phase="ScaleDownDelay", timeout=90)
    # Out of prod, the old scale set has no load: its autoscale setting (still attached) scales it in.
    compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.begin_update(
        target.resource_group, OLD, cm.VirtualMachineScaleSetUpdate(sku=cm.Sku(capacity=1))).result()
    before = last_seq(emulator_admin)
    assert api.act(second, "rollback").status_code == 202
    assert_rolled_back(api, arm_emulator, emulator_admin, target, second, "ScaleDownDelay",
                       error="Aborted by operator")
    # Its setting, left attached through the delay, would fight the resize back up: it is cleared first and
    # put back once the old scale set serves prod at its size again (CONTRACT §4).
    old_path = f"/virtualmachinescalesets/{OLD}".lower()
    writes = [(w["method"], w["path"].lower()) for w in writes_to(emulator_admin, target, before)]
    on_old = [i for i, (method, path) in enumerate(writes) if path.endswith(old_path)]
    setting = [(i, method) for i, (method, path) in enumerate(writes)
               if path.endswith(f"/autoscalesettings/{OLD_AUTOSCALE}".lower())]
    assert [method for _, method in setting] == ["DELETE", "PUT"], writes
    assert setting[0][0] < on_old[0] and setting[1][0] > on_old[-1], writes


def assert_succeeded_with_a_downsize_warning(api, arm_emulator, emulator_admin, target, deployment) -> dict:
    """After the verified swap a Downsize that cannot complete swaps nothing back: the new version keeps
    serving, the deployment succeeds, and its warning tells the operator what is left (CONTRACT §4)."""
    view = api.wait(deployment)
    log = api.log(deployment)
    assert view["status"] == "Succeeded" and view["error"] is None, (view, log)
    statuses = {s["name"]: s["status"] for s in view["steps"]}
    assert statuses["Swap"] == "Succeeded" and statuses["Downsize"] == "Failed" and "Rollback" not in statuses
    assert len(view["warnings"]) == 1 and f"[{OLD}]" in view["warnings"][0], view["warnings"]
    assert f"Warning: {view['warnings'][0]}" in log
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {NEW}, log
    assert pool_member_scale_sets(arm_emulator, target, target.stage_pool) == set(), log
    assert scale_set(arm_emulator, target, NEW).tags[BG_VERSION] == "BLUE"
    assert scale_set(arm_emulator, target, OLD).tags[BG_VERSION] == "GREEN"
    assert_prod_never_empty_after_first_serving(emulator_admin, target)
    return view


def test_a_downsize_refused_after_the_swap_leaves_the_new_version_serving_with_a_warning(
        api, arm_emulator, emulator_admin, target, seeded, running_old):
    second = api.deploy(spec_for(target, seeded[1], scaleDownDelaySeconds=300))
    api.wait(second, phase="ScaleDownDelay", timeout=90)
    # The swap is done; the old scale set's downsize is refused, retries included.
    inject(emulator_admin, target, {"method": "PATCH", "path": f"/virtualMachineScaleSets/{OLD}$",
                                    "status": 400, "times": 3})
    view = assert_succeeded_with_a_downsize_warning(api, arm_emulator, emulator_admin, target, second)
    assert "could not be downsized" in view["warnings"][0] and "up to 2 instance(s)" in view["warnings"][0]
    assert scale_set(arm_emulator, target, OLD).sku.capacity == 2


def test_a_failure_after_the_old_scale_set_was_downsized_leaves_the_new_version_serving_with_a_warning(
        api, arm_emulator, emulator_admin, target, seeded, running_old):
    # downsizeOldFirst: the new autoscale setting is attached after the old scale set went to 0.
    inject(emulator_admin, target, {"method": "PUT", "path": f"/autoscalesettings/{NEW}_Autoscale$",
                                    "status": 400, "times": 3})
    second = api.deploy(spec_for(target, seeded[1], resizeStrategy="downsizeOldFirst"))
    view = assert_succeeded_with_a_downsize_warning(api, arm_emulator, emulator_admin, target, second)
    assert "scaled to 0" in view["warnings"][0]
    assert f"Downscaled old Virtual Machine Scale Set: [{OLD}] to [0] instances" in api.log(second)


# -- Rollback itself -------------------------------------------------------------------------------


def test_a_failing_rollback_fails_with_both_causes_keeps_prod_on_the_old_and_frees_the_target(
        api, arm_emulator, emulator_admin, target, seeded, running_old):
    inject(emulator_admin, target, {"method": "POST", "path": f"/virtualMachineScaleSets/{NEW}/manualupgrade$",
                                    "lroStatus": "Failed", "times": 3})
    inject(emulator_admin, target, {"method": "DELETE", "path": f"/virtualMachineScaleSets/{NEW}$",
                                    "status": 400, "times": 3})
    second = api.deploy(spec_for(target, seeded[1]))
    view = api.wait(second)
    assert view["status"] == "Failed", api.log(second)
    assert view["error"].startswith("Swap: ") and "rollback failed" in view["error"], view
    assert {s["name"]: s["status"] for s in view["steps"]}["Rollback"] == "Failed"
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {OLD}
    old = scale_set(arm_emulator, target, OLD)
    assert old.tags[BG_VERSION] == "BLUE" and old.sku.capacity == 2
    assert autoscale_targets(arm_emulator, target) == {OLD_AUTOSCALE: OLD}
    assert_prod_never_empty_after_first_serving(emulator_admin, target)
    assert_target_free(api, target, seeded[1])


# -- Bookkeeping -----------------------------------------------------------------------------------


def test_a_deployment_log_that_takes_no_more_lines_neither_fails_nor_rolls_back_the_deployment(
        api, azurite, arm_emulator, emulator_admin, target, seeded, running_old):
    second = api.deploy(spec_for(target, seeded[1], approval={"required": True, "timeoutMinutes": 60}))
    api.wait(second, statuses={"AwaitingApproval"}, timeout=90)
    # From here on every append fails, as past an append blob's 50,000 blocks (InvalidBlobType here).
    logs = BlobServiceClient.from_connection_string(azurite.connection_string).get_container_client("deployment-logs")
    logs.upload_blob(f"{second}.log", b"no more appends\n", overwrite=True)

    assert api.decide(second, "approve").status_code == 202
    view = api.wait(second)
    assert view["status"] == "Succeeded", view
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {NEW}
    assert_prod_never_empty_after_first_serving(emulator_admin, target)
