"""`vmssbg` against the answers CONTRACT §5 specifies, served by an in-process stand-in of the API.

Routes still being built (dry run, targets, pause/resume/abort/undo, approval tokens) are proven here
on their contract shapes; tests/cli/test_cli_on_the_local_stack.py drives the real app.
"""

from __future__ import annotations

import json

import httpx
import pytest
from click.testing import CliRunner

from vmssbg.cli import State, cli
from vmssbg.client import Api
from vmssbg.config import Config, resolve

WAITING = {
    "id": "d42", "kind": "deploy", "status": "AwaitingApproval", "phase": "Approval", "revision": 3,
    "newVmss": "web_api_prod__3", "oldVmss": "web_api_prod__2", "resourceGroup": "rg-demo",
    "capacity": {"desired": 4, "current": 4, "healthy": 4}, "steps": [], "error": None, "warnings": [],
    "approval": {"token": "tok-7", "requestedAt": "2026-01-01T10:00:00Z", "timeoutAt": "2026-01-01T11:00:00Z",
                 "decision": None, "decidedBy": None, "comment": None, "decidedAt": None},
}


class FakeApi:
    """Answers by (method, path); records what was sent."""

    def __init__(self, routes: dict[tuple[str, str], httpx.Response | list[httpx.Response]]) -> None:
        self.routes = routes
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        answer = self.routes.get((request.method, request.url.path))
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        return answer or httpx.Response(404, json={"error": {"code": "NotFound", "message": "no route",
                                                              "details": []}})

    def run(self, *args: str):
        api = Api(Config("http://api.test", "k", "test"), transport=httpx.MockTransport(self))
        return CliRunner().invoke(cli, list(args), obj=State(_api=api), catch_exceptions=False)


def test_approve_sends_the_current_token_and_comment_after_showing_what_it_approves():
    fake = FakeApi({("GET", "/api/deployments/d42"): httpx.Response(200, json=WAITING),
                    ("POST", "/api/deployments/d42/approve"): httpx.Response(202, json={"id": "d42"})})
    result = fake.run("approve", "d42", "--comment", "ship it")
    assert result.exit_code == 0, result.output
    assert json.loads(fake.sent[-1].content) == {"token": "tok-7", "comment": "ship it"}
    assert fake.sent[-1].headers["x-functions-key"] == "k"
    assert "Approving deployment d42" in result.output
    assert "new scale set web_api_prod__3 (revision 3), 4/4 healthy (4 running), will swap it into prod" in result.output
    assert "approval requested 2026-01-01T10:00:00Z, times out 2026-01-01T11:00:00Z" in result.output


def test_a_stale_token_refused_with_409_exits_2_with_the_api_message():
    fake = FakeApi({("GET", "/api/deployments/d42"): httpx.Response(200, json=WAITING),
                    ("POST", "/api/deployments/d42/reject"): httpx.Response(409, json={"error": {
                        "code": "ApprovalTokenMismatch", "message": "The token is not the current one.",
                        "details": [{"field": "token", "message": "stale"}]}})})
    result = fake.run("reject", "d42")
    assert result.exit_code == 2
    assert "Error (409 ApprovalTokenMismatch): The token is not the current one." in result.output
    assert "token: stale" in result.output


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path):
    plan = {"revision": 3, "newVmss": "web_api_prod__3", "liveVmss": "web_api_prod__2",
            "capacity": {"min": 2, "max": 6, "desired": 4}, "retention": {"scaleToZero": [], "delete": ["x__1"]},
            "warnings": []}
    fake = FakeApi({("POST", "/api/deployments"): httpx.Response(200, json=plan)})
    spec = tmp_path / "spec.json"
    spec.write_text("{}")
    result = fake.run("deploy", str(spec), "--dry-run")
    as_json = fake.run("deploy", str(spec), "--dry-run", "-o", "json")
    assert result.exit_code == 0 and "web_api_prod__3" in result.output and "delete=x__1" in result.output
    assert json.loads(as_json.output) == plan
    assert all(r.url.params.get("dryRun") == "true" for r in fake.sent)


def test_dry_run_against_an_api_that_started_a_deployment_instead_says_so_and_exits_2(tmp_path):
    fake = FakeApi({("POST", "/api/deployments"): httpx.Response(202, json={"id": "d9",
                                                                             "deploymentUri": "/api/deployments/d9"})})
    spec = tmp_path / "spec.json"
    spec.write_text("{}")
    result = fake.run("deploy", str(spec), "--dry-run")
    assert result.exit_code == 2 and "does not support dry runs" in result.output and "vmssbg abort d9" in result.output


def test_targets_show_the_lineages_and_pass_the_filters():
    value = [{"infrastructureId": "web_api_prod", "liveVmss": "web_api_prod__2", "runningDeployment": "d42",
              "members": [{"name": "web_api_prod__2", "revision": 2, "image": "/x/images/web/versions/1.1.0",
                           "capacity": 4, "bgVersion": "BLUE", "pools": ["prod"], "created": "20260101T100000Z"}]}]
    fake = FakeApi({("GET", "/api/targets"): httpx.Response(200, json={"value": value})})
    result = fake.run("targets", "--resource-group", "rg-demo", "--subscription", "sub-1")
    assert result.exit_code == 0 and "web_api_prod: live web_api_prod__2, deployment d42 running" in result.output
    assert dict(fake.sent[0].url.params) == {"resourceGroup": "rg-demo", "subscriptionId": "sub-1"}
    assert json.loads(fake.run("targets", "-g", "rg-demo", "-o", "json").output) == {"value": value}


@pytest.mark.parametrize("action", ["abort", "pause", "resume"])
def test_accepted_actions_exit_0_and_refused_ones_exit_2(action):
    fake = FakeApi({("POST", f"/api/deployments/d1/{action}"): [
        httpx.Response(202, json={"id": "d1"}),
        httpx.Response(409, json={"error": {"code": "Conflict", "message": "d1 is Succeeded", "details": []}})]})
    accepted = fake.run(action, "d1")
    assert accepted.exit_code == 0 and f"{action} accepted for deployment d1" in accepted.output
    refused = fake.run(action, "d1", "-o", "json")
    assert refused.exit_code == 2
    assert json.loads(refused.output)["error"]["message"] == "d1 is Succeeded"


def test_undo_wait_follows_the_new_deployment_and_exits_with_its_outcome():
    final = {**WAITING, "id": "u1", "kind": "undo", "status": "RolledBack", "approval": None,
             "error": "Upgrade: timed out"}
    fake = FakeApi({("POST", "/api/deployments/d1/undo"): httpx.Response(202, json={"id": "u1"}),
                    ("GET", "/api/deployments/u1"): httpx.Response(200, json=final),
                    ("GET", "/api/deployments/u1/log"): httpx.Response(200, text="line\n")})
    result = fake.run("undo", "d1", "--wait", "--interval", "0.1")
    assert result.exit_code == 4, result.output
    assert "Undo deployment u1 started." in result.output and "log  line" in result.output


def test_status_exit_codes_for_failed_and_terminated():
    for status, code in (("Failed", 3), ("Terminated", 5)):
        fake = FakeApi({("GET", "/api/deployments/d1"): httpx.Response(200, json={**WAITING, "status": status}),
                        ("GET", "/api/deployments/d1/log"): httpx.Response(200, text="")})
        assert fake.run("status", "d1").exit_code == code


def test_a_refused_key_exits_2_saying_which_setting_to_fix():
    fake = FakeApi({("GET", "/api/deployments"): httpx.Response(401)})
    result = fake.run("list")
    assert result.exit_code == 2 and "Set VMSSBG_KEY" in result.output


def test_the_api_comes_from_vmssbg_url_first_then_the_nearest_stack_env(tmp_path):
    (tmp_path / ".local").mkdir()
    (tmp_path / ".local" / "stack.env").write_text("FUNCTIONS_URL=http://127.0.0.1:7071\nFUNCTION_KEY=local\n")
    nested = tmp_path / "docs" / "examples"
    nested.mkdir(parents=True)
    from_file = resolve(environ={}, cwd=nested)
    assert (from_file.url, from_file.key) == ("http://127.0.0.1:7071", "local")
    assert str(tmp_path / ".local" / "stack.env") in from_file.source
    from_env = resolve(environ={"VMSSBG_URL": "https://app.azurewebsites.net/api/", "VMSSBG_KEY": "k"}, cwd=nested)
    assert (from_env.url, from_env.key, from_env.source) == ("https://app.azurewebsites.net", "k", "VMSSBG_URL")


def test_completion_scripts_for_bash_zsh_and_fish():
    for shell in ("bash", "zsh", "fish"):
        result = CliRunner().invoke(cli, ["completion", shell])
        assert result.exit_code == 0 and "_VMSSBG_COMPLETE" in result.output
