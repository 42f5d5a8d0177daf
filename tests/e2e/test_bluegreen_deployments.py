"""Blue/green deployments end to end: HTTP API -> devhost -> orchestrator -> ARM emulator / Azurite."""

from __future__ import annotations

import concurrent.futures
import json

import pytest
from azure.mgmt.monitor import models as mm

from domain.tags import BG_VERSION, CREATED, HARNESS_REVISION, NAME
from orchestrators.steady_state_wait import POLLS_PER_GENERATION
from tests.e2e.conftest import spec_for
from tests.support.arm import compute_client, monitor_client, network_client

pytestmark = pytest.mark.e2e

NEW_NAME = "web_api_prod"


def scale_set(arm_emulator, target, name):
    return compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.get(
        target.resource_group, name)


def scale_set_names(arm_emulator, target) -> set[str]:
    client = compute_client(arm_emulator, target.subscription_id)
    return {v.name for v in client.virtual_machine_scale_sets.list(target.resource_group)}


def pool_member_scale_sets(arm_emulator, target, pool) -> set[str]:
    """Which scale sets' instances sit in a backend pool (from the pool's backendIPConfigurations)."""
    client = network_client(arm_emulator, target.subscription_id)
    got = client.load_balancer_backend_address_pools.get(target.resource_group, target.load_balancer, pool)
    members = set()
    for ip_config in got.backend_ip_configurations or []:
        parts = ip_config.id.split("/")
        members.add(parts[parts.index("virtualMachineScaleSets") + 1])
    return members


def autoscale_targets(arm_emulator, target) -> dict[str, str]:
    client = monitor_client(arm_emulator, target.subscription_id)
    return {s.name: s.target_resource_uri.rsplit("/", 1)[-1]
            for s in client.autoscale_settings.list_by_resource_group(target.resource_group)}


def prod_timeline(emulator_admin, target) -> list[dict]:
    pool_id = target.pool_id(target.prod_pool).lower()
    return [e for e in emulator_admin.get("/_emulator/timeline").json() if e["pool"].lower() == pool_id]


def assert_prod_never_empty_after_first_serving(emulator_admin, target) -> None:
    entries = prod_timeline(emulator_admin, target)
    serving = False
    for entry in entries:
        if entry["healthy"]:
            serving = True
        elif serving:
            raise AssertionError(f"prod backend pool had no healthy member at {entry['at']}: {entries}")
    assert serving, "prod never had a healthy member"


def writes_to(emulator_admin, target, after_seq: int = 0) -> list[dict]:
    return [r for r in emulator_admin.get("/_emulator/requests").json()
            if r["seq"] > after_seq and r["method"] in ("PUT", "PATCH", "POST", "DELETE")
            and f"/resourcegroups/{target.resource_group.lower()}/" in r["path"].lower()]


def last_seq(emulator_admin) -> int:
    requests = emulator_admin.get("/_emulator/requests").json()
    return requests[-1]["seq"] if requests else 0


def test_first_deploy_creates_revision_1_in_prod_tagged_blue(api, arm_emulator, target, seeded):
    deployment = api.deploy(spec_for(target, seeded[0]))
    view = api.wait(deployment)
    assert view["status"] == "Succeeded", api.log(deployment)
    assert view["revision"] == 1 and view["newVmss"] == f"{NEW_NAME}__1" and view["oldVmss"] is None
    assert [s["name"] for s in view["steps"]] == ["Setup", "Upgrade", "Swap", "Downsize"]
    assert all(s["status"] == "Succeeded" for s in view["steps"])

    created = scale_set(arm_emulator, target, f"{NEW_NAME}__1")
    base = scale_set(arm_emulator, target, target.base_vmss)
    assert created.sku.capacity == 2
    assert created.virtual_machine_profile.storage_profile.image_reference.id.lower() == seeded[0].lower()
    assert created.tags[HARNESS_REVISION] == f"{NEW_NAME}__1"
    assert created.tags[NAME] == f"{NEW_NAME}__1"
    assert created.tags[BG_VERSION] == "BLUE"
    assert len(created.tags[CREATED]) == len("20260101T000000Z") and created.tags[CREATED].endswith("Z")
    assert created.tags["team"] == base.tags["team"]
    assert created.virtual_machine_profile.os_profile.computer_name_prefix == \
        base.virtual_machine_profile.os_profile.computer_name_prefix
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__1"}
    assert pool_member_scale_sets(arm_emulator, target, target.stage_pool) == set()
    log = api.log(deployment)
    assert "No old Virtual Machine Scale Set was found with non-zero capacity for down scale" in log
    assert f"Tagging VMSS: [{NEW_NAME}__1] as [BLUE] deployment" in log


def test_second_deploy_swaps_without_a_gap_and_downsizes_the_old(api, arm_emulator, emulator_admin, target, seeded):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded", api.log(first)
    monitor_client(arm_emulator, target.subscription_id).autoscale_settings.create_or_update(
        target.resource_group, f"{NEW_NAME}__1_Autoscale", autoscale_body(target, f"{NEW_NAME}__1", 1, 4, 2))

    second = api.deploy(spec_for(target, seeded[1]))
    view = api.wait(second)
    assert view["status"] == "Succeeded", api.log(second)
    assert view["newVmss"] == f"{NEW_NAME}__2" and view["oldVmss"] == f"{NEW_NAME}__1"

    new, old = scale_set(arm_emulator, target, f"{NEW_NAME}__2"), scale_set(arm_emulator, target, f"{NEW_NAME}__1")
    assert new.tags[BG_VERSION] == "BLUE" and old.tags[BG_VERSION] == "GREEN"
    assert old.sku.capacity == 0 and new.sku.capacity == 2
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__2"}
    assert pool_member_scale_sets(arm_emulator, target, target.stage_pool) == set()
    # The old one's autoscale is cleared; the new one got the old rules, retargeted.
    assert autoscale_targets(arm_emulator, target) == {f"{NEW_NAME}__2_Autoscale": f"{NEW_NAME}__2"}
    assert_prod_never_empty_after_first_serving(emulator_admin, target)
    log = api.log(second)
    assert (f"Sending request to attach virtual machine scale set:[{NEW_NAME}__2] to prod backend pool:"
            f"[{target.prod_pool}]") in log
    assert "Swap backend pool completed successfully" in log


def test_swap_uses_one_model_change_and_one_manual_upgrade_per_scale_set(api, emulator_admin, target, seeded):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    before = last_seq(emulator_admin)
    second = api.deploy(spec_for(target, seeded[1], downsizeOldVmss=False))
    assert api.wait(second)["status"] == "Succeeded", api.log(second)
    writes = writes_to(emulator_admin, target, before)

    def count(method: str, vmss: str, suffix: str = "") -> int:
        return sum(1 for w in writes if w["method"] == method
                   and w["path"].lower().endswith(f"/virtualmachinescalesets/{vmss}{suffix}".lower()))

    # Old: one PATCH (out of prod + GREEN tag), one manualupgrade. New: the capacity PATCH, then one
    # PATCH (stage -> prod + BLUE tag) and one manualupgrade. No full-model PUT of an existing scale set.
    assert count("PATCH", f"{NEW_NAME}__1") == 1, writes
    assert count("POST", f"{NEW_NAME}__1", "/manualupgrade") == 1, writes
    assert count("PATCH", f"{NEW_NAME}__2") == 2, writes
    assert count("POST", f"{NEW_NAME}__2", "/manualupgrade") == 1, writes
    assert count("PUT", f"{NEW_NAME}__2") == 1 and count("PUT", f"{NEW_NAME}__1") == 0, writes


def test_fourth_deploy_with_three_versions_kept_deletes_the_first(api, arm_emulator, target, seeded, seeder):
    images = seeded + [seeder.image_version("1.2.0"), seeder.image_version("1.3.0")]
    for image in images[:3]:
        deployment = api.deploy(spec_for(target, image))
        assert api.wait(deployment)["status"] == "Succeeded", api.log(deployment)
    assert {f"{NEW_NAME}__1", f"{NEW_NAME}__2", f"{NEW_NAME}__3"} <= scale_set_names(arm_emulator, target)

    fourth = api.deploy(spec_for(target, images[3], versionsToKeep=3))
    assert api.wait(fourth)["status"] == "Succeeded", api.log(fourth)
    names = scale_set_names(arm_emulator, target)
    assert f"{NEW_NAME}__1" not in names
    assert {f"{NEW_NAME}__2", f"{NEW_NAME}__3", f"{NEW_NAME}__4"} <= names
    assert scale_set(arm_emulator, target, f"{NEW_NAME}__2").sku.capacity == 0
    log = api.log(fourth)
    assert log.index(f"[{NEW_NAME}__1]") < log.index(f"Creating new Virtual Machine Scale Set: [{NEW_NAME}__4]")


def autoscale_body(target, vmss_name, minimum, maximum, default):
    vmss_id = f"{target.rg_id}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmss_name}"
    rule = mm.ScaleRule(
        metric_trigger=mm.MetricTrigger(metric_name="Percentage CPU", metric_resource_uri=vmss_id,
                                        time_grain="PT1M", statistic="Average", time_window="PT5M",
                                        time_aggregation="Average", operator="GreaterThan", threshold=75),
        scale_action=mm.ScaleAction(direction="Increase", type="ChangeCount", value="1", cooldown="PT5M"))
    return mm.AutoscaleSettingResource(
        location=target.location, target_resource_uri=vmss_id, enabled=True,
        profiles=[mm.AutoscaleProfile(name="Profile1", rules=[rule], capacity=mm.ScaleCapacity(
            minimum=str(minimum), maximum=str(maximum), default=str(default)))])


def test_same_as_running_copies_profile1_and_percent_50_of_5_gives_3(api, arm_emulator, target, seeded):
    first = api.deploy(spec_for(target, seeded[0], instances={"mode": "fixed", "min": 1, "max": 6, "desired": 2}))
    assert api.wait(first)["status"] == "Succeeded"
    monitor_client(arm_emulator, target.subscription_id).autoscale_settings.create_or_update(
        target.resource_group, "web-autoscale", autoscale_body(target, f"{NEW_NAME}__1", 2, 8, 5))

    second = api.deploy(spec_for(target, seeded[1], instances={"mode": "sameAsRunning"},
                                 upgrade={"unit": "percent", "value": 50}))
    view = api.wait(second)
    assert view["status"] == "Succeeded", api.log(second)
    assert view["capacity"]["desired"] == 3
    assert scale_set(arm_emulator, target, f"{NEW_NAME}__2").sku.capacity == 3
    settings = {s.name: s for s in monitor_client(arm_emulator, target.subscription_id)
                .autoscale_settings.list_by_resource_group(target.resource_group)}
    attached = settings[f"{NEW_NAME}__2_Autoscale"]
    profile = attached.profiles[0]
    assert (profile.capacity.minimum, profile.capacity.maximum, profile.capacity.default) == ("2", "8", "5")
    assert profile.rules[0].metric_trigger.metric_resource_uri.lower().endswith(f"/{NEW_NAME}__2".lower())


def test_unhealthy_image_times_out_and_rolls_back_keeping_prod_on_the_old(
        api, arm_emulator, emulator_admin, target, seeded, seeder):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    bad = seeder.image_version("2.0.0", tags={"emulator.health": "unhealthy"})

    second = api.deploy(spec_for(target, bad, steadyStateTimeoutMinutes=2, pollIntervalSeconds=10))
    view = api.wait(second, timeout=180)
    assert view["status"] == "RolledBack", api.log(second)
    assert "Timed out" in view["error"] and "Upgrade" in view["error"]
    assert f"{NEW_NAME}__2" not in scale_set_names(arm_emulator, target)
    old = scale_set(arm_emulator, target, f"{NEW_NAME}__1")
    assert old.tags[BG_VERSION] == "BLUE" and old.sku.capacity == 2
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__1"}
    assert pool_member_scale_sets(arm_emulator, target, target.stage_pool) == set()
    assert_prod_never_empty_after_first_serving(emulator_admin, target)
    log = api.log(second)
    assert "Timed out waiting for" in log and "Rollback completed successfully" in log


@pytest.mark.parametrize("action, expected", [("approve", "Succeeded"), ("reject", "RolledBack")])
def test_approval_decides_between_swap_and_rollback(api, arm_emulator, target, seeded, action, expected):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    second = api.deploy(spec_for(target, seeded[1], approval={"required": True, "timeoutMinutes": 60,
                                                              "onTimeout": "reject"}))
    waiting = api.wait(second, statuses={"AwaitingApproval"}, timeout=90)
    assert waiting["phase"] == "Approval"
    assert api.decide(second, action).status_code == 202
    view = api.wait(second)
    assert view["status"] == expected, api.log(second)
    serving = f"{NEW_NAME}__2" if expected == "Succeeded" else f"{NEW_NAME}__1"
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {serving}
    assert api.decide(second, "approve").status_code == 409


def test_approval_timeout_with_reject_rolls_back(api, arm_emulator, target, seeded):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    second = api.deploy(spec_for(target, seeded[1], approval={"required": True, "timeoutMinutes": 1,
                                                              "onTimeout": "reject"}))
    view = api.wait(second, timeout=120)
    assert view["status"] == "RolledBack" and "timed out" in view["error"], api.log(second)
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__1"}


def test_scale_down_delay_keeps_the_old_at_size_and_rollback_puts_it_back(
        api, arm_emulator, emulator_admin, target, seeded):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    second = api.deploy(spec_for(target, seeded[1], scaleDownDelaySeconds=3600))
    api.wait(second, phase="ScaleDownDelay", timeout=90)
    old = scale_set(arm_emulator, target, f"{NEW_NAME}__1")
    assert old.sku.capacity == 2 and old.tags[BG_VERSION] == "GREEN"
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__2"}

    assert api.act(second, "rollback").status_code == 202
    view = api.wait(second)
    assert view["status"] == "RolledBack", api.log(second)
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__1"}
    assert scale_set(arm_emulator, target, f"{NEW_NAME}__1").tags[BG_VERSION] == "BLUE"
    assert f"{NEW_NAME}__2" not in scale_set_names(arm_emulator, target)
    assert_prod_never_empty_after_first_serving(emulator_admin, target)


def test_two_concurrent_posts_for_one_target_get_one_202_and_one_409(api, target, seeded):
    spec = spec_for(target, seeded[0])
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(lambda _: api.start(spec), range(2)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [202, 409], [r.text for r in responses]
    accepted = next(r for r in responses if r.status_code == 202).json()["id"]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["id"] == accepted and accepted in refused["error"]["message"]
    assert api.wait(accepted)["status"] == "Succeeded"
    again = api.start(spec)
    assert again.status_code == 202, again.text
    assert api.wait(again.json()["id"])["status"] == "Succeeded"


MALFORMED = {
    "missing subscription": lambda s: s.pop("subscriptionId"),
    "non-GUID subscription": lambda s: s.update(subscriptionId="not-a-guid"),
    "missing resource group": lambda s: s.pop("resourceGroup"),
    "missing base scale set": lambda s: s.pop("baseVmss"),
    "missing image": lambda s: s.pop("image"),
    "image is not a gallery version": lambda s: s.update(image="/subscriptions/x/images/y"),
    "min above max": lambda s: s.update(instances={"mode": "fixed", "min": 5, "max": 3, "desired": 4}),
    "desired above max": lambda s: s.update(instances={"mode": "fixed", "min": 1, "max": 3, "desired": 4}),
    "max above 1000": lambda s: s.update(instances={"mode": "fixed", "min": 1, "max": 1001, "desired": 4}),
    "unknown instances mode": lambda s: s.update(instances={"mode": "elastic"}),
    "percent 0": lambda s: s.update(upgrade={"unit": "percent", "value": 0}),
    "percent 101": lambda s: s.update(upgrade={"unit": "percent", "value": 101}),
    "count above max": lambda s: s.update(upgrade={"unit": "count", "value": 9}),
    "equal pools": lambda s: s.update(stageBackendPool=s["prodBackendPool"]),
    "unknown field": lambda s: s.update(colour="blue"),
    "poll interval 0": lambda s: s.update(pollIntervalSeconds=0),
    "timeout above a day": lambda s: s.update(steadyStateTimeoutMinutes=1441),
    "keep only one version": lambda s: s.update(versionsToKeep=1),
    "unknown resize strategy": lambda s: s.update(resizeStrategy="sideways"),
    "user data not base64": lambda s: s.update(userData="***"),
    "no name and no app/service/env": lambda s: [s.pop(k) for k in ("app", "service", "env")],
}


def test_twenty_malformed_specs_get_400_with_field_details_and_write_nothing(api, emulator_admin, target, seeded):
    before = last_seq(emulator_admin)
    for label, breaks in MALFORMED.items():
        spec = spec_for(target, seeded[0])
        breaks(spec)
        response = api.start(spec)
        assert response.status_code == 400, (label, response.text)
        error = response.json()["error"]
        assert error["details"] and all("field" in d and d["message"] for d in error["details"]), (label, error)
    assert writes_to(emulator_admin, target, before) == []
    assert api.http.post("/api/deployments", content=b"{not json",
                         headers={"Content-Type": "application/json"}).status_code == 400


@pytest.mark.parametrize("broken", [{"stageBackendPool": "no-such-pool"}, {"baseVmss": "no-such-base"},
                                    {"loadBalancer": "no-such-lb"}])
def test_unknown_pool_or_base_fails_at_setup_before_any_write(api, emulator_admin, target, seeded, broken):
    before = last_seq(emulator_admin)
    deployment = api.deploy(spec_for(target, seeded[0], **broken))
    view = api.wait(deployment)
    assert view["status"] == "Failed" and view["steps"][0]["status"] == "Failed"
    assert next(iter(broken.values())) in view["error"]
    assert writes_to(emulator_admin, target, before) == []


def test_requests_without_a_function_key_get_401(devhost, api):
    import httpx

    assert httpx.get(f"{devhost.url}/api/deployments").status_code == 401
    assert api.http.get("/api/deployments/does-not-exist").status_code == 404


def test_list_is_newest_first_and_filters_by_status_and_resource_group(api, target, seeded):
    first = api.deploy(spec_for(target, seeded[0]))
    api.wait(first)
    second = api.deploy(spec_for(target, seeded[1], baseVmss="missing-base"))
    api.wait(second)
    listed = api.http.get("/api/deployments", params={"resourceGroup": target.resource_group}).json()["value"]
    assert [d["id"] for d in listed] == [second, first]
    failed = api.http.get("/api/deployments", params={"resourceGroup": target.resource_group,
                                                      "status": "Failed"}).json()["value"]
    assert [d["id"] for d in failed] == [second]



def test_downsize_old_first_frees_the_old_capacity_before_autoscale_is_attached(api, arm_emulator, target, seeded):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    monitor_client(arm_emulator, target.subscription_id).autoscale_settings.create_or_update(
        target.resource_group, "web-autoscale", autoscale_body(target, f"{NEW_NAME}__1", 1, 4, 2))

    second = api.deploy(spec_for(target, seeded[1], resizeStrategy="downsizeOldFirst"))
    assert api.wait(second)["status"] == "Succeeded", api.log(second)
    log = api.log(second)
    downscaled = log.index(f"Downscaled old Virtual Machine Scale Set: [{NEW_NAME}__1]")
    attached = log.index(f"Attaching autoscale setting [{NEW_NAME}__2_Autoscale]")
    assert downscaled < attached
    assert autoscale_targets(arm_emulator, target) == {f"{NEW_NAME}__2_Autoscale": f"{NEW_NAME}__2"}


def test_a_long_steady_state_wait_continues_as_new_so_its_history_stays_bounded(api, devhost, target, seeded, seeder):
    bad = seeder.image_version("3.0.0", tags={"emulator.health": "unhealthy"})
    deployment = api.deploy(spec_for(target, bad, steadyStateTimeoutMinutes=10, pollIntervalSeconds=1))
    assert api.wait(deployment, timeout=300)["status"] == "RolledBack", api.log(deployment)
    wait = api.http.get(f"/runtime/webhooks/durabletask/instances/{deployment}-wait-1",
                        params={"showHistory": "true", "showInput": "true", "code": devhost.durable_key}).json()
    assert wait["runtimeStatus"] == "Completed"
    # The virtual clock guarantees the wait lasted its 10 minutes, not how many 1 s polls fit in them on
    # this machine (each poll's real latency is worth seconds of scaled time). Whatever that number: every
    # POLLS_PER_GENERATION polls began a new generation, and only the last generation's history is kept.
    polls = wait["customStatus"]["polls"]
    assert 1 <= polls <= 10 * 60 + 1
    generation = wait["input"] if isinstance(wait["input"], dict) else json.loads(wait["input"])
    assert generation["polls_done"] == (polls - 1) // POLLS_PER_GENERATION * POLLS_PER_GENERATION
    reads = [e for e in wait["historyEvents"]
             if e["EventType"] == "TaskCompleted" and e["FunctionName"] == "read_instance_counts"]
    assert 1 <= len(reads) == polls - generation["polls_done"] <= POLLS_PER_GENERATION


SWAP_FAULTS = {
    # The old scale set cannot leave prod (a 400 is not retried by the SDK; 3 tries use up the activity's retries).
    "old scale set's model change refused": {"method": "PATCH", "path": f"/virtualMachineScaleSets/{NEW_NAME}__1$",
                                             "status": 400, "times": 3},
    # The new scale set's instances never pick up the prod pool.
    "new scale set's manual upgrade fails": {"method": "POST", "path": f"/virtualMachineScaleSets/{NEW_NAME}__2/manualupgrade$",
                                             "lroStatus": "Failed", "times": 3},
}


@pytest.mark.parametrize("fault", SWAP_FAULTS.values(), ids=SWAP_FAULTS.keys())
def test_a_failure_during_the_swap_rolls_back_without_a_prod_gap(
        api, arm_emulator, emulator_admin, target, seeded, fault):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    # Fault paths are matched against every resource group: scope them to this test's.
    scoped = {**fault, "path": f"(?i)/resourceGroups/{target.resource_group}/.*{fault['path']}"}
    assert emulator_admin.post("/_emulator/faults", json=scoped).status_code in (200, 201)

    second = api.deploy(spec_for(target, seeded[1]))
    view = api.wait(second)
    assert view["status"] == "RolledBack", api.log(second)
    assert "Swap" in view["error"]
    assert [s["status"] for s in view["steps"] if s["name"] in ("Swap", "Rollback")] == ["Failed", "Succeeded"]
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__1"}
    assert pool_member_scale_sets(arm_emulator, target, target.stage_pool) == set()
    old = scale_set(arm_emulator, target, f"{NEW_NAME}__1")
    assert old.tags[BG_VERSION] == "BLUE" and old.sku.capacity == 2
    assert f"{NEW_NAME}__2" not in scale_set_names(arm_emulator, target)
    assert_prod_never_empty_after_first_serving(emulator_admin, target)


def test_a_terminated_deployment_does_not_leave_its_target_locked(api, target, seeded):
    waiting_spec = spec_for(target, seeded[0], approval={"required": True, "timeoutMinutes": 600})
    started = api.start(waiting_spec)
    assert started.status_code == 202
    stuck = started.json()
    api.wait(stuck["id"], statuses={"AwaitingApproval"}, timeout=90)
    assert api.start(waiting_spec).status_code == 409

    terminate = stuck["terminatePostUri"].replace("{text}", "operator gave up")
    assert api.http.post(terminate).status_code == 202
    assert api.wait(stuck["id"])["status"] == "Terminated"
    retry = api.start(spec_for(target, seeded[0]))
    assert retry.status_code == 202, retry.text
    assert api.wait(retry.json()["id"])["status"] == "Succeeded"


def test_instances_failing_provisioning_roll_back_at_once_with_the_cause(api, arm_emulator, target, seeded, seeder):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    broken = seeder.image_version("4.0.0", tags={"emulator.provisioning": "failed"})
    second = api.deploy(spec_for(target, broken))
    view = api.wait(second)
    assert view["status"] == "RolledBack", api.log(second)
    assert "failed provisioning" in view["error"] and view["error"].startswith("Upgrade")
    assert f"{NEW_NAME}__2" not in scale_set_names(arm_emulator, target)
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__1"}


def test_accepted_answer_carries_the_status_url_and_the_durable_management_urls(api, devhost, target, seeded):
    response = api.start(spec_for(target, seeded[0]))
    assert response.status_code == 202
    body = response.json()
    assert body["deploymentUri"] == f"/api/deployments/{body['id']}"
    assert response.headers["Location"] == f"{devhost.url}/api/deployments/{body['id']}"
    for key in ("statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri"):
        assert body["id"] in body[key], key
        # as on Azure, they carry the durable extension's system key, never the caller's function key
        assert f"code={devhost.durable_key}" in body[key] and devhost.function_key not in body[key], key
    status = api.http.get(body["statusQueryGetUri"])
    assert status.status_code in (200, 202) and status.json()["instanceId"] == body["id"]
    assert api.wait(body["id"])["status"] == "Succeeded"
