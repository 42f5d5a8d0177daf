"""Scale sets through the gateway, against the ARM emulator (real SDK clients over HTTPS)."""

from __future__ import annotations

import re

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import models as cm

from gateway import compute
from gateway.errors import NotFoundError
from tests.gateway.seed import create_image_version, wait_until

TAGS = {"team": "web", "HARNESS_REVISION": "web__1", "Name": "web__1", "Created": "20261126T050000Z",
        "BG_VERSION": "GREEN"}


def _raw(clients, t, name) -> dict:
    return clients.compute(t.sub).virtual_machine_scale_sets.get(t.rg, name).as_dict()


def _ip_configs(body: dict) -> dict[str, dict]:
    nics = body["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]
    return {f"{nic['name']}/{ip['name']}": ip["properties"] for nic in nics
            for ip in nic["properties"]["ipConfigurations"]}


def _pools(ip_props: dict) -> list[str]:
    return [p["id"].lower() for p in ip_props.get("loadBalancerBackendAddressPools") or []]


def _writes(entries: list[dict]) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in entries if e["method"] in ("PUT", "PATCH", "POST", "DELETE")]


def _create(clients, t, name="web__1", image=None, **kwargs):
    return compute.create_scale_set_from_base(
        clients, t.sub, t.rg, t.base, name, image or t.versions["1.0.0"], TAGS, t.stage_pool_id, **kwargs)


def _wait_provisioned(clients, t, name, count, healthy=None):
    def check():
        counts = compute.instance_counts(clients, t.sub, t.rg, name)
        ok = counts.total == count and counts.provisioned == count
        if healthy is not None:
            ok = ok and counts.healthy == healthy
        return counts if ok else None

    return wait_until(check, timeout=60, what=f"{name} with {count} provisioned instances")


def test_create_from_base_copies_model_image_stage_pool_only_and_tags(clients, target):
    t = target
    image_v2 = create_image_version(clients, t, "2.0.0")
    summary = _create(clients, t, image=image_v2, user_data="ZWNobyBoaQ==")

    assert summary.name == "web__1"
    assert summary.capacity == 0
    assert summary.tags == TAGS
    assert summary.image_id.lower() == image_v2.lower()
    assert [p.lower() for p in summary.pool_ids] == [t.stage_pool_id.lower()]

    base, new = _raw(clients, t, t.base), _raw(clients, t, "web__1")
    assert new["location"] == base["location"]
    assert new["sku"] == {"name": "Standard_D2s_v3", "tier": "Standard", "capacity": 0}
    assert sorted(new["zones"]) == ["1", "2"]
    for key in ("upgradePolicy", "overprovision", "singlePlacementGroup", "orchestrationMode",
                "platformFaultDomainCount"):
        assert new["properties"][key] == base["properties"][key], key
    vm_new, vm_base = new["properties"]["virtualMachineProfile"], base["properties"]["virtualMachineProfile"]
    assert vm_new["osProfile"]["computerNamePrefix"] == vm_base["osProfile"]["computerNamePrefix"]
    assert vm_new["storageProfile"]["imageReference"] == {"id": image_v2}
    assert vm_new["storageProfile"]["osDisk"]["managedDisk"] == vm_base["storageProfile"]["osDisk"]["managedDisk"]
    assert new["properties"]["uniqueId"] != base["properties"].get("uniqueId")

    ips = _ip_configs(new)
    assert _pools(ips["nic-primary/ipconfig-primary"]) == [t.stage_pool_id.lower()]
    assert _pools(ips["nic-primary/ipconfig-secondary"]) == []
    assert _pools(ips["nic-secondary/ipconfig-nic2"]) == []
    assert all(not ip.get("loadBalancerInboundNatPools") for ip in ips.values())
    assert ips["nic-primary/ipconfig-primary"]["subnet"]["id"].lower() == t.subnet_id.lower()

    # userData is not returned by a plain GET; ask for it.
    with_user_data = clients.compute(t.sub).virtual_machine_scale_sets.get(t.rg, "web__1", expand="userData")
    assert with_user_data.as_dict()["properties"]["virtualMachineProfile"].get("userData") == "ZWNobyBoaQ=="

    # The base is left as it was.
    assert sorted(_pools(_ip_configs(base)["nic-primary/ipconfig-primary"])) == sorted(
        [t.prod_pool_id.lower(), t.other_pool_id.lower()])
    assert base["sku"]["capacity"] == 0


def test_create_from_base_is_idempotent(clients, target, emulator_admin):
    t = target
    first = _create(clients, t)
    seq = emulator_admin.last_seq()
    again = _create(clients, t, image=create_image_version(clients, t, "3.0.0"))
    assert again == first
    writes = _writes(emulator_admin.requests_since(seq))
    assert [w for w in writes if "virtualmachinescalesets" in w[1].lower()] == []


def test_create_from_missing_base_names_the_base(clients, target):
    t = target
    with pytest.raises(NotFoundError, match="no_such_base") as err:
        compute.create_scale_set_from_base(clients, t.sub, t.rg, "no_such_base", "web__1",
                                           t.versions["1.0.0"], TAGS, t.stage_pool_id)
    assert err.value.name == "no_such_base"
    assert compute.get_scale_set(clients, t.sub, t.rg, "web__1") is None


def test_get_and_list_scale_sets(clients, target):
    t = target
    assert compute.get_scale_set(clients, t.sub, t.rg, "nope") is None
    _create(clients, t)
    names = {s.name: s for s in compute.list_scale_sets(clients, t.sub, t.rg)}
    assert set(names) == {"web__base", "web__1"}
    base = names["web__base"]
    assert base.tags["team"] == "web"
    assert base.image_id.lower() == t.versions["1.0.0"].lower()
    assert sorted(p.lower() for p in base.pool_ids) == sorted([t.prod_pool_id.lower(), t.other_pool_id.lower()])
    assert base.provisioning_state == "Succeeded"


def test_set_capacity_patches_sku_capacity_and_skips_when_equal(clients, target, emulator_admin):
    t = target
    _create(clients, t)
    seq = emulator_admin.last_seq()
    summary = compute.set_capacity(clients, t.sub, t.rg, "web__1", 2)
    assert summary.capacity == 2
    writes = _writes(emulator_admin.requests_since(seq))
    assert [m for m, _ in writes] == ["PATCH"]
    seq = emulator_admin.last_seq()
    assert compute.set_capacity(clients, t.sub, t.rg, "web__1", 2).capacity == 2
    assert _writes(emulator_admin.requests_since(seq)) == []
    model = _raw(clients, t, "web__1")
    assert model["sku"] == {"name": "Standard_D2s_v3", "tier": "Standard", "capacity": 2}
    with pytest.raises(NotFoundError):
        compute.set_capacity(clients, t.sub, t.rg, "missing", 1)


def test_pools_and_tags_change_in_one_patch_and_no_put(clients, target, emulator_admin):
    t = target
    _create(clients, t)
    before = _raw(clients, t, "web__1")
    blue = {**TAGS, "BG_VERSION": "BLUE"}
    seq = emulator_admin.last_seq()
    assert compute.update_pools_and_tags(clients, t.sub, t.rg, "web__1", remove_pool_ids=[t.stage_pool_id.upper()],
                                         add_pool_ids=[t.prod_pool_id], tags=blue) is True
    entries = emulator_admin.requests_since(seq)
    writes = _writes(entries)
    assert [m for m, _ in writes] == ["PATCH"], writes
    assert not any(e["method"] == "PUT" for e in entries)
    after = _raw(clients, t, "web__1")
    assert after["tags"] == blue
    ips_before, ips_after = _ip_configs(before), _ip_configs(after)
    assert _pools(ips_after["nic-primary/ipconfig-primary"]) == [t.prod_pool_id.lower()]
    for other in ("nic-primary/ipconfig-secondary", "nic-secondary/ipconfig-nic2"):
        assert ips_after[other] == ips_before[other]
    assert after["properties"]["virtualMachineProfile"]["storageProfile"] == \
        before["properties"]["virtualMachineProfile"]["storageProfile"]

    # Already holds: no PATCH at all.
    seq = emulator_admin.last_seq()
    assert compute.update_pools_and_tags(clients, t.sub, t.rg, "web__1", remove_pool_ids=[t.stage_pool_id],
                                         add_pool_ids=[t.prod_pool_id.upper()], tags=blue) is False
    assert _writes(emulator_admin.requests_since(seq)) == []


def test_tags_only_patch_leaves_pools(clients, target, emulator_admin):
    t = target
    _create(clients, t)
    seq = emulator_admin.last_seq()
    assert compute.update_pools_and_tags(clients, t.sub, t.rg, "web__1", tags={"only": "this"}) is True
    assert [m for m, _ in _writes(emulator_admin.requests_since(seq))] == ["PATCH"]
    summary = compute.get_scale_set(clients, t.sub, t.rg, "web__1")
    assert summary.tags == {"only": "this"}
    assert [p.lower() for p in summary.pool_ids] == [t.stage_pool_id.lower()]


def test_manual_upgrade_is_one_call_for_all_stale_instances(clients, target, emulator_admin):
    t = target
    _create(clients, t)
    compute.set_capacity(clients, t.sub, t.rg, "web__1", 3)
    _wait_provisioned(clients, t, "web__1", 3)
    assert compute.manual_upgrade(clients, t.sub, t.rg, "web__1") == 0  # all on the latest model
    compute.update_pools_and_tags(clients, t.sub, t.rg, "web__1", remove_pool_ids=[t.stage_pool_id],
                                  add_pool_ids=[t.prod_pool_id], tags=TAGS)
    counts = compute.instance_counts(clients, t.sub, t.rg, "web__1")
    assert counts.latest_model == 0
    seq = emulator_admin.last_seq()
    assert compute.manual_upgrade(clients, t.sub, t.rg, "web__1") == 3
    entries = emulator_admin.requests_since(seq)
    upgrades = [e for e in entries if e["method"] == "POST" and re.search(r"/manualupgrade$", e["path"], re.I)]
    assert len(upgrades) == 1
    lists = [e for e in entries if e["method"] == "GET" and re.search(r"/virtualmachines$", e["path"], re.I)]
    assert len(lists) == 1
    assert compute.instance_counts(clients, t.sub, t.rg, "web__1").latest_model == 3
    seq = emulator_admin.last_seq()
    assert compute.manual_upgrade(clients, t.sub, t.rg, "web__1") == 0
    assert _writes(emulator_admin.requests_since(seq)) == []


def test_instance_counts_come_from_one_list_call(clients, target, emulator_admin):
    t = target
    _create(clients, t)
    compute.set_capacity(clients, t.sub, t.rg, "web__1", 4)
    _wait_provisioned(clients, t, "web__1", 4, healthy=4)
    seq = emulator_admin.last_seq()
    counts = compute.instance_counts(clients, t.sub, t.rg, "web__1")
    assert counts.to_json() == {"total": 4, "provisioned": 4, "healthy": 4, "failed": 0, "latest_model": 4,
                                "health_reported": 4}
    entries = emulator_admin.requests_since(seq)
    assert [(e["method"], e["path"].rsplit("/", 1)[-1].lower()) for e in entries] == [("GET", "virtualmachines")]
    assert "instanceview" in entries[0]["query"].lower()
    with pytest.raises(NotFoundError):
        compute.instance_counts(clients, t.sub, t.rg, "missing")


def test_a_poll_of_the_instances_is_one_list_and_brings_back_compute_s_remaining_read_budget(
        clients, target, emulator_admin):
    t = target
    _create(clients, t)
    seq = emulator_admin.last_seq()
    first = compute.poll_instances(clients, t.sub, t.rg, "web__1")
    second = compute.poll_instances(clients, t.sub, t.rg, "web__1")
    assert first.counts.total == 0
    assert [e["path"].rsplit("/", 1)[-1].lower() for e in emulator_admin.requests_since(seq)] == \
        ["virtualmachines", "virtualmachines"]
    policy = "Microsoft.Compute/VMScaleSetHighCostGet1Min"  # the scale set's high-cost GET bucket
    assert policy in first.rate_limit_remaining and "Microsoft.Compute/HighCostGetSubscriptionMaximum" in \
        first.rate_limit_remaining
    # the bucket holds 30; each answer is what was left after that very request
    assert all(0 <= poll.rate_limit_remaining[policy] < 30 for poll in (first, second))


def test_instance_counts_see_unhealthy_instances(clients, target):
    t = target
    sick = create_image_version(clients, t, "4.0.0", tags={"emulator.health": "unhealthy"})
    _create(clients, t, name="web__2", image=sick)
    compute.set_capacity(clients, t.sub, t.rg, "web__2", 2)
    counts = _wait_provisioned(clients, t, "web__2", 2)
    assert (counts.provisioned, counts.healthy, counts.failed) == (2, 0, 0)


def test_scale_out_with_failing_provisioning_raises_and_counts_show_failed(clients, target):
    t = target
    broken = create_image_version(clients, t, "5.0.0", tags={"emulator.provisioning": "failed"})
    _create(clients, t, name="web__3", image=broken)
    # Like Azure, the scale operation itself fails when its instances fail OS provisioning.
    with pytest.raises(HttpResponseError, match="OSProvisioning"):
        compute.set_capacity(clients, t.sub, t.rg, "web__3", 2)
    counts = compute.instance_counts(clients, t.sub, t.rg, "web__3")
    assert (counts.total, counts.provisioned, counts.healthy, counts.failed) == (2, 0, 0, 2)


def test_set_capacity_without_waiting_returns_once_accepted(clients, target):
    t = target
    _create(clients, t)
    accepted = compute.set_capacity(clients, t.sub, t.rg, "web__1", 3, wait=False)
    assert accepted.capacity == 3
    counts = _wait_provisioned(clients, t, "web__1", 3, healthy=3)
    assert counts.latest_model == 3


def test_delete_scale_set_is_idempotent(clients, target, emulator_admin):
    t = target
    _create(clients, t)
    assert compute.delete_scale_set(clients, t.sub, t.rg, "web__1") is True
    assert compute.get_scale_set(clients, t.sub, t.rg, "web__1") is None
    seq = emulator_admin.last_seq()
    assert compute.delete_scale_set(clients, t.sub, t.rg, "web__1") is False
    assert _writes(emulator_admin.requests_since(seq)) == []


def test_throttled_write_is_retried_after_retry_after(clients, target, emulator_admin):
    t = target
    _create(clients, t)
    path = f"/resourceGroups/{t.rg}/providers/Microsoft.Compute/virtualMachineScaleSets/web__1$"
    emulator_admin.call("POST", "/_emulator/faults",
                        {"method": "PATCH", "path": path, "status": 429, "times": 1, "retryAfter": "1"})
    seq = emulator_admin.last_seq()
    assert compute.set_capacity(clients, t.sub, t.rg, "web__1", 1).capacity == 1
    patches = [e["status"] for e in emulator_admin.requests_since(seq) if e["method"] == "PATCH"]
    assert patches == [429, 200]


def test_a_long_retry_after_is_raised_at_once_for_the_orchestrator_to_wait_out(clients, target, emulator_admin):
    # Sleeping a minutes-long throttling window inside an activity is what durable timers are for.
    t = target
    _create(clients, t)
    path = f"/resourceGroups/{t.rg}/providers/Microsoft.Compute/virtualMachineScaleSets/web__1$"
    try:
        emulator_admin.call("POST", "/_emulator/faults",
                            {"method": "PATCH", "path": path, "status": 429, "times": 1, "retryAfter": "600"})
        seq = emulator_admin.last_seq()
        with pytest.raises(HttpResponseError) as err:
            compute.set_capacity(clients, t.sub, t.rg, "web__1", 1)
        assert err.value.status_code == 429
        assert [e["status"] for e in emulator_admin.requests_since(seq) if e["method"] == "PATCH"] == [429]
    finally:
        emulator_admin.call("DELETE", "/_emulator/faults")


def test_persistent_throttling_and_failed_operations_propagate(clients, target, emulator_admin):
    t = target
    _create(clients, t)
    path = f"/resourceGroups/{t.rg}/providers/Microsoft.Compute/virtualMachineScaleSets/web__1$"
    try:
        emulator_admin.call("POST", "/_emulator/faults",
                            {"method": "PATCH", "path": path, "status": 429, "times": 20, "retryAfter": "0"})
        with pytest.raises(HttpResponseError) as err:
            compute.set_capacity(clients, t.sub, t.rg, "web__1", 1)
        assert err.value.status_code == 429
    finally:
        emulator_admin.call("DELETE", "/_emulator/faults")
    emulator_admin.call("POST", "/_emulator/faults", {"method": "PATCH", "path": path, "lroStatus": "Failed", "times": 1})
    with pytest.raises(HttpResponseError):
        compute.update_pools_and_tags(clients, t.sub, t.rg, "web__1", tags={"a": "b"})


def test_merge_tags_lays_tags_over_the_fresh_ones(clients, target, emulator_admin):
    t = target
    _create(clients, t)
    seq = emulator_admin.last_seq()
    assert compute.update_pools_and_tags(clients, t.sub, t.rg, "web__1", merge_tags={"BG_VERSION": "BLUE"}) is True
    assert compute.get_scale_set(clients, t.sub, t.rg, "web__1").tags == {**TAGS, "BG_VERSION": "BLUE"}
    assert compute.update_pools_and_tags(clients, t.sub, t.rg, "web__1", merge_tags={"BG_VERSION": "BLUE"}) is False
    assert [m for m, _ in _writes(emulator_admin.requests_since(seq))] == ["PATCH"]


# -- health monitoring and what a base model can be copied from -----------------------------------


def test_instance_counts_report_health_only_where_the_scale_set_monitors_it(clients, target):
    from domain.steady_state import describe, is_steady
    from tests.gateway.seed import create_base_scale_set

    t = target
    assert compute.health_monitoring(clients, t.sub, t.rg, t.base) == "healthProbe"
    create_base_scale_set(clients, t, t.versions["1.0.0"], health_probe=False, name="plain__base")
    assert compute.health_monitoring(clients, t.sub, t.rg, "plain__base") is None

    for base, name in ((t.base, "web__1"), ("plain__base", "plain__1")):
        compute.create_scale_set_from_base(clients, t.sub, t.rg, base, name, t.versions["1.0.0"], TAGS,
                                           t.stage_pool_id)
        compute.set_capacity(clients, t.sub, t.rg, name, 2)
    monitored = _wait_provisioned(clients, t, "web__1", 2, healthy=2)
    plain = _wait_provisioned(clients, t, "plain__1", 2)
    assert (monitored.healthy, monitored.health_reported) == (2, 2)
    assert (plain.provisioned, plain.healthy, plain.health_reported) == (2, 0, 0)
    # Without monitoring, provisioning alone makes the scale set steady (Harness's criterion).
    assert is_steady(monitored, 2) and is_steady(plain, 2)
    assert "health not monitored" in describe(plain, 2)


def test_unhealthy_monitored_instances_report_and_are_not_steady(clients, target):
    from domain.steady_state import is_steady

    t = target
    sick = create_image_version(clients, t, "6.0.0", tags={"emulator.health": "unhealthy"})
    _create(clients, t, name="web__6", image=sick)
    compute.set_capacity(clients, t.sub, t.rg, "web__6", 2)
    counts = _wait_provisioned(clients, t, "web__6", 2)
    assert (counts.healthy, counts.health_reported) == (0, 2)
    assert not is_steady(counts, 2)


def _writes_to_scale_sets(emulator_admin, seq):
    return [w for w in _writes(emulator_admin.requests_since(seq)) if "virtualmachinescalesets" in w[1].lower()]


@pytest.mark.parametrize("os_config, reason", [
    ({"windowsConfiguration": {"provisionVMAgent": True}}, "password authentication (Windows)"),
    ({"linuxConfiguration": {"disablePasswordAuthentication": False}}, "password authentication (Linux"),
])
def test_a_password_auth_base_is_refused_before_any_write(clients, target, emulator_admin, os_config, reason):
    from tests.gateway.seed import base_scale_set_body

    t = target
    body = base_scale_set_body(t, t.versions["1.0.0"])
    os_profile = body["properties"]["virtualMachineProfile"]["osProfile"]
    os_profile.pop("linuxConfiguration")
    os_profile.update(os_config, adminPassword="Base-Passw0rd!")
    clients.compute(t.sub).virtual_machine_scale_sets.begin_create_or_update(t.rg, "pw__base", body).result()

    seq = emulator_admin.last_seq()
    with pytest.raises(compute.BaseScaleSetNotCopyable, match="pw__base") as err:
        compute.create_scale_set_from_base(clients, t.sub, t.rg, "pw__base", "pw__1", t.versions["1.0.0"], TAGS,
                                           t.stage_pool_id)
    assert reason in str(err.value) and "admin password" in str(err.value)
    assert err.value.base_name == "pw__base"
    assert _writes_to_scale_sets(emulator_admin, seq) == []
    assert compute.get_scale_set(clients, t.sub, t.rg, "pw__1") is None


def test_the_emulator_refuses_a_copy_of_a_password_auth_base_like_azure(clients, target):
    """What the check prevents: Azure answers 400 InvalidParameter (adminPassword) to the copy."""
    from tests.gateway.seed import base_scale_set_body

    t = target
    body = base_scale_set_body(t, t.versions["1.0.0"])
    body["properties"]["virtualMachineProfile"]["osProfile"]["linuxConfiguration"] = {
        "disablePasswordAuthentication": False}
    body["properties"]["virtualMachineProfile"]["osProfile"]["adminPassword"] = "Base-Passw0rd!"
    vmss = clients.compute(t.sub).virtual_machine_scale_sets
    vmss.begin_create_or_update(t.rg, "pw__base", body).result()
    copy_body = compute.new_scale_set_body(vmss.get(t.rg, "pw__base"), t.versions["1.0.0"], TAGS, t.stage_pool_id)
    with pytest.raises(HttpResponseError) as err:
        vmss.begin_create_or_update(t.rg, "pw__1", cm.VirtualMachineScaleSet(copy_body)).result()
    assert err.value.status_code == 400 and err.value.error.target == "adminPassword"


def test_a_flexible_base_is_refused_before_any_write(clients, target, emulator_admin):
    from tests.gateway.seed import base_scale_set_body

    t = target
    body = base_scale_set_body(t, t.versions["1.0.0"])
    body["properties"]["orchestrationMode"] = "Flexible"
    clients.compute(t.sub).virtual_machine_scale_sets.begin_create_or_update(t.rg, "flex__base", body).result()
    seq = emulator_admin.last_seq()
    with pytest.raises(compute.BaseScaleSetNotCopyable, match="flex__base.*Flexible"):
        compute.create_scale_set_from_base(clients, t.sub, t.rg, "flex__base", "flex__1", t.versions["1.0.0"], TAGS,
                                           t.stage_pool_id)
    assert _writes_to_scale_sets(emulator_admin, seq) == []


def test_base_copy_problems_of_good_and_bad_models():
    ssh = {"properties": {"virtualMachineProfile": {"osProfile": {
        "adminUsername": "u", "linuxConfiguration": {"disablePasswordAuthentication": True}}}}}
    assert compute.base_copy_problems(ssh) == []
    assert compute.base_copy_problems({"properties": {"virtualMachineProfile": {}}}) == []  # specialized image
    both = {"properties": {"orchestrationMode": "Flexible", "virtualMachineProfile": {"osProfile": {
        "linuxConfiguration": {}}}}}
    assert len(compute.base_copy_problems(both)) == 2


def test_manual_upgrade_is_left_to_azure_for_automatic_upgrade_policies(clients, target, emulator_admin):
    t = target
    _create(clients, t)
    compute.set_capacity(clients, t.sub, t.rg, "web__1", 2)
    _wait_provisioned(clients, t, "web__1", 2)
    clients.compute(t.sub).virtual_machine_scale_sets.begin_update(t.rg, "web__1", cm.VirtualMachineScaleSetUpdate(
        upgrade_policy=cm.UpgradePolicy(mode="Automatic"))).result()
    compute.update_pools_and_tags(clients, t.sub, t.rg, "web__1", remove_pool_ids=[t.stage_pool_id],
                                  add_pool_ids=[t.prod_pool_id])
    seq = emulator_admin.last_seq()
    assert compute.manual_upgrade(clients, t.sub, t.rg, "web__1") == 0
    assert _writes(emulator_admin.requests_since(seq)) == []
    # Azure applies the model by itself: the instances reach it without any manualupgrade.
    wait_until(lambda: compute.instance_counts(clients, t.sub, t.rg, "web__1").latest_model == 2, timeout=60,
               what="the automatic upgrade")


def test_inspect_base_reads_once_and_reports_problems_and_monitoring(clients, target, emulator_admin):
    t = target
    seq = emulator_admin.last_seq()
    inspected = compute.inspect_base(clients, t.sub, t.rg, t.base)
    assert [e["method"] for e in emulator_admin.requests_since(seq)] == ["GET"]
    assert inspected.summary.name == t.base and inspected.problems == []
    assert inspected.health_monitoring == "healthProbe"
    assert compute.inspect_base(clients, t.sub, t.rg, "missing") is None


def test_initializing_instances_report_health_but_are_not_healthy(clients, target):
    from domain.steady_state import is_steady

    t = target
    warming = create_image_version(clients, t, "7.0.0", tags={"emulator.health": "initializing"})
    _create(clients, t, name="web__7", image=warming)
    compute.set_capacity(clients, t.sub, t.rg, "web__7", 2)
    counts = _wait_provisioned(clients, t, "web__7", 2)
    assert (counts.healthy, counts.health_reported) == (0, 2)
    assert not is_steady(counts, 2)
