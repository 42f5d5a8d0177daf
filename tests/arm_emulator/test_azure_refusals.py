"""Where Azure refuses or surprises, the emulator does too (CONTRACT §7), so the deployer meets it here.

Each behaviour is shown with the real SDK clients; where an official REST example exists for the
resource involved (../shared/arm-examples), its body is replayed as the starting point.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import models as cm

from tests.arm_emulator.conftest import (
    LOCATION,
    SUBSCRIPTION_ID,
    TOKEN,
    arm_url,
    pool_members,
    scale_set,
    wait_until,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "arm-examples"


def _example(rel: str) -> dict:
    path = EXAMPLES / rel
    if not path.is_file():
        pytest.skip(f"ARM example {rel} is absent ({EXAMPLES} lives beside the repository)")
    return json.loads(path.read_text())


def _wire(model) -> dict:
    return model.as_dict()


# -- osProfile.requireGuestProvisionSignal --------------------------------------------------------


def test_a_get_returns_require_guest_provision_signal_and_a_create_sending_it_back_is_refused(compute, seed, http):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "base", scale_set(image.id, [seed.stage_pool], 0)).result()
    got = _wire(vmss.get(seed.rg, "base"))
    assert got["properties"]["virtualMachineProfile"]["osProfile"]["requireGuestProvisionSignal"] is True

    copy_body = {k: got[k] for k in ("location", "sku", "tags") if k in got}
    copy_body["properties"] = {k: v for k, v in got["properties"].items()
                               if k not in ("provisioningState", "uniqueId", "timeCreated")}
    r = http.put(arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/copy"), json=copy_body, headers=TOKEN)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "InvalidParameter"
    assert "'Microsoft.Compute/Agentless' feature is not enabled" in r.json()["error"]["message"]

    del copy_body["properties"]["virtualMachineProfile"]["osProfile"]["requireGuestProvisionSignal"]
    r = http.put(arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/copy"), json=copy_body, headers=TOKEN)
    assert r.status_code == 201, r.text


def test_an_update_that_sends_the_signal_back_is_not_a_model_change(compute, seed):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "same", scale_set(image.id, [seed.stage_pool], 1)).result()
    model = vmss.get(seed.rg, "same")
    vmss.begin_create_or_update(seed.rg, "same", model).result()
    assert all(vm.latest_model_applied for vm in compute.virtual_machine_scale_set_vms.list(seed.rg, "same"))


# -- image definitions: osState -------------------------------------------------------------------


def _specialized_image(compute, seed) -> str:
    """The GalleryImage_Get example's definition, made specialized, with one version."""
    props = _example("compute/GalleryImage_Get.json")["responses"]["200"]["body"]["properties"]
    body = {"location": LOCATION, "properties": {**{k: v for k, v in props.items() if k != "provisioningState"},
                                                 "osType": "Linux", "osState": "Specialized"}}
    compute.gallery_images.begin_create_or_update(seed.rg, seed.gallery, "special", body).result()
    got = compute.gallery_images.get(seed.rg, seed.gallery, "special")
    assert (got.os_state, got.os_type, got.hyper_v_generation) == ("Specialized", "Linux", "V1")
    return compute.gallery_image_versions.begin_create_or_update(
        seed.rg, seed.gallery, "special", "1.0.0", cm.GalleryImageVersion(location=LOCATION)).result().id


def test_a_specialized_image_refuses_an_os_profile(compute, seed):
    version_id = _specialized_image(compute, seed)
    vmss = compute.virtual_machine_scale_sets
    with pytest.raises(HttpResponseError) as refused:
        vmss.begin_create_or_update(seed.rg, "spec", scale_set(version_id, [seed.stage_pool], 0)).result()
    assert refused.value.status_code == 400
    assert refused.value.error.code == "InvalidParameter"
    assert refused.value.error.target == "osProfile"

    body = scale_set(version_id, [seed.stage_pool], 0)
    body.virtual_machine_profile.os_profile = None
    created = vmss.begin_create_or_update(seed.rg, "spec", body).result()
    assert created.virtual_machine_profile.os_profile is None


def test_an_image_version_not_replicated_to_the_scale_sets_region_is_refused(compute, seed, http):
    # The GalleryImageVersion_Create example, as it is: replicated to West US and East US only.
    body = _example("compute/GalleryImageVersion_Create.json")["parameters"]["galleryImageVersion"]
    r = http.put(arm_url(seed.rg, f"Microsoft.Compute/galleries/{seed.gallery}/images/{seed.image}/versions/2.0.0",
                         api="2025-03-03"), json=body, headers=TOKEN)
    assert r.status_code in (200, 201), r.text
    version = "2.0.0"
    wait_until(lambda: compute.gallery_image_versions.get(seed.rg, seed.gallery, seed.image, version)
               .provisioning_state == "Succeeded", "the example image version created")
    got = compute.gallery_image_versions.get(seed.rg, seed.gallery, seed.image, version, expand="ReplicationStatus")
    assert sorted(s.region for s in got.replication_status.summary) == ["East US", "West US"]
    with pytest.raises(HttpResponseError) as refused:
        compute.virtual_machine_scale_sets.begin_create_or_update(
            seed.rg, "far", scale_set(got.id, [seed.stage_pool], 0)).result()  # in westeurope
    assert refused.value.status_code == 400 and "not available in region" in refused.value.error.message


# -- Basic SKU load balancers -------------------------------------------------------------------


def test_a_basic_load_balancer_refuses_a_second_scale_set_in_its_pools(compute, network, seed, http):
    # The LoadBalancerCreate example (rule, probe, NAT rule on its one pool), made Basic, with a second pool.
    text = json.dumps(_example("network/LoadBalancerCreate.json")["parameters"]["parameters"])
    body = json.loads(text.replace("/subscriptions/subid/resourceGroups/rg1/", f"/subscriptions/{SUBSCRIPTION_ID}/"
                                   f"resourceGroups/{seed.rg}/").replace("/loadBalancers/lb/", "/loadBalancers/basic-lb/"))
    body["location"] = LOCATION
    body["sku"] = {"name": "Basic"}
    body["properties"]["backendAddressPools"].append({"name": "stage", "properties": {}})
    r = http.put(arm_url(seed.rg, "Microsoft.Network/loadBalancers/basic-lb", api="2025-07-01"), json=body,
                 headers=TOKEN)
    assert r.status_code in (200, 201), r.text
    basic = network.load_balancers.get(seed.rg, "basic-lb")
    assert basic.sku.name == "Basic"
    prod, stage = (p.id for p in basic.backend_address_pools)
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "blue", scale_set(image.id, [prod], 1)).result()
    with pytest.raises(HttpResponseError) as refused:
        vmss.begin_create_or_update(seed.rg, "green", scale_set(image.id, [stage], 0)).result()
    assert refused.value.status_code == 400
    assert "Basic" in refused.value.error.message and "blue" in refused.value.error.message
    # The same scale set may use both pools; a Standard load balancer takes both scale sets.
    vmss.begin_create_or_update(seed.rg, "blue", scale_set(image.id, [prod, stage], 1)).result()
    vmss.begin_create_or_update(seed.rg, "green", scale_set(image.id, [seed.stage_pool], 0)).result()
    vmss.begin_create_or_update(seed.rg, "other", scale_set(image.id, [seed.prod_pool], 0)).result()


# -- load balancer frontends ----------------------------------------------------------------------


def test_an_internal_frontend_gets_a_private_ip_as_in_the_rest_example(network, rg):
    frontend = _example("network/LoadBalancerGet.json")["responses"]["200"]["body"]["properties"][
        "frontendIPConfigurations"][0]
    network.load_balancers.begin_create_or_update(rg, "ilb", {"location": LOCATION, "sku": {"name": "Standard"},
        "properties": {"frontendIPConfigurations": [
            {"name": frontend["name"], "properties": {"subnet": frontend["properties"]["subnet"]}}]}}).result()
    got = network.load_balancers.get(rg, "ilb").frontend_ip_configurations[0]
    expected = frontend["properties"]
    assert got.private_ip_address
    assert got.private_ip_allocation_method == expected["privateIPAllocationMethod"]
    assert got.private_ip_address_version == expected["privateIPAddressVersion"]


# -- autoscale settings as Azure has them ------------------------------------------------------------


def test_autoscale_settings_may_be_disabled_have_several_profiles_and_live_in_another_group(
        compute, monitor, seed, http):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "scaled", scale_set(image.id, [seed.prod_pool], 1)).result()
    target = compute.virtual_machine_scale_sets.get(seed.rg, "scaled").id
    other_rg = f"{seed.rg}-monitor"
    assert http.put(f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{other_rg}?api-version=2025-04-01",
                    json={"location": LOCATION}, headers=TOKEN).status_code == 201
    example = _example("monitor/createOrUpdateAutoscaleSetting.json")["parameters"]["parameters"]
    profiles = example["properties"]["profiles"]
    assert any("recurrence" in p for p in profiles) and any("fixedDate" in p for p in profiles)
    body = {**example, "location": LOCATION,
            "properties": {**example["properties"], "enabled": False, "targetResourceUri": target}}
    monitor.autoscale_settings.create_or_update(other_rg, "elsewhere", body)
    found = [s for s in monitor.autoscale_settings.list_by_subscription() if s.target_resource_uri == target]
    assert [(s.name, s.enabled, len(s.profiles)) for s in found] == [("elsewhere", False, len(profiles))]
    assert not [s for s in monitor.autoscale_settings.list_by_resource_group(seed.rg)]


# -- Key Vault's secrets API --------------------------------------------------------------------------


def test_key_vault_challenges_first_then_serves_seeded_secret_versions(arm_emulator, http):
    from azure.keyvault.secrets import SecretClient

    from gateway.credentials import StaticTokenCredential

    unauthenticated = http.get("/secrets/db-password?api-version=7.5")
    assert unauthenticated.status_code == 401
    challenge = unauthenticated.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and 'resource="https://vault.azure.net"' in challenge

    first = http.put("/_emulator/secrets/db-password", json={"value": "s3cret-1"}).json()["version"]
    http.put("/_emulator/secrets/db-password", json={"value": "s3cret-2"})
    client = SecretClient(arm_emulator.endpoint, StaticTokenCredential(), verify_challenge_resource=False,
                          connection_verify=str(arm_emulator.ca_bundle))
    latest = client.get_secret("db-password")
    assert latest.value == "s3cret-2"
    assert latest.id.startswith(f"{arm_emulator.endpoint.rstrip('/')}/secrets/db-password/")
    assert client.get_secret("db-password", first).value == "s3cret-1"
    from azure.core.exceptions import ResourceNotFoundError
    with pytest.raises(ResourceNotFoundError):
        client.get_secret("nobody-set-this")


# -- instances rendered with their scale set's model ----------------------------------------------------


def test_instances_carry_the_model_they_run_without_secrets(compute, seed):
    image = seed.version(compute, "1.0.0")
    body = scale_set(image.id, [seed.stage_pool], 1)
    body.virtual_machine_profile.os_profile.admin_password = "Never-Shown-1!"
    body.virtual_machine_profile.os_profile.linux_configuration = cm.LinuxConfiguration(
        disable_password_authentication=False)
    body.virtual_machine_profile.user_data = "IyEvYmluL3NoCmVjaG8gaGk="
    body.virtual_machine_profile.diagnostics_profile = cm.DiagnosticsProfile(
        boot_diagnostics=cm.BootDiagnostics(enabled=True))
    body.virtual_machine_profile.security_profile = cm.SecurityProfile(
        security_type="TrustedLaunch", uefi_settings=cm.UefiSettings(secure_boot_enabled=True, v_tpm_enabled=True))
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "full", body).result()
    vms = compute.virtual_machine_scale_set_vms
    [vm] = list(vms.list(seed.rg, "full"))
    wire = vm.as_dict()
    os_profile = wire["properties"]["osProfile"]
    assert os_profile["computerName"].startswith("app") and os_profile["adminUsername"] == "azureuser"
    assert os_profile["linuxConfiguration"]["disablePasswordAuthentication"] is False
    assert "adminPassword" not in os_profile and "userData" not in wire["properties"]
    assert wire["properties"]["diagnosticsProfile"]["bootDiagnostics"]["enabled"] is True
    assert wire["properties"]["securityProfile"]["securityType"] == "TrustedLaunch"
    assert vm.etag
    with_user_data = vms.get(seed.rg, "full", vm.instance_id, expand="userData")
    assert with_user_data.user_data == "IyEvYmluL3NoCmVjaG8gaGk="

    # A model change the instance has not picked up yet leaves its etag and profile as they were.
    vmss.begin_update(seed.rg, "full", cm.VirtualMachineScaleSetUpdate(
        virtual_machine_profile=cm.VirtualMachineScaleSetUpdateVMProfile(
            diagnostics_profile=cm.DiagnosticsProfile(boot_diagnostics=cm.BootDiagnostics(enabled=False))))).result()
    stale = vms.get(seed.rg, "full", vm.instance_id)
    assert stale.etag == vm.etag and stale.diagnostics_profile.boot_diagnostics.enabled is True
    vmss.begin_update_instances(seed.rg, "full", cm.VirtualMachineScaleSetVMInstanceRequiredIDs(
        instance_ids=[vm.instance_id])).result()
    fresh = vms.get(seed.rg, "full", vm.instance_id)
    assert fresh.etag != vm.etag and fresh.diagnostics_profile.boot_diagnostics.enabled is False


# -- one operation at a time ---------------------------------------------------------------------------------


def test_a_write_while_another_operation_runs_gets_409_operation_not_allowed(compute, seed, http):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "busy", scale_set(image.id, [seed.stage_pool], 0)).result()
    scale_out = vmss.begin_update(seed.rg, "busy", cm.VirtualMachineScaleSetUpdate(sku=cm.Sku(capacity=2)))
    url = arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/busy")
    for method, path, body in (("PATCH", url, {"tags": {"x": "y"}}),
                               ("POST", url.replace("?", "/manualupgrade?"), {"instanceIds": ["0"]})):
        r = http.request(method, path, json=body, headers=TOKEN)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "OperationNotAllowed"
        assert float(r.headers["Retry-After"]) > 0
    scale_out.result()
    vmss.begin_update(seed.rg, "busy", cm.VirtualMachineScaleSetUpdate(tags={"x": "y"})).result()
    assert vmss.get(seed.rg, "busy").tags == {"x": "y"}


# -- Rolling upgrades in batches ------------------------------------------------------------------------------


def test_a_rolling_scale_set_applies_a_model_change_in_batches_with_pauses(compute, network, seed, http):
    from datetime import datetime

    image = seed.version(compute, "1.0.0")
    body = scale_set(image.id, [], 5, mode="Rolling", health_probe=seed.probe)
    body.upgrade_policy.rolling_upgrade_policy = cm.RollingUpgradePolicy(
        max_batch_instance_percent=40, pause_time_between_batches="PT10S")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "rolling", body).result()
    model = vmss.get(seed.rg, "rolling")
    model.virtual_machine_profile.network_profile.network_interface_configurations[0].ip_configurations[0] \
        .load_balancer_backend_address_pools = [cm.SubResource(id=seed.prod_pool)]
    model.virtual_machine_profile.os_profile.require_guest_provision_signal = None
    vmss.begin_create_or_update(seed.rg, "rolling", model).result()

    def all_in_prod():
        return len(pool_members(network, seed.rg, "prod-pool")) == 5

    wait_until(all_in_prod, "every instance in the prod pool", attempts=1500)
    entries = [e for e in http.get("/_emulator/timeline").json() if e["pool"].lower() == seed.prod_pool.lower()]
    assert [len(e["members"]) for e in entries] == [2, 4, 5]  # 40% of 5 a batch
    at = [datetime.fromisoformat(e["at"].replace("Z", "+00:00")) for e in entries]
    gaps = [(b - a).total_seconds() for a, b in zip(at, at[1:], strict=False)]
    assert all(gap >= 20 + 10 for gap in gaps), gaps  # one upgrade (20 s) and the 10 s pause apart


def _example_scale_set_in_prod(seed, mode: str, capacity: int) -> dict:
    """The VirtualMachineScaleSet_Create_WithAzureLoadBalancer example's body, pointed at the seed's load
    balancer (its prod pool, its probe as health source), with upgrade policy `mode`."""
    body = _example("compute/VirtualMachineScaleSet_Create_WithAzureLoadBalancer.json")["parameters"]["parameters"]
    body["location"] = LOCATION
    body["sku"]["capacity"] = capacity
    profile = body["properties"]["virtualMachineProfile"]
    profile["networkProfile"]["healthProbe"] = {"id": seed.probe}
    ip_config = profile["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]["ipConfigurations"][0]
    ip_config["properties"]["loadBalancerBackendAddressPools"] = [{"id": seed.prod_pool}]
    ip_config["properties"].pop("loadBalancerInboundNatPools")
    body["properties"]["upgradePolicy"] = {"mode": mode}
    return body


def test_a_rolling_scale_set_leaving_prod_keeps_its_instances_there_until_their_batch_upgrades(
        compute, network, seed, http):
    """As in Azure: a model change of a Rolling scale set reaches its instances batch by batch; until an
    instance's batch comes, it runs the old model (`latestModelApplied: false`) and stays in the pools that
    model names, here the prod pool it is meant to leave."""
    body = _example_scale_set_in_prod(seed, "Rolling", 2)
    # An hour between batches: the second batch cannot come during this test, however slow the machine.
    body["properties"]["upgradePolicy"]["rollingUpgradePolicy"] = {"maxBatchInstancePercent": 50,
                                                                   "pauseTimeBetweenBatches": "PT1H"}
    r = http.put(arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/old"), json=body, headers=TOKEN)
    assert r.status_code == 201, r.text
    vmss = compute.virtual_machine_scale_sets
    wait_until(lambda: vmss.get(seed.rg, "old").provisioning_state == "Succeeded", "the example scale set created")
    assert len(pool_members(network, seed.rg, "prod-pool")) == 2

    model = vmss.get(seed.rg, "old")
    model.virtual_machine_profile.network_profile.network_interface_configurations[0].ip_configurations[0] \
        .load_balancer_backend_address_pools = []
    model.virtual_machine_profile.os_profile.require_guest_provision_signal = None
    model.virtual_machine_profile.os_profile.admin_password = "{your-password}"  # never returned by a GET
    vmss.begin_create_or_update(seed.rg, "old", model).result()

    vms = {vm.instance_id: vm for vm in compute.virtual_machine_scale_set_vms.list(seed.rg, "old")}
    behind = [vm for vm in vms.values() if not vm.latest_model_applied]
    assert len(behind) == 1, "the first batch (50%) is upgraded, the second waits an hour"
    prod = pool_members(network, seed.rg, "prod-pool")
    assert prod == [f"{behind[0].id}/networkInterfaces/{{vmss-name}}/ipConfigurations/{{vmss-name}}"]
    # No manual upgrade is needed (nor is it the way out): the platform owns the rollout.
    assert not [r for r in http.get("/_emulator/requests").json()
                if r["path"].lower().endswith("/manualupgrade") and f"/{seed.rg.lower()}/" in r["path"].lower()]


def test_an_automatic_scale_set_leaves_prod_with_every_instance_once_its_update_completes(compute, network, seed,
                                                                                           http):
    r = http.put(arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/auto"),
                 json=_example_scale_set_in_prod(seed, "Automatic", 2), headers=TOKEN)
    assert r.status_code == 201, r.text
    vmss = compute.virtual_machine_scale_sets
    wait_until(lambda: vmss.get(seed.rg, "auto").provisioning_state == "Succeeded", "the example scale set created")
    model = vmss.get(seed.rg, "auto")
    model.virtual_machine_profile.network_profile.network_interface_configurations[0].ip_configurations[0] \
        .load_balancer_backend_address_pools = []
    model.virtual_machine_profile.os_profile.require_guest_provision_signal = None
    model.virtual_machine_profile.os_profile.admin_password = "{your-password}"
    vmss.begin_create_or_update(seed.rg, "auto", model).result()
    assert {vm.latest_model_applied for vm in compute.virtual_machine_scale_set_vms.list(seed.rg, "auto")} == {True}
    assert pool_members(network, seed.rg, "prod-pool") == []
