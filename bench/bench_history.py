"""Table 4 of issue 12: history of a long steady-state wait, and what replaying it costs.

Runs the real `steady_state_wait` orchestrator (orchestrators/steady_state_wait.py) through the
Durable SDK's own replay (`df.Orchestrator.create(...)`, the entry point the Functions host calls),
in this process, with a minimal history engine: each activity answers "not steady yet" and each
durable timer fires at its time, so simulated hours cost no real time. The wait polls every 15 s
until its deadline (1, 3 and 6 hours). Reported: generations (it continues as new every
POLLS_PER_GENERATION polls), events per generation (the largest history the host ever loads), and
the SDK's replay CPU, whose growth with the wait should be linear (bounded generations), not
quadratic (one ever-growing history).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
from rich.console import Console
from rich.table import Table

from bench.common import write_result
from domain.contracts import WaitInput
from domain.model import InstanceCounts
from domain.view import iso_instant
from orchestrators.steady_state_wait import POLLS_PER_GENERATION, wait_until_steady

POLL_SECONDS = 15
WAITS_HOURS = (1, 3, 6)
MAX_EVENTS = 200

EXECUTION_STARTED, EXECUTION_COMPLETED, TASK_SCHEDULED, TASK_COMPLETED = 0, 1, 4, 5
TIMER_CREATED, TIMER_FIRED, ORCHESTRATOR_STARTED, ORCHESTRATOR_COMPLETED = 10, 11, 12, 13
CALL_ACTIVITY, CALL_ACTIVITY_WITH_RETRY, CONTINUE_AS_NEW, CREATE_TIMER = 0, 1, 4, 5
# a wait for an external event (the operator's abort) is never answered here: nobody aborts

NOT_STEADY = InstanceCounts(total=2, provisioned=1, healthy=1, latest_model=2, health_reported=2).to_json()


def _orchestrator(context: df.DurableOrchestrationContext):
    result = yield from wait_until_steady(context)
    return result


HANDLE = df.Orchestrator.create(_orchestrator)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _event(kind: int, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"EventType": kind, "EventId": -1, "IsPlayed": False, "Timestamp": _iso(at), **fields}


def _flatten(actions: Any) -> list[dict]:
    """Schema 2 nests actions in lists and wraps a retried call in a compound (when-all) action."""
    if isinstance(actions, list):
        return [leaf for item in actions for leaf in _flatten(item)]
    if isinstance(actions, dict) and "compoundActions" in actions:
        return _flatten(actions["compoundActions"])
    return [actions] if isinstance(actions, dict) else []


def run_generation(payload: str, now: datetime) -> tuple[dict | None, str | None, datetime, int, int, float]:
    """One execution until it completes or continues as new: (output, next input, clock, events, replays, cpu)."""
    history = [_event(ORCHESTRATOR_STARTED, now), _event(EXECUTION_STARTED, now, Name="steady_state_wait", Version="",
                                                         Input=payload)]
    scheduled = 0  # event ids handed out: activities and timers (waits for external events take none)
    handled = 0  # actions of the replay's list already turned into history
    replays = 0
    cpu = 0.0
    while True:
        context = json.dumps({"history": history, "instanceId": "bench-wait", "isReplaying": scheduled > 0,
                              "parentInstanceId": None, "input": payload,
                              "upperSchemaVersion": 2, "upperSchemaVersionNew": 3})
        started = time.process_time()
        state = json.loads(HANDLE(context))
        cpu += time.process_time() - started
        replays += 1
        for event in history:
            event["IsPlayed"] = True
        actions = _flatten(state.get("actions"))
        pending = None
        for action in actions[handled:]:
            handled += 1
            kind = action["actionType"]
            if kind in (CALL_ACTIVITY, CALL_ACTIVITY_WITH_RETRY):
                history.append(_event(TASK_SCHEDULED, now, EventId=scheduled, Name=action["functionName"],
                                      Input=action.get("input")))
                pending = ("activity", scheduled)
                scheduled += 1
            elif kind == CREATE_TIMER:
                fire_at = datetime.strptime(action["fireAt"].replace("Z", "")[:26], "%Y-%m-%dT%H:%M:%S.%f")
                history.append(_event(TIMER_CREATED, now, EventId=scheduled, FireAt=_iso(fire_at)))
                pending = ("timer", scheduled, fire_at)
                scheduled += 1
            elif kind == CONTINUE_AS_NEW:
                history.append(_event(ORCHESTRATOR_COMPLETED, now))
                history.append(_event(EXECUTION_COMPLETED, now, OrchestrationStatus="ContinuedAsNew"))
                return None, json.dumps(action.get("input")) if not isinstance(action.get("input"), str) \
                    else action["input"], now, len(history), replays, cpu
        history.append(_event(ORCHESTRATOR_COMPLETED, now))
        if state.get("isDone"):
            history.append(_event(EXECUTION_COMPLETED, now, OrchestrationStatus="Completed"))
            return state.get("output"), None, now, len(history), replays, cpu
        if pending is None:
            raise RuntimeError(f"orchestrator neither done nor waiting: {state}")
        if pending[0] == "activity":
            history.append(_event(ORCHESTRATOR_STARTED, now))
            history.append(_event(TASK_COMPLETED, now, TaskScheduledId=pending[1], Result=json.dumps(NOT_STEADY)))
        else:
            now = pending[2]
            history.append(_event(ORCHESTRATOR_STARTED, now))
            history.append(_event(TIMER_FIRED, now, TimerId=pending[1], FireAt=_iso(now)))


def wait_for(hours: float) -> dict:
    start = datetime(2026, 11, 30, 0, 0, 0)
    request = WaitInput(deployment_id="bench", subscription_id="00000000-0000-0000-0000-000000000000",
                        resource_group="rg", name="vmss", target=2,
                        deadline=iso_instant((start + timedelta(hours=hours)).replace(tzinfo=UTC)),
                        poll_interval_seconds=POLL_SECONDS)
    payload: str | None = json.dumps(request.to_json())
    now = start
    generations, events, replays, cpu = 0, [], 0, 0.0
    output = None
    while payload is not None:
        output, payload, now, count, n, spent = run_generation(payload, now)
        generations += 1
        events.append(count)
        replays += n
        cpu += spent
    if output is None or output.get("steady") is not False or "Timed out" not in (output.get("reason") or ""):
        raise RuntimeError(f"the wait did not end at its deadline: {output}")
    return {"hours": hours, "polls": int(hours * 3600 / POLL_SECONDS) + 1, "generations": generations,
            "maxEventsPerGeneration": max(events), "meanEventsPerGeneration": sum(events) / len(events),
            "replays": replays, "replayCpuSeconds": cpu, "cpuPerHourSeconds": cpu / hours,
            "simulatedEnd": _iso(now)}


def run(waits: tuple[float, ...] = WAITS_HOURS) -> dict:
    rows = {str(h): wait_for(h) for h in waits}
    first, last = rows[str(waits[0])], rows[str(waits[-1])]
    return {"pollSeconds": POLL_SECONDS, "pollsPerGeneration": POLLS_PER_GENERATION, "waits": rows,
            "maxEventsGoal": MAX_EVENTS,
            # 1.0 = CPU exactly proportional to the wait; an unbounded history would give waits[-1]/waits[0]
            "cpuLinearity": (last["replayCpuSeconds"] / last["hours"]) / (first["replayCpuSeconds"] / first["hours"])}


def table(result: dict) -> Table:
    t = Table(title=f"4. History: steady_state_wait polling every {result['pollSeconds']} s (simulated), "
                    f"continue-as-new every {result['pollsPerGeneration']} polls; Durable SDK replay in-process")
    for col in ("wait", "polls", "generations", "max events / generation", "replays", "replay CPU s",
                "CPU per hour of wait"):
        t.add_column(col, justify="right")
    for r in result["waits"].values():
        t.add_row(f"{r['hours']:g} h", str(r["polls"]), str(r["generations"]), str(r["maxEventsPerGeneration"]),
                  f"{r['replays']:,}", f"{r['replayCpuSeconds']:.2f}", f"{r['cpuPerHourSeconds']:.3f} s")
    t.caption = (f"goal: no generation over {result['maxEventsGoal']} events; CPU per hour (longest) / CPU per hour "
                 f"(shortest) = {result['cpuLinearity']:.2f} (1.0 = linear in the wait)")
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, nargs="+", default=list(WAITS_HOURS))
    args = parser.parse_args(argv)
    result = run(tuple(args.hours))
    write_result("history", None, result)
    Console(width=140).print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
