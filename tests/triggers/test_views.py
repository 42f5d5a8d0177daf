"""The deployment resource built from a Durable status, for every runtime state."""

from __future__ import annotations

import json

from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus

from triggers.views import deployment_view

CREATED = "2026-11-26T05:00:00.000000Z"
UPDATED = "2026-11-26T05:03:00.000000Z"
RUNNING_CUSTOM = {"status": "Running", "phase": "Upgrade", "revision": 2, "newVmss": "web__2", "oldVmss": "web__1",
                  "capacity": {"desired": 4, "current": 1, "healthy": 0}, "steps": [{"name": "Setup"}],
                  "error": None, "resourceGroup": "rg"}


def status(runtime: str, custom=None, output=None, input_=None, name="bluegreen_deployment"):
    return DurableOrchestrationStatus.from_json({
        "name": name, "instanceId": "dep-1", "runtimeStatus": runtime, "customStatus": custom, "output": output,
        "input": input_, "createdTime": CREATED, "lastUpdatedTime": UPDATED})


def test_a_running_deployment_shows_its_custom_status():
    view = deployment_view(status("Running", RUNNING_CUSTOM))
    assert (view["status"], view["phase"], view["revision"], view["newVmss"]) == ("Running", "Upgrade", 2, "web__2")
    assert view["createdAt"].startswith("2026-11-26T05:00:00") and view["updatedAt"].startswith("2026-11-26T05:03")


def test_the_wait_sub_orchestration_supplies_live_instance_counts():
    wait = status("Running", {"capacity": {"desired": 4, "current": 3, "healthy": 2}}, name="steady_state_wait")
    view = deployment_view(status("Running", RUNNING_CUSTOM), wait)
    assert view["capacity"] == {"desired": 4, "current": 3, "healthy": 2}


def test_a_completed_deployment_reports_its_outcome():
    outcome = {**RUNNING_CUSTOM, "status": "RolledBack", "phase": "RolledBack", "error": "Upgrade: timed out"}
    view = deployment_view(status("Completed", RUNNING_CUSTOM, outcome))
    assert (view["status"], view["phase"], view["error"]) == ("RolledBack", "RolledBack", "Upgrade: timed out")


def test_a_crashed_orchestration_is_failed_with_its_message():
    view = deployment_view(status("Failed", RUNNING_CUSTOM, "Orchestrator function failed: boom"))
    assert (view["status"], view["phase"]) == ("Failed", "Failed") and "boom" in view["error"]


def test_a_terminated_orchestration_is_terminated():
    view = deployment_view(status("Terminated", RUNNING_CUSTOM, "operator gave up"))
    assert (view["status"], view["phase"], view["error"]) == ("Terminated", "Terminated", "operator gave up")


def test_a_pending_orchestration_without_custom_status_is_pending_and_reads_its_input():
    spec = {"spec": {"resourceGroup": "rg-x", "subscriptionId": "s"}}
    view = deployment_view(status("Pending", input_=json.dumps(spec)))
    assert (view["status"], view["phase"], view["resourceGroup"]) == ("Pending", "Pending", "rg-x")
    assert view["capacity"] == {"desired": None, "current": None, "healthy": None} and view["steps"] == []


def test_timestamps_use_the_steps_format_utc_with_a_z():
    view = deployment_view(status("Running", RUNNING_CUSTOM))
    assert view["createdAt"] == "2026-11-26T05:00:00.000000Z" and view["updatedAt"] == "2026-11-26T05:03:00.000000Z"


def test_a_suspended_deployment_is_paused_where_it_stopped():
    view = deployment_view(status("Suspended", RUNNING_CUSTOM))
    assert (view["status"], view["phase"]) == ("Paused", "Upgrade")
