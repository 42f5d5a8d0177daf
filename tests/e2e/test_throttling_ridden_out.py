"""Azure's throttling (429 + Retry-After) and "another operation is in progress" (409) are waited out with
durable timers for as long as the step's deadline allows: they never fail a deployment by themselves
(CONTRACT §4). Each window below lasts several simulated minutes, far longer than any SDK retry."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import (
    assert_prod_never_empty_after_first_serving,
    pool_member_scale_sets,
)
from tests.e2e.test_rollback_from_every_step import NEW, inject, running_old  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("running_old")]

# Retry-After in the emulator's faults is in real seconds for the SDK, virtual seconds for a durable timer:
# 40 answers of 20 s each is a 13-minute window, more answers than the SDK's and the activity's retries
# together ever took, and one an SDK retrying inside the activity would sleep for real.
THROTTLED_WINDOW = {"status": 429, "retryAfter": "20", "times": 40}
BUSY_WINDOW = {"status": 409, "code": "OperationNotAllowed", "retryAfter": "20", "times": 40,
               "message": "Operation 'PATCH' is not allowed since another operation is in progress on it."}
# The step's deadline, counted from the first busy answer: longer than the window.
PATIENT = {"steadyStateTimeoutMinutes": 30}


def answered(emulator_admin, target, method: str, status: int) -> list[dict]:
    return [r for r in emulator_admin.get("/_emulator/requests").json()
            if r["method"] == method and r["status"] == status
            and r["path"].lower().endswith(f"/virtualmachinescalesets/{NEW}".lower())
            and f"/resourcegroups/{target.resource_group.lower()}/" in r["path"].lower()]


def assert_new_serves_prod(api, arm_emulator, emulator_admin, target, deployment) -> str:
    view = api.wait(deployment, timeout=240)
    log = api.log(deployment)
    assert view["status"] == "Succeeded", (view, log)
    assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {NEW}, log
    assert_prod_never_empty_after_first_serving(emulator_admin, target)
    return log


def test_minutes_of_throttling_on_the_new_scale_sets_writes_and_reads_are_ridden_out(
        api, arm_emulator, emulator_admin, target, seeded):
    inject(emulator_admin, target, {"method": "PATCH", "path": f"/virtualMachineScaleSets/{NEW}$", **THROTTLED_WINDOW})
    inject(emulator_admin, target, {"method": "GET", "path": f"/virtualMachineScaleSets/{NEW}$", **THROTTLED_WINDOW})
    deployment = api.deploy(spec_for(target, seeded[1], **PATIENT))

    log = assert_new_serves_prod(api, arm_emulator, emulator_admin, target, deployment)
    assert len(answered(emulator_admin, target, "PATCH", 429)) == 40, log
    assert len(answered(emulator_admin, target, "GET", 429)) == 40, log
    assert "Azure is throttling or busy: waiting 20 s before retrying" in log, log


def test_another_operation_in_progress_on_a_write_is_waited_out(api, arm_emulator, emulator_admin, target, seeded):
    inject(emulator_admin, target, {"method": "PATCH", "path": f"/virtualMachineScaleSets/{NEW}$", **BUSY_WINDOW})
    deployment = api.deploy(spec_for(target, seeded[1], **PATIENT))

    log = assert_new_serves_prod(api, arm_emulator, emulator_admin, target, deployment)
    assert len(answered(emulator_admin, target, "PATCH", 409)) == 40, log
    assert "Azure is throttling or busy: waiting 20 s before retrying" in log, log


def test_the_rollback_rides_out_minutes_of_throttling_while_it_puts_the_old_scale_set_back(
        api, arm_emulator, emulator_admin, target, seeded):
    from tests.e2e.test_rollback_from_every_step import OLD, assert_rolled_back

    deployment = api.deploy(spec_for(target, seeded[1], scaleDownDelaySeconds=36000, **PATIENT))
    api.wait(deployment, phase="ScaleDownDelay", timeout=90)
    # The old scale set left prod; its way back (a PATCH of its pools and tags) is throttled for minutes.
    inject(emulator_admin, target, {"method": "PATCH", "path": f"/virtualMachineScaleSets/{OLD}$", **THROTTLED_WINDOW})
    assert api.act(deployment, "abort").status_code == 202
    view = assert_rolled_back(api, arm_emulator, emulator_admin, target, deployment, "ScaleDownDelay",
                              error="Aborted by operator")
    throttled = [r for r in emulator_admin.get("/_emulator/requests").json()
                 if r["method"] == "PATCH" and r["status"] == 429 and r["path"].lower().endswith(f"/{OLD}".lower())
                 and f"/resourcegroups/{target.resource_group.lower()}/" in r["path"].lower()]
    assert len(throttled) == 40, api.log(deployment)
    assert "Azure is throttling or busy" in api.log(deployment) and view["phase"] == "RolledBack"
