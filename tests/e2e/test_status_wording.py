"""What the view and the log say in the corner cases a newcomer met (issue 14)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import spec_for

pytestmark = pytest.mark.e2e


def test_a_first_deployment_announces_no_scale_down_delay_for_an_old_scale_set_that_does_not_exist(
        api, target, seeded):
    first = api.deploy(spec_for(target, seeded[0], scaleDownDelaySeconds=600))
    assert api.wait(first)["status"] == "Succeeded", api.log(first)
    log = api.log(first)
    assert "Keeping old Virtual Machine Scale Set" not in log
    assert "No old Virtual Machine Scale Set serves prod: no scale-down delay" in log


def test_a_terminated_deployment_shows_its_running_step_terminated_in_the_view_and_the_log(api, target, seeded):
    started = api.start(spec_for(target, seeded[0], approval={"required": True, "timeoutMinutes": 600}))
    assert started.status_code == 202
    deployment = started.json()
    api.wait(deployment["id"], statuses={"AwaitingApproval"})
    assert api.http.post(deployment["terminatePostUri"].replace("{text}", "gave up")).status_code == 202
    view = api.wait(deployment["id"])
    steps = {step["name"]: step["status"] for step in view["steps"]}
    assert view["status"] == "Terminated"
    assert steps == {"Setup": "Succeeded", "Upgrade": "Succeeded", "Approval": "Terminated", "Rescale": "Skipped",
                     "Swap": "Skipped", "Downsize": "Skipped"}
    log = api.log(deployment["id"])
    assert "Deployment terminated through the Durable API during step [Approval]" in log
    assert log.count("Deployment terminated") == 1 == api.log(deployment["id"]).count("Deployment terminated")


def test_after_a_rollback_the_capacity_describes_the_scale_set_serving_prod(api, target, seeded, seeder):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    bad = seeder.image_version("2.0.0", tags={"emulator.health": "unhealthy"})
    second = api.deploy(spec_for(target, bad, instances={"mode": "fixed", "min": 1, "max": 4, "desired": 3},
                                 steadyStateTimeoutMinutes=2, pollIntervalSeconds=10))
    view = api.wait(second, timeout=180)
    assert view["status"] == "RolledBack", api.log(second)
    assert view["capacity"]["desired"] == 2  # the old scale set's, still in prod; the new (3) was deleted
