"""What an operator does to a running deployment, end to end: abort it at any step (it rolls back as on
a failure: prod never empty, nothing left behind), pause and resume it (no Azure write while paused, and
a pause never fails a step by its deadline), and approve it only with the token of the approval it is
waiting for (the approver recorded)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import (
    assert_prod_never_empty_after_first_serving,
    last_seq,
    pool_member_scale_sets,
    scale_set,
    scale_set_names,
    writes_to,
)
from tests.e2e.test_rollback_from_every_step import (  # noqa: F401 - running_old is a fixture
    NEW,
    OLD,
    OLD_AUTOSCALE,
    assert_rolled_back,
    inject,
    running_old,
)

# Every scenario replaces a running `__1` (with its own autoscale setting) by `__2`.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("running_old")]

ABORTED = "Aborted by operator"
THROTTLED = {"status": 429, "retryAfter": "2", "times": 1000}


def throttled_requests(emulator_admin, target, method: str, path_end: str) -> list[dict]:
    return [r for r in emulator_admin.get("/_emulator/requests").json()
            if r["method"] == method and r["status"] == 429 and r["path"].lower().endswith(path_end.lower())
            and f"/resourcegroups/{target.resource_group.lower()}/" in r["path"].lower()]


def wait_until(what: Callable[[], object], timeout: float = 90.0, message: object = "") -> object:
    """`message` may be a callable, for the state to show when it was not reached."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not reached in {timeout}s: {message() if callable(message) else message}")


@dataclass(frozen=True)
class HeldStep:
    """A deployment held in `step` until the operator acts: `spec` shapes the deployment, `hold`
    brings it there (and returns once it is there for sure)."""

    step: str
    spec: Callable[[object, object], dict]
    hold: Callable[..., None]


def hold_in_phase(phase: str, statuses: set[str] | None = None):
    def hold(api, deployment, **_):
        if statuses:
            api.wait(deployment, statuses=statuses, timeout=90)
        else:
            api.wait(deployment, phase=phase, timeout=90)
    return hold


def hold_in_throttled_write(method: str, path_end: str):
    """Azure throttles the step's write (429 with Retry-After, past the SDK's and the activity's
    retries): the write is in flight for many seconds, and the request log shows when it started."""
    def hold(api, deployment, emulator_admin, target, **_):
        wait_until(lambda: throttled_requests(emulator_admin, target, method, path_end),
                   message=f"{method} ...{path_end} throttled")
    return hold


STEPS = [
    HeldStep("WaitingForImage",
             lambda target, seeder: spec_for(target, seeder.image_version(
                 "1.2.0", tags={"emulator.replicationSeconds": "100000"}, wait=True)),
             hold_in_phase("WaitingForImage")),
    HeldStep("Setup",
             lambda target, seeder: spec_for(target, target.image_version_id("1.1.0")),
             hold_in_throttled_write("PUT", f"/virtualMachineScaleSets/{NEW}")),
    HeldStep("Upgrade",  # instances that never turn healthy: the steady-state wait runs until its deadline
             lambda target, seeder: spec_for(target, seeder.image_version("1.2.0", tags={"emulator.health": "unhealthy"}),
                                             steadyStateTimeoutMinutes=600),
             hold_in_phase("Upgrade")),
    HeldStep("Approval",
             lambda target, seeder: spec_for(target, target.image_version_id("1.1.0"),
                                             approval={"required": True, "timeoutMinutes": 600}),
             hold_in_phase("Approval", statuses={"AwaitingApproval"})),
    HeldStep("Swap",  # the new scale set's way into prod (its first manualupgrade) is throttled
             lambda target, seeder: spec_for(target, target.image_version_id("1.1.0")),
             hold_in_throttled_write("POST", f"/virtualMachineScaleSets/{NEW}/manualupgrade")),
    HeldStep("ScaleDownDelay",
             lambda target, seeder: spec_for(target, target.image_version_id("1.1.0"), scaleDownDelaySeconds=36000),
             hold_in_phase("ScaleDownDelay")),
    HeldStep("Downsize",  # the old scale set's autoscale setting cannot be removed: Downsize is stuck there
             lambda target, seeder: spec_for(target, target.image_version_id("1.1.0")),
             hold_in_throttled_write("DELETE", f"/autoscalesettings/{OLD_AUTOSCALE}")),
]


@pytest.mark.parametrize("held", STEPS, ids=[s.step for s in STEPS])
def test_an_abort_at_any_step_rolls_back_with_prod_never_empty_and_nothing_left(
        api, arm_emulator, emulator_admin, target, seeded, seeder, held):
    if held.step == "Setup":
        inject(emulator_admin, target, {"method": "PUT", "path": f"/virtualMachineScaleSets/{NEW}$", **THROTTLED})
    if held.step == "Swap":
        inject(emulator_admin, target, {"method": "POST", "path": f"/virtualMachineScaleSets/{NEW}/manualupgrade$",
                                        **THROTTLED})
    if held.step == "Downsize":
        inject(emulator_admin, target, {"method": "DELETE", "path": f"/autoscalesettings/{OLD_AUTOSCALE}$",
                                        **THROTTLED})
    deployment = api.deploy(held.spec(target, seeder))
    held.hold(api, deployment, emulator_admin=emulator_admin, target=target)

    assert api.act(deployment, "abort").status_code == 202
    emulator_admin.delete("/_emulator/faults")  # Azure is well again: the rollback must be able to write

    if held.step == "WaitingForImage":  # nothing was created: nothing to roll back
        view = api.wait(deployment)
        assert (view["status"], view["error"]) == ("Failed", ABORTED), (view, api.log(deployment))
        assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {OLD}
        assert NEW not in scale_set_names(arm_emulator, target)
    else:
        view = assert_rolled_back(api, arm_emulator, emulator_admin, target, deployment, held.step, error=ABORTED)
    statuses = {s["name"]: s["status"] for s in view["steps"]}
    assert statuses["Setup" if held.step == "WaitingForImage" else held.step] == "Failed", view["steps"]
    assert_prod_never_empty_after_first_serving(emulator_admin, target)
    assert "Operator [function key] requested [abort]" in api.log(deployment)
    assert api.act(deployment, "abort").status_code == 409  # ended: nothing left to abort


def test_an_abort_during_the_rollback_is_refused_and_the_rollback_finishes(
        api, arm_emulator, emulator_admin, target, seeded):
    deployment = api.deploy(spec_for(target, seeded[1], scaleDownDelaySeconds=36000))
    api.wait(deployment, phase="ScaleDownDelay", timeout=90)
    # The old scale set's way back into prod is throttled: the rollback is held while the operator insists.
    inject(emulator_admin, target, {"method": "PATCH", "path": f"/virtualMachineScaleSets/{OLD}$", **THROTTLED})
    assert api.act(deployment, "abort").status_code == 202
    api.wait(deployment, phase="Rollback", timeout=90)
    refused = api.act(deployment, "abort")
    assert refused.status_code == 409 and "rollback runs to its end" in refused.json()["error"]["message"]
    assert api.act(deployment, "pause").status_code == 409
    emulator_admin.delete("/_emulator/faults")
    assert_rolled_back(api, arm_emulator, emulator_admin, target, deployment, "ScaleDownDelay", error=ABORTED)


def test_a_paused_deployment_writes_nothing_and_goes_on_where_it_stopped_once_resumed(
        api, arm_emulator, emulator_admin, target, seeded):
    delay = 300  # simulated seconds: 3 s of real time at the tests' time scale
    deployment = api.deploy(spec_for(target, seeded[1], scaleDownDelaySeconds=delay))
    api.wait(deployment, phase="ScaleDownDelay", timeout=90)
    assert api.act(deployment, "pause").status_code == 202
    wait_until(lambda: api.get(deployment)["status"] == "Paused", message="Paused")
    paused_from = last_seq(emulator_admin)

    assert api.act(deployment, "pause").status_code == 409
    clock = emulator_admin.get("/_emulator/clock").json()
    time.sleep(3 * delay * clock["timeScale"])  # the delay's timer is long due: it waits for the resume
    view = api.get(deployment)
    assert (view["status"], view["phase"]) == ("Paused", "ScaleDownDelay"), view
    assert writes_to(emulator_admin, target, paused_from) == []
    assert scale_set(arm_emulator, target, OLD).sku.capacity == 2

    assert api.act(deployment, "resume").status_code == 202
    assert api.act(deployment, "resume").status_code in (202, 409)  # racing its own resume: never a 5xx
    view = api.wait(deployment)
    assert view["status"] == "Succeeded", (view, api.log(deployment))
    assert scale_set(arm_emulator, target, OLD).sku.capacity == 0
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {NEW}
    log = api.log(deployment)
    assert "Deployment paused by [function key]" in log and "Deployment resumed by [function key]" in log
    assert api.act(deployment, "resume").status_code == 409


def test_a_pause_longer_than_the_approval_timeout_does_not_time_it_out(
        api, emulator_admin, target, seeded):
    deployment = api.deploy(spec_for(target, seeded[1], approval={"required": True, "timeoutMinutes": 10,
                                                                  "onTimeout": "reject"}))
    waiting = api.wait(deployment, statuses={"AwaitingApproval"}, timeout=90)
    assert api.act(deployment, "pause").status_code == 202
    wait_until(lambda: api.get(deployment)["status"] == "Paused", message="Paused")
    assert api.decide(deployment, "approve").status_code == 409  # not awaiting approval while paused
    clock = emulator_admin.get("/_emulator/clock").json()
    time.sleep(2 * 600 * clock["timeScale"])  # held twice as long as the approval may take
    assert api.act(deployment, "resume").status_code == 202

    resumed = wait_until(lambda: (v := api.get(deployment))["approval"]["timeoutAt"] != waiting["approval"]["timeoutAt"]
                         and v, message=lambda: f"the approval's deadline moved: {api.get(deployment)}\n"
                                                f"{api.log(deployment)}")
    assert resumed["status"] == "AwaitingApproval", (resumed, waiting, api.log(deployment))
    assert resumed["approval"]["token"] == waiting["approval"]["token"]
    assert resumed["approval"]["timeoutAt"] > waiting["approval"]["timeoutAt"]
    assert api.decide(deployment, "approve").status_code == 202
    view = api.wait(deployment)
    assert view["status"] == "Succeeded", (view, api.log(deployment))
    assert view["approval"]["decision"] == "approve" and view["approval"]["decidedBy"] == "function key"


def test_only_an_approval_with_the_current_token_decides_and_the_approver_is_recorded(
        api, arm_emulator, target, seeded):
    started = api.start(spec_for(target, seeded[1], approval={"required": True, "timeoutMinutes": 600}))
    assert started.status_code == 202
    deployment = started.json()["id"]
    raise_event = started.json()["sendEventPostUri"].replace("{eventName}", "approval")
    # Raised early with the durable system key, before the approval even started: it must not pre-approve.
    assert api.http.post(raise_event, json={"decision": "approve"}).status_code == 202

    waiting = api.wait(deployment, statuses={"AwaitingApproval"}, timeout=90)
    approval = waiting["approval"]
    assert approval["token"] and approval["requestedAt"] and approval["timeoutAt"] > approval["requestedAt"]
    assert approval["decision"] is None and approval["decidedBy"] is None

    stale = api.decide(deployment, "approve", token="an-old-page")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "StaleApprovalToken"
    assert api.http.post(f"/api/deployments/{deployment}/approve", json={"comment": "no token"}).status_code == 400
    # The durable API again, now with a guessed token: logged and ignored.
    assert api.http.post(raise_event, json={"decision": "approve", "token": "guessed"}).status_code == 202
    wait_until(lambda: api.log(deployment).count("Ignored an approval event") >= 2, message="both events ignored")
    assert api.get(deployment)["status"] == "AwaitingApproval"
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {OLD}

    answer = api.decide(deployment, "approve", comment="change 4711 signed off",
                        headers={"X-MS-CLIENT-PRINCIPAL-NAME": "alice@contoso.com"})
    assert answer.status_code == 202, answer.text
    view = api.wait(deployment)
    assert view["status"] == "Succeeded", (view, api.log(deployment))
    decided = view["approval"]
    assert (decided["token"], decided["decision"], decided["decidedBy"], decided["comment"]) == (
        approval["token"], "approve", "alice@contoso.com", "change 4711 signed off")
    assert decided["decidedAt"] >= approval["requestedAt"]
    assert "Deployment approved by [alice@contoso.com]: change 4711 signed off" in api.log(deployment)
    assert api.decide(deployment, "approve").status_code == 409


def test_an_approval_timeout_is_recorded_as_the_decision(api, target, seeded):
    deployment = api.deploy(spec_for(target, seeded[1], approval={"required": True, "timeoutMinutes": 1,
                                                                  "onTimeout": "reject"}))
    view = api.wait(deployment, timeout=120)
    assert view["status"] == "RolledBack", api.log(deployment)
    assert (view["approval"]["decision"], view["approval"]["decidedBy"]) == ("reject", "timeout")


def test_a_pause_longer_than_the_steady_state_timeout_does_not_fail_the_wait(
        api, arm_emulator, emulator_admin, target, seeder):
    unhealthy = seeder.image_version("1.2.0", tags={"emulator.health": "unhealthy"})
    deployment = api.deploy(spec_for(target, unhealthy, steadyStateTimeoutMinutes=10))
    wait_until(lambda: (v := api.get(deployment))["phase"] == "Upgrade" and v["capacity"]["current"] == 2,
               message=lambda: api.get(deployment))
    assert api.act(deployment, "pause").status_code == 202
    wait_until(lambda: api.get(deployment)["status"] == "Paused", message="Paused")
    clock = emulator_admin.get("/_emulator/clock").json()
    time.sleep(2 * 600 * clock["timeScale"])  # held twice as long as the wait may last
    assert api.act(deployment, "resume").status_code == 202
    # Polls go on past the wait's original deadline, still unhealthy; then the instances recover.
    time.sleep(60 * clock["timeScale"])
    seeder.image_version("1.2.0", tags={})
    view = api.wait(deployment)
    assert view["status"] == "Succeeded", (view, api.log(deployment))
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {NEW}
