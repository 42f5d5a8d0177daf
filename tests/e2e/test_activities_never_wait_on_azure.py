"""Activities never wait on Azure (issue 12): each write starts its long-running operation and returns at
once; the orchestration follows the operation with durable timers and short `read_operation` calls. And a
create re-run that finds its scale set still Creating waits for it (issue 9).

A slow Azure is the emulator's `lroSeconds` fault: the operations of a create, a resize and a manual upgrade
last SLOW simulated seconds each. The virtual clocks of devhost and the emulator run at the same rate, so
durations compare across them: an activity that waited for an operation would last at least SLOW."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import NEW_NAME

pytestmark = pytest.mark.e2e

NEW = f"{NEW_NAME}__1"
SLOW = 600  # simulated seconds per operation: 6 real seconds at the tests' time scale


def slow_azure(emulator_admin, target, method: str, path: str, **fault) -> None:
    spec = {"method": method, "path": f"(?i)/resourceGroups/{target.resource_group}/.*{path}", "times": 1, **fault}
    assert emulator_admin.post("/_emulator/faults", json=spec).status_code == 201


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def history_events(api, devhost, deployment: str) -> list[dict]:
    response = api.http.get(f"/runtime/webhooks/durabletask/instances/{deployment}",
                            params={"showHistory": "true", "code": devhost.durable_key})
    assert response.status_code == 200, response.text
    return response.json()["historyEvents"]


def requests_since(emulator_admin, after: int) -> list[dict]:
    return [r for r in emulator_admin.get("/_emulator/requests").json() if r["seq"] > after]


def last_seq(emulator_admin) -> int:
    entries = emulator_admin.get("/_emulator/requests").json()
    return entries[-1]["seq"] if entries else 0


def test_every_activity_returns_at_once_while_azure_takes_ten_minutes_per_operation(
        api, devhost, emulator_admin, target, seeded):
    slow_azure(emulator_admin, target, "PUT", f"/virtualMachineScaleSets/{NEW}$", lroSeconds=SLOW)
    slow_azure(emulator_admin, target, "PATCH", f"/virtualMachineScaleSets/{NEW}$", lroSeconds=SLOW)
    slow_azure(emulator_admin, target, "POST", f"/virtualMachineScaleSets/{NEW}/manualupgrade$", lroSeconds=SLOW)
    before = last_seq(emulator_admin)
    deployment = api.deploy(spec_for(target, seeded[0], pollIntervalSeconds=60, steadyStateTimeoutMinutes=30))
    view = api.wait(deployment, timeout=300)
    assert view["status"] == "Succeeded", api.log(deployment)

    # The deployment's own calls, and those of the follow_operation sub-orchestrations that read the operations.
    events = history_events(api, devhost, deployment)
    follows = []
    while (response := api.http.get(f"/runtime/webhooks/durabletask/instances/{deployment}-operation-"
                                    f"{len(follows) + 1}", params={"showHistory": "true",
                                                                   "code": devhost.durable_key})).status_code == 200:
        follows.append(response.json()["historyEvents"])
    assert len(follows) >= 4  # the create, the resize, the route's model update and its manual upgrade
    calls = [e for history in (events, *follows) for e in history if e["EventType"] in ("TaskCompleted", "TaskFailed")]
    longest = max((instant(e["Timestamp"]) - instant(e["ScheduledTime"])).total_seconds() for e in calls)
    assert longest < SLOW, [(e["FunctionName"], e["ScheduledTime"], e["Timestamp"]) for e in calls]
    # Each slow operation was read while it ran and once it had ended, each read a call of its own.
    reads = [e for e in calls if e["FunctionName"] == "read_operation"]
    assert len(reads) >= 3 * 2, [e["FunctionName"] for e in calls]
    status_reads = [r for r in requests_since(emulator_admin, before) if r["method"] == "GET"
                    and "/operations/" in r["path"]]
    assert len(status_reads) == len(reads)
    # The steps lasted as long as Azure's operations: they waited on durable timers, not in activities.
    steps = {s["name"]: s for s in view["steps"]}
    for name in ("Setup", "Upgrade", "Swap"):
        started, ended = (steps[name].get(k) or steps[name].get(k.replace("At", "_at")) for k in ("startedAt", "endedAt"))
        assert (instant(ended) - instant(started)).total_seconds() >= SLOW, steps[name]


def test_a_create_rerun_that_finds_the_scale_set_still_creating_waits_for_it(api, emulator_admin, target, seeded):
    """The create's answer is lost (a gateway timeout after Compute accepted it): the activity is run again
    while the scale set is still Creating. It waits for the creation to end: nothing writes to the scale set
    while it runs (a write would be refused 409, and a PUT accepted over it would replace its model)."""
    slow_azure(emulator_admin, target, "PUT", f"/virtualMachineScaleSets/{NEW}$", lroSeconds=SLOW)
    slow_azure(emulator_admin, target, "PUT", f"/virtualMachineScaleSets/{NEW}$", status=504, answerLost=True)
    before = last_seq(emulator_admin)
    deployment = api.deploy(spec_for(target, seeded[0], pollIntervalSeconds=60, steadyStateTimeoutMinutes=30))
    view = api.wait(deployment, timeout=300)
    assert view["status"] == "Succeeded", api.log(deployment)

    mine = [r for r in requests_since(emulator_admin, before) if r["path"].lower().split("/virtualmachinescalesets/")
            [-1].startswith(NEW.lower()) and target.resource_group.lower() in r["path"].lower()]
    puts = [r for r in mine if r["method"] == "PUT"]
    assert puts[0]["status"] == 504 and all(r["status"] == 409 for r in puts[1:]), puts  # only the SDK's own retry
    refused = [r for r in mine if r["method"] in ("PATCH", "POST", "DELETE") and r["status"] == 409]
    assert refused == [], refused
    assert f"Virtual Machine Scale Set [{NEW}] is still in provisioning state Creating; waiting for it" in \
        api.log(deployment)
