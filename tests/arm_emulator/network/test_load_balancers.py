"""Load balancers and backend pools through the real azure-mgmt-network client."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network import models as nm

from tests.arm_emulator.conftest import LOCATION, scale_set


def test_load_balancer_put_get_list_assigns_child_ids(network, rg):
    lb = network.load_balancers.begin_create_or_update(rg, "edge", nm.LoadBalancer(
        location=LOCATION, tags={"team": "web"},
        backend_address_pools=[nm.BackendAddressPool(name="a"), nm.BackendAddressPool(name="b")])).result()
    assert lb.provisioning_state == "Succeeded"
    assert [p.id for p in lb.backend_address_pools] == [f"{lb.id}/backendAddressPools/a", f"{lb.id}/backendAddressPools/b"]
    got = network.load_balancers.get(rg, "EDGE")
    assert got.tags == {"team": "web"} and got.name == "edge"
    assert [x.name for x in network.load_balancers.list(rg)] == ["edge"]


def test_pools_get_and_list_show_backend_ip_configurations_of_running_models(network, compute, seed):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "web", scale_set(image.id, [seed.prod_pool], 2)).result()
    pools = {p.name: p for p in network.load_balancer_backend_address_pools.list(seed.rg, "lb")}
    assert set(pools) == {"prod-pool", "stage-pool"}
    ids = sorted(c.id for c in pools["prod-pool"].backend_ip_configurations)
    vmss_id = compute.virtual_machine_scale_sets.get(seed.rg, "web").id
    assert ids == [f"{vmss_id}/virtualMachines/{i}/networkInterfaces/nic/ipConfigurations/ipconfig" for i in (0, 1)]
    assert not pools["stage-pool"].backend_ip_configurations
    one = network.load_balancer_backend_address_pools.get(seed.rg, "lb", "prod-pool")
    assert sorted(c.id for c in one.backend_ip_configurations) == ids


def test_missing_pool_is_404(network, seed):
    with pytest.raises(ResourceNotFoundError):
        network.load_balancer_backend_address_pools.get(seed.rg, "lb", "absent")


def test_pool_in_use_cannot_be_removed_from_the_load_balancer(network, compute, seed):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "web", scale_set(image.id, [seed.prod_pool], 1)).result()
    with pytest.raises(HttpResponseError) as info:
        network.load_balancers.begin_create_or_update(seed.rg, "lb", nm.LoadBalancer(
            location=LOCATION, backend_address_pools=[nm.BackendAddressPool(name="stage-pool")]))
    assert info.value.error.code == "InUseBackendAddressPoolCannotBeDeleted"


def test_pool_without_name_is_400(network, rg):
    with pytest.raises(HttpResponseError) as info:
        network.load_balancers.begin_create_or_update(
            rg, "bad", {"location": LOCATION, "properties": {"backendAddressPools": [{"properties": {}}]}})
    assert info.value.status_code == 400


def test_pool_put_adds_a_pool_and_delete_removes_an_unused_one(network, seed):
    pools = network.load_balancer_backend_address_pools
    created = pools.begin_create_or_update(seed.rg, "lb", "canary", nm.BackendAddressPool()).result()
    assert created.id == f"{seed.lb.id}/backendAddressPools/canary"
    assert sorted(p.name for p in pools.list(seed.rg, "lb")) == ["canary", "prod-pool", "stage-pool"]
    pools.begin_delete(seed.rg, "lb", "canary").result()
    assert sorted(p.name for p in pools.list(seed.rg, "lb")) == ["prod-pool", "stage-pool"]


def test_pool_in_use_cannot_be_deleted(network, compute, seed):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "web", scale_set(image.id, [seed.prod_pool], 1)).result()
    with pytest.raises(HttpResponseError) as info:
        network.load_balancer_backend_address_pools.begin_delete(seed.rg, "lb", "prod-pool")
    assert info.value.status_code == 400
    assert info.value.error.code == "InUseBackendAddressPoolCannotBeDeleted"
