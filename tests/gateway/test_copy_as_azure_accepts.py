"""Copying the base model as Azure accepts it, password bases from Key Vault, and the target checks
that refuse before anything is written: the gateway against the ARM emulator, real SDK clients."""

from __future__ import annotations

from dataclasses import replace

import pytest
from azure.mgmt.compute import models as cm
from azure.mgmt.network import models as nm

from gateway import compute, gallery, network, validation
from gateway.clients import AzureClients
from gateway.keyvault import SecretUnavailable
from tests.gateway.seed import LOCATION, base_scale_set_body, create_image_version

VAULT_SECRET = "https://bg-vault.vault.azure.net/secrets/{name}"


def test_the_copy_drops_require_guest_provision_signal_that_every_get_returns(clients, target):
    t = target
    base = clients.compute(t.sub).virtual_machine_scale_sets.get(t.rg, t.base, expand="userData")
    assert base.as_dict()["properties"]["virtualMachineProfile"]["osProfile"]["requireGuestProvisionSignal"] is True
    body = compute.new_scale_set_body(base, t.versions["1.0.0"], {}, t.stage_pool_id)
    assert "requireGuestProvisionSignal" not in body["properties"]["virtualMachineProfile"]["osProfile"]
    created = compute.create_scale_set_from_base(clients, t.sub, t.rg, t.base, "web__1", t.versions["1.0.0"], {},
                                                 t.stage_pool_id)
    assert created.provisioning_state == "Succeeded"


def _specialized_version(clients, t) -> str:
    clients.compute(t.sub).gallery_images.begin_create_or_update(t.rg, t.gallery, "captured", cm.GalleryImage({
        "location": LOCATION, "properties": {"osType": "Linux", "osState": "Specialized", "hyperVGeneration": "V2",
                                             "identifier": {"publisher": "contoso", "offer": "web", "sku": "cap"}},
    })).result()
    return create_image_version(clients, replace(t, image="captured", versions={}), "2.0.0")


def test_a_specialized_image_gets_no_os_profile(clients, target):
    t = target
    version_id = _specialized_version(clients, t)
    definition = gallery.get_image_definition(clients, version_id)
    assert definition is not None and definition.specialized and definition.os_type == "Linux"
    compute.create_scale_set_from_base(clients, t.sub, t.rg, t.base, "web__1", version_id, {}, t.stage_pool_id)
    created = clients.compute(t.sub).virtual_machine_scale_sets.get(t.rg, "web__1")
    assert created.virtual_machine_profile.os_profile is None


def _password_base(clients, t, name: str = "pw__base") -> str:
    body = base_scale_set_body(t, t.versions["1.0.0"])
    body["properties"]["virtualMachineProfile"]["osProfile"] = {
        "computerNamePrefix": "web", "adminUsername": "azureuser", "adminPassword": "Base-Only-Passw0rd!",
        "linuxConfiguration": {"disablePasswordAuthentication": False}}
    clients.compute(t.sub).virtual_machine_scale_sets.begin_create_or_update(t.rg, name, body).result()
    return name


@pytest.fixture
def kv_clients(arm_settings, arm_emulator):
    built = AzureClients(replace(arm_settings, keyvault_endpoint=arm_emulator.endpoint))
    yield built
    built.close()


def test_a_password_base_is_copied_with_the_password_read_from_key_vault(kv_clients, target, emulator_admin):
    t = target
    base = _password_base(kv_clients, t)
    inspection = compute.inspect_base(kv_clients, t.sub, t.rg, base)
    assert inspection.problems and "adminPassword.keyVaultSecretId" in inspection.problems[0]
    assert compute.inspect_base(kv_clients, t.sub, t.rg, base, admin_password=True).problems == []

    name = f"vmss-admin-{t.rg[-8:]}"
    emulator_admin.call("PUT", f"/_emulator/secrets/{name}", {"value": "From-Key-Vault-1!"})
    created = compute.create_scale_set_from_base(kv_clients, t.sub, t.rg, base, "web__1", t.versions["1.0.0"], {},
                                                 t.stage_pool_id,
                                                 admin_password_secret_id=VAULT_SECRET.format(name=name))
    assert created.provisioning_state == "Succeeded"
    assert "From-Key-Vault" not in repr(created.to_json())

    with pytest.raises(SecretUnavailable) as missing:
        compute.create_scale_set_from_base(kv_clients, t.sub, t.rg, base, "web__2", t.versions["1.0.0"], {},
                                           t.stage_pool_id,
                                           admin_password_secret_id=VAULT_SECRET.format(name="nobody-set-it"))
    assert "nobody-set-it" in str(missing.value)
    assert compute.get_scale_set(kv_clients, t.sub, t.rg, "web__2") is None


# -- target checks --------------------------------------------------------------------------------


def _problems(clients, t, base_name: str | None = None, image_id: str | None = None,
              lb_name: str | None = None) -> list[str]:
    balancer = network.get_load_balancer(clients, t.sub, t.rg, lb_name or t.lb)
    by_name = {k.lower(): v for k, v in balancer.backend_pool_ids.items()}
    pools = {"prod": by_name[t.prod_pool.lower()], "stage": by_name[t.stage_pool.lower()]}
    inspection = compute.inspect_base(clients, t.sub, t.rg, base_name or t.base)
    image = gallery.get_image_version(clients, image_id or t.versions["1.0.0"])
    return validation.target_problems(clients, balancer, pools, inspection, image)


def test_the_seeded_target_passes_every_check(clients, target):
    assert _problems(clients, target) == []


def test_a_basic_load_balancer_is_refused(clients, target):
    t = target
    clients.network(t.sub).load_balancers.begin_create_or_update(t.rg, "basic-lb", nm.LoadBalancer(
        location=LOCATION, sku=nm.LoadBalancerSku(name="Basic"),
        backend_address_pools=[nm.BackendAddressPool(name=t.prod_pool), nm.BackendAddressPool(name=t.stage_pool)],
    )).result()
    problems = _problems(clients, t, lb_name="basic-lb")
    assert any("SKU Basic" in p for p in problems)
    assert any("health probe" in p for p in problems)  # the base's probe is on bg-lb, not basic-lb


def test_an_image_version_not_replicated_to_the_scale_sets_region_is_refused(clients, target):
    t = target
    body = cm.GalleryImageVersion({"location": LOCATION, "properties": {
        "publishingProfile": {"targetRegions": [{"name": "eastus", "regionalReplicaCount": 1}]},
        "storageProfile": {"source": {"id": f"/subscriptions/{t.sub}/resourceGroups/{t.rg}/providers/"
                                            f"Microsoft.Compute/images/web-east"}}}})
    version = clients.compute(t.sub).gallery_image_versions.begin_create_or_update(
        t.rg, t.gallery, t.image, "3.0.0", body).result()
    problems = _problems(clients, t, image_id=version.id)
    assert any("not replicated to region [westeurope]" in p for p in problems), problems


@pytest.mark.parametrize(("os_type", "generation", "expected"), [
    ("Windows", "V2", "is a Windows image but the base scale set runs Linux"),
    ("Linux", "V1", "is Hyper-V generation V1 but the base scale set's image [web-image] is V2"),
])
def test_an_image_of_another_os_type_or_generation_is_refused(clients, target, os_type, generation, expected):
    t = target
    clients.compute(t.sub).gallery_images.begin_create_or_update(t.rg, t.gallery, "other", cm.GalleryImage({
        "location": LOCATION, "properties": {"osType": os_type, "osState": "Generalized",
                                             "hyperVGeneration": generation,
                                             "identifier": {"publisher": "contoso", "offer": "web", "sku": "o"}},
    })).result()
    version_id = create_image_version(clients, replace(t, image="other", versions={}), "1.0.0")
    assert any(expected in p for p in _problems(clients, t, image_id=version_id))


def test_prod_and_stage_pools_of_two_load_balancers_are_refused(clients, target):
    # A spec names one load balancer for both pools, so validation reads them from one; the check guards the
    # swap's premise (one load balancer, one probe) should the pools ever come from elsewhere.
    t = target
    other = clients.network(t.sub).load_balancers.begin_create_or_update(t.rg, "other-lb", nm.LoadBalancer(
        location=LOCATION, sku=nm.LoadBalancerSku(name="Standard"),
        backend_address_pools=[nm.BackendAddressPool(name=t.stage_pool)])).result()
    balancer = network.get_load_balancer(clients, t.sub, t.rg, t.lb)
    prod = {k.lower(): v for k, v in balancer.backend_pool_ids.items()}[t.prod_pool.lower()]
    pools = {"prod": prod, "stage": other.backend_address_pools[0].id}
    problems = validation.target_problems(clients, balancer, pools, compute.inspect_base(clients, t.sub, t.rg, t.base),
                                          gallery.get_image_version(clients, t.versions["1.0.0"]))
    assert problems == ["The prod and stage backend pools are on different load balancers"]


def _definition_reads(emulator_admin, since: int) -> list[str]:
    return [e["path"] for e in emulator_admin.requests_since(since)
            if e["method"] == "GET" and e["path"].rsplit("/", 2)[-2] == "images"]


def test_a_new_version_of_the_base_s_own_generalized_definition_keeps_the_os_profile_without_reading_it(
        clients, target, emulator_admin):
    t = target
    since = emulator_admin.last_seq()
    compute.create_scale_set_from_base(clients, t.sub, t.rg, t.base, "web__1", t.versions["1.0.0"], {},
                                       t.stage_pool_id)
    assert _definition_reads(emulator_admin, since) == []
    created = clients.compute(t.sub).virtual_machine_scale_sets.get(t.rg, "web__1")
    assert created.virtual_machine_profile.os_profile is not None


def test_a_new_version_of_the_base_s_own_specialized_definition_gets_no_os_profile_without_reading_it(
        clients, target, emulator_admin):
    t = target
    captured = _specialized_version(clients, t)
    body = base_scale_set_body(t, captured)
    del body["properties"]["virtualMachineProfile"]["osProfile"]  # Azure refuses one with a specialized image
    clients.compute(t.sub).virtual_machine_scale_sets.begin_create_or_update(t.rg, "captured__base", body).result()
    newer = create_image_version(clients, replace(t, image="captured", versions={}), "2.1.0")
    since = emulator_admin.last_seq()
    compute.create_scale_set_from_base(clients, t.sub, t.rg, "captured__base", "captured__1", newer, {},
                                       t.stage_pool_id)
    assert _definition_reads(emulator_admin, since) == []
    created = clients.compute(t.sub).virtual_machine_scale_sets.get(t.rg, "captured__1")
    assert created.virtual_machine_profile.os_profile is None
