"""Test app for devhost: every Durable Functions feature the deployer relies on."""

import json
import logging
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()
log = logging.getLogger("testapp")


def _journal(entry: str) -> None:
    path = os.environ.get("ACTIVITY_JOURNAL")
    if path:
        with open(path, "a") as fh:
            fh.write(entry + "\n")


# ---------------------------------------------------------------- HTTP + client
@bp.route(route="start/{name}/{id?}", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client) -> func.HttpResponse:
    body = req.get_body()
    payload = json.loads(body) if body else None
    instance_id = await client.start_new(req.route_params["name"], req.route_params.get("id"), payload)
    log.info("started orchestration %s", instance_id)
    return client.create_check_status_response(req, instance_id)


@bp.route(route="status/{id}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def http_status(req: func.HttpRequest, client) -> func.HttpResponse:
    status = await client.get_status(req.route_params["id"])
    if not status:
        return func.HttpResponse(json.dumps({"error": "not found"}), status_code=404, mimetype="application/json")
    return func.HttpResponse(json.dumps(status.to_json(), default=str), mimetype="application/json")


@bp.route(route="client/{op}", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def http_client_op(req: func.HttpRequest, client) -> func.HttpResponse:
    """Drive the SDK client from inside the host: {"op": ..., args}."""
    op = req.route_params["op"]
    args = req.get_json() if req.get_body() else {}
    result = None
    if op == "raise":
        await client.raise_event(args["id"], args["event"], args.get("data"))
    elif op == "terminate":
        await client.terminate(args["id"], args.get("reason", "by test"))
    elif op == "suspend":
        await client.suspend(args["id"], "by test")
    elif op == "resume":
        await client.resume(args["id"], "by test")
    elif op == "list":
        statuses = [df.OrchestrationRuntimeStatus(s) for s in args.get("runtimeStatus", [])] or None
        items = await client.get_status_by(runtime_status=statuses, instance_id_prefix=args.get("prefix"))
        result = sorted(s.instance_id for s in items)
    elif op == "all":
        result = sorted(s.instance_id for s in await client.get_status_all())
    elif op == "purge":
        result = (await client.purge_instance_history(args["id"])).instances_deleted
    elif op == "payload":
        result = client.create_http_management_payload(args["id"])
    return func.HttpResponse(json.dumps({"ok": True, "result": result}), mimetype="application/json")


@bp.route(route="hello", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def hello(req: func.HttpRequest) -> func.HttpResponse:
    logging.info("hello from the app")
    return func.HttpResponse(f"hello {req.params.get('name', 'world')}")


@bp.route(route="maintenance", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def maintenance(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("admin only")


@bp.route(route="boom", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("boom")


# ---------------------------------------------------------------- activities
@bp.activity_trigger(input_name="payload")
def step(payload: dict) -> dict:
    _journal(f"step {payload['instance']} {payload['n']}")
    delay = float(payload.get("sleep", 0))
    if delay:
        time.sleep(delay)
    return {"n": payload["n"], "double": payload["n"] * 2}


_occupying = {"now": 0, "most": 0}
_occupying_lock = threading.Lock()


@bp.activity_trigger(input_name="seconds")
def occupy(seconds: float) -> int:
    """Holds its activity slot for `seconds`; returns the most activities seen running at once so far."""
    with _occupying_lock:
        _occupying["now"] += 1
        _occupying["most"] = max(_occupying["most"], _occupying["now"])
    time.sleep(float(seconds))
    with _occupying_lock:
        _occupying["now"] -= 1
        return _occupying["most"]


@bp.activity_trigger(input_name="name")
def say_hello(name: str) -> str:
    return f"Hello {name}!"


@bp.activity_trigger(input_name="payload")
def flaky(payload: dict) -> str:
    """Fails until it has been called `failures` times for this key (counted in a file)."""
    counter = Path(payload["counter"])
    calls = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(calls))
    if calls <= payload["failures"]:
        raise ValueError(f"flaky failure {calls}")
    return f"ok after {calls}"


@bp.activity_trigger(input_name="payload")
def fail_always(payload) -> str:
    raise ValueError("this activity always fails")


@bp.activity_trigger(input_name="instance_id")
@bp.durable_client_input(client_name="client")
async def own_status(instance_id: str, client: df.DurableOrchestrationClient) -> str:
    """An async activity with a durable client binding (the deployer's lock activity does this)."""
    status = await client.get_status(instance_id)
    return status.runtime_status.value


# ---------------------------------------------------------------- orchestrators
@bp.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext):
    data = context.get_input() or {}
    count = data.get("steps", 3)
    results = []
    for n in range(count):
        context.set_custom_status({"step": n})
        r = yield context.call_activity("step", {"instance": context.instance_id, "n": n,
                                                 "sleep": data.get("sleep", 0)})
        results.append(r["double"])
    context.set_custom_status({"step": "done"})
    return results


@bp.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    names = context.get_input()
    tasks = [context.call_activity("say_hello", n) for n in names]
    results = yield context.task_all(tasks)
    first = yield context.task_any([context.call_activity("say_hello", "a"), context.call_activity("say_hello", "b")])
    return {"all": results, "any": first.result}


@bp.orchestration_trigger(context_name="context")
def fan_out_occupy(context: df.DurableOrchestrationContext):
    count, seconds = context.get_input()
    results = yield context.task_all([context.call_activity("occupy", seconds) for _ in range(count)])
    return {"done": len(results), "most_at_once": max(results)}


@bp.orchestration_trigger(context_name="context")
def timer_orch(context: df.DurableOrchestrationContext):
    seconds = context.get_input()
    start = context.current_utc_datetime
    yield context.create_timer(start + timedelta(seconds=seconds))
    return {"start": start.isoformat(), "end": context.current_utc_datetime.isoformat()}


@bp.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext):
    timeout = (context.get_input() or {}).get("timeout", 3600)
    deadline = context.current_utc_datetime + timedelta(seconds=timeout)
    event = context.wait_for_external_event("Approval")
    timer = context.create_timer(deadline)
    context.set_custom_status("waiting")
    winner = yield context.task_any([event, timer])
    if winner == event:
        timer.cancel()
        return {"approved": event.result}
    return {"timedOut": True}


@bp.orchestration_trigger(context_name="context")
def wait_two_events(context: df.DurableOrchestrationContext):
    a = yield context.wait_for_external_event("A")
    b = yield context.wait_for_external_event("B")
    return [a, b]


@bp.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext):
    data = context.get_input()
    opts = df.RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=data["attempts"])
    try:
        result = yield context.call_activity_with_retry("flaky", opts, data)
        return {"result": result}
    except Exception as exc:  # noqa: BLE001
        return {"error": str(exc)}


@bp.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    n = context.get_input()
    children = [context.call_sub_orchestrator("chain", {"steps": 2}, f"{context.instance_id}-child-{i}")
                for i in range(n)]
    results = yield context.task_all(children)
    opts = df.RetryOptions(first_retry_interval_in_milliseconds=1000, max_number_of_attempts=2)
    try:
        yield context.call_sub_orchestrator_with_retry("failing_child", opts, None)
    except Exception as exc:  # noqa: BLE001
        return {"children": results, "childError": str(exc)}
    return {"children": results}


@bp.orchestration_trigger(context_name="context")
def parent_of_waiter(context: df.DurableOrchestrationContext):
    try:
        yield context.call_sub_orchestrator("wait_two_events", None, f"{context.instance_id}-waiter")
    except Exception as exc:  # noqa: BLE001
        return {"childError": str(exc)}
    return "child completed"


@bp.orchestration_trigger(context_name="context")
def failing_child(context: df.DurableOrchestrationContext):
    yield context.call_activity("fail_always", None)
    return "unreachable"


@bp.orchestration_trigger(context_name="context")
def counter(context: df.DurableOrchestrationContext):
    value = context.get_input() or 0
    if value < 3:
        yield context.create_timer(context.current_utc_datetime + timedelta(seconds=1))
        context.continue_as_new(value + 1)
        return None
    return {"final": value}


@bp.orchestration_trigger(context_name="context")
def failing(context: df.DurableOrchestrationContext):
    yield context.call_activity("say_hello", "x")
    raise ValueError("orchestrator exploded")


@bp.orchestration_trigger(context_name="context")
def changes(context: df.DurableOrchestrationContext):
    """Schedules a different activity on replay when the marker file exists (a code change)."""
    first = "say_hello" if not os.path.exists(os.environ.get("NONDET_MARKER", "/nonexistent")) else "step"
    yield context.call_activity(first, "one")
    yield context.wait_for_external_event("Go")
    return "done"


@bp.orchestration_trigger(context_name="context")
def retry_fan_out(context: df.DurableOrchestrationContext):
    """Several retried activities in flight at once, failing at the same time, plus plain ones."""
    data = context.get_input()
    opts = df.RetryOptions(first_retry_interval_in_milliseconds=2000, max_number_of_attempts=3)
    tasks = []
    for i in range(data["n"]):
        tasks.append(context.call_activity_with_retry(
            "flaky", opts, {"counter": f"{data['dir']}/c{i}", "failures": data["failures"]}))
        tasks.append(context.call_activity("say_hello", str(i)))
    results = yield context.task_all(tasks)
    after = yield context.call_activity("say_hello", "after")
    return {"results": results, "after": after}


@bp.orchestration_trigger(context_name="context")
def client_in_activity(context: df.DurableOrchestrationContext):
    return (yield context.call_activity("own_status", context.instance_id))


@bp.orchestration_trigger(context_name="context")
def poll_loop(context: df.DurableOrchestrationContext):
    """The deployer's pattern: poll with durable timers, interruptible by an external event."""
    polls = 0
    while polls < 10:
        r = yield context.call_activity("say_hello", f"poll{polls}")
        polls += 1
        context.set_custom_status({"polls": polls, "last": r})
        stop = context.wait_for_external_event("Stop")
        timer = context.create_timer(context.current_utc_datetime + timedelta(seconds=15))
        winner = yield context.task_any([stop, timer])
        if winner == stop:
            timer.cancel()
            return {"stoppedAfter": polls, "by": stop.result}
    return {"polls": polls}


@bp.orchestration_trigger(context_name="context")
def changes_kind(context: df.DurableOrchestrationContext):
    """First a durable timer; after the 'code change' an activity at the same position."""
    if not os.path.exists(os.environ.get("NONDET_MARKER", "/nonexistent")):
        yield context.create_timer(context.current_utc_datetime + timedelta(seconds=1))
    else:
        yield context.call_activity("say_hello", "instead of the timer")
    yield context.wait_for_external_event("Go")
    return "done"


# ---------------------------------------------------------------- Event Grid
@bp.event_grid_trigger(arg_name="event")
def on_event(event: func.EventGridEvent) -> None:
    data = event.get_json()
    logging.info("event %s %s %s", event.id, event.event_type, event.subject)
    if isinstance(data, dict) and data.get("fail"):
        raise RuntimeError("event handler failure")
    _journal(f"event {event.id} {event.event_type} {event.subject}")


app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(bp)
