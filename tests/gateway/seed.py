"""Seeding the ARM emulator through the real SDK clients (model classes, REST-shaped)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from azure.core.rest import HttpRequest
from azure.mgmt.compute import models as cm
from azure.mgmt.network import models as nm

from gateway.clients import AzureClients
from tests.support.arm import SUBSCRIPTION_ID

LOCATION = "westeurope"
SUB = SUBSCRIPTION_ID


def rid(sub: str, rg: str, provider_path: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider_path}"


@dataclass
class Target:
    sub: str
    rg: str
    lb: str = "bg-lb"
    prod_pool: str = "prod-backend-pool"
    stage_pool: str = "stage-backend-pool"
    other_pool: str = "other-backend-pool"
    base: str = "web__base"
    probe: str = "http-probe"
    gallery: str = "gal"
    image: str = "web-image"
    versions: dict[str, str] = field(default_factory=dict)  # version name -> id

    def lb_id(self) -> str:
        return rid(self.sub, self.rg, f"Microsoft.Network/loadBalancers/{self.lb}")

    def pool_id(self, pool: str) -> str:
        return f"{self.lb_id()}/backendAddressPools/{pool}"

    @property
    def prod_pool_id(self) -> str:
        return self.pool_id(self.prod_pool)

    @property
    def stage_pool_id(self) -> str:
        return self.pool_id(self.stage_pool)

    @property
    def other_pool_id(self) -> str:
        return self.pool_id(self.other_pool)

    @property
    def probe_id(self) -> str:
        return f"{self.lb_id()}/probes/{self.probe}"

    @property
    def nat_pool_id(self) -> str:
        return f"{self.lb_id()}/inboundNatPools/ssh"

    @property
    def subnet_id(self) -> str:
        return rid(self.sub, self.rg, "Microsoft.Network/virtualNetworks/vnet/subnets/default")

    def image_definition_id(self) -> str:
        return rid(self.sub, self.rg, f"Microsoft.Compute/galleries/{self.gallery}/images/{self.image}")

    def vmss_id(self, name: str) -> str:
        return rid(self.sub, self.rg, f"Microsoft.Compute/virtualMachineScaleSets/{name}")


def create_resource_group(c: AzureClients, sub: str, rg: str) -> None:
    request = HttpRequest("PUT", f"/subscriptions/{sub}/resourcegroups/{rg}",
                          params={"api-version": "2025-04-01"}, json={"location": LOCATION})
    response = c.compute(sub).send_request(request)
    response.raise_for_status()


def create_load_balancer(c: AzureClients, t: Target) -> None:
    fe_id = f"{t.lb_id()}/frontendIPConfigurations/fe"
    body = nm.LoadBalancer({
        "location": LOCATION,
        "sku": {"name": "Standard"},
        "properties": {
            "frontendIPConfigurations": [{"name": "fe", "properties": {
                "publicIPAddress": {"id": rid(t.sub, t.rg, "Microsoft.Network/publicIPAddresses/pip")}}}],
            "backendAddressPools": [{"name": t.prod_pool}, {"name": t.stage_pool}, {"name": t.other_pool}],
            "probes": [{"name": t.probe, "properties": {"protocol": "Http", "port": 80, "requestPath": "/health",
                                                        "intervalInSeconds": 5, "numberOfProbes": 2}}],
            "inboundNatPools": [{"name": "ssh", "properties": {
                "frontendIPConfiguration": {"id": fe_id}, "protocol": "Tcp",
                "frontendPortRangeStart": 50000, "frontendPortRangeEnd": 50099, "backendPort": 22}}],
        },
    })
    c.network(t.sub).load_balancers.begin_create_or_update(t.rg, t.lb, body).result()


def create_gallery_image(c: AzureClients, t: Target) -> None:
    compute = c.compute(t.sub)
    compute.galleries.begin_create_or_update(
        t.rg, t.gallery, cm.Gallery({"location": LOCATION, "properties": {"description": "test gallery"}})
    ).result()
    compute.gallery_images.begin_create_or_update(t.rg, t.gallery, t.image, cm.GalleryImage({
        "location": LOCATION,
        "properties": {"osType": "Linux", "osState": "Generalized", "hyperVGeneration": "V2",
                       "identifier": {"publisher": "contoso", "offer": "web", "sku": "v2"}},
    })).result()


def create_image_version(c: AzureClients, t: Target, version: str, tags: dict[str, str] | None = None,
                         exclude_from_latest: bool = False) -> str:
    body = cm.GalleryImageVersion({
        "location": LOCATION,
        "tags": tags or {},
        "properties": {
            "publishingProfile": {"targetRegions": [{"name": LOCATION, "regionalReplicaCount": 1}],
                                  "excludeFromLatest": exclude_from_latest},
            "storageProfile": {"source": {"id": rid(t.sub, t.rg, f"Microsoft.Compute/images/web-{version}")}},
        },
    })
    result = c.compute(t.sub).gallery_image_versions.begin_create_or_update(
        t.rg, t.gallery, t.image, version, body).result()
    t.versions[version] = result.id
    return result.id


def base_scale_set_body(t: Target, image_id: str, capacity: int = 0, health_probe: bool = True) -> cm.VirtualMachineScaleSet:
    """A base model with what a real one has: zones, Manual upgrades, a NAT pool, two NICs, and (unless
    `health_probe=False`) health monitoring by the load balancer's probe."""
    body = cm.VirtualMachineScaleSet({
        "location": LOCATION,
        "tags": {"team": "web", "HARNESS_REVISION": "old__7", "Name": t.base},
        "sku": {"name": "Standard_D2s_v3", "tier": "Standard", "capacity": capacity},
        "zones": ["1", "2"],
        "properties": {
            "orchestrationMode": "Uniform",
            "upgradePolicy": {"mode": "Manual"},
            "overprovision": False,
            "singlePlacementGroup": False,
            "platformFaultDomainCount": 1,
            "virtualMachineProfile": {
                "osProfile": {"computerNamePrefix": "web", "adminUsername": "azureuser",
                              "linuxConfiguration": {"disablePasswordAuthentication": True}},
                "storageProfile": {
                    "imageReference": {"id": image_id},
                    "osDisk": {"createOption": "FromImage", "caching": "ReadWrite",
                               "managedDisk": {"storageAccountType": "Premium_LRS"}},
                },
                "networkProfile": {"networkInterfaceConfigurations": [
                    {"name": "nic-primary", "properties": {
                        "primary": True,
                        "enableAcceleratedNetworking": True,
                        "ipConfigurations": [
                            {"name": "ipconfig-primary", "properties": {
                                "primary": True,
                                "subnet": {"id": t.subnet_id},
                                "loadBalancerBackendAddressPools": [{"id": t.prod_pool_id}, {"id": t.other_pool_id}],
                                "loadBalancerInboundNatPools": [{"id": t.nat_pool_id}],
                            }},
                            {"name": "ipconfig-secondary", "properties": {
                                "primary": False,
                                "subnet": {"id": t.subnet_id},
                                "loadBalancerBackendAddressPools": [{"id": t.other_pool_id}],
                            }},
                        ],
                    }},
                    {"name": "nic-secondary", "properties": {
                        "primary": False,
                        "ipConfigurations": [{"name": "ipconfig-nic2", "properties": {
                            "subnet": {"id": t.subnet_id},
                            "loadBalancerBackendAddressPools": [{"id": t.other_pool_id}],
                        }}],
                    }},
                ]},
            },
        },
    })
    if health_probe:
        body["properties"]["virtualMachineProfile"]["networkProfile"]["healthProbe"] = {"id": t.probe_id}
    return body


def create_base_scale_set(c: AzureClients, t: Target, image_id: str, capacity: int = 0, health_probe: bool = True,
                          name: str | None = None) -> None:
    c.compute(t.sub).virtual_machine_scale_sets.begin_create_or_update(
        t.rg, name or t.base, base_scale_set_body(t, image_id, capacity, health_probe)).result()


def seed_target(c: AzureClients, sub: str, rg: str, *, versions=("1.0.0",), base_capacity: int = 0) -> Target:
    t = Target(sub=sub, rg=rg)
    create_resource_group(c, sub, rg)
    create_load_balancer(c, t)
    create_gallery_image(c, t)
    for version in versions:
        create_image_version(c, t, version)
    create_base_scale_set(c, t, t.versions[versions[0]], base_capacity)
    return t


def wait_until(check, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what} not reached in {timeout}s (last: {last!r})")
