"""A re-run after a crash must not create a second scale set or fail because the first run
half-succeeded: each activity checks the current state first."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from azure.mgmt.compute import models as cm

import function_app  # noqa: F401  (indexes the blueprints, as the host does)
from activities import bookkeeping, routing, scaling, setup
from domain.contracts import (
    CreateScaleSetInput,
    LogInput,
    ReleaseOrphansInput,
    ResizeInput,
    RetireScaleSetInput,
    RouteInput,
)
from domain.tags import new_scale_set_tags
from gateway.storage import DeploymentLogs


def user_function(fn):
    """The function the host invokes (decorators wrap it in a FunctionBuilder)."""
    return fn._function.get_user_function() if hasattr(fn, "_function") else fn


def writes(emulator_admin, target, after: int) -> list[dict]:
    return [r for r in emulator_admin.get("/_emulator/requests").json()
            if r["seq"] > after and r["method"] != "GET" and target.resource_group.lower() in r["path"].lower()]


def last_seq(emulator_admin) -> int:
    requests = emulator_admin.get("/_emulator/requests").json()
    return requests[-1]["seq"] if requests else 0


def create_input(target, image) -> CreateScaleSetInput:
    tags = new_scale_set_tags({}, "web", 1, "web__1", datetime(2026, 11, 26, tzinfo=UTC))
    return CreateScaleSetInput("dep-1", target.subscription_id, target.resource_group, target.base_vmss, "web__1",
                               image, tags, target.pool_id(target.stage_pool), target.stage_pool)


def test_create_scale_set_twice_creates_one(activity_clients, target, seeded, emulator_admin):
    before = last_seq(emulator_admin)
    first = user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    second = user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    assert first["name"] == second["name"] == "web__1"
    puts = [w for w in writes(emulator_admin, target, before) if w["method"] == "PUT"]
    assert len(puts) == 1, puts


def test_resize_to_the_current_capacity_writes_nothing(activity_clients, target, seeded, emulator_admin):
    user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    resize = ResizeInput("dep-1", target.subscription_id, target.resource_group, "web__1", 2).to_json()
    user_function(scaling.resize_scale_set)(resize)
    before = last_seq(emulator_admin)
    assert user_function(scaling.resize_scale_set)(resize)["capacity"] == 2
    assert writes(emulator_admin, target, before) == []


def test_route_twice_changes_the_model_once(activity_clients, target, seeded, emulator_admin):
    user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    deployment_id = f"dep-route-{uuid.uuid4().hex}"
    route = RouteInput(deployment_id=deployment_id, subscription_id=target.subscription_id,
                       resource_group=target.resource_group, name="web__1",
                       remove_pool_ids=[target.pool_id(target.stage_pool)], add_pool_ids=[target.pool_id(target.prod_pool)],
                       bg_version="BLUE", prod_pool_id=target.pool_id(target.prod_pool)).to_json()
    assert user_function(routing.route_scale_set)(route)["changed"] is True
    before = last_seq(emulator_admin)
    again = user_function(routing.route_scale_set)(route)
    # Upgrade policy Manual: the deployer's own manual upgrade moved the instances, nothing to follow.
    assert (again["changed"], again["upgraded"], again["platform_upgrades"]) == (False, 0, False)
    assert writes(emulator_admin, target, before) == []
    # The activity that moves the scale set says so, in Harness's words.
    log = DeploymentLogs(activity_clients.blob_service()).read(deployment_id)
    assert (f"Sending request to detach virtual machine scale set:[web__1] from stage backend pool:"
            f"[{target.stage_pool}]") in log
    assert f"Sending request to attach virtual machine scale set:[web__1] to prod backend pool:[{target.prod_pool}]" in log


def test_retire_tolerates_a_scale_set_that_was_never_created(activity_clients, target, seeded, emulator_admin):
    ref = RetireScaleSetInput("dep-1", target.subscription_id, target.resource_group, "never__9").to_json()
    before = last_seq(emulator_admin)
    assert user_function(scaling.retire_scale_set)(ref) is False
    assert writes(emulator_admin, target, before) == []


def test_a_log_that_takes_no_more_lines_does_not_fail_the_azure_work(activity_clients, target, seeded):
    """The log is bookkeeping: when an append fails (an append blob takes at most 50,000 blocks, one per
    call; a long wait polling every second reaches that), the scale set is still created and routed."""
    deployment_id = f"dep-full-log-{uuid.uuid4().hex}"
    container = activity_clients.blob_service().get_container_client("deployment-logs")
    if not container.exists():
        container.create_container()
    container.upload_blob(f"{deployment_id}.log", b"a block blob: appends to it fail\n")

    created = user_function(setup.create_scale_set)(
        replace(create_input(target, seeded[0]), deployment_id=deployment_id).to_json())
    assert created["name"] == "web__1"
    route = RouteInput(deployment_id, target.subscription_id, target.resource_group, "web__1",
                       [target.pool_id(target.stage_pool)], [target.pool_id(target.prod_pool)], "BLUE").to_json()
    assert user_function(routing.route_scale_set)(route)["changed"] is True
    assert user_function(bookkeeping.append_log)(LogInput(deployment_id, ["a line"]).to_json()) == 0


def test_a_route_that_only_tags_rolls_no_model_out(activity_clients, target, seeded, emulator_admin):
    """Tags are not part of the model: a tags-only route never upgrades instances, even ones with a model
    change pending (an operator's, to be rolled out when they choose)."""
    user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    resize = ResizeInput("dep-1", target.subscription_id, target.resource_group, "web__1", 1).to_json()
    user_function(scaling.resize_scale_set)(resize)
    compute = activity_clients.compute(target.subscription_id)
    while compute.virtual_machine_scale_sets.get(target.resource_group, "web__1").provisioning_state != "Succeeded":
        time.sleep(0.05)
    compute.virtual_machine_scale_sets.begin_update(target.resource_group, "web__1", cm.VirtualMachineScaleSetUpdate(
        virtual_machine_profile=cm.VirtualMachineScaleSetUpdateVMProfile(user_data="b3BlcmF0b3I="))).result()
    before = last_seq(emulator_admin)
    route = RouteInput("dep-1", target.subscription_id, target.resource_group, "web__1", [], [], "BLUE").to_json()
    routed = user_function(routing.route_scale_set)(route)
    assert (routed["changed"], routed["upgraded"], routed["platform_upgrades"]) == (True, 0, False)
    assert [w["method"] for w in writes(emulator_admin, target, before)] == ["PATCH"]


def test_a_stage_orphan_is_released_once_out_of_the_stage_pool_and_scaled_to_zero(
        activity_clients, arm_emulator, target, seeded, emulator_admin):
    from tests.support.arm import compute_client

    user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.begin_update(
        target.resource_group, "web__1", cm.VirtualMachineScaleSetUpdate(sku=cm.Sku(capacity=2))).result()
    release = ReleaseOrphansInput("dep-2", target.subscription_id, target.resource_group, ["web__1", "gone__9"],
                                  target.pool_id(target.stage_pool)).to_json()
    assert user_function(setup.release_stage_orphans)(release) == ["web__1"]
    released = compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.get(
        target.resource_group, "web__1")
    assert released.sku.capacity == 0
    pools = [p for nic in released.virtual_machine_profile.network_profile.network_interface_configurations
             for ip in nic.ip_configurations for p in ip.load_balancer_backend_address_pools or []]
    assert pools == []
    before = last_seq(emulator_admin)
    user_function(setup.release_stage_orphans)(release)
    assert writes(emulator_admin, target, before) == []
