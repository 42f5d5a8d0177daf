"""Version 4 follows Azure's long-running operations itself: a write activity starts its operation and
answers at once with a pending-operation marker; the step waits with durable timers and reads the
operation's status with the short `read_operation` activity until it ends, then goes on with the answer the
marker carried, or calls the activity again where it has more to do. An abort never interrupts an
operation being followed: it wins once the operation has ended."""

from __future__ import annotations

from typing import Any

from domain.contracts import BUSY_MARKER, FOLLOWS_OPERATIONS_KEY, operation_marker
from tests.orchestrators.driver import (
    Azure,
    Operations,
    run,
    summary,
)

WRITES = ("create_scale_set", "resize_scale_set", "route_scale_set", "retire_scale_set")


def logged(azure: Azure) -> list[str]:
    return [line for t in azure.activities("append_log") for line in t.payload["lines"]]


def activity_names(azure: Azure) -> list[str]:
    return [t.name for t in azure.activities() if t.name != "append_log"]


def test_an_operation_in_progress_is_read_after_durable_timers_until_it_succeeded_then_the_step_goes_on():
    operations = Operations()
    azure = operations.install(Azure(), *WRITES)
    outcome, _ = run(azure, pollIntervalSeconds=5)

    assert outcome["status"] == "Succeeded", outcome
    assert all(t.payload[FOLLOWS_OPERATIONS_KEY] is True for t in azure.activities()
               if t.name in WRITES)
    # Each operation: read until it ended (in progress once, then succeeded), its activity called once.
    assert len(operations.reads) == 2 * len(operations.started_urls)
    assert [r["url"] for r in operations.reads] == [u for u in operations.started_urls for _ in range(2)]
    names = activity_names(azure)
    create = names.index("create_scale_set")
    assert names[create + 1] == "follow_operation"  # one sub-orchestration per operation: a short history
    assert names.count("follow_operation") == len(operations.started_urls)
    assert names.count("create_scale_set") == 1 and names.count("resize_scale_set") == 2  # new up, old down


def test_a_failed_operation_is_tried_again_then_fails_the_step_with_azures_message():
    failed = {"status": "Failed", "code": "OSProvisioningClientError",
              "message": "OS provisioning for VM 'web__2_0' did not finish successfully."}
    # The create (operation 1) succeeds; the new scale set's resize fails each of its three tries.
    operations = Operations(script={f"https://arm.local/operations/{n}": [failed] for n in (2, 3, 4)})
    azure = operations.install(Azure(), *WRITES)
    outcome, _ = run(azure)

    assert outcome["status"] == "RolledBack", outcome
    assert outcome["error"] == ("Upgrade: (OSProvisioningClientError) OS provisioning for VM 'web__2_0' did not "
                                "finish successfully."), outcome["error"]
    new_resizes = [t for t in azure.activities("resize_scale_set") if t.payload["name"] == "web__2"]
    assert len(new_resizes) == 3 and all(t.payload == new_resizes[0].payload for t in new_resizes)
    retries = [line for line in logged(azure) if line.startswith("Azure reports that")]
    assert len(retries) == 2 and "calling resize_scale_set again (1 of 2 retries)" in retries[0], retries


def test_an_operation_that_failed_once_is_tried_again_and_the_deployment_succeeds():
    operations = Operations(script={"https://arm.local/operations/2": [
        {"status": "Failed", "code": "InternalExecutionError", "message": "The operation failed."}]})
    azure = operations.install(Azure(), *WRITES)
    outcome, _ = run(azure)
    assert outcome["status"] == "Succeeded", outcome
    assert len([t for t in azure.activities("resize_scale_set") if t.payload["name"] == "web__2"]) == 2


def test_an_activity_with_more_to_do_is_called_again_with_what_its_last_call_did():
    operations = Operations()
    azure = Azure()
    routes: list[dict[str, Any]] = []

    def route(payload: dict[str, Any]) -> Any:
        routes.append(payload)
        if payload.get("upgrade_mode") is None:
            return operations.started(payload, "the model update", callAgainWith={"upgrade_mode": "Manual"})
        return operations.started(payload, "the upgrade", result={"changed": True, "upgraded": 2})

    azure.answers["route_scale_set"] = route
    azure.answers["follow_operation"] = operations.follow
    outcome, _ = run(azure)

    assert outcome["status"] == "Succeeded", outcome
    new = [p for p in routes if p["name"] == "web__2"]
    assert [p.get("upgrade_mode") for p in new] == [None, "Manual"]
    assert {k: v for k, v in new[1].items() if k != "upgrade_mode"} == \
        {k: v for k, v in new[0].items() if k != "upgrade_mode"}


def test_a_marker_without_an_operation_is_called_again_after_a_poll_interval():
    """A create re-run that finds the scale set still Creating: no operation to read, call it again."""
    azure = Azure()
    creates: list[dict[str, Any]] = []

    def create(payload: dict[str, Any]) -> Any:
        creates.append(payload)
        if len(creates) < 3:
            return operation_marker(None, None, "the creating of [web__2]")
        return summary(payload["name"], 0)

    operations = Operations()
    azure.answers["create_scale_set"] = create
    azure.answers["follow_operation"] = operations.follow
    outcome, _ = run(azure, pollIntervalSeconds=15)

    assert outcome["status"] == "Succeeded", outcome
    assert len(creates) == 3 and operations.reads == []
    assert [f["url"] for f in operations.follows] == [None, None]
    names = activity_names(azure)
    assert names.count("create_scale_set") == 3 and names.index("resize_scale_set") > names.index("create_scale_set")


def test_an_abort_while_an_operation_is_followed_waits_for_its_end_then_rolls_back():
    operations = Operations(script={"https://arm.local/operations/2": [
        {"status": "InProgress", "retryAfterSeconds": 10}, {"status": "InProgress", "retryAfterSeconds": 10},
        {"status": "InProgress", "retryAfterSeconds": 10}, {"status": "Succeeded"}]})
    azure = operations.install(Azure(), *WRITES)
    resize = azure.answers["resize_scale_set"]

    def resize_then_abort(payload: dict[str, Any]) -> Any:
        if payload["name"] == "web__2":
            azure.events["abort"] = {}  # the operator aborts once the new scale set's resize has started
        return resize(payload)

    azure.answers["resize_scale_set"] = resize_then_abort
    outcome, _ = run(azure)

    assert outcome["status"] == "RolledBack" and outcome["error"] == "Aborted by operator", outcome
    assert len([r for r in operations.reads if r["url"].endswith("/2")]) == 4  # followed to its end
    names = activity_names(azure)
    follow = names.index("follow_operation", names.index("resize_scale_set"))
    # Its follow raced the abort, which won only once the operation had ended: nothing of the step was
    # started after it (no steady-state wait); the rollback retired the new scale set.
    race = next(t for t in azure.calls if t.kind == "any" and t.payload[0].name == "follow_operation")
    assert [t.name for t in race.payload[1:]] == ["abort", "resumed"]
    assert "steady_state_wait" not in names[follow:] and "retire_scale_set" in names[follow:], names


def test_an_abort_that_came_while_the_activity_started_its_operation_still_waits_for_the_operation():
    operations = Operations()
    azure = operations.install(Azure(), *WRITES)
    azure.answers["clear_autoscale"] = lambda payload: azure.events.setdefault("abort", {}) and None
    outcome, _ = run(azure)

    assert outcome["status"] == "RolledBack" and outcome["error"] == "Aborted by operator", outcome
    names = activity_names(azure)
    resize = names.index("resize_scale_set")
    assert names[resize + 1] == "follow_operation" and "steady_state_wait" not in names[resize:], names


def test_busy_answers_to_a_status_read_are_waited_out_in_the_follow():
    operations = Operations()
    azure = operations.install(Azure(), *WRITES)
    busy = iter(range(2))

    def read(payload: dict[str, Any]) -> dict[str, Any]:
        if next(busy, None) is not None:
            return {BUSY_MARKER: {"retryAfterSeconds": 60, "reason": "throttled (429)"}}
        return operations.read(payload)

    operations.read_answer = read
    outcome, _ = run(azure)
    assert outcome["status"] == "Succeeded", outcome
    assert len(operations.reads) == 2 * len(operations.started_urls)


def test_an_operation_that_never_ends_fails_the_step_at_its_deadline():
    operations = Operations(script={"https://arm.local/operations/2": [{"status": "InProgress"}]})
    azure = operations.install(Azure(), *WRITES)
    outcome, _ = run(azure, steadyStateTimeoutMinutes=10, pollIntervalSeconds=30)
    assert outcome["status"] == "RolledBack", outcome
    assert outcome["error"].startswith("Upgrade: Azure did not finish the resize_scale_set of [web__2] within "
                                       "10 minute(s)"), outcome["error"]
    assert 18 <= len([r for r in operations.reads if r["url"].endswith("/2")]) <= 21


def test_versions_before_4_never_ask_for_a_pending_operation():
    operations = Operations()
    azure = operations.install(Azure(), *WRITES)
    outcome, _ = run(azure, version="3")
    assert outcome["status"] == "Succeeded", outcome
    assert all(FOLLOWS_OPERATIONS_KEY not in (t.payload or {}) for t in azure.activities() if t.kind == "activity")
    assert not operations.reads


def test_the_rollback_follows_the_operations_of_its_activities_too():
    operations = Operations()
    azure = operations.install(Azure(), *WRITES)
    azure.answers["steady_state_wait"] = lambda payload: {
        "steady": False, "reason": "Timed out", "counts": {"total": 0, "provisioned": 0, "healthy": 0, "failed": 0,
                                                           "latest_model": 0}}
    outcome, _ = run(azure)
    assert outcome["status"] == "RolledBack", outcome
    retire = next(i for i, t in enumerate(azure.activities()) if t.name == "retire_scale_set")
    assert azure.activities()[retire].payload[FOLLOWS_OPERATIONS_KEY] is True
    assert azure.activities()[retire + 1].name == "follow_operation"

