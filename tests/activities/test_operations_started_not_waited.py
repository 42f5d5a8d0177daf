"""Version 4's write activities start Azure's long-running operation and answer at once with what is
needed to follow it; `read_operation` reads its status once per call. Against the emulator with a slow
Azure (`lroSeconds`): an activity that waited would not answer before the operation ended, so the answers
below (the operation still running, the scale set still Creating or Updating) prove it did not."""

from __future__ import annotations

import time
from typing import Any

import function_app  # noqa: F401  (indexes the blueprints, as the host does)
from activities import operations, routing, scaling, setup
from domain.contracts import (
    BUSY_OK_KEY,
    FOLLOWS_OPERATIONS_KEY,
    OperationInput,
    ResizeInput,
    RetireScaleSetInput,
    RouteInput,
    pending_operation,
)
from tests.activities.test_activities_are_idempotent import create_input, last_seq, user_function, writes
from tests.support.arm import compute_client

SLOW = 3600  # simulated seconds: far longer than any activity call on the tests' time scale


def following(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, FOLLOWS_OPERATIONS_KEY: True, BUSY_OK_KEY: True}


def slow(emulator_admin, target, method: str, path: str, seconds: float = SLOW) -> None:
    fault = {"method": method, "path": f"(?i)/resourceGroups/{target.resource_group}/.*{path}", "lroSeconds": seconds,
             "times": 1}
    assert emulator_admin.post("/_emulator/faults", json=fault).status_code == 201


def read(target, marker: dict[str, Any]) -> dict[str, Any]:
    request = OperationInput("dep-ops", target.subscription_id, marker["url"], marker["what"]).to_json()
    return user_function(operations.read_operation)(following(request))


def until_ended(target, marker: dict[str, Any]) -> dict[str, Any]:
    for _ in range(3000):
        status = read(target, marker)
        if status["status"] != "InProgress":
            return status
        time.sleep(0.01)
    raise AssertionError(f"{marker['what']} never ended")


def operation_reads(emulator_admin, after: int) -> list[dict]:
    return [r for r in emulator_admin.get("/_emulator/requests").json()
            if r["seq"] > after and "/operations/" in r["path"]]


def test_a_create_answers_with_its_operation_while_the_scale_set_is_still_creating(
        activity_clients, arm_emulator, target, seeded, emulator_admin):
    slow(emulator_admin, target, "PUT", "/virtualMachineScaleSets/web__1$")
    before = last_seq(emulator_admin)
    answer = user_function(setup.create_scale_set)(following(create_input(target, seeded[0]).to_json()))

    marker = pending_operation(answer)
    assert marker is not None and "/operations/" in marker["url"], answer
    assert marker["result"]["name"] == "web__1" and marker["result"]["provisioning_state"] == "Succeeded"
    assert operation_reads(emulator_admin, before) == []  # the activity never read the operation itself
    assert [w["method"] for w in writes(emulator_admin, target, before)] == ["PUT"]
    compute = compute_client(arm_emulator, target.subscription_id)
    assert compute.virtual_machine_scale_sets.get(target.resource_group, "web__1").provisioning_state == "Creating"
    status = read(target, marker)
    assert status["status"] == "InProgress" and status["retryAfterSeconds"] > 0, status
    assert len(operation_reads(emulator_admin, before)) == 1  # one read per call


def test_a_create_rerun_that_finds_the_scale_set_still_creating_waits_for_it_and_never_puts_over_it(
        activity_clients, arm_emulator, target, seeded, emulator_admin):
    """Issue 9: a re-run after a crash does not know the first run's operation; it answers a marker
    without one (the orchestrator calls again a poll interval later) until the scale set is Succeeded."""
    slow(emulator_admin, target, "PUT", "/virtualMachineScaleSets/web__1$", seconds=300)
    first = pending_operation(user_function(setup.create_scale_set)(following(create_input(target, seeded[0]).to_json())))
    before = last_seq(emulator_admin)
    rerun = user_function(setup.create_scale_set)(following(create_input(target, seeded[0]).to_json()))

    marker = pending_operation(rerun)
    assert marker is not None and marker["url"] is None and "result" not in marker, rerun
    assert "creating of [web__1]" in marker["what"]
    assert writes(emulator_admin, target, before) == []
    assert until_ended(target, first)["status"] == "Succeeded"
    done = user_function(setup.create_scale_set)(following(create_input(target, seeded[0]).to_json()))
    assert pending_operation(done) is None and done["provisioning_state"] == "Succeeded"
    assert writes(emulator_admin, target, before) == []


def test_a_resize_answers_with_the_result_it_will_have_once_its_operation_succeeded(
        activity_clients, arm_emulator, target, seeded, emulator_admin):
    user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    slow(emulator_admin, target, "PATCH", "/virtualMachineScaleSets/web__1$")
    before = last_seq(emulator_admin)
    resize = ResizeInput("dep-1", target.subscription_id, target.resource_group, "web__1", 2).to_json()
    marker = pending_operation(user_function(scaling.resize_scale_set)(following(resize)))

    assert marker is not None and marker["url"], marker
    assert marker["result"]["capacity"] == 2 and marker["result"]["previous_capacity"] == 0
    assert [r["method"] for r in emulator_admin.get("/_emulator/requests").json() if r["seq"] > before
            and target.resource_group.lower() in r["path"].lower()] == ["GET", "PATCH"]  # no GET before the PATCH twice
    assert read(target, marker)["status"] == "InProgress"


def test_a_resize_given_the_create_s_answer_patches_without_reading_the_scale_set_and_a_retry_patches_again(
        activity_clients, arm_emulator, target, seeded, emulator_admin):
    created = pending_operation(user_function(setup.create_scale_set)(following(create_input(target, seeded[0]).to_json())))
    assert created is not None and until_ended(target, created)["status"] == "Succeeded"
    resize = ResizeInput("dep-1", target.subscription_id, target.resource_group, "web__1", 2,
                         known=created["result"]).to_json()
    for _ in range(2):  # the second call is a retry after the first one's answer was lost: same PATCH, harmless
        before = last_seq(emulator_admin)
        marker = pending_operation(user_function(scaling.resize_scale_set)(following(resize)))
        assert marker is not None and marker["result"]["capacity"] == 2 and marker["result"]["previous_capacity"] == 0
        assert [r["method"] for r in emulator_admin.get("/_emulator/requests").json() if r["seq"] > before
                and target.resource_group.lower() in r["path"].lower()] == ["PATCH"]
        assert until_ended(target, marker)["status"] == "Succeeded"
    assert compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.get(
        target.resource_group, "web__1").sku.capacity == 2


def test_a_route_updates_the_model_then_on_its_next_call_upgrades_the_instances_without_reading_the_model_again(
        activity_clients, arm_emulator, target, seeded, emulator_admin):
    user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    resize = ResizeInput("dep-1", target.subscription_id, target.resource_group, "web__1", 1).to_json()
    grown = pending_operation(user_function(scaling.resize_scale_set)(following(resize)))
    assert until_ended(target, grown)["status"] == "Succeeded"
    route = RouteInput("dep-route", target.subscription_id, target.resource_group, "web__1",
                       [target.pool_id(target.stage_pool)], [target.pool_id(target.prod_pool)], "BLUE",
                       target.pool_id(target.prod_pool)).to_json()

    before = last_seq(emulator_admin)
    update = pending_operation(user_function(routing.route_scale_set)(following(route)))
    assert update is not None and update["callAgainWith"] == {"upgrade_mode": "Manual"}, update
    assert until_ended(target, update)["status"] == "Succeeded"
    upgrade = pending_operation(user_function(routing.route_scale_set)(following({**route, **update["callAgainWith"]})))
    assert upgrade is not None and upgrade["result"] == {"changed": True, "upgraded": 1,
                                                       "platform_upgrades": False}, upgrade
    assert until_ended(target, upgrade)["status"] == "Succeeded"

    mine = [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in emulator_admin.get("/_emulator/requests").json()
            if r["seq"] > before and target.resource_group.lower() in r["path"].lower()]
    assert mine == [("GET", "web__1"), ("PATCH", "web__1"), ("GET", "virtualMachines"), ("POST", "manualupgrade")]
    vm = compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_set_vms.get(
        target.resource_group, "web__1", "0")
    assert vm.latest_model_applied is True


def test_retire_takes_a_scale_set_that_went_into_prod_out_of_the_pools_at_zero_in_one_operation_then_deletes(
        activity_clients, arm_emulator, target, seeded, emulator_admin):
    user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    resize = ResizeInput("dep-1", target.subscription_id, target.resource_group, "web__1", 2).to_json()
    assert until_ended(target, pending_operation(user_function(scaling.resize_scale_set)(following(resize))))[
        "status"] == "Succeeded"
    route = RouteInput("dep-1", target.subscription_id, target.resource_group, "web__1",
                       [target.pool_id(target.stage_pool)], [target.pool_id(target.prod_pool)], "BLUE").to_json()
    user_function(routing.route_scale_set)(route)  # version 3's call: waits for the update and the upgrade
    ref = following(RetireScaleSetInput("dep-1", target.subscription_id, target.resource_group, "web__1").to_json())

    before = last_seq(emulator_admin)
    leave = pending_operation(user_function(scaling.retire_scale_set)(ref))
    assert leave is not None and "result" not in leave, leave  # it went into prod: tagged BLUE
    assert until_ended(target, leave)["status"] == "Succeeded"
    summary = compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.get(
        target.resource_group, "web__1")
    assert summary.sku.capacity == 0 and summary.tags["BG_VERSION"] == "GREEN"
    deletion = pending_operation(user_function(scaling.retire_scale_set)(ref))
    assert deletion is not None and deletion["result"] is True, deletion
    assert until_ended(target, deletion)["status"] == "Succeeded"
    assert [w["method"] for w in writes(emulator_admin, target, before)] == ["PATCH", "DELETE"]


def test_retire_deletes_a_scale_set_that_never_served_prod_at_once(
        activity_clients, arm_emulator, target, seeded, emulator_admin):
    """In the stage pool, tagged GREEN: the deletion alone takes it out of the pool, no model update (which
    may be what keeps failing) is needed."""
    user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    ref = following(RetireScaleSetInput("dep-1", target.subscription_id, target.resource_group, "web__1").to_json())
    before = last_seq(emulator_admin)
    deletion = pending_operation(user_function(scaling.retire_scale_set)(ref))
    assert deletion is not None and deletion["result"] is True, deletion
    assert until_ended(target, deletion)["status"] == "Succeeded"
    assert [w["method"] for w in writes(emulator_admin, target, before)] == ["DELETE"]


def test_a_failed_operation_is_read_as_failed_with_azures_error(
        activity_clients, arm_emulator, target, seeded, emulator_admin):
    user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    fault = {"method": "PATCH", "path": f"(?i)/resourceGroups/{target.resource_group}/.*/web__1$",
             "lroStatus": "Failed", "times": 1}
    assert emulator_admin.post("/_emulator/faults", json=fault).status_code == 201
    resize = ResizeInput("dep-1", target.subscription_id, target.resource_group, "web__1", 1).to_json()
    marker = pending_operation(user_function(scaling.resize_scale_set)(following(resize)))
    status = until_ended(target, marker)
    assert status["status"] == "Failed" and status["code"] == "InternalExecutionError", status
    assert "fault injected" in status["message"]


def test_a_resize_whose_last_operation_failed_is_written_again_though_the_model_says_the_capacity(
        activity_clients, arm_emulator, target, seeded, emulator_admin):
    """A failed scale-in leaves the asked capacity in the model (and may leave instances running): the
    scale set's provisioning state says so, and writing the capacity again makes Compute reconcile."""
    user_function(setup.create_scale_set)(create_input(target, seeded[0]).to_json())
    fault = {"method": "PATCH", "path": f"(?i)/resourceGroups/{target.resource_group}/.*/web__1$",
             "lroStatus": "Failed", "times": 1}
    assert emulator_admin.post("/_emulator/faults", json=fault).status_code == 201
    resize = ResizeInput("dep-1", target.subscription_id, target.resource_group, "web__1", 1).to_json()
    assert until_ended(target, pending_operation(user_function(scaling.resize_scale_set)(following(resize))))[
        "status"] == "Failed"
    compute = compute_client(arm_emulator, target.subscription_id)
    assert compute.virtual_machine_scale_sets.get(target.resource_group, "web__1").provisioning_state == "Failed"

    before = last_seq(emulator_admin)
    again = user_function(scaling.resize_scale_set)(resize)  # version 3's call: waits for a scale-in only
    assert again["capacity"] == 1
    assert [w["method"] for w in writes(emulator_admin, target, before)] == ["PATCH"]
