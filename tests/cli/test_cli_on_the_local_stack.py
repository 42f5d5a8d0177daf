"""`vmssbg` driving whole deployments on the local stack (devhost, ARM emulator, Azurite), as a user types it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from scripts.stack import ROOT, free_port
from tests.e2e.conftest import spec_for
from vmssbg.cli import cli

pytestmark = pytest.mark.e2e


@pytest.fixture
def vmssbg(devhost, tmp_path):
    """Runs `vmssbg ARGS` against the test's devhost; stdout is not a terminal, so progress is plain lines."""
    env = {"VMSSBG_URL": devhost.url, "VMSSBG_KEY": devhost.function_key}

    def run(*args: str):
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        return result

    return run


@pytest.fixture
def spec_file(tmp_path):
    def write(spec: dict) -> str:
        path = tmp_path / f"spec-{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps(spec))
        return str(path)

    return write


def started_id(output: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith("Deployment ") and "started" in line)
    return line.split()[1]


def test_deploy_wait_follows_the_deployment_to_success_then_logs_status_and_list_read_it(
        vmssbg, spec_file, target, seeded):
    result = vmssbg("deploy", spec_file(spec_for(target, seeded[0])), "--wait", "--interval", "0.2")
    assert result.exit_code == 0, result.output
    deployment_id = started_id(result.output)
    lines = result.output.splitlines()
    for expected in ("step Setup Succeeded in", "step Upgrade Succeeded in", "step Swap Succeeded in",
                     "scale sets: old (none) -> new web_api_prod__1", "instances healthy 2/2 (current 2)"):
        assert any(line.startswith(expected) for line in lines), (expected, result.output)
    assert any(line.startswith("log  ") and "Tagging VMSS: [web_api_prod__1] as [BLUE]" in line for line in lines)
    assert lines[-1].startswith(f"Succeeded  deployment {deployment_id}  new web_api_prod__1")

    log = vmssbg("logs", deployment_id)
    assert log.exit_code == 0 and "Tagging VMSS: [web_api_prod__1] as [BLUE] deployment" in log.output

    status = vmssbg("status", deployment_id)
    assert status.exit_code == 0 and "Succeeded" in status.output and "web_api_prod__1" in status.output
    as_json = vmssbg("status", deployment_id, "--output", "json")
    assert as_json.exit_code == 0 and json.loads(as_json.output)["status"] == "Succeeded"

    listed = json.loads(vmssbg("list", "--resource-group", target.resource_group, "-o", "json").output)
    assert [v["id"] for v in listed["value"]] == [deployment_id]
    table = vmssbg("list", "--resource-group", target.resource_group)
    assert table.exit_code == 0 and deployment_id in table.output


def test_approve_fetches_the_approval_itself_shows_what_it_approves_and_the_deployment_succeeds(
        vmssbg, api, spec_file, target, seeded):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    started = vmssbg("deploy", spec_file(spec_for(target, seeded[1], approval={"required": True,
                                                                               "timeoutMinutes": 600})))
    assert started.exit_code == 0, started.output
    second = started_id(started.output)
    api.wait(second, statuses={"AwaitingApproval"}, timeout=90)

    approved = vmssbg("approve", second, "--comment", "canary looks good")
    assert approved.exit_code == 0, approved.output
    assert f"Approving deployment {second}" in approved.output
    assert "new scale set web_api_prod__2 (revision 2), 2/2 healthy" in approved.output
    assert "old scale set web_api_prod__1" in approved.output

    watched = vmssbg("status", second, "--watch", "--interval", "0.2")
    assert watched.exit_code == 0, watched.output
    assert watched.output.splitlines()[-1].startswith("Succeeded")
    assert "step Approval Succeeded" in watched.output

    again = vmssbg("approve", second)
    assert again.exit_code == 2 and "not awaiting approval" in again.output


def test_a_rolled_back_deployment_exits_4_from_deploy_wait_and_from_status(vmssbg, api, spec_file, target,
                                                                          seeded, seeder):
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    broken = seeder.image_version("4.0.0", tags={"emulator.provisioning": "failed"})
    result = vmssbg("deploy", spec_file(spec_for(target, broken)), "--wait", "--interval", "0.2")
    assert result.exit_code == 4, result.output
    deployment_id = started_id(result.output)
    assert "step Rollback Succeeded" in result.output
    assert result.output.splitlines()[-1].startswith(f"RolledBack  deployment {deployment_id}")
    assert "failed provisioning" in result.output

    assert vmssbg("status", deployment_id).exit_code == 4
    assert vmssbg("logs", deployment_id, "--follow").exit_code == 4


def test_a_bad_spec_exits_2_with_the_api_message_and_field_details(vmssbg, spec_file, target, seeded):
    spec = spec_for(target, seeded[0], instances={"mode": "fixed", "min": 3, "max": 2, "desired": 2})
    del spec["baseVmss"]
    result = vmssbg("deploy", spec_file(spec), "--wait")
    assert result.exit_code == 2
    assert "Error (400 InvalidDeploymentSpec)" in result.output
    assert "baseVmss:" in result.output and "instances" in result.output
    assert "Traceback" not in result.output


def test_a_spec_file_that_is_not_json_exits_2_before_calling_the_api(vmssbg, tmp_path):
    path = tmp_path / "spec.json"
    path.write_text("{not json")
    result = vmssbg("deploy", str(path))
    assert result.exit_code == 2 and "is not valid JSON" in result.output


def test_actions_the_deployment_state_does_not_allow_exit_2_with_the_api_message(vmssbg, api, target, seeded):
    """abort/pause/resume of a finished deployment and undo of a first one answer 409 per the contract;
    an API without the route answers 404/405: either way exit 2 with the API's message."""
    deployment_id = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(deployment_id)["status"] == "Succeeded"
    for action in ("abort", "pause", "resume", "undo"):
        result = vmssbg(action, deployment_id)
        assert result.exit_code == 2, (action, result.output)
        assert result.output.startswith("Error (4"), (action, result.output)
        assert "Traceback" not in result.output
    as_json = vmssbg("pause", deployment_id, "-o", "json")
    assert as_json.exit_code == 2 and json.loads(as_json.output)["error"]["message"]


def test_an_unknown_deployment_exits_2(vmssbg):
    result = vmssbg("status", "no-such-deployment")
    assert result.exit_code == 2 and "was not found" in result.output


def test_profiles_put_get_list_delete(vmssbg, spec_file, target):
    from tests.e2e.conftest import profile_for

    name = f"cli-{os.getpid()}-{target.resource_group[-6:]}"
    put = vmssbg("profiles", "put", name, spec_file(profile_for(target)))
    assert put.exit_code == 0, put.output
    got = json.loads(vmssbg("profiles", "get", name, "-o", "json").output)
    assert got["imageDefinition"] == target.image_definition_id
    listed = json.loads(vmssbg("profiles", "list", "-o", "json").output)["value"]
    assert name in [p["profileName"] for p in listed]
    assert vmssbg("profiles", "delete", name).exit_code == 0
    assert vmssbg("profiles", "get", name).exit_code == 2


def test_an_unreachable_api_exits_6_naming_the_url_and_how_to_set_it():
    """Run as a user does (a process of its own), so a traceback would show."""
    url = f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, "VMSSBG_URL": url, "VMSSBG_KEY": "k"}
    result = subprocess.run([sys.executable, "-m", "vmssbg", "list"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 6, result
    assert f"Cannot reach the vmss-bluegreen API at {url} (from VMSSBG_URL)" in result.stderr
    assert "Set VMSSBG_URL" in result.stderr and "Traceback" not in result.stderr + result.stdout
