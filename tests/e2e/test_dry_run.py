"""POST /api/deployments?dryRun=true: Setup's decisions with reads only, and the deployment then does them."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import (
    NEW_NAME,
    autoscale_body,
    last_seq,
    scale_set,
    scale_set_names,
    writes_to,
)
from tests.support.arm import monitor_client, network_client

pytestmark = pytest.mark.e2e


def dry_run(api, spec):
    return api.http.post("/api/deployments", params={"dryRun": "true"}, json=spec)


def deployment_ids(api) -> set[str]:
    return {d["id"] for d in api.http.get("/api/deployments").json()["value"]}


def test_a_dry_run_writes_nothing_and_the_deployment_after_it_does_what_it_planned(
        api, arm_emulator, emulator_admin, target, seeded, seeder):
    third_image = seeder.image_version("1.2.0")
    for image in seeded:
        deployment = api.deploy(spec_for(target, image))
        assert api.wait(deployment)["status"] == "Succeeded", api.log(deployment)
    monitor_client(arm_emulator, target.subscription_id).autoscale_settings.create_or_update(
        target.resource_group, "web-autoscale", autoscale_body(target, f"{NEW_NAME}__2", 2, 8, 5))
    spec = spec_for(target, third_image, instances={"mode": "sameAsRunning"}, versionsToKeep=2,
                    upgrade={"unit": "percent", "value": 50})
    before, started_before = last_seq(emulator_admin), deployment_ids(api)

    answer = dry_run(api, spec)

    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert writes_to(emulator_admin, target, before) == []
    assert deployment_ids(api) == started_before
    assert (plan["revision"], plan["newVmss"], plan["liveVmss"]) == (3, f"{NEW_NAME}__3", f"{NEW_NAME}__2")
    assert plan["capacity"] == {"min": 2, "max": 8, "desired": 5, "from": {
        "min": "autoscaleDefaultProfile", "max": "autoscaleDefaultProfile", "desired": "autoscaleDefaultProfile"}}
    assert plan["upgradeTarget"] == 3
    assert plan["retention"]["delete"] == [f"{NEW_NAME}__1"] and plan["retention"]["scaleToZero"] == []
    assert plan["autoscale"] == {"from": "web-autoscale", "name": f"{NEW_NAME}__3_Autoscale", "enabled": True}
    assert plan["warnings"] == []

    deployment = api.deploy(spec)
    view = api.wait(deployment)
    assert view["status"] == "Succeeded", api.log(deployment)
    assert (view["revision"], view["newVmss"], view["oldVmss"]) == (plan["revision"], plan["newVmss"],
                                                                    plan["liveVmss"])
    assert scale_set(arm_emulator, target, plan["newVmss"]).sku.capacity == plan["upgradeTarget"]
    names = scale_set_names(arm_emulator, target)
    assert not set(plan["retention"]["delete"]) & names
    settings = {s.name: s for s in monitor_client(arm_emulator, target.subscription_id)
                .autoscale_settings.list_by_resource_group(target.resource_group)}
    capacity = settings[plan["autoscale"]["name"]].profiles[0].capacity
    assert (int(capacity.minimum), int(capacity.maximum), int(capacity.default)) == (
        plan["capacity"]["min"], plan["capacity"]["max"], plan["capacity"]["desired"])


def test_a_first_dry_run_plans_revision_1_from_the_fixed_capacity(api, target, seeded):
    plan = dry_run(api, spec_for(target, seeded[0])).json()
    assert (plan["revision"], plan["newVmss"], plan["liveVmss"]) == (1, f"{NEW_NAME}__1", None)
    assert plan["capacity"]["desired"] == 2 and plan["capacity"]["from"]["desired"] == "fixed"
    assert plan["upgradeTarget"] == 2 and plan["autoscale"] is None
    assert plan["retention"] == {"scaleToZero": [], "delete": [], "keep": []}


@pytest.mark.parametrize("broken", [{"baseVmss": "no-such-base"}, {"stageBackendPool": "no-such-pool"}])
def test_a_dry_run_of_a_target_that_is_not_there_is_400_and_writes_nothing(
        api, emulator_admin, target, seeded, broken):
    before, started_before = last_seq(emulator_admin), deployment_ids(api)
    answer = dry_run(api, spec_for(target, seeded[0], **broken))
    assert answer.status_code == 400
    assert next(iter(broken.values())) in answer.json()["error"]["message"]
    assert writes_to(emulator_admin, target, before) == [] and deployment_ids(api) == started_before


def test_a_dry_run_warns_of_no_health_monitoring_an_unbalanced_stage_pool_and_a_replicating_image(
        api, arm_emulator, target, seeder):
    seeder.resource_group()
    seeder.load_balancer()
    seeder.gallery_image()
    first = seeder.image_version("1.0.0")
    seeder.base_scale_set(first, health_probe=False)
    replicating = seeder.image_version("1.1.0", tags={"emulator.replicationSeconds": "100000"})
    network = network_client(arm_emulator, target.subscription_id)
    balancer = network.load_balancers.get(target.resource_group, target.load_balancer)
    balancer.load_balancing_rules = [r for r in balancer.load_balancing_rules if r.name != "http-stage"]
    network.load_balancers.begin_create_or_update(target.resource_group, target.load_balancer, balancer).result()

    answer = dry_run(api, spec_for(target, replicating))

    assert answer.status_code == 200, answer.text
    warnings = answer.json()["warnings"]
    assert len(warnings) == 3, warnings
    assert "not monitored" in warnings[0]
    assert target.stage_pool in warnings[1] and "load-balancing rule" in warnings[1]
    assert "still replicating" in warnings[2]
