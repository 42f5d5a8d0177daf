"""Host behaviour: /admin/host/status, HTTP triggers, keys, logging, client binding, bad input."""

from __future__ import annotations

import json
import uuid

import httpx
from azure.durable_functions import DurableOrchestrationClient, OrchestrationRuntimeStatus

from .conftest import DURABLE_KEY, KEY, run_async


def test_admin_host_status_answers_running(host):
    r = httpx.get(f"{host.url}/admin/host/status")
    assert r.status_code == 200 and r.json()["state"] == "Running"


def test_anonymous_route_needs_no_key_and_app_logging_reaches_the_host_log(host):
    r = host.http.get("/api/hello", params={"name": "devhost"})
    assert r.status_code == 200 and r.text == "hello devhost"
    log = host.log_text()
    assert "hello from the app" in log
    assert "Executing 'Functions.hello' (Reason=" in log
    assert "Executed 'Functions.hello' (Succeeded, Id=" in log


def test_function_level_routes_need_the_key(host):
    url = "/api/status/whatever"
    assert host.http.get(url).status_code == 401
    assert host.http.get(url, params={"code": "wrong"}).status_code == 401
    assert host.http.get(url, headers={"x-functions-key": KEY}).status_code == 404  # app's own 404
    assert host.http.get(url, params={"code": KEY}).status_code == 404


def test_durable_webhooks_need_the_key_but_the_internal_rpc_does_not(host):
    assert host.http.get("/runtime/webhooks/durabletask/instances/x").status_code == 401
    assert host.http.get("/runtime/webhooks/durabletask/instances/x", params=host.key).status_code == 404
    assert host.http.get("/_rpc/durabletask/instances/x").status_code == 404
    assert host.http.post("/admin/functions/on_event").status_code == 401


def test_failing_http_function_answers_500_and_is_logged_as_failed(host):
    assert host.http.get("/api/boom").status_code == 500
    assert "Executed 'Functions.boom' (Failed, Id=" in host.log_text()


def test_client_binding_has_the_real_hosts_shape_and_management_urls(host):
    r = host.http.post("/api/client/payload", params=host.key, json={"id": "abc"})
    urls = r.json()["result"]
    assert urls["id"] == "abc"
    assert urls["statusQueryGetUri"] == (f"{host.url}/runtime/webhooks/durabletask/instances/abc"
                                         f"?taskHub=DevhostTests&connection=Storage&code={DURABLE_KEY}")
    for key in ("sendEventPostUri", "terminatePostUri", "rewindPostUri", "purgeHistoryDeleteUri"):
        assert urls[key].startswith(f"{host.url}/runtime/webhooks/durabletask/instances/abc/") or \
            urls[key].startswith(f"{host.url}/runtime/webhooks/durabletask/instances/abc?")


def test_sdk_client_inside_the_host_raises_events_lists_terminates_and_purges(host):
    prefix = f"inside-{uuid.uuid4().hex[:6]}"
    a = host.start("wait_two_events", None, f"{prefix}-a")["id"]
    b = host.start("approval", {"timeout": 3600}, f"{prefix}-b")["id"]
    host.wait_custom_status(b, "waiting")
    op = lambda name, **args: host.http.post(f"/api/client/{name}", params=host.key, json=args).json()  # noqa: E731
    op("raise", id=a, event="A", data={"x": 1})
    op("raise", id=a, event="B", data=[1, 2])
    # As on Azure: the SDK client double-encodes event data, so the orchestrator receives the JSON
    # text (azure-functions-durable-python#295); the public sendEventPostUri delivers the value itself.
    assert host.wait(a)["output"] == ['{"x": 1}', "[1, 2]"]
    assert op("list", prefix=prefix, runtimeStatus=["Running"])["result"] == [b]
    assert sorted(op("list", prefix=prefix)["result"]) == sorted([a, b])
    # The SDK's get_status_all reads one page (it ignores the continuation token), as on Azure: the
    # page holds this instance unless earlier tests of this host filled it.
    first_page = op("all")["result"]
    assert a in first_page or len(first_page) == 100
    op("suspend", id=b)
    host.wait(b, until=("Suspended",))
    op("resume", id=b)
    host.wait(b, until=("Running",))
    op("terminate", id=b, reason="stop")
    assert host.wait(b)["runtimeStatus"] == "Terminated"
    assert op("purge", id=b)["result"] == 1


def test_sdk_durable_orchestration_client_works_against_devhost_unchanged(host):
    iid = f"sdk-{uuid.uuid4().hex[:8]}"

    async def scenario():
        client = DurableOrchestrationClient(host.client_binding())
        assert await client.start_new("approval", iid, {"timeout": 3600}) == iid
        status = await client.get_status(iid)
        assert status.runtime_status in (OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running)
        for _ in range(500):
            status = await client.get_status(iid)
            if status.custom_status == "waiting":
                break
        await client.raise_event(iid, "Approval", {"ok": True})
        for _ in range(1000):
            status = await client.get_status(iid, show_history=True)
            if status.runtime_status == OrchestrationRuntimeStatus.Completed:
                break
        assert status.output == {"approved": '{"ok": true}'}  # double-encoded by the SDK client, as on Azure
        found = await client.get_status_by(runtime_status=[OrchestrationRuntimeStatus.Completed],
                                           instance_id_prefix=iid)
        assert [s.instance_id for s in found] == [iid]
        missing = await client.get_status("no-such-instance")
        assert not missing
        try:
            await client.raise_event("no-such-instance", "x", 1)
        except Exception as exc:  # noqa: BLE001
            assert "No instance" in str(exc)
        else:
            raise AssertionError("raise_event to an unknown instance must fail")
        try:
            await client.start_new("no_such_orchestrator")
        except Exception as exc:  # noqa: BLE001
            assert "no_such_orchestrator" in str(exc)
        else:
            raise AssertionError("starting an unknown orchestrator must fail")
        purged = await client.purge_instance_history(iid)
        assert purged.instances_deleted == 1

    run_async(scenario)


def test_bad_input_gets_azures_answers_and_never_crashes_the_host(host):
    k = host.key
    h = host.http
    assert h.get("/runtime/webhooks/durabletask/instances/nope", params=k).status_code == 404
    assert h.post("/runtime/webhooks/durabletask/instances/nope/raiseEvent/x", params=k, json=1).status_code == 404
    assert h.post("/runtime/webhooks/durabletask/instances/nope/terminate", params=k).status_code == 404
    assert h.post("/runtime/webhooks/durabletask/instances/nope/suspend", params=k).status_code == 404
    assert h.delete("/runtime/webhooks/durabletask/instances/nope", params=k).status_code == 404
    r = h.post("/runtime/webhooks/durabletask/orchestrators/chain", params=k, content=b"{not json")
    assert r.status_code == 400
    r = h.post("/runtime/webhooks/durabletask/orchestrators/nope", params=k, json={})
    assert r.status_code == 400 and "nope" in r.json()["ExceptionMessage"]
    iid = host.start("wait_two_events")["id"]
    r = h.post(f"/runtime/webhooks/durabletask/instances/{iid}/raiseEvent/A", params=k, content=b"{oops")
    assert r.status_code == 400
    assert h.get("/runtime/webhooks/durabletask/whatever", params=k).status_code == 404
    assert h.get("/api/no/such/route", params=k).status_code == 404
    assert h.post("/runtime/webhooks/eventgrid", params={**k, "functionName": "nope"}, json=[]).status_code == 404
    assert h.post("/runtime/webhooks/eventgrid", params={**k, "functionName": "on_event"},
                  content=b"[{").status_code == 400
    assert h.post("/runtime/webhooks/eventgrid", params={**k, "functionName": "on_event"},
                  json=[{"no": "fields"}], headers={"aeg-event-type": "Notification"}).status_code == 400
    assert httpx.get(f"{host.url}/admin/host/status").json()["state"] == "Running"
    json.dumps(host.raise_event(iid, "A", 1).status_code)


def test_timer_triggers_fire_and_local_settings_values_yield_to_the_environment(tmp_path):
    import shutil
    import time

    from .conftest import APPS, launch

    app = tmp_path / "app"
    shutil.copytree(APPS / "timer", app)
    (app / "local.settings.json").write_text(json.dumps(
        {"IsEncrypted": False, "Values": {"FROM_FILE": "file", "BOTH": "file"}}))
    journal = tmp_path / "ticks.txt"
    h = launch(tmp_path / "run", app_dir=app, extra_env={"BOTH": "env", "TIMER_JOURNAL": str(journal)})
    try:
        assert h.http.get("/api/settings").text == f"file|env|{app}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (journal.exists() and journal.read_text().count("tick") >= 2):
            time.sleep(0.05)
        assert journal.read_text().count("tick") >= 2
        assert "Executing 'Functions.every_second' (Reason='Timer fired at" in h.log_text()
        # admin API: run a non-HTTP function now (admin level: needs the key)
        assert h.http.post("/admin/functions/every_second", json={}).status_code == 401
        assert h.http.post("/admin/functions/every_second", params=h.key, json={}).status_code == 202
        assert h.http.post("/admin/functions/nope", params=h.key, json={}).status_code == 404
    finally:
        h.stop()


def test_a_second_host_on_the_same_state_dir_refuses_to_start(host, tmp_path):
    import pytest

    from .conftest import launch

    with pytest.raises(RuntimeError, match="another devhost is using the state directory"):
        launch(tmp_path, state_dir=host.state_dir)
