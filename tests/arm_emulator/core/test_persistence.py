"""The emulated Azure survives a stop and a start in the same state directory (CONTRACT §1, §7)."""

from __future__ import annotations

from azure.mgmt.compute import models as cm

from arm_emulator.core.persistence import STATE_FILE
from gateway.credentials import StaticTokenCredential
from scripts import stack
from scripts.seed import Seeder, Target
from tests.support.arm import compute_client, network_client

SUB = "5e1d0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b"


def start(state_dir, log_path):
    return stack.start_arm_emulator(state_dir, time_scale=0.01, log_path=log_path)


def test_a_restart_in_the_same_state_dir_keeps_every_resource_and_settles_what_was_pending(tmp_path):
    state_dir = tmp_path / "arm"
    emulator = start(state_dir, tmp_path / "arm.log")
    try:
        target = Target(SUB, "rg-persist")
        seeder = Seeder(StaticTokenCredential(), target, emulator.endpoint, str(emulator.ca_bundle), 0.02)
        image = seeder.everything(("1.0.0",))[0]
        compute = compute_client(emulator, SUB)
        base = compute.virtual_machine_scale_sets.get(target.resource_group, target.base_vmss)
        body = cm.VirtualMachineScaleSet(location=base.location, sku=cm.Sku(name=base.sku.name, capacity=2),
                                         upgrade_policy=base.upgrade_policy,
                                         virtual_machine_profile=base.virtual_machine_profile, tags={"kept": "yes"})
        body.virtual_machine_profile.network_profile.network_interface_configurations[0].ip_configurations[0] \
            .load_balancer_backend_address_pools = [cm.SubResource(id=target.pool_id(target.prod_pool))]
        body.virtual_machine_profile.os_profile.require_guest_provision_signal = None  # a GET's, refused in a PUT
        compute.virtual_machine_scale_sets.begin_create_or_update(target.resource_group, "web__1", body).result()
        created = compute.virtual_machine_scale_sets.get(target.resource_group, "web__1").time_created
    finally:
        emulator.stop()
    assert (state_dir / STATE_FILE).exists()

    emulator = start(state_dir, tmp_path / "arm.log")
    try:
        compute = compute_client(emulator, SUB)
        kept = compute.virtual_machine_scale_sets.get(target.resource_group, "web__1")
        assert kept.sku.capacity == 2 and kept.tags == {"kept": "yes"}
        assert compute.gallery_image_versions.get(target.resource_group, target.gallery, target.image, "1.0.0").id \
            .lower() == image.lower()
        # instances that were still provisioning at the stop are provisioned, and serve the prod pool
        views = list(compute.virtual_machine_scale_set_vms.list(target.resource_group, "web__1", expand="instanceView"))
        assert len(views) == 2 and all(v.provisioning_state == "Succeeded" for v in views)
        pool = network_client(emulator, SUB).load_balancer_backend_address_pools.get(
            target.resource_group, target.load_balancer, target.prod_pool)
        assert len(pool.backend_ip_configurations or []) == 2
        # simulated time goes on from where it stopped: nothing was created "in the future"
        later = compute.virtual_machine_scale_sets.begin_create_or_update(
            target.resource_group, "web__2", body).result()
        assert later.time_created >= created
    finally:
        emulator.stop()


def test_an_unreadable_snapshot_is_moved_aside_and_the_emulator_starts_empty(tmp_path):
    state_dir = tmp_path / "arm"
    state_dir.mkdir()
    (state_dir / STATE_FILE).write_bytes(b"not a snapshot")
    emulator = start(state_dir, tmp_path / "arm.log")
    try:
        assert list(compute_client(emulator, SUB).virtual_machine_scale_sets.list_all()) == []
        assert [p.name.startswith(f"{STATE_FILE}.unreadable-") for p in state_dir.glob(f"{STATE_FILE}*")] == [True]
        assert "Could not read the saved emulator state" in (tmp_path / "arm.log").read_text()
    finally:
        emulator.stop()
    assert (state_dir / STATE_FILE).exists()  # the stop wrote a fresh, readable one
