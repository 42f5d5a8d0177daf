"""Health monitoring end to end: a base scale set without any (no Application Health extension, no
`networkProfile.healthProbe`) deploys on provisioning alone, as in Azure, where such instances never
report `vmHealth`. (A monitored base still waits for health: the seeded base monitors it with the load
balancer's probe, and test_bluegreen_deployments' unhealthy-image tests roll back.)"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import spec_for
from tests.support.arm import compute_client

pytestmark = pytest.mark.e2e

NEW_NAME = "web_api_prod"


def _health_codes(arm_emulator, target, name) -> list[str | None]:
    vms = compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_set_vms.list(
        target.resource_group, name, expand="instanceView")
    return [vm.instance_view.vm_health.status.code if vm.instance_view.vm_health else None for vm in vms]


def test_a_base_without_health_monitoring_deploys_on_provisioning_alone(api, arm_emulator, target, seeder):
    images = seeder.everything(("1.0.0", "1.1.0"), health_probe=False)
    base = compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.get(
        target.resource_group, target.base_vmss)
    assert base.virtual_machine_profile.network_profile.health_probe is None
    assert base.virtual_machine_profile.extension_profile is None

    for revision, image in enumerate(images, start=1):
        deployment = api.deploy(spec_for(target, image))
        view = api.wait(deployment)
        assert view["status"] == "Succeeded", api.log(deployment)
        assert view["revision"] == revision
        # No instance reports health: Azure has no source for it.
        assert _health_codes(arm_emulator, target, f"{NEW_NAME}__{revision}") == [None, None]

