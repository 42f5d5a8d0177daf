"""A release that changes the orchestrator's steps, with a deployment in flight (orchestrators/versions.py,
docs/deploy-to-azure.md "Shipping an orchestrator change").

The app runs first as an old release (host.json's defaultVersion "1"), then as itself ("4"), on one task
hub: what an upgrade on Azure does to an instance waiting for approval. Version 1 predates approval tokens
(version 3): the API takes its decision without one, as `vmssbg approve` sends it when the deployment
shows no token.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import stack
from tests.conftest import TEST_TIME_SCALE
from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import NEW_NAME, pool_member_scale_sets
from tests.support.api import DeployerApi

pytestmark = pytest.mark.e2e

APPROVAL = {"required": True, "timeoutMinutes": 600}
VERSION_1_STEPS = ["Setup", "Upgrade", "Approval", "Swap", "Downsize"]
VERSION_3_STEPS = ["Setup", "Upgrade", "Approval", "Rescale", "Swap", "Downsize"]


def app_released_as(version: str, where: Path) -> Path:
    """The app's code as it is, with host.json stamping `version` on new instances."""
    where.mkdir()
    for entry in stack.ROOT.iterdir():
        if entry.name != "host.json" and not entry.name.startswith("."):
            (where / entry.name).symlink_to(entry)
    host_json = json.loads((stack.ROOT / "host.json").read_text())
    host_json["extensions"]["durableTask"]["defaultVersion"] = version
    (where / "host.json").write_text(json.dumps(host_json))
    return where


def start_host(app_dir: Path, arm_emulator, azurite, state_dir: Path, log_path: Path) -> stack.Devhost:
    settings = {
        "ARM_ENDPOINT": arm_emulator.endpoint, "ARM_CA_BUNDLE": str(arm_emulator.ca_bundle),
        "ARM_CREDENTIAL": "emulator", "ARM_POLLING_INTERVAL_SECONDS": "0.05",
        "AzureWebJobsStorage": azurite.connection_string, "FUNCTION_KEY": stack.DEFAULT_FUNCTION_KEY,
    }
    return stack.start_devhost(app_dir, settings, time_scale=TEST_TIME_SCALE, log_path=log_path,
                               extra_args=["--state-dir", str(state_dir)])


def approve_and_finish(api: DeployerApi, deployment: str, with_token: bool) -> dict:
    if with_token:
        assert api.decide(deployment, "approve").status_code == 202
    else:  # what the CLI sends for a deployment that shows no approval token
        answer = api.http.post(f"/api/deployments/{deployment}/approve", json={"comment": "across a release"})
        assert answer.status_code == 202, answer.text
    view = api.wait(deployment, timeout=180)
    assert view["status"] == "Succeeded", api.log(deployment)
    return view


def test_a_deployment_awaiting_approval_across_a_release_finishes_on_its_own_version_and_new_ones_run_the_new(
        arm_emulator, azurite, tmp_path, target, seeded):
    assert json.loads((stack.ROOT / "host.json").read_text())["extensions"]["durableTask"]["defaultVersion"] == "4"
    state = tmp_path / "state"
    previous_release = start_host(app_released_as("1", tmp_path / "app-1"), arm_emulator, azurite, state,
                                  tmp_path / "host-1.log")
    try:
        api = DeployerApi(previous_release.url, previous_release.function_key)
        in_flight = api.deploy(spec_for(target, seeded[0], approval=APPROVAL))
        waiting = api.wait(in_flight, statuses={"AwaitingApproval"}, timeout=90)
        assert [s["name"] for s in waiting["steps"]] == VERSION_1_STEPS and waiting["approval"] is None
    finally:
        previous_release.stop()

    release = start_host(stack.ROOT, arm_emulator, azurite, state, tmp_path / "host-2.log")
    try:
        api = DeployerApi(release.url, release.function_key)
        # It started before abort existed: it rolls back only where version 1 could (approval, scale-down
        # delay), which the API does by the event version 1 knows; so a token is not asked for either.
        assert api.get(in_flight)["approval"] is None
        view = approve_and_finish(api, in_flight, with_token=False)
        # Replayed on the new code, it kept version 1's steps: no nondeterminism, no Rescale step.
        assert [(s["name"], s["status"]) for s in view["steps"]] == [(name, "Succeeded") for name in VERSION_1_STEPS]
        assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__1"}

        new = api.deploy(spec_for(target, seeded[1], approval=APPROVAL))
        waiting = api.wait(new, statuses={"AwaitingApproval"}, timeout=90)
        assert [s["name"] for s in waiting["steps"]] == VERSION_3_STEPS and waiting["approval"]["token"]
        assert api.http.post(f"/api/deployments/{new}/approve", json={}).status_code == 400  # versions 3 on: a token
        view = approve_and_finish(api, new, with_token=True)
        assert [(s["name"], s["status"]) for s in view["steps"]] == [(name, "Succeeded") for name in VERSION_3_STEPS]
        assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__2"}
    finally:
        release.stop()


def test_a_deployment_of_version_2_awaiting_approval_across_a_release_is_aborted_by_the_event_it_knows(
        arm_emulator, azurite, tmp_path, target, seeded):
    serving = pool_member_scale_sets(arm_emulator, target, target.prod_pool)
    state = tmp_path / "state"
    previous_release = start_host(app_released_as("2", tmp_path / "app-2"), arm_emulator, azurite, state,
                                  tmp_path / "host-2.log")
    try:
        api = DeployerApi(previous_release.url, previous_release.function_key)
        in_flight = api.deploy(spec_for(target, seeded[0], approval=APPROVAL))
        api.wait(in_flight, statuses={"AwaitingApproval"}, timeout=90)
    finally:
        previous_release.stop()

    release = start_host(stack.ROOT, arm_emulator, azurite, state, tmp_path / "host-3.log")
    try:
        api = DeployerApi(release.url, release.function_key)
        assert api.act(in_flight, "abort").status_code == 202
        view = api.wait(in_flight, timeout=180)
        assert view["status"] == "RolledBack", api.log(in_flight)
        assert view["error"] == "Approval: Rollback requested by operator (rollback)"
        assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == serving
    finally:
        release.stop()
