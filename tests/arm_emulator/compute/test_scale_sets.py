"""Scale sets through the real azure-mgmt-compute client: the acceptance scenario of issue 2 and
the semantics the deployer leans on (instance ids, model versions, pool membership, health)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import models as cm

from tests.arm_emulator.conftest import pool_members, scale_set, wait_until


def _vms(compute, rg, name):
    return list(compute.virtual_machine_scale_set_vms.list(rg, name, expand="instanceView"))


def _health(vm) -> str | None:
    view = vm.instance_view
    return view.vm_health.status.code if view and view.vm_health else None


def test_scale_to_five_then_move_pools_with_manualupgrade_then_delete(compute, network, http, seed):
    rg = seed.rg
    image = seed.version(compute, "1.0.0")
    created = compute.virtual_machine_scale_sets.begin_create_or_update(
        rg, "web", scale_set(image.id, [seed.stage_pool], capacity=0, health_probe=seed.probe)).result()
    assert created.provisioning_state == "Succeeded"
    assert created.sku.capacity == 0

    compute.virtual_machine_scale_sets.begin_update(
        rg, "web", cm.VirtualMachineScaleSetUpdate(sku=cm.Sku(name="Standard_D2s_v3", capacity=5))).result()
    vms = _vms(compute, rg, "web")
    assert [vm.name for vm in vms] == [f"web_{i}" for i in range(5)]
    assert {vm.provisioning_state for vm in vms} == {"Succeeded"}
    assert {_health(vm) for vm in vms} == {"HealthState/healthy"}
    statuses = {s.code for s in vms[0].instance_view.statuses}
    assert {"ProvisioningState/succeeded", "PowerState/running"} <= statuses
    assert len(pool_members(network, rg, "stage-pool")) == 5
    assert pool_members(network, rg, "prod-pool") == []

    # move the model's pool reference from stage to prod: nothing moves until manualupgrade
    current = compute.virtual_machine_scale_sets.get(rg, "web")
    nic = current.virtual_machine_profile.network_profile.network_interface_configurations[0]
    nic.ip_configurations[0].load_balancer_backend_address_pools = [cm.SubResource(id=seed.prod_pool)]
    compute.virtual_machine_scale_sets.begin_update(rg, "web", cm.VirtualMachineScaleSetUpdate(
        virtual_machine_profile=cm.VirtualMachineScaleSetUpdateVMProfile(
            network_profile=cm.VirtualMachineScaleSetUpdateNetworkProfile(network_interface_configurations=[
                cm.VirtualMachineScaleSetUpdateNetworkConfiguration(
                    name="nic", primary=True, ip_configurations=[cm.VirtualMachineScaleSetUpdateIPConfiguration(
                        name="ipconfig", load_balancer_backend_address_pools=[
                            cm.SubResource(id=seed.prod_pool)])])])))).result()
    vms = _vms(compute, rg, "web")
    assert {vm.latest_model_applied for vm in vms} == {False}
    assert len(pool_members(network, rg, "stage-pool")) == 5
    assert pool_members(network, rg, "prod-pool") == []
    # each VM still reports the network configuration of the model it runs
    old_pools = vms[0].network_profile_configuration.network_interface_configurations[0] \
        .ip_configurations[0].load_balancer_backend_address_pools
    assert [p.id for p in old_pools] == [seed.stage_pool]

    compute.virtual_machine_scale_sets.begin_update_instances(
        rg, "web", cm.VirtualMachineScaleSetVMInstanceRequiredIDs(instance_ids=[vm.instance_id for vm in vms])).result()
    vms = _vms(compute, rg, "web")
    assert {vm.latest_model_applied for vm in vms} == {True}
    assert pool_members(network, rg, "stage-pool") == []
    prod = pool_members(network, rg, "prod-pool")
    assert prod == sorted(f"{vm.id}/networkInterfaces/nic/ipConfigurations/ipconfig" for vm in vms)

    timeline = http.get("/_emulator/timeline").json()
    prod_entries = [e for e in timeline if e["pool"].lower() == seed.prod_pool.lower()]
    stage_entries = [e for e in timeline if e["pool"].lower() == seed.stage_pool.lower()]
    assert prod_entries[-1]["members"] == sorted(vm.id for vm in vms)
    assert prod_entries[-1]["healthy"] == sorted(vm.id for vm in vms)
    assert stage_entries[-1]["members"] == []
    # the move happened in one step at the upgrade's end, after stage had 5 healthy members
    assert any(len(e["healthy"]) == 5 for e in stage_entries)
    assert prod_entries[-1]["at"] >= stage_entries[-2]["at"]

    compute.virtual_machine_scale_sets.begin_delete(rg, "web").result()
    with pytest.raises(ResourceNotFoundError) as info:
        compute.virtual_machine_scale_sets.get(rg, "web")
    assert info.value.error.code == "ResourceNotFound"
    assert pool_members(network, rg, "prod-pool") == []
    assert http.get("/_emulator/timeline").json()[-1]["members"] == []


def test_unhealthy_image_version_gives_unhealthy_instances(compute, network, http, seed):
    bad = seed.version(compute, "2.0.0", tags={"emulator.health": "unhealthy"})
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "sick", scale_set(bad.id, [seed.stage_pool], capacity=2, health_extension=True)).result()
    vms = _vms(compute, seed.rg, "sick")
    assert {vm.provisioning_state for vm in vms} == {"Succeeded"}
    assert {_health(vm) for vm in vms} == {"HealthState/unhealthy"}
    view = compute.virtual_machine_scale_set_vms.get_instance_view(seed.rg, "sick", "0")
    assert view.vm_health.status.code == "HealthState/unhealthy"
    stage = [e for e in http.get("/_emulator/timeline").json() if e["pool"].lower() == seed.stage_pool.lower()]
    assert len(stage[-1]["members"]) == 2 and stage[-1]["healthy"] == []


def test_instances_of_a_failing_image_fail_provisioning_and_the_operation_fails(compute, seed):
    bad = seed.version(compute, "3.0.0", tags={"emulator.provisioning": "failed"})
    with pytest.raises(HttpResponseError) as info:
        compute.virtual_machine_scale_sets.begin_create_or_update(
            seed.rg, "broken", scale_set(bad.id, [], capacity=2)).result()
    assert "OSProvisioningClientError" in str(info.value)
    vms = _vms(compute, seed.rg, "broken")
    assert {vm.provisioning_state for vm in vms} == {"Failed"}
    assert all(_health(vm) is None for vm in vms)
    assert compute.virtual_machine_scale_sets.get(seed.rg, "broken").provisioning_state == "Failed"


def test_instances_are_creating_until_provisioned_and_have_no_health_yet(compute, seed):
    image = seed.version(compute, "1.0.0")
    poller = compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "slow", scale_set(image.id, [], capacity=1, health_extension=True))
    first = compute.virtual_machine_scale_set_vms.get(seed.rg, "slow", "0", expand="instanceView")
    assert first.provisioning_state == "Creating"
    assert first.instance_view.vm_health is None
    assert poller.result().provisioning_state == "Succeeded"
    assert compute.virtual_machine_scale_set_vms.get(seed.rg, "slow", "0").provisioning_state == "Succeeded"


def test_scale_in_removes_highest_ids_and_ids_are_never_reused(compute, seed):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "ids", scale_set(image.id, [], capacity=3)).result()
    vmss.begin_update(seed.rg, "ids", cm.VirtualMachineScaleSetUpdate(sku=cm.Sku(capacity=1))).result()
    assert [vm.instance_id for vm in _vms(compute, seed.rg, "ids")] == ["0"]
    vmss.begin_update(seed.rg, "ids", cm.VirtualMachineScaleSetUpdate(sku=cm.Sku(capacity=3))).result()
    assert [vm.instance_id for vm in _vms(compute, seed.rg, "ids")] == ["0", "3", "4"]


def test_new_instances_run_the_latest_model_while_old_ones_keep_theirs(compute, seed):
    v1, v2 = seed.version(compute, "1.0.0"), seed.version(compute, "1.1.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "mixed", scale_set(v1.id, [], capacity=1)).result()
    model = scale_set(v2.id, [], capacity=2)
    vmss.begin_create_or_update(seed.rg, "mixed", model).result()
    old, new = _vms(compute, seed.rg, "mixed")
    assert (old.latest_model_applied, new.latest_model_applied) == (False, True)
    assert old.storage_profile.image_reference.id == v1.id
    assert new.storage_profile.image_reference.id == v2.id


def test_automatic_upgrade_policy_applies_model_changes_without_manualupgrade(compute, network, seed):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "auto", scale_set(image.id, [seed.stage_pool], 2, mode="Automatic")).result()
    vmss.begin_create_or_update(seed.rg, "auto", scale_set(image.id, [seed.prod_pool], 2, mode="Automatic")).result()
    assert {vm.latest_model_applied for vm in _vms(compute, seed.rg, "auto")} == {True}
    assert len(pool_members(network, seed.rg, "prod-pool")) == 2


def test_patch_merges_objects_and_replaces_tags_wholesale(compute, seed):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    model = scale_set(image.id, [], capacity=0)
    model.tags = {"a": "1", "b": "2"}
    vmss.begin_create_or_update(seed.rg, "tags", model).result()
    updated = vmss.begin_update(seed.rg, "tags", cm.VirtualMachineScaleSetUpdate(tags={"c": "3"})).result()
    assert updated.tags == {"c": "3"}
    # the untouched model survives the merge, and an unchanged model does not go stale
    assert updated.virtual_machine_profile.storage_profile.image_reference.id == image.id
    assert updated.upgrade_policy.mode == "Manual"


def test_list_by_resource_group_and_case_insensitive_names(compute, seed):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "CaseSet", scale_set(image.id, [], capacity=0)).result()
    assert vmss.get(seed.rg.upper(), "caseset").name == "CaseSet"
    assert [s.name for s in vmss.list(seed.rg)] == ["CaseSet"]


def test_scale_set_instance_view_aggregates_instance_states(compute, seed):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "agg", scale_set(image.id, [], capacity=3, health_extension=True)).result()
    view = compute.virtual_machine_scale_sets.get_instance_view(seed.rg, "agg")
    summary = {s.code: s.count for s in view.virtual_machine.statuses_summary}
    assert summary["ProvisioningState/succeeded"] == 3
    assert summary["HealthState/healthy"] == 3
    assert view.statuses[0].code == "ProvisioningState/succeeded"


def test_manualupgrade_with_an_unknown_instance_id_is_rejected(compute, seed):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "up", scale_set(image.id, [], capacity=1)).result()
    with pytest.raises(HttpResponseError) as info:
        compute.virtual_machine_scale_sets.begin_update_instances(
            seed.rg, "up", cm.VirtualMachineScaleSetVMInstanceRequiredIDs(instance_ids=["0", "7"])).result()
    assert info.value.status_code == 400
    assert info.value.error.code == "InvalidParameter"


def test_gallery_image_reference_without_version_runs_the_latest_version(compute, seed):
    seed.version(compute, "1.0.0")
    newest = seed.version(compute, "1.2.0")
    image_id = newest.id.rsplit("/versions/", 1)[0]
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "latest", scale_set(image_id, [], capacity=1)).result()
    vm = compute.virtual_machine_scale_set_vms.get(seed.rg, "latest", "0")
    assert vm.storage_profile.image_reference.exact_version == "1.2.0"


def test_waiting_for_provisioning_needs_no_client_activity(compute, seed):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "idle", scale_set(image.id, [], capacity=1), polling=False)
    wait_until(lambda: compute.virtual_machine_scale_set_vms.get(seed.rg, "idle", "0").provisioning_state
               == "Succeeded", "instance provisioned")


def test_secrets_are_never_returned_and_user_data_only_on_request(compute, seed):
    image = seed.version(compute, "1.0.0")
    model = scale_set(image.id, [], capacity=1)
    model.virtual_machine_profile.os_profile.admin_password = "S3cret!-never-echoed"
    model.virtual_machine_profile.user_data = "ZWNobyBoaQ=="
    created = compute.virtual_machine_scale_sets.begin_create_or_update(seed.rg, "secret", model).result()
    assert created.virtual_machine_profile.os_profile.admin_password is None
    assert created.virtual_machine_profile.user_data is None
    expanded = compute.virtual_machine_scale_sets.get(seed.rg, "secret", expand="userData")
    assert expanded.virtual_machine_profile.user_data == "ZWNobyBoaQ=="
    # the password is kept (not returned): a PATCH of other fields does not make a new model
    patched = compute.virtual_machine_scale_sets.begin_update(
        seed.rg, "secret", cm.VirtualMachineScaleSetUpdate(tags={"k": "v"})).result()
    assert patched.tags == {"k": "v"}
    assert compute.virtual_machine_scale_set_vms.get(seed.rg, "secret", "0").latest_model_applied is True


def test_deleting_named_instances_lowers_capacity(compute, network, seed):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "del", scale_set(image.id, [seed.prod_pool], capacity=3)).result()
    vmss.begin_delete_instances(seed.rg, "del", cm.VirtualMachineScaleSetVMInstanceRequiredIDs(
        instance_ids=["1"])).result()
    compute.virtual_machine_scale_set_vms.begin_delete(seed.rg, "del", "0").result()
    assert [vm.instance_id for vm in _vms(compute, seed.rg, "del")] == ["2"]
    assert vmss.get(seed.rg, "del").sku.capacity == 1
    assert len(pool_members(network, seed.rg, "prod-pool")) == 1


def test_putting_back_what_get_returned_is_not_a_model_change(compute, seed):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    model = scale_set(image.id, [], capacity=1)
    model.virtual_machine_profile.os_profile.admin_password = "S3cret!-kept"
    vmss.begin_create_or_update(seed.rg, "roundtrip", model).result()
    got = vmss.get(seed.rg, "roundtrip")
    vmss.begin_create_or_update(seed.rg, "roundtrip", got).result()
    assert compute.virtual_machine_scale_set_vms.get(seed.rg, "roundtrip", "0").latest_model_applied is True
