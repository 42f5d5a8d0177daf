"""GET /api/targets: every lineage of a resource group (Harness-made ones too) and what serves prod."""

from __future__ import annotations

import pytest
from azure.mgmt.compute import models as cm

from domain.tags import BG_VERSION, CREATED, HARNESS_REVISION
from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import NEW_NAME
from tests.support.arm import compute_client

pytestmark = pytest.mark.e2e

HARNESS_INFRA = "0f9a8b7c-harness-infra"


def seed_harness_lineage(arm_emulator, target, image_id: str) -> None:
    """Two scale sets as Harness FirstGen leaves them: revision 1 downsized and GREEN, revision 2 BLUE."""
    compute = compute_client(arm_emulator, target.subscription_id)
    base = compute.virtual_machine_scale_sets.get(target.resource_group, target.base_vmss)
    for revision, colour, capacity, created in ((1, "GREEN", 0, "20260101T100000Z"),
                                                (2, "BLUE", 1, "20260102T100000Z")):
        body = cm.VirtualMachineScaleSet(
            location=base.location, sku=cm.Sku(name=base.sku.name, tier=base.sku.tier, capacity=capacity),
            upgrade_policy=base.upgrade_policy, virtual_machine_profile=base.virtual_machine_profile,
            tags={HARNESS_REVISION: f"{HARNESS_INFRA}__{revision}", BG_VERSION: colour, CREATED: created,
                  "Name": f"legacy__{revision}"})
        body.virtual_machine_profile.storage_profile.image_reference = cm.ImageReference(id=image_id)
        body.virtual_machine_profile.os_profile.require_guest_provision_signal = None  # a GET's, refused in a PUT
        compute.virtual_machine_scale_sets.begin_create_or_update(
            target.resource_group, f"legacy__{revision}", body).result()


def targets(api, target):
    return api.http.get("/api/targets", params={"subscriptionId": target.subscription_id,
                                                 "resourceGroup": target.resource_group})


def test_targets_show_every_lineage_what_serves_prod_and_the_running_deployment(api, arm_emulator, target, seeded):
    seed_harness_lineage(arm_emulator, target, seeded[0])
    for image in seeded:
        deployment = api.deploy(spec_for(target, image))
        assert api.wait(deployment)["status"] == "Succeeded", api.log(deployment)

    answer = targets(api, target)

    assert answer.status_code == 200, answer.text
    lineages = {lineage["infrastructureId"]: lineage for lineage in answer.json()["value"]}
    ours = next(lineage for infra, lineage in lineages.items() if infra != HARNESS_INFRA)
    assert set(lineages) == {HARNESS_INFRA, ours["infrastructureId"]}
    assert ours["liveVmss"] == f"{NEW_NAME}__2" and ours["runningDeployment"] is None
    members = {m["name"]: m for m in ours["members"]}
    assert [m["name"] for m in ours["members"]] == [f"{NEW_NAME}__2", f"{NEW_NAME}__1"]
    assert members[f"{NEW_NAME}__2"]["revision"] == 2 and members[f"{NEW_NAME}__2"]["capacity"] == 2
    assert members[f"{NEW_NAME}__2"]["image"].lower() == seeded[1].lower()
    assert members[f"{NEW_NAME}__2"]["bgVersion"] == "BLUE" and members[f"{NEW_NAME}__1"]["bgVersion"] == "GREEN"
    assert [p.lower() for p in members[f"{NEW_NAME}__2"]["pools"]] == [target.pool_id(target.prod_pool).lower()]
    assert members[f"{NEW_NAME}__1"]["capacity"] == 0 and members[f"{NEW_NAME}__1"]["created"]
    harness = lineages[HARNESS_INFRA]
    assert harness["liveVmss"] == "legacy__2"
    assert [(m["name"], m["revision"], m["bgVersion"]) for m in harness["members"]] == [
        ("legacy__2", 2, "BLUE"), ("legacy__1", 1, "GREEN")]

    running = api.deploy(spec_for(target, seeded[0], approval={"required": True, "timeoutMinutes": 600}))
    api.wait(running, statuses={"AwaitingApproval"})
    lineages = {lineage["infrastructureId"]: lineage for lineage in targets(api, target).json()["value"]}
    assert lineages[ours["infrastructureId"]]["runningDeployment"] == running
    # the new scale set is sized but still in the stage pool: prod is served by the one before it
    assert lineages[ours["infrastructureId"]]["liveVmss"] == f"{NEW_NAME}__2"
    assert lineages[HARNESS_INFRA]["runningDeployment"] is None
    assert api.decide(running, "reject").status_code == 202
    api.wait(running)


def test_targets_need_both_parameters_and_refuse_unknown_ones(api, target):
    assert api.http.get("/api/targets", params={"resourceGroup": target.resource_group}).status_code == 400
    answer = api.http.get("/api/targets", params={"subscriptionId": target.subscription_id,
                                                  "resourceGroup": target.resource_group, "rg": "x"})
    assert answer.status_code == 400 and answer.json()["error"]["details"][0]["field"] == "rg"
