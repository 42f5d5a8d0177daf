"""Helpers for the emulator's own tests: real SDK clients, a raw HTTPS client for the admin API
and for requests the SDK cannot send (no token, malformed JSON), and seed builders.

Every test works in its own resource group, so tests sharing one emulator never see each other.
"""

from __future__ import annotations

import ssl
import uuid
from dataclasses import dataclass

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import models as cm
from azure.mgmt.network import models as nm

from tests.support.arm import SUBSCRIPTION_ID, compute_client, monitor_client, network_client

LOCATION = "westeurope"
TOKEN = {"Authorization": "Bearer any-token-will-do"}


@pytest.fixture(scope="session")
def compute(arm_emulator):
    return compute_client(arm_emulator)


@pytest.fixture(scope="session")
def network(arm_emulator):
    return network_client(arm_emulator)


@pytest.fixture(scope="session")
def monitor(arm_emulator):
    return monitor_client(arm_emulator)


@pytest.fixture(scope="session")
def http(arm_emulator):
    verify = ssl.create_default_context(cafile=str(arm_emulator.ca_bundle))
    with httpx.Client(base_url=arm_emulator.endpoint, verify=verify, timeout=30) as client:
        yield client


@pytest.fixture
def rg(http) -> str:
    name = f"rg-{uuid.uuid4().hex[:10]}"
    r = http.put(f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{name}?api-version=2025-04-01",
                 json={"location": LOCATION}, headers=TOKEN)
    assert r.status_code == 201, r.text
    return name


@dataclass
class Seed:
    rg: str
    lb: nm.LoadBalancer
    prod_pool: str
    stage_pool: str
    gallery: str
    image: str

    @property
    def probe(self) -> str:
        """The load balancer's health probe (a scale set's networkProfile.healthProbe)."""
        return f"{self.lb.id}/probes/probe"

    def image_version_id(self, compute) -> str:
        """Id of version 1.0.0, created on first use."""
        try:
            return compute.gallery_image_versions.get(self.rg, self.gallery, self.image, "1.0.0").id
        except ResourceNotFoundError:
            return self.version(compute, "1.0.0").id

    def version(self, compute, name: str, tags: dict | None = None) -> cm.GalleryImageVersion:
        return compute.gallery_image_versions.begin_create_or_update(
            self.rg, self.gallery, self.image, name,
            cm.GalleryImageVersion(location=LOCATION, tags=tags or {})).result()


@pytest.fixture
def seed(rg, compute, network) -> Seed:
    """A load balancer with a prod and a stage pool, and a gallery image definition."""
    lb = network.load_balancers.begin_create_or_update(rg, "lb", nm.LoadBalancer(
        location=LOCATION, sku=nm.LoadBalancerSku(name="Standard"),
        backend_address_pools=[nm.BackendAddressPool(name="prod-pool"), nm.BackendAddressPool(name="stage-pool")],
        probes=[nm.Probe(name="probe", protocol="Http", port=80, request_path="/health")],
    )).result()
    pools = {p.name: p.id for p in lb.backend_address_pools}
    compute.galleries.begin_create_or_update(rg, "gallery", cm.Gallery(location=LOCATION)).result()
    compute.gallery_images.begin_create_or_update(rg, "gallery", "app", cm.GalleryImage(
        location=LOCATION, os_type="Linux", os_state="Generalized",
        identifier=cm.GalleryImageIdentifier(publisher="contoso", offer="app", sku="1"))).result()
    return Seed(rg, lb, pools["prod-pool"], pools["stage-pool"], "gallery", "app")


HEALTH_EXTENSION = cm.VirtualMachineScaleSetExtensionProfile(extensions=[cm.VirtualMachineScaleSetExtension(
    name="health", publisher="Microsoft.ManagedServices", type="ApplicationHealthLinux",
    type_handler_version="1.0", settings={"protocol": "http", "port": 80, "requestPath": "/health"})])


def scale_set(image_id: str, pools: list[str], capacity: int, mode: str = "Manual",
              health_probe: str | None = None, health_extension: bool = False) -> cm.VirtualMachineScaleSet:
    """A minimal Uniform scale set. Health monitoring (so that instances report vmHealth): a load
    balancer probe id as `health_probe`, or `health_extension=True` (Application Health extension)."""
    return cm.VirtualMachineScaleSet(
        location=LOCATION,
        sku=cm.Sku(name="Standard_D2s_v3", tier="Standard", capacity=capacity),
        upgrade_policy=cm.UpgradePolicy(mode=mode),
        virtual_machine_profile=cm.VirtualMachineScaleSetVMProfile(
            storage_profile=cm.VirtualMachineScaleSetStorageProfile(image_reference=cm.ImageReference(id=image_id)),
            os_profile=cm.VirtualMachineScaleSetOSProfile(computer_name_prefix="app", admin_username="azureuser"),
            extension_profile=HEALTH_EXTENSION if health_extension else None,
            network_profile=cm.VirtualMachineScaleSetNetworkProfile(
                health_probe=cm.ApiEntityReference(id=health_probe) if health_probe else None,
                network_interface_configurations=[
                cm.VirtualMachineScaleSetNetworkConfiguration(
                    name="nic", primary=True,
                    ip_configurations=[cm.VirtualMachineScaleSetIPConfiguration(
                        name="ipconfig", primary=True,
                        subnet=cm.ApiEntityReference(id=f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/net/"
                                                        f"providers/Microsoft.Network/virtualNetworks/vnet/subnets/s"),
                        load_balancer_backend_address_pools=[cm.SubResource(id=p) for p in pools])])])))


def pool_members(network, rg: str, pool: str) -> list[str]:
    p = network.load_balancer_backend_address_pools.get(rg, "lb", pool)
    return sorted(c.id for c in p.backend_ip_configurations or [])


def wait_until(predicate, what: str, attempts: int = 400):
    """Poll the emulator (simulated time moves on its own) until `predicate()` is truthy."""
    import time

    for _ in range(attempts):
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


def arm_url(rg: str, tail: str, api: str = "2025-04-01") -> str:
    return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{tail}?api-version={api}"
