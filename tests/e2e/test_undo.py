"""Undo end to end: `POST /api/deployments/{id}/undo` brings back the scale set a succeeded deployment
replaced (its capacity and autoscale as before), swaps it into prod with the verified swap, downsizes
the undone one; it is refused (409, with the reason) when it cannot be done; and when it fails, it
rolls back leaving the undone scale set serving."""

from __future__ import annotations

import pytest

from domain.tags import BG_VERSION
from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import (
    NEW_NAME,
    assert_prod_never_empty_after_first_serving,
    autoscale_body,
    autoscale_targets,
    pool_member_scale_sets,
    scale_set,
)
from tests.support.arm import compute_client, monitor_client

pytestmark = pytest.mark.e2e

OLD, NEW = f"{NEW_NAME}__1", f"{NEW_NAME}__2"
OLD_AUTOSCALE = "web-autoscale"


@pytest.fixture
def replaced(api, arm_emulator, target, seeded) -> str:
    """`__1` served prod at capacity 3 with an autoscale setting (min 1, max 4, default 3); the returned
    deployment replaced it by `__2` (capacity 2), leaving `__1` at 0, GREEN, its autoscale cleared."""
    first = api.deploy(spec_for(target, seeded[0], instances={"mode": "fixed", "min": 1, "max": 4, "desired": 3}))
    assert api.wait(first)["status"] == "Succeeded", api.log(first)
    monitor_client(arm_emulator, target.subscription_id).autoscale_settings.create_or_update(
        target.resource_group, OLD_AUTOSCALE, autoscale_body(target, OLD, 1, 4, 3))
    second = api.deploy(spec_for(target, seeded[1]))
    assert api.wait(second)["status"] == "Succeeded", api.log(second)
    assert scale_set(arm_emulator, target, OLD).sku.capacity == 0
    assert autoscale_targets(arm_emulator, target) == {f"{NEW}_Autoscale": NEW}
    return second


def undo(api, deployment_id: str):
    return api.act(deployment_id, "undo")


def test_undo_brings_back_the_replaced_scale_set_at_its_size_and_autoscale_without_a_gap(
        api, arm_emulator, emulator_admin, target, replaced):
    response = undo(api, replaced)
    assert response.status_code == 202, response.text
    undo_id = response.json()["id"]
    assert undo_id != replaced and response.json()["deploymentUri"] == f"/api/deployments/{undo_id}"

    view = api.wait(undo_id)
    log = api.log(undo_id)
    assert view["status"] == "Succeeded", (view, log)
    assert (view["kind"], view["undoes"], view["newVmss"], view["oldVmss"]) == ("undo", replaced, OLD, NEW)
    assert [(s["name"], s["status"]) for s in view["steps"]] == [
        ("Setup", "Succeeded"), ("Upgrade", "Succeeded"), ("Swap", "Succeeded"), ("Downsize", "Succeeded")]

    revived, undone = scale_set(arm_emulator, target, OLD), scale_set(arm_emulator, target, NEW)
    assert revived.sku.capacity == 3 and revived.tags[BG_VERSION] == "BLUE"
    assert undone.sku.capacity == 0 and undone.tags[BG_VERSION] == "GREEN"
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {OLD}
    assert pool_member_scale_sets(arm_emulator, target, target.stage_pool) == set()
    # The revived scale set's own setting is back as it was; the undone one's is cleared.
    setting = monitor_client(arm_emulator, target.subscription_id).autoscale_settings.get(
        target.resource_group, OLD_AUTOSCALE)
    assert autoscale_targets(arm_emulator, target) == {OLD_AUTOSCALE: OLD}
    assert (setting.profiles[0].capacity.minimum, setting.profiles[0].capacity.maximum,
            setting.profiles[0].capacity.default) == ("1", "4", "3")
    assert_prod_never_empty_after_first_serving(emulator_admin, target)
    assert f"Undoing deployment [{replaced}]" in log and "Swap backend pool completed successfully" in log

    listed = api.http.get("/api/deployments", params={"resourceGroup": target.resource_group}).json()["value"]
    assert [(v["id"], v["kind"]) for v in listed][0] == (undo_id, "undo")
    assert {v["kind"] for v in listed[1:]} == {"deploy"}

    # Undone once: the deployment is no longer the latest, and an undo is not undone.
    again = undo(api, replaced)
    assert again.status_code == 409 and "not the latest" in again.json()["error"]["message"], again.text
    of_undo = undo(api, undo_id)
    assert of_undo.status_code == 409 and "itself an undo" in of_undo.json()["error"]["message"], of_undo.text


def test_undo_is_refused_for_a_deployment_that_did_not_succeed_or_replaced_nothing(api, target, seeded):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    refused = undo(api, first)
    assert refused.status_code == 409 and "replaced no scale set" in refused.json()["error"]["message"]

    failed = api.deploy(spec_for(target, seeded[1], baseVmss="no-such-base"))
    assert api.wait(failed)["status"] == "Failed"
    refused = undo(api, failed)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == {"code": "UndoNotPossible", "details": [], "message": (
        f"Deployment [{failed}] is Failed, not Succeeded: only a succeeded deployment can be undone")}
    assert undo(api, "no-such-deployment").status_code == 404


def test_undo_is_refused_when_the_replaced_scale_set_was_deleted(api, arm_emulator, target, replaced):
    compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.begin_delete(
        target.resource_group, OLD).result()
    refused = undo(api, replaced)
    assert refused.status_code == 409, refused.text
    assert f"[{OLD}]" in refused.json()["error"]["message"] and "no longer exists" in refused.json()["error"]["message"]


def test_undo_is_refused_while_another_deployment_of_the_target_runs(api, target, seeded, replaced):
    # A deployment awaiting approval holds the target; it times out (rejected) on its own afterwards.
    waiting = api.deploy(spec_for(target, seeded[0], approval={"required": True, "timeoutMinutes": 10,
                                                               "onTimeout": "reject"}))
    api.wait(waiting, statuses={"AwaitingApproval"})
    refused = undo(api, replaced)
    assert refused.status_code == 409, refused.text
    assert refused.json()["id"] == waiting and f"[{waiting}] is running" in refused.json()["error"]["message"]
    assert api.wait(waiting)["status"] == "RolledBack"


def test_an_undo_that_fails_rolls_back_leaving_the_undone_scale_set_serving(
        api, arm_emulator, emulator_admin, target, seeder, replaced):
    # The version the revived scale set runs now reports unhealthy instances: its steady state never comes.
    seeder.image_version("1.0.0", tags={"emulator.health": "unhealthy"})
    response = undo(api, replaced)
    assert response.status_code == 202, response.text
    view = api.wait(response.json()["id"], timeout=180)
    log = api.log(view["id"])
    assert view["status"] == "RolledBack" and view["kind"] == "undo", (view, log)
    assert view["error"].startswith("Upgrade: Timed out"), view
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {NEW}
    assert pool_member_scale_sets(arm_emulator, target, target.stage_pool) == set()
    revived, undone = scale_set(arm_emulator, target, OLD), scale_set(arm_emulator, target, NEW)
    assert undone.sku.capacity == 2 and undone.tags[BG_VERSION] == "BLUE"
    assert revived.sku.capacity == 0 and revived.tags[BG_VERSION] == "GREEN"
    assert autoscale_targets(arm_emulator, target) == {f"{NEW}_Autoscale": NEW}
    assert_prod_never_empty_after_first_serving(emulator_admin, target)
    # The undone deployment is still the latest: it can be undone once the cause is fixed.
    seeder.image_version("1.0.0", tags={"emulator.health": "healthy"})
    retried = undo(api, replaced)
    assert retried.status_code == 202, retried.text
    assert api.wait(retried.json()["id"])["status"] == "Succeeded"
