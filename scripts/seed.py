"""Seed an Azure (the local emulator) with what a blue/green deployment needs.

A resource group, a load balancer with a prod and a stage backend pool, a base scale set (the
template every new scale set copies) and a Compute Gallery image with versions. Uses the real SDK
clients, so it works against Azure too (point it at a subscription you own).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from azure.core.credentials import TokenCredential
from azure.core.rest import HttpRequest
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.compute import models as cm
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network import models as nm

DEFAULT_LOCATION = "westus"
# The demo Azure of `make demo` and `make seed`, which the docs' examples use.
DEMO_SUBSCRIPTION_ID = "11111111-2222-3333-4444-555555555555"
DEMO_RESOURCE_GROUP = "rg-demo"
DEMO_VERSIONS = ("1.0.0", "1.1.0")


@dataclass(frozen=True)
class Target:
    subscription_id: str
    resource_group: str
    location: str = DEFAULT_LOCATION
    load_balancer: str = "bg-lb"
    prod_pool: str = "prod-backend-pool"
    stage_pool: str = "stage-backend-pool"
    base_vmss: str = "base-vmss"
    gallery: str = "bggallery"
    image: str = "web-image"
    probe: str = "http-probe"

    @property
    def rg_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"

    @property
    def image_definition_id(self) -> str:
        return f"{self.rg_id}/providers/Microsoft.Compute/galleries/{self.gallery}/images/{self.image}"

    def image_version_id(self, version: str) -> str:
        return f"{self.image_definition_id}/versions/{version}"

    def pool_id(self, pool: str) -> str:
        return (f"{self.rg_id}/providers/Microsoft.Network/loadBalancers/{self.load_balancer}"
                f"/backendAddressPools/{pool}")

    @property
    def lb_id(self) -> str:
        return f"{self.rg_id}/providers/Microsoft.Network/loadBalancers/{self.load_balancer}"

    @property
    def probe_id(self) -> str:
        """The load balancer probe the base scale set monitors instance health with."""
        return f"{self.lb_id}/probes/{self.probe}"

    @property
    def subnet_id(self) -> str:
        return f"{self.rg_id}/providers/Microsoft.Network/virtualNetworks/bg-vnet/subnets/default"


class Seeder:
    def __init__(self, credential: TokenCredential, target: Target, base_url: str, connection_verify: str | bool = True,
                 polling_interval: float = 1.0) -> None:
        kwargs = {"base_url": base_url, "connection_verify": connection_verify, "polling_interval": polling_interval}
        self.target = target
        self.compute = ComputeManagementClient(credential, target.subscription_id, **kwargs)
        self.network = NetworkManagementClient(credential, target.subscription_id, **kwargs)
        self._credential, self._kwargs = credential, kwargs

    def resource_group(self) -> None:
        # azure-mgmt-resource is not a dependency: the compute client sends the one raw ARM request.
        t = self.target
        request = HttpRequest("PUT", f"{self._kwargs['base_url']}{t.rg_id}?api-version=2025-04-01",
                              json={"location": t.location})
        self.compute.send_request(request).raise_for_status()

    def load_balancer(self) -> None:
        t = self.target
        lb_id = t.lb_id
        frontend = nm.SubResource(id=f"{lb_id}/frontendIPConfigurations/frontend")
        probe = nm.SubResource(id=t.probe_id)
        body = nm.LoadBalancer(
            location=t.location,
            sku=nm.LoadBalancerSku(name="Standard"),
            frontend_ip_configurations=[nm.FrontendIPConfiguration(
                name="frontend",
                public_ip_address=nm.PublicIPAddress(
                    id=f"{t.rg_id}/providers/Microsoft.Network/publicIPAddresses/bg-pip"))],
            backend_address_pools=[nm.BackendAddressPool(name=t.prod_pool), nm.BackendAddressPool(name=t.stage_pool)],
            probes=[nm.Probe(name=t.probe, protocol="Http", port=80, request_path="/health",
                             interval_in_seconds=5, number_of_probes=2)],
            # The probe is used by a rule of each pool: prod serves on 80, stage (the new scale set
            # before the swap) on 8080, so instances are probed whichever pool they are in, and the
            # scale sets' networkProfile.healthProbe (the same probe) is backed by a rule either way.
            load_balancing_rules=[
                nm.LoadBalancingRule(
                    name="http", protocol="Tcp", frontend_port=80, backend_port=80,
                    frontend_ip_configuration=frontend, backend_address_pool=nm.SubResource(id=t.pool_id(t.prod_pool)),
                    probe=probe),
                nm.LoadBalancingRule(
                    name="http-stage", protocol="Tcp", frontend_port=8080, backend_port=80,
                    frontend_ip_configuration=frontend, backend_address_pool=nm.SubResource(id=t.pool_id(t.stage_pool)),
                    probe=probe),
            ],
        )
        self.network.load_balancers.begin_create_or_update(t.resource_group, t.load_balancer, body).result()

    def gallery_image(self) -> None:
        t = self.target
        self.compute.galleries.begin_create_or_update(
            t.resource_group, t.gallery, cm.Gallery(location=t.location, description="vmss-bluegreen demo")).result()
        self.compute.gallery_images.begin_create_or_update(
            t.resource_group, t.gallery, t.image,
            cm.GalleryImage(location=t.location, os_type="Linux", os_state="Generalized", hyper_v_generation="V2",
                            identifier=cm.GalleryImageIdentifier(publisher="contoso", offer="web", sku="v1"))).result()

    def image_version(self, version: str, tags: dict[str, str] | None = None, wait: bool = True) -> str:
        """Publish a version (tags drive the emulator: emulator.health, emulator.provisioning, ...)."""
        t = self.target
        body = cm.GalleryImageVersion(
            location=t.location, tags=tags or {},
            publishing_profile=cm.GalleryImageVersionPublishingProfile(
                target_regions=[cm.TargetRegion(name=t.location, regional_replica_count=1)]),
            storage_profile=cm.GalleryImageVersionStorageProfile(
                source=cm.GalleryArtifactVersionFullSource(
                    id=f"{t.rg_id}/providers/Microsoft.Compute/images/web-build-{version.replace('.', '-')}")),
        )
        poller = self.compute.gallery_image_versions.begin_create_or_update(
            t.resource_group, t.gallery, t.image, version, body)
        if wait:
            poller.result()
        return t.image_version_id(version)

    def base_scale_set(self, first_image_version_id: str, health_probe: bool = True, name: str | None = None) -> str:
        """The base (template) scale set at capacity 0; returns its name.

        `health_probe=True` (default) monitors instance health with the load balancer's probe
        (`networkProfile.healthProbe`), so instances report `vmHealth`; False builds a base without
        health monitoring (Azure then reports no instance health at all)."""
        t = self.target
        name = name or t.base_vmss
        body = cm.VirtualMachineScaleSet(
            location=t.location,
            tags={"team": "platform", "app": "web"},
            sku=cm.Sku(name="Standard_D2s_v3", tier="Standard", capacity=0),
            upgrade_policy=cm.UpgradePolicy(mode="Manual"),
            overprovision=False,
            virtual_machine_profile=cm.VirtualMachineScaleSetVMProfile(
                os_profile=cm.VirtualMachineScaleSetOSProfile(
                    computer_name_prefix="web", admin_username="azureuser",
                    linux_configuration=cm.LinuxConfiguration(
                        disable_password_authentication=True,
                        ssh=cm.SshConfiguration(public_keys=[cm.SshPublicKey(
                            path="/home/azureuser/.ssh/authorized_keys",
                            key_data="ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDemoKeyOnly demo@vmss-bluegreen")]))),
                storage_profile=cm.VirtualMachineScaleSetStorageProfile(
                    image_reference=cm.ImageReference(id=first_image_version_id),
                    os_disk=cm.VirtualMachineScaleSetOSDisk(
                        create_option="FromImage", caching="ReadWrite",
                        managed_disk=cm.VirtualMachineScaleSetManagedDiskParameters(
                            storage_account_type="Premium_LRS"))),
                network_profile=cm.VirtualMachineScaleSetNetworkProfile(
                    health_probe=cm.ApiEntityReference(id=t.probe_id) if health_probe else None,
                    network_interface_configurations=[cm.VirtualMachineScaleSetNetworkConfiguration(
                        name="web-nic", primary=True,
                        ip_configurations=[cm.VirtualMachineScaleSetIPConfiguration(
                            name="web-ipconfig", primary=True, subnet=cm.ApiEntityReference(id=t.subnet_id),
                            load_balancer_backend_address_pools=[])])]),
            ),
        )
        self.compute.virtual_machine_scale_sets.begin_create_or_update(t.resource_group, name, body).result()
        return name

    def everything(self, versions: tuple[str, ...] = ("1.0.0", "1.1.0"), health_probe: bool = True) -> list[str]:
        """The whole demo target; returns the image version ids in order. `health_probe=False`: a base
        scale set without health monitoring."""
        self.resource_group()
        self.load_balancer()
        self.gallery_image()
        ids = [self.image_version(v) for v in versions]
        self.base_scale_set(ids[0], health_probe=health_probe)
        return ids


def demo_target() -> Target:
    return Target(DEMO_SUBSCRIPTION_ID, DEMO_RESOURCE_GROUP)


def seed_demo(settings: dict[str, str]) -> list[str]:
    """Seed the demo Azure into the stack whose `.local/stack.env` settings are `settings` (again:
    every write is a PUT of the same resource). Returns the image version ids."""
    from gateway.credentials import StaticTokenCredential

    seeder = Seeder(StaticTokenCredential(), demo_target(), settings["ARM_ENDPOINT"], settings["ARM_CA_BUNDLE"],
                    polling_interval=0.05)
    return seeder.everything(DEMO_VERSIONS)


def main(argv: list[str] | None = None) -> int:
    """`make seed`: the demo Azure into the running local stack."""
    from scripts import stack

    parser = argparse.ArgumentParser(prog="seed", description=main.__doc__)
    parser.add_argument("--local", type=Path, default=stack.LOCAL, help="the stack's state directory")
    args = parser.parse_args(argv)
    settings = stack.running(args.local)
    if settings is None:
        print("The local stack is not running: start it with `make up` first.", file=sys.stderr)
        return 1
    ids = seed_demo(settings)
    t = demo_target()
    print(f"Seeded subscription {t.subscription_id}, resource group {t.resource_group}: load balancer "
          f"{t.load_balancer} (pools {t.prod_pool}, {t.stage_pool}), base scale set {t.base_vmss}, "
          f"gallery {t.gallery} image {t.image} versions {', '.join(DEMO_VERSIONS)}:")
    for image_id in ids:
        print(f"  {image_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
