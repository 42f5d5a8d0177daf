"""Durable Functions features through devhost's HTTP API (the management URLs the app hands out)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import httpx

from tests.devhost.conftest import BASIC_APP


def test_chaining_runs_activities_in_order_with_custom_status(host):
    started = host.start("chain", {"steps": 4})
    assert set(started) >= {"id", "statusQueryGetUri", "sendEventPostUri", "terminatePostUri",
                            "purgeHistoryDeleteUri", "rewindPostUri"}
    done = host.wait(started["id"])
    assert done["runtimeStatus"] == "Completed"
    assert done["output"] == [0, 2, 4, 6]
    assert done["customStatus"] == {"step": "done"}
    assert done["name"] == "chain"
    # statusQueryGetUri works as handed out (it carries the key), 200 once completed
    r = httpx.get(started["statusQueryGetUri"])
    assert r.status_code == 200 and r.json()["output"] == [0, 2, 4, 6]


def test_status_is_202_with_location_while_running_and_shows_history(host):
    started = host.start("approval", {"timeout": 3600})
    host.wait_custom_status(started["id"], "waiting")
    r = host.status(started["id"])
    assert r.status_code == 202
    assert r.headers["Location"].startswith(host.url)
    assert r.json()["runtimeStatus"] == "Running"
    assert set(r.json()) >= {"name", "instanceId", "runtimeStatus", "input", "customStatus", "output",
                             "createdTime", "lastUpdatedTime"}
    host.raise_event(started["id"], "Approval", True)
    host.wait(started["id"])
    r = host.status(started["id"], showHistory="true", showHistoryOutput="true")
    events = [e["EventType"] for e in r.json()["historyEvents"]]
    assert events[0] == "ExecutionStarted" and events[-1] == "ExecutionCompleted"
    assert "EventRaised" in events and "TimerCreated" in events


def test_fan_out_fan_in_with_task_all_and_task_any(host):
    done = host.wait(host.start("fan_out", ["a", "b", "c"])["id"])
    assert done["output"] == {"all": ["Hello a!", "Hello b!", "Hello c!"], "any": "Hello a!"}


def test_no_more_activities_run_at_once_than_host_json_allows(host):
    """The test app's host.json sets maxConcurrentActivityFunctions 4: twelve activities scheduled at once,
    each holding its slot a while, never run more than four at a time."""
    limit = json.loads((BASIC_APP / "host.json").read_text())["extensions"]["durableTask"][
        "maxConcurrentActivityFunctions"]
    done = host.wait(host.start("fan_out_occupy", [12, 0.2])["id"])
    assert done["output"]["done"] == 12
    assert 1 <= done["output"]["most_at_once"] <= limit == 4


def test_durable_timer_fires_in_scaled_time_and_moves_the_orchestration_clock(host):
    done = host.wait(host.start("timer_orch", 15)["id"])
    start = datetime.fromisoformat(done["output"]["start"])
    end = datetime.fromisoformat(done["output"]["end"])
    # current_utc_datetime after the timer is exactly the timer's fireAt, as on Azure
    assert (end - start).total_seconds() == 15


def test_retry_reschedules_a_failing_activity_until_it_succeeds(host, tmp_path):
    body = {"counter": str(tmp_path / "calls"), "failures": 2, "attempts": 3}
    done = host.wait(host.start("retrying", body)["id"])
    assert done["output"] == {"result": "ok after 3"}
    assert (tmp_path / "calls").read_text() == "3"


def test_retry_gives_up_after_max_attempts_with_the_exception_message(host, tmp_path):
    body = {"counter": str(tmp_path / "calls"), "failures": 10, "attempts": 2}
    done = host.wait(host.start("retrying", body)["id"])
    assert "flaky failure 2" in done["output"]["error"]
    assert (tmp_path / "calls").read_text() == "2"


def test_external_event_wins_the_race_against_the_timer(host):
    iid = host.start("approval", {"timeout": 3600})["id"]
    host.wait_custom_status(iid, "waiting")
    assert host.raise_event(iid, "Approval", {"by": "alice"}).status_code == 202
    assert host.wait(iid)["output"] == {"approved": {"by": "alice"}}


def test_timer_wins_the_race_when_no_event_comes(host):
    done = host.wait(host.start("approval", {"timeout": 30})["id"])
    assert done["output"] == {"timedOut": True}


def test_external_events_raised_before_the_wait_are_buffered(host):
    iid = host.start("wait_two_events")["id"]
    assert host.raise_event(iid, "B", "second").status_code == 202
    assert host.raise_event(iid, "A", "first").status_code == 202
    assert host.wait(iid)["output"] == ["first", "second"]


def test_sub_orchestrations_and_sub_orchestration_retry(host):
    iid = host.start("parent", 2)["id"]
    done = host.wait(iid)
    assert done["output"]["children"] == [[0, 2], [0, 2]]
    assert "this activity always fails" in done["output"]["childError"]
    child = host.status(f"{iid}-child-0").json()
    assert child["runtimeStatus"] == "Completed" and child["name"] == "chain"


def test_continue_as_new_restarts_with_new_input(host):
    done = host.wait(host.start("counter", 0)["id"])
    assert done["output"] == {"final": 3}
    assert done["input"] == "3"  # the input of the last execution, as the SDK serialised it


def test_orchestrator_exception_fails_the_instance_with_its_message(host):
    done = host.wait(host.start("failing")["id"])
    assert done["runtimeStatus"] == "Failed"
    assert "orchestrator exploded" in done["output"]


def test_terminate_stops_a_running_instance(host):
    started = host.start("approval", {"timeout": 3600})
    host.wait_custom_status(started["id"], "waiting")
    r = httpx.post(started["terminatePostUri"].replace("{text}", "no longer needed"))
    assert r.status_code == 202
    done = host.wait(started["id"])
    assert done["runtimeStatus"] == "Terminated" and done["output"] == "no longer needed"
    # a second terminate or an event to a finished instance: 410 Gone
    assert httpx.post(started["terminatePostUri"].replace("{text}", "again")).status_code == 410
    assert host.raise_event(started["id"], "Approval", True).status_code == 410


def test_suspend_holds_events_until_resume(host):
    started = host.start("approval", {"timeout": 3600})
    iid = started["id"]
    host.wait_custom_status(iid, "waiting")
    base = f"/runtime/webhooks/durabletask/instances/{iid}"
    assert host.http.post(f"{base}/suspend", params={**host.key, "reason": "hold"}).status_code == 202
    host.wait(iid, until=("Suspended",))
    assert host.raise_event(iid, "Approval", "late").status_code == 202
    assert host.status(iid).json()["runtimeStatus"] == "Suspended"
    assert host.http.post(f"{base}/resume", params={**host.key, "reason": "go"}).status_code == 202
    assert host.wait(iid)["output"] == {"approved": "late"}


def test_purge_one_instance_and_purge_by_filter(host):
    prefix = f"purge-{uuid.uuid4().hex[:6]}"
    ids = [host.start("fan_out", ["x"], f"{prefix}-{i}")["id"] for i in range(3)]
    for iid in ids:
        host.wait(iid)
    running = host.start("approval", {"timeout": 3600}, f"{prefix}-running")["id"]
    host.wait_custom_status(running, "waiting")
    r = host.http.delete(f"/runtime/webhooks/durabletask/instances/{ids[0]}", params=host.key)
    assert r.status_code == 200 and r.json() == {"instancesDeleted": 1}
    assert host.status(ids[0]).status_code == 404
    assert host.http.delete(f"/runtime/webhooks/durabletask/instances/{ids[0]}", params=host.key).status_code == 404
    created = host.status(ids[1]).json()["createdTime"]
    r = host.http.delete("/runtime/webhooks/durabletask/instances/",
                         params={**host.key, "createdTimeFrom": created, "runtimeStatus": "Completed"})
    assert r.status_code == 200 and r.json()["instancesDeleted"] >= 2
    assert host.status(ids[2]).status_code == 404
    assert host.status(running).status_code == 202  # running instances are not purged by the filter
    assert host.http.delete("/runtime/webhooks/durabletask/instances/", params=host.key).status_code == 400


def test_list_filters_by_status_prefix_created_time_and_pages_with_continuation(host):
    prefix = f"list-{uuid.uuid4().hex[:6]}"
    done_ids = [host.start("fan_out", ["x"], f"{prefix}-done-{i}")["id"] for i in range(3)]
    for iid in done_ids:
        host.wait(iid)
    waiting = host.start("approval", {"timeout": 3600}, f"{prefix}-wait")["id"]
    host.wait_custom_status(waiting, "waiting")
    url = "/runtime/webhooks/durabletask/instances"
    r = host.http.get(url, params={**host.key, "instanceIdPrefix": prefix})
    assert sorted(s["instanceId"] for s in r.json()) == sorted(done_ids + [waiting])
    r = host.http.get(url, params={**host.key, "instanceIdPrefix": prefix, "runtimeStatus": "Running"})
    assert [s["instanceId"] for s in r.json()] == [waiting]
    r = host.http.get(url, params={**host.key, "instanceIdPrefix": prefix, "runtimeStatus": "Completed,Failed"})
    assert sorted(s["instanceId"] for s in r.json()) == sorted(done_ids)
    future = "2999-01-01T00:00:00Z"
    r = host.http.get(url, params={**host.key, "instanceIdPrefix": prefix, "createdTimeFrom": future})
    assert r.json() == []
    r = host.http.get(url, params={**host.key, "instanceIdPrefix": prefix, "createdTimeTo": future})
    assert len(r.json()) == 4
    seen: list[str] = []
    headers: dict[str, str] = {}
    for _ in range(10):
        r = host.http.get(url, params={**host.key, "instanceIdPrefix": prefix, "top": "3"}, headers=headers)
        assert len(r.json()) <= 3
        seen += [s["instanceId"] for s in r.json()]
        token = r.headers.get("x-ms-continuation-token")
        if not token:
            break
        headers = {"x-ms-continuation-token": token}
    assert sorted(seen) == sorted(done_ids + [waiting])
    host.raise_event(waiting, "Approval", True)


def test_start_through_the_public_api_with_explicit_instance_id(host):
    iid = f"public-{uuid.uuid4().hex[:8]}"
    r = host.http.post(f"/runtime/webhooks/durabletask/orchestrators/fan_out/{iid}", params=host.key,
                       content=json.dumps(["p"]))
    assert r.status_code == 202 and r.json()["id"] == iid
    assert r.headers["Location"] == r.json()["statusQueryGetUri"]
    assert host.wait(iid)["output"]["all"] == ["Hello p!"]


def test_retries_inside_a_fan_out_keep_task_ids_in_step_with_the_sdk(host, tmp_path):
    done = host.wait(host.start("retry_fan_out", {"n": 3, "failures": 1, "dir": str(tmp_path)})["id"])
    assert done["runtimeStatus"] == "Completed", done
    assert done["output"] == {"results": ["ok after 2", "Hello 0!", "ok after 2", "Hello 1!", "ok after 2",
                                          "Hello 2!"], "after": "Hello after!"}


def test_polling_loop_with_timers_stops_on_an_external_event(host):
    iid = host.start("poll_loop")["id"]
    host.wait_custom_status(iid, {"polls": 3, "last": "Hello poll2!"})
    assert host.raise_event(iid, "Stop", "operator").status_code == 202
    done = host.wait(iid)
    assert done["output"]["by"] == "operator" and done["output"]["stoppedAfter"] >= 3


def test_starting_an_instance_id_that_is_still_running_fails_like_azure(host):
    iid = f"dup-{uuid.uuid4().hex[:8]}"
    host.start("approval", {"timeout": 3600}, iid)
    r = host.http.post(f"/runtime/webhooks/durabletask/orchestrators/approval/{iid}", params=host.key, json={})
    assert r.status_code == 500 and "already exists" in r.json()["ExceptionMessage"]
    host.http.post(f"/runtime/webhooks/durabletask/instances/{iid}/terminate", params=host.key)
    host.wait(iid)
    # a finished instance id can be reused: the new instance replaces it
    host.start("fan_out", ["again"], iid)
    assert host.wait(iid)["output"]["all"] == ["Hello again!"]


def test_async_activity_with_a_durable_client_binding(host):
    done = host.wait(host.start("client_in_activity")["id"])
    assert done["output"] == "Running"


def test_start_and_wait_returns_the_output_when_done_in_time_else_the_check_status_payload(host):
    r = host.http.post("/runtime/webhooks/durabletask/orchestrators/fan_out", json=["w"],
                       params={**host.key, "timeout": "10", "pollingInterval": "0.05"})
    assert r.status_code == 200 and r.json()["all"] == ["Hello w!"]
    r = host.http.post("/runtime/webhooks/durabletask/orchestrators/approval", json={"timeout": 3600},
                       params={**host.key, "timeout": "0.2", "pollingInterval": "0.05"})
    assert r.status_code == 202 and "statusQueryGetUri" in r.json()
    host.raise_event(r.json()["id"], "Approval", True)


def test_terminating_a_sub_orchestration_fails_the_parents_task(host):
    iid = host.start("parent_of_waiter")["id"]
    host.wait(f"{iid}-waiter", until=("Running",))
    r = host.http.post(f"/runtime/webhooks/durabletask/instances/{iid}-waiter/terminate",
                       params={**host.key, "reason": "operator said so"})
    assert r.status_code == 202
    done = host.wait(iid)
    assert "was terminated: operator said so" in done["output"]["childError"]


def test_event_data_encoding_matches_azure_for_the_http_api_and_the_sdk_client(host):
    """sendEventPostUri delivers the JSON value; the SDK's raise_event delivers its JSON text."""
    iid = host.start("wait_two_events")["id"]
    assert host.raise_event(iid, "A", {"decision": "approve"}).status_code == 202
    r = host.http.post("/api/client/raise", params=host.key, json={"id": iid, "event": "B", "data": "approve"})
    assert r.status_code == 200
    assert host.wait(iid)["output"] == [{"decision": "approve"}, '"approve"']
    other = host.start("wait_two_events")["id"]
    base = f"/runtime/webhooks/durabletask/instances/{other}/raiseEvent/A"
    assert host.http.post(base, params=host.key, content=b"{}", headers={"content-type": "text/plain"}).status_code == 400
    assert host.http.post(base, params=host.key, content=b"", headers={"content-type": "application/json"}).status_code == 400


def test_list_answers_pages_of_100_like_the_extension_and_sub_orchestrations_fill_them(host):
    parent = host.start("parent", 110)["id"]
    assert host.wait(parent, timeout=120)["runtimeStatus"] == "Completed"
    url = "/runtime/webhooks/durabletask/instances"
    pages: list[list[str]] = []
    headers: dict[str, str] = {}
    while len(pages) < 10:
        r = host.http.get(url, params={**host.key, "instanceIdPrefix": parent, "showInput": "false"},
                          headers=headers)
        pages.append([s["instanceId"] for s in r.json()])
        token = r.headers.get("x-ms-continuation-token")
        if not token:
            break
        headers = {"x-ms-continuation-token": token}
    assert len(pages) == 2 and len(pages[0]) == 100  # no `top`: the extension's page size
    listed = pages[0] + pages[1]
    assert len(set(listed)) == len(listed)
    children = {f"{parent}-child-{i}" for i in range(110)}
    assert children | {parent} <= set(listed)
    bad = host.http.get(url, params=host.key, headers={"x-ms-continuation-token": "not a token"})
    assert bad.status_code == 400
