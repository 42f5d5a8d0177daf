"""Request bodies and snapshots built from the official ARM examples (no service needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.mgmt.compute import models as cm
from azure.mgmt.compute._utils.model_base import SdkJSONEncoder, _deserialize
from azure.mgmt.monitor.models import AutoscaleSettingResource

from domain.capacity import Capacity, default_profile, retarget_autoscale
from gateway import autoscale, compute, gallery
from gateway.errors import InvalidResourceIdError
from gateway.ids import parse_image_version_id

EXAMPLES = Path("/work/shared/arm-examples")
needs_examples = pytest.mark.skipif(not EXAMPLES.exists(), reason="ARM examples not available")


def _example(path: str, status: str = "200") -> dict:
    return json.loads((EXAMPLES / path).read_text())["responses"][status]["body"]


def _wire(model) -> dict:
    """What the SDK puts on the wire for a body model."""
    return json.loads(json.dumps(model, cls=SdkJSONEncoder, exclude_readonly=True))


@needs_examples
def test_new_scale_set_body_from_the_load_balancer_example():
    base = _deserialize(cm.VirtualMachineScaleSet, _example("compute/VirtualMachineScaleSet_Create_WithAzureLoadBalancer.json"))
    body = compute.new_scale_set_body(base, "/img/v2", {"Name": "x__2"}, "/lb/backendAddressPools/stage", "dXNlcg==")
    wire = _wire(cm.VirtualMachineScaleSet(body))
    assert set(wire) == {"location", "sku", "tags", "properties"}
    assert wire["sku"] == {"name": "Standard_D1_v2", "tier": "Standard", "capacity": 0}
    props = wire["properties"]
    assert "provisioningState" not in props and "uniqueId" not in props
    assert props["upgradePolicy"] == {"mode": "Manual"}
    vm = props["virtualMachineProfile"]
    assert vm["storageProfile"]["imageReference"] == {"id": "/img/v2"}
    assert vm["userData"] == "dXNlcg=="
    ip = vm["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]["ipConfigurations"][0]["properties"]
    assert ip["loadBalancerBackendAddressPools"] == [{"id": "/lb/backendAddressPools/stage"}]
    assert ip["loadBalancerInboundNatPools"] == []
    assert ip["subnet"]["id"].endswith("/subnets/nsgExistingSubnet")


@needs_examples
def test_summary_of_the_user_data_example():
    model = _deserialize(cm.VirtualMachineScaleSet, _example("compute/VirtualMachineScaleSet_Get_WithUserData.json"))
    s = compute.summarize(model)
    assert (s.name, s.location, s.capacity, s.tags) == ("myVirtualMachineScaleSet", "westus", 4, {"myTag1": "tagValue1"})
    assert s.image_id is None and s.pool_ids == []


def test_capacity_patch_body_is_sku_capacity_only():
    assert _wire(cm.VirtualMachineScaleSetUpdate(sku=cm.Sku(capacity=3))) == {"sku": {"capacity": 3}}


@needs_examples
def test_image_version_summary_of_the_replication_example():
    model = _deserialize(cm.GalleryImageVersion, _example("compute/GalleryImageVersion_Get_WithReplicationStatus.json"))
    s = gallery.summarize_image_version(model)
    assert s.name == "1.0.0"
    assert s.replication_state in ("Completed", "InProgress", "Failed", "Unknown")


@needs_examples
def test_autoscale_snapshot_round_trips_and_retargets():
    model = AutoscaleSettingResource.deserialize(_example("monitor/getAutoscaleSetting.json"))
    snap = autoscale._snapshot(model)
    assert autoscale._same_setting(snap, autoscale._snapshot(autoscale._model(snap)))
    old = snap.target_resource_id
    new = old.replace("testingsc", "web__2")
    moved = retarget_autoscale(snap, "web__2", new, Capacity(2, 9, 3))
    assert moved.name == "web__2_Autoscale" and moved.target_resource_id == new
    assert all(r["metricTrigger"]["metricResourceUri"] == new for p in moved.profiles for r in p["rules"])
    assert default_profile(moved)["capacity"] == {"minimum": "2", "maximum": "9", "default": "3"}
    # The example's schedules (recurrence, fixedDate) are carried over with their own capacity.
    schedules = [(p["name"], p["capacity"]) for p in moved.profiles if p.get("recurrence") or p.get("fixedDate")]
    assert schedules == [(p["name"], p["capacity"]) for p in snap.profiles if p.get("recurrence") or p.get("fixedDate")]
    assert autoscale._same_setting(moved, autoscale._snapshot(autoscale._model(moved)))
    assert snap.profiles[0]["rules"][0]["metricTrigger"]["metricResourceUri"] == old  # the original is untouched


def test_resource_ids_parse_case_insensitively():
    sub = "00000000-1111-2222-3333-444444444444"
    ref = parse_image_version_id(
        f"/subscriptions/{sub}/resourcegroups/rg/providers/microsoft.compute/Galleries/g/Images/i/Versions/1.2.3")
    assert (ref.subscription, ref.resource_group, ref.gallery, ref.image, ref.version) == (sub, "rg", "g", "i", "1.2.3")
    for bad in ("", "/subscriptions/s", f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i",
                f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/latest"):
        with pytest.raises(InvalidResourceIdError):
            parse_image_version_id(bad)


def test_new_scale_set_body_clears_every_pool_but_the_stage_pool():
    ip = {"name": "ip", "properties": {"primary": True, "subnet": {"id": "/subnet"},
                                       "loadBalancerBackendAddressPools": [{"id": "/prod"}],
                                       "loadBalancerInboundNatPools": [{"id": "/nat"}],
                                       "applicationGatewayBackendAddressPools": [{"id": "/agw"}]}}
    base = cm.VirtualMachineScaleSet({
        "location": "westus", "sku": {"name": "Standard_B2s", "capacity": 5}, "tags": {"old": "x"},
        "properties": {"provisioningState": "Succeeded", "uniqueId": "u", "timeCreated": "2026-01-01T00:00:00Z",
                       "virtualMachineProfile": {"storageProfile": {"imageReference": {
                           "publisher": "p", "offer": "o", "sku": "s", "version": "latest"}},
                           "networkProfile": {"networkInterfaceConfigurations": [
                               {"name": "nic", "properties": {"primary": True, "ipConfigurations": [ip]}}]}}},
    })
    body = compute.new_scale_set_body(base, "/img", {"new": "y"}, "/stage")
    wire = _wire(cm.VirtualMachineScaleSet(body))
    assert wire["sku"] == {"name": "Standard_B2s", "capacity": 0}
    assert wire["tags"] == {"new": "y"}
    assert not {"provisioningState", "uniqueId", "timeCreated"} & set(wire["properties"])
    assert wire["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"] == {"id": "/img"}
    got = wire["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]
    props = got["properties"]["ipConfigurations"][0]["properties"]
    assert props["loadBalancerBackendAddressPools"] == [{"id": "/stage"}]
    assert props["loadBalancerInboundNatPools"] == [] and props["applicationGatewayBackendAddressPools"] == []
    # The base model object is not modified.
    assert base.as_dict()["properties"]["virtualMachineProfile"]["networkProfile"][
        "networkInterfaceConfigurations"][0]["properties"]["ipConfigurations"][0]["properties"][
        "loadBalancerBackendAddressPools"] == [{"id": "/prod"}]


@needs_examples
def test_the_windows_example_is_not_copyable_its_password_is_never_returned():
    base = _deserialize(cm.VirtualMachineScaleSet, _example("compute/VirtualMachineScaleSet_Create_WithAzureLoadBalancer.json"))
    problems = compute.base_copy_problems(base)
    assert len(problems) == 1 and "password authentication (Windows)" in problems[0]


def test_new_scale_set_body_drops_what_a_get_returns_and_a_create_refuses():
    base = {
        "location": "westus", "sku": {"name": "Standard_B2s", "capacity": 2}, "zones": ["1"],
        "identity": {"type": "SystemAssigned, UserAssigned", "principalId": "p", "tenantId": "t",
                     "userAssignedIdentities": {"/ids/app": {"principalId": "p2", "clientId": "c2"}}},
        "plan": {"name": "n", "publisher": "pub", "product": "prod"},
        "properties": {
            "uniqueId": "u", "timeCreated": "2026-01-01T00:00:00Z", "provisioningState": "Succeeded",
            "proximityPlacementGroup": {"id": "/ppg"}, "hostGroup": {"id": "/hg"},
            "scaleInPolicy": {"rules": ["OldestVM"]}, "upgradePolicy": {"mode": "Rolling"},
            "virtualMachineProfile": {
                "timeCreated": "2026-01-01T00:00:00Z",
                "osProfile": {"adminUsername": "u", "linuxConfiguration": {"disablePasswordAuthentication": True},
                              "secrets": [{"sourceVault": {"id": "/kv"}, "vaultCertificates": [{"certificateUrl": "https://kv/c"}]}]},
                "storageProfile": {"imageReference": {"id": "/old"}, "osDisk": {
                    "name": "disk0", "createOption": "FromImage", "managedDisk": {"id": "/disks/d", "storageAccountType": "P"}}},
                "networkProfile": {"healthProbe": {"id": "/lb/probes/p"}, "networkInterfaceConfigurations": [
                    {"name": "nic", "properties": {"primary": True, "ipConfigurations": [
                        {"name": "ip", "properties": {"subnet": {"id": "/subnet"}}}]}}]},
                "extensionProfile": {"extensions": [{"id": "/ext/health", "name": "health", "properties": {
                    "provisioningState": "Succeeded", "publisher": "Microsoft.ManagedServices",
                    "type": "ApplicationHealthLinux", "typeHandlerVersion": "1.0"}}]},
            },
        },
    }
    body = compute.new_scale_set_body(base, "/img", {"a": "b"}, "/stage")
    assert body["identity"] == {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {"/ids/app": {}}}
    assert body["plan"] == base["plan"] and body["zones"] == ["1"]
    props = body["properties"]
    assert not {"uniqueId", "timeCreated", "provisioningState"} & set(props)
    assert props["proximityPlacementGroup"] == {"id": "/ppg"} and props["hostGroup"] == {"id": "/hg"}
    assert props["scaleInPolicy"] == {"rules": ["OldestVM"]} and props["upgradePolicy"] == {"mode": "Rolling"}
    vm = props["virtualMachineProfile"]
    assert "timeCreated" not in vm
    assert vm["osProfile"]["secrets"] == base["properties"]["virtualMachineProfile"]["osProfile"]["secrets"]
    assert vm["storageProfile"]["osDisk"] == {"createOption": "FromImage", "managedDisk": {"storageAccountType": "P"}}
    assert vm["networkProfile"]["healthProbe"] == {"id": "/lb/probes/p"}
    assert vm["extensionProfile"]["extensions"] == [{"name": "health", "properties": {
        "publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthLinux", "typeHandlerVersion": "1.0"}}]
    assert compute.health_monitoring_of(base) == "healthProbe"
    del base["properties"]["virtualMachineProfile"]["networkProfile"]["healthProbe"]
    assert compute.health_monitoring_of(base) == "ApplicationHealthLinux"
    # The base itself is untouched.
    assert base["identity"]["principalId"] == "p"
