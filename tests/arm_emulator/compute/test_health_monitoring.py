"""Instance health exists only where Azure has a source for it, and what Azure refuses without one.

Azure reports `vmHealth` in an instance view only when the scale set monitors health: the Application
Health extension (publisher Microsoft.ManagedServices, type ApplicationHealthLinux/Windows) or a load
balancer probe in `virtualMachineProfile.networkProfile.healthProbe`. Rolling upgrades and automatic
OS upgrades need such a source (400 BadRequest otherwise), and creating a password-auth scale set
needs `adminPassword`, which a GET never returns.
"""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import models as cm

from tests.arm_emulator.conftest import SUBSCRIPTION_ID, TOKEN, arm_url, scale_set, wait_until


def _health_codes(compute, rg, name) -> list[str | None]:
    vms = compute.virtual_machine_scale_set_vms.list(rg, name, expand="instanceView")
    return [vm.instance_view.vm_health.status.code if vm.instance_view.vm_health else None for vm in vms]


def test_no_health_monitoring_no_vm_health(compute, seed):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "plain", scale_set(image.id, [seed.stage_pool], capacity=2)).result()
    assert _health_codes(compute, seed.rg, "plain") == [None, None]
    view = compute.virtual_machine_scale_set_vms.get_instance_view(seed.rg, "plain", "0")
    assert view.vm_health is None
    summary = compute.virtual_machine_scale_sets.get_instance_view(seed.rg, "plain").virtual_machine.statuses_summary
    assert {s.code for s in summary} == {"ProvisioningState/succeeded"}


def test_a_health_probe_or_the_health_extension_gives_vm_health(compute, seed):
    image = seed.version(compute, "1.0.0")
    sick = seed.version(compute, "1.1.0", tags={"emulator.health": "unhealthy"})
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "probed", scale_set(image.id, [], 2, health_probe=seed.probe)).result()
    vmss.begin_create_or_update(seed.rg, "extended", scale_set(sick.id, [], 1, health_extension=True)).result()
    assert _health_codes(compute, seed.rg, "probed") == ["HealthState/healthy"] * 2
    assert _health_codes(compute, seed.rg, "extended") == ["HealthState/unhealthy"]
    model = vmss.get(seed.rg, "probed")
    assert model.virtual_machine_profile.network_profile.health_probe.id.lower() == seed.probe.lower()


def test_health_follows_the_model_an_instance_runs(compute, seed):
    """Adding monitoring to a Manual scale set's model reaches an instance with its upgrade."""
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "later", scale_set(image.id, [], 1)).result()
    vmss.begin_create_or_update(seed.rg, "later", scale_set(image.id, [], 1, health_probe=seed.probe)).result()
    assert _health_codes(compute, seed.rg, "later") == [None]
    vmss.begin_update_instances(seed.rg, "later", cm.VirtualMachineScaleSetVMInstanceRequiredIDs(
        instance_ids=["0"])).result()
    assert _health_codes(compute, seed.rg, "later") == ["HealthState/healthy"]


def test_a_health_probe_that_does_not_exist_is_rejected(compute, seed):
    image = seed.version(compute, "1.0.0")
    missing = f"{seed.lb.id}/probes/nope"
    with pytest.raises(HttpResponseError) as info:
        compute.virtual_machine_scale_sets.begin_create_or_update(
            seed.rg, "x", scale_set(image.id, [], 0, health_probe=missing)).result()
    assert info.value.status_code == 400
    assert info.value.error.code == "InvalidResourceReference"


@pytest.mark.parametrize("mode", ["Rolling", "rolling"])
def test_rolling_upgrades_need_a_health_source(compute, seed, mode):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    with pytest.raises(HttpResponseError) as info:
        vmss.begin_create_or_update(seed.rg, "roll", scale_set(image.id, [], 0, mode=mode)).result()
    assert info.value.status_code == 400 and info.value.error.code == "BadRequest"
    assert "health probe or health extension" in info.value.error.message
    vmss.begin_create_or_update(seed.rg, "roll", scale_set(image.id, [], 0, mode=mode, health_extension=True)).result()
    # removing the health source from a Rolling scale set is refused too
    with pytest.raises(HttpResponseError) as info:
        vmss.begin_create_or_update(seed.rg, "roll", scale_set(image.id, [], 0, mode=mode)).result()
    assert info.value.status_code == 400


def test_automatic_os_upgrades_need_a_health_source(compute, seed):
    image = seed.version(compute, "1.0.0")
    body = scale_set(image.id, [], 0, mode="Automatic")
    body.upgrade_policy.automatic_os_upgrade_policy = cm.AutomaticOSUpgradePolicy(enable_automatic_os_upgrade=True)
    with pytest.raises(HttpResponseError) as info:
        compute.virtual_machine_scale_sets.begin_create_or_update(seed.rg, "auto", body).result()
    assert info.value.status_code == 400 and "Automatic OS Upgrade" in info.value.error.message
    body.virtual_machine_profile.network_profile.health_probe = cm.ApiEntityReference(id=seed.probe)
    compute.virtual_machine_scale_sets.begin_create_or_update(seed.rg, "auto", body).result()


def test_creating_a_password_auth_scale_set_without_its_password_is_rejected(compute, http, seed):
    image = seed.version(compute, "1.0.0")
    body = scale_set(image.id, [], 0).as_dict()
    os_profile = body["properties"]["virtualMachineProfile"]["osProfile"]
    url = arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/pw")
    for config in ({"windowsConfiguration": {"provisionVMAgent": True}},
                   {"linuxConfiguration": {"disablePasswordAuthentication": False}}):
        r = http.put(url, json={**body, "properties": {**body["properties"], "virtualMachineProfile": {
            **body["properties"]["virtualMachineProfile"], "osProfile": {**os_profile, **config}}}}, headers=TOKEN)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "InvalidParameter"
        assert r.json()["error"]["target"] == "adminPassword"
    with_password = {**os_profile, "windowsConfiguration": {"provisionVMAgent": True}, "adminPassword": "S3cret-pass!"}
    body["properties"]["virtualMachineProfile"]["osProfile"] = with_password
    assert http.put(url, json=body, headers=TOKEN).status_code == 201
    # a GET shows no password; PUT back (an update, once the create is over) keeps the one Compute holds
    got = wait_until(lambda: (lambda b: b["properties"]["provisioningState"] == "Succeeded" and b)(
        http.get(url, headers=TOKEN).json()), "the create to finish")
    assert "adminPassword" not in got["properties"]["virtualMachineProfile"]["osProfile"]
    assert http.put(url, json=got, headers=TOKEN).status_code == 200
    # ... but the same body as a NEW scale set is refused
    other = arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/pw2")
    copied = {k: v for k, v in got.items() if k not in ("id", "name", "type")}
    # (without the server-set signal, which a create may not carry either)
    del copied["properties"]["virtualMachineProfile"]["osProfile"]["requireGuestProvisionSignal"]
    r = http.put(other, json=copied, headers=TOKEN)
    assert r.status_code == 400 and r.json()["error"]["target"] == "adminPassword"
    assert SUBSCRIPTION_ID in url


@pytest.mark.parametrize("state", ["initializing", "unknown"])
def test_rich_health_states_are_reported_and_are_not_healthy(compute, network, seed, state):
    version = seed.version(compute, "1.0.0", tags={"emulator.health": state})
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "rich", scale_set(version.id, [seed.stage_pool], 1, health_extension=True)).result()
    assert _health_codes(compute, seed.rg, "rich") == [f"HealthState/{state}"]
    summary = compute.virtual_machine_scale_sets.get_instance_view(seed.rg, "rich").virtual_machine.statuses_summary
    assert {s.code: s.count for s in summary}[f"HealthState/{state}"] == 1
