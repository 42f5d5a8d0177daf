"""The durable orchestration engine: a local Durable Task backend driving the SDK's own replay.

Work flows through two persisted queues (see store.py):

* messages: events for an orchestration instance (ExecutionStarted, TaskCompleted, TimerFired with
  a visibility time, EventRaised, sub-orchestration results) and control messages (terminate,
  suspend, resume).  An instance with visible messages is replayed: history + the new events go
  to the orchestrator function, the actions it returns are compared with the history
  (determinism) and the new ones are scheduled, all in one SQLite transaction.
* activities: activity work items; run in a bounded thread pool, their result becomes a message.

A host killed at any point restarts from what was committed: unprocessed messages are replayed,
activity work items still in the table run again (at-least-once, as on Azure).
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .clock import VirtualClock, iso_event, iso_status, parse_iso
from .functions import FunctionInfo, FunctionRegistry, Invoker, log_executed, log_executing
from .store import TERMINAL, Store
from .versioning import VERSION_MISMATCH_MESSAGE, Versioning

log = logging.getLogger("devhost.engine")

# History event types (DurableTask.Core EventType)
EXECUTION_STARTED = 0
EXECUTION_COMPLETED = 1
EXECUTION_TERMINATED = 2
TASK_SCHEDULED = 4
TASK_COMPLETED = 5
TASK_FAILED = 6
SUB_CREATED = 7
SUB_COMPLETED = 8
SUB_FAILED = 9
TIMER_CREATED = 10
TIMER_FIRED = 11
ORCHESTRATOR_STARTED = 12
ORCHESTRATOR_COMPLETED = 13
EVENT_RAISED = 15
CONTINUE_AS_NEW = 16
EXECUTION_SUSPENDED = 19
EXECUTION_RESUMED = 20

EVENT_NAMES = {
    0: "ExecutionStarted", 1: "ExecutionCompleted", 2: "ExecutionTerminated", 3: "TaskScheduled",
    4: "TaskScheduled", 5: "TaskCompleted", 6: "TaskFailed", 7: "SubOrchestrationInstanceCreated",
    8: "SubOrchestrationInstanceCompleted", 9: "SubOrchestrationInstanceFailed", 10: "TimerCreated",
    11: "TimerFired", 12: "OrchestratorStarted", 13: "OrchestratorCompleted", 14: "EventSent",
    15: "EventRaised", 16: "ContinueAsNew", 17: "GenericEvent", 18: "HistoryState",
    19: "ExecutionSuspended", 20: "ExecutionResumed",
}

# Action types (SDK ActionType)
A_CALL_ACTIVITY, A_CALL_ACTIVITY_RETRY, A_CALL_SUB, A_CALL_SUB_RETRY = 0, 1, 2, 3
A_CONTINUE_AS_NEW, A_CREATE_TIMER, A_WAIT_EVENT = 4, 5, 6
A_CALL_ENTITY, A_CALL_HTTP, A_SIGNAL_ENTITY, A_WHEN_ANY, A_WHEN_ALL = 7, 8, 9, 11, 12

SCHEDULING = (TASK_SCHEDULED, SUB_CREATED, TIMER_CREATED)
KIND_BY_ACTION = {A_CALL_ACTIVITY: TASK_SCHEDULED, A_CALL_ACTIVITY_RETRY: TASK_SCHEDULED,
                  A_CALL_SUB: SUB_CREATED, A_CALL_SUB_RETRY: SUB_CREATED, A_CREATE_TIMER: TIMER_CREATED}
KIND_TEXT = {TASK_SCHEDULED: "an activity task", SUB_CREATED: "a sub-orchestration", TIMER_CREATED: "a durable timer"}

RUNNING_STATES = ("Pending", "Running", "Suspended", "ContinuedAsNew")


class NonDeterministicOrchestrationException(Exception):
    pass


def input_for_context(value: Any) -> str | None:
    """The serialized input the SDK reads (df_loads) from a JSON value received over HTTP.

    The SDK's client double-encodes (it posts json=df_dumps(x)), so a JSON string whose content is
    itself JSON is taken as the serialized value; any other value is serialized here.
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            json.loads(value)
            return value
        except ValueError:
            return json.dumps(value)
    return json.dumps(value)


def user_traceback(exc: BaseException) -> str:
    """The exception's traceback without devhost's and the event loop's own frames."""
    te = traceback.TracebackException.from_exception(exc)
    te.stack = traceback.StackSummary.from_list(
        [f for f in te.stack if "/devhost/" not in f.filename and "/concurrent/" not in f.filename
         and "/asyncio/" not in f.filename])
    return "".join(te.format()).strip()


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def flatten_actions(actions: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(item: Any) -> None:
        if isinstance(item, list):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            if item.get("actionType") in (A_WHEN_ANY, A_WHEN_ALL):
                walk(item.get("compoundActions") or [])
            else:
                out.append(item)

    walk(actions or [])
    return out


@dataclass
class Stats:
    orchestrator_executions: int = 0
    activity_executions: int = 0


class Engine:
    def __init__(self, store: Store, clock: VirtualClock, registry: FunctionRegistry, invoker: Invoker,
                 hub_name: str, max_activities: int = 10, max_orchestrators: int = 10,
                 versioning: Versioning | None = None):
        self.store = store
        self.versioning = versioning or Versioning()
        self._rejected_logged: set[str] = set()
        self.clock = clock
        self.registry = registry
        self.invoker = invoker
        self.hub_name = hub_name
        self.max_orchestrators = max(1, max_orchestrators)
        self.activity_sem = asyncio.Semaphore(max(1, max_activities))
        self.activity_pool = ThreadPoolExecutor(max(1, max_activities), thread_name_prefix="activity")
        self.orch_pool = ThreadPoolExecutor(self.max_orchestrators, thread_name_prefix="orchestrator")
        self.running: set[str] = set()
        self.inflight_activities: set[int] = set()
        self.stalled: dict[str, float] = {}
        self.wake = asyncio.Event()
        self.stats = Stats()
        self._tasks: set[asyncio.Task] = set()
        self._stopping = False
        self._dispatcher: asyncio.Task | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        for row in self.store.all_activities():
            self._submit_activity(row)
        resumed = self.store.running_instance_ids()
        if resumed:
            log.info("resuming %d orchestration instance(s) from %s", len(resumed), self.store.path)
        self._dispatcher = asyncio.create_task(self._dispatch_loop())

    async def stop(self) -> None:
        self._stopping = True
        self.wake.set()
        if self._dispatcher:
            self._dispatcher.cancel()
        for t in list(self._tasks):
            t.cancel()
        self.activity_pool.shutdown(wait=False, cancel_futures=True)
        self.orch_pool.shutdown(wait=False, cancel_futures=True)

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def notify(self) -> None:
        self.wake.set()

    async def _dispatch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        last_clock_save = 0.0
        while not self._stopping:
            self.wake.clear()
            now = self.clock.now()
            try:
                free = self.max_orchestrators - len(self.running)
                if free > 0:
                    t = loop.time()
                    for iid, until in list(self.stalled.items()):
                        if until <= t:
                            del self.stalled[iid]
                    for iid in self.store.ready_instances(now, free, self.running | set(self.stalled)):
                        self.running.add(iid)
                        self._spawn(self._run_instance(iid))
                nxt = self.store.next_visible_after(now)
                if loop.time() - last_clock_save > 1.0:
                    self.store.set_meta("virtual_now", repr(now))
                    last_clock_save = loop.time()
            except Exception:  # noqa: BLE001 - the dispatcher must survive anything
                log.exception("dispatcher error")
                nxt = None
            timeout = 0.5 if nxt is None else min(0.5, self.clock.real_delay(nxt) + 0.0005)
            try:
                await asyncio.wait_for(self.wake.wait(), timeout)
            except TimeoutError:
                pass

    async def _run_instance(self, iid: str) -> None:
        progressed = False
        try:
            progressed = await self._process(iid)
        except Exception:  # noqa: BLE001
            log.exception("error processing orchestration instance %s", iid)
            self.store.rollback()
        finally:
            if not progressed:
                # visible messages it could not use (or an error): back off instead of spinning on it
                self.stalled[iid] = asyncio.get_running_loop().time() + 1.0
            self.running.discard(iid)
            self.wake.set()

    # ------------------------------------------------------------------ orchestrations
    async def _process(self, iid: str) -> bool:
        """Process an instance's visible messages; False when nothing could be consumed."""
        store = self.store
        now = self.clock.now()
        inst = store.get_instance(iid)
        msgs = store.visible_messages(iid, now)
        if not msgs:
            return True
        if inst is None or inst["status"] in TERMINAL:
            store.begin()
            store.delete_messages([m["id"] for m in msgs])
            store.commit()
            return True
        if (refusal := self.versioning.mismatch(inst.get("version"))) is not None:
            return self._refuse_version(inst, refusal)
        eid = inst["execution_id"]
        consumed: list[int] = []
        control_events: list[dict[str, Any]] = []
        data_msgs: list[dict[str, Any]] = []
        status = inst["status"]
        for m in msgs:
            if m["control"]:
                consumed.append(m["id"])
                if m["kind"] == "terminate":
                    self._terminate_now(inst, (m["event"] or {}).get("reason"), consumed)
                    return True
                if m["kind"] == "suspend" and status in ("Running", "Pending"):
                    status = "Suspended"
                    control_events.append(self._event(EXECUTION_SUSPENDED, now, Reason=(m["event"] or {}).get("reason")))
                elif m["kind"] == "resume" and status == "Suspended":
                    status = "Running" if inst["status"] != "Pending" else "Pending"
                    control_events.append(self._event(EXECUTION_RESUMED, now, Reason=(m["event"] or {}).get("reason")))
            elif m["execution_id"] is not None and m["execution_id"] != eid:
                consumed.append(m["id"])  # stale: belongs to a previous execution
            else:
                data_msgs.append(m)

        history = store.get_history(iid)
        if status == "Suspended":
            data_msgs = []
        started = any(e["EventType"] == EXECUTION_STARTED for e in history)
        sched = {e["EventId"]: e for e in history if e["EventType"] in SCHEDULING}

        def retry_related(ev: dict[str, Any]) -> bool:
            t = ev["EventType"]
            if t in (TASK_FAILED, SUB_FAILED):
                return bool((sched.get(ev.get("TaskScheduledId")) or {}).get("_meta", {}).get("retry"))
            if t == TIMER_FIRED:
                return bool((sched.get(ev.get("TimerId")) or {}).get("_meta", {}).get("retryTimer"))
            return False

        first: list[dict[str, Any]] = []
        retry_first: list[dict[str, Any]] = []
        rest: list[dict[str, Any]] = []
        for m in data_msgs:
            ev = m["event"]
            if ev["EventType"] == EXECUTION_STARTED:
                if started or first:
                    consumed.append(m["id"])
                    continue
                first.append(ev)
                consumed.append(m["id"])
            elif not started and not first:
                continue  # wait for ExecutionStarted
            elif retry_related(ev):
                if not retry_first:
                    retry_first.append(ev)
                    consumed.append(m["id"])
            else:
                rest.append(ev)
                consumed.append(m["id"])
        batch = first + retry_first + rest

        if not batch:
            store.begin()
            if control_events:
                store.append_history(iid, len(history), control_events)
            store.delete_messages(consumed)
            store.update_instance(iid, status=status, updated=now)
            store.commit()
            return bool(consumed or control_events)

        fired = [parse_iso(e["FireAt"]) for e in batch if e["EventType"] == TIMER_FIRED and e.get("FireAt")]
        ts = max(fired) if fired else now
        new_events = control_events + [self._event(ORCHESTRATOR_STARTED, ts)] + batch
        info = self.registry.orchestrators.get(inst["name"])
        next_seq = max([e["EventId"] for e in history if e["EventType"] in SCHEDULING] + [-1]) + 1

        # The retry sequence is the host's job: TaskFailed -> retry timer -> reschedule.
        retry_events: list[dict[str, Any]] = []
        retry_work: list[tuple[str, Any]] = []
        if retry_first:
            ev = retry_first[0]
            if ev["EventType"] in (TASK_FAILED, SUB_FAILED):
                orig = sched[ev["TaskScheduledId"]]
                meta = orig["_meta"]
                opts = meta["retry"]
                delay = float(opts.get("firstRetryIntervalInMilliseconds") or 0) / 1000.0
                fire_at = ts + delay
                timer = self._event(TIMER_CREATED, ts, EventId=next_seq, FireAt=iso_event(fire_at),
                                    _meta={**meta, "retryTimer": True, "rescheduled": False,
                                           "origType": orig["EventType"]})
                next_seq += 1
                retry_events.append(timer)
                retry_work.append(("timer", (timer["EventId"], fire_at)))
            else:  # retry timer fired
                timer = sched[ev["TimerId"]]
                meta = timer["_meta"]
                root = meta["root"]
                attempts = sum(1 for e in history if e["EventType"] in (TASK_SCHEDULED, SUB_CREATED)
                               and e.get("_meta", {}).get("root") == root)
                if attempts < int(meta["retry"].get("maxNumberOfAttempts") or 1):
                    orig = sched[root]
                    new_meta = {**orig["_meta"], "rescheduled": True}
                    if orig["EventType"] == TASK_SCHEDULED:
                        resched = self._event(TASK_SCHEDULED, ts, EventId=next_seq, Name=orig["Name"], Version="",
                                              Input=orig.get("Input"), _meta=new_meta)
                        retry_work.append(("activity", resched))
                    else:
                        resched = self._event(SUB_CREATED, ts, EventId=next_seq, Name=orig["Name"],
                                              Version=orig.get("Version"),
                                              InstanceId=meta.get("childId") or f"{iid}:{next_seq:04d}",
                                              Input=orig.get("Input"), _meta=new_meta)
                        retry_work.append(("sub", resched))
                    next_seq += 1
                    retry_events.append(resched)

        # Run the orchestrator through the SDK's replay.
        context = {
            "history": [self._wire(e, True) for e in history] + [self._wire(e, False) for e in new_events],
            "instanceId": iid,
            "isReplaying": bool(history),
            "parentInstanceId": inst["parent_instance_id"],
            "input": inst["context_input"],
            "upperSchemaVersion": 2,
            "upperSchemaVersionNew": 3,
        }
        state, error = await self._execute(info, inst, context)
        now = self.clock.now()

        # The world may have changed while the orchestrator ran (purge, restart with the same id).
        cur = store.get_instance(iid)
        if cur is None or cur["execution_id"] != eid:
            return True

        actions = flatten_actions(state.get("actions"))
        scheduled = [a for a in actions if a.get("actionType") != A_WAIT_EVENT
                     and a.get("actionType") != A_CONTINUE_AS_NEW]
        recorded = [e for e in history if e["EventType"] in SCHEDULING
                    and not e.get("_meta", {}).get("rescheduled") and not e.get("_meta", {}).get("retryTimer")]
        if error is None:
            error = self._check_determinism(recorded, scheduled, state)
        for a in scheduled:
            if a.get("actionType") not in KIND_BY_ACTION and error is None:
                error = (f"devhost does not support action type {a.get('actionType')} "
                         "(durable entities and durable HTTP calls are not implemented)")

        out_events: list[dict[str, Any]] = list(retry_events)
        work: list[tuple[str, Any]] = list(retry_work)
        canceled_timers: list[int] = []
        if error is None:
            for i, a in enumerate(scheduled[:len(recorded)]):
                if a.get("actionType") == A_CREATE_TIMER and a.get("isCanceled"):
                    canceled_timers.append(recorded[i]["EventId"])
            for a in scheduled[len(recorded):]:
                ev, item = self._schedule_action(iid, a, next_seq, ts)
                next_seq += 1
                out_events.append(ev)
                if item:
                    work.append(item)

        custom_status = state.get("customStatus")
        can = next((a for a in actions if a.get("actionType") == A_CONTINUE_AS_NEW), None)
        new_activities: list[dict[str, Any]] = []

        store.begin()
        try:
            seq = len(history)
            all_events = new_events + out_events + [self._event(ORCHESTRATOR_COMPLETED, now)]
            if error is not None:
                output = f"Orchestrator function '{inst['name']}' failed: {error}"
                all_events.append(self._event(EXECUTION_COMPLETED, now, OrchestrationStatus="Failed",
                                              Result=output, FailureDetails={"ErrorMessage": str(error)}))
                store.append_history(iid, seq, all_events)
                store.delete_messages(consumed)
                self._finish(inst, "Failed", output, custom_status, now, failure=str(error))
            elif state.get("isDone") and can is not None:
                all_events.append(self._event(CONTINUE_AS_NEW, now, Result=can.get("input")))
                store.append_history(iid, seq, all_events)
                store.delete_messages(consumed)
                self._continue_as_new(inst, can.get("input"), custom_status, now)
            elif state.get("isDone"):
                output = state.get("output")
                all_events.append(self._event(EXECUTION_COMPLETED, now, OrchestrationStatus="Completed",
                                              Result=_dumps(output)))
                store.append_history(iid, seq, all_events)
                store.delete_messages(consumed)
                self._finish(inst, "Completed", output, custom_status, now)
            else:
                store.append_history(iid, seq, all_events)
                store.delete_messages(consumed)
                for timer_id in canceled_timers:
                    store.delete_timer_message(iid, eid, timer_id)
                for kind, item in work:
                    if kind == "timer":
                        timer_id, fire_at = item
                        store.add_message(iid, eid, "timer", fire_at,
                                          self._event(TIMER_FIRED, fire_at, TimerId=timer_id, FireAt=iso_event(fire_at)))
                    elif kind == "activity":
                        act_id = store.add_activity(iid, eid, item["EventId"], item["Name"], item.get("Input"))
                        new_activities.append(store.get_activity(act_id))
                    elif kind == "sub":
                        self._create_sub(inst, item, now)
                store.update_instance(iid, status=status if status != "Pending" else "Running",
                                      custom_status=_dumps(custom_status), updated=now)
            store.commit()
        except Exception:
            store.rollback()
            raise
        for row in new_activities:
            self._submit_activity(row)
        return True

    def _refuse_version(self, inst: dict[str, Any], refusal: str) -> bool:
        """versionFailureStrategy: Reject leaves the instance and its messages as they are (a host whose
        version matches will run them; False makes the dispatcher back off), Fail ends it Failed."""
        iid = inst["instance_id"]
        if self.versioning.failure_strategy == "Reject":
            if iid not in self._rejected_logged:
                self._rejected_logged.add(iid)
                log.warning("orchestration %s (%s) not processed: %s; it waits for a host that matches",
                            inst["name"], iid, refusal)
            return False
        now = self.clock.now()
        log.error("orchestration %s (%s) failed: %s", inst["name"], iid, refusal)
        history = self.store.get_history(iid)
        # an instance failed before its first run records its start too, as DTFx commits the new events
        started = [] if any(e["EventType"] == EXECUTION_STARTED for e in history) else [
            m["event"] for m in self.store.visible_messages(iid, now)
            if m["event"] and m["event"].get("EventType") == EXECUTION_STARTED][:1]
        self.store.begin()
        try:
            self.store.append_history(iid, len(history), [
                self._event(ORCHESTRATOR_STARTED, now), *started,
                self._event(EXECUTION_COMPLETED, now, OrchestrationStatus="Failed", Result=VERSION_MISMATCH_MESSAGE,
                            FailureDetails={"ErrorType": "VersionMismatch", "ErrorMessage": VERSION_MISMATCH_MESSAGE,
                                            "IsNonRetriable": True}),
                self._event(ORCHESTRATOR_COMPLETED, now)])
            self._finish(inst, "Failed", VERSION_MISMATCH_MESSAGE, _loads(inst["custom_status"]), now,
                         failure=VERSION_MISMATCH_MESSAGE)
            self.store.commit()
        except Exception:
            self.store.rollback()
            raise
        return True

    def _check_determinism(self, recorded: list[dict[str, Any]], scheduled: list[dict[str, Any]],
                           state: dict[str, Any]) -> str | None:
        for i, rec in enumerate(recorded):
            if i >= len(scheduled):
                if state.get("isDone"):
                    return None
                return (f"NonDeterministicOrchestrationException: Non-Deterministic workflow detected: a previous "
                        f"execution of this orchestration scheduled {self._describe(rec)} with sequence ID "
                        f"{rec['EventId']}, but the current replay execution hasn't scheduled it. Was a change made "
                        "to the orchestrator code after this instance had already started running?")
            a = scheduled[i]
            kind = KIND_BY_ACTION.get(a.get("actionType"))
            name = a.get("functionName")
            if kind != rec["EventType"] or (kind != TIMER_CREATED and name != rec.get("Name")):
                now_desc = (f"{KIND_TEXT.get(kind, 'an unsupported action')}"
                            + (f" named '{name}'" if kind != TIMER_CREATED and name else ""))
                return (f"NonDeterministicOrchestrationException: Non-Deterministic workflow detected: a previous "
                        f"execution of this orchestration scheduled {self._describe(rec)} with sequence ID "
                        f"{rec['EventId']}, but the current replay execution scheduled {now_desc} instead. Was a "
                        "change made to the orchestrator code after this instance had already started running?")
        return None

    @staticmethod
    def _describe(ev: dict[str, Any]) -> str:
        text = KIND_TEXT.get(ev["EventType"], "a task")
        if ev["EventType"] != TIMER_CREATED:
            text += f" named '{ev.get('Name')}'"
        return text

    def _schedule_action(self, iid: str, a: dict[str, Any], task_id: int, ts: float):
        t = a["actionType"]
        if t in (A_CALL_ACTIVITY, A_CALL_ACTIVITY_RETRY):
            meta: dict[str, Any] = {"root": task_id}
            if t == A_CALL_ACTIVITY_RETRY:
                meta["retry"] = a.get("retryOptions") or {}
            ev = self._event(TASK_SCHEDULED, ts, EventId=task_id, Name=a.get("functionName"), Version="", Input=a.get("input"),
                             _meta=meta)
            return ev, ("activity", ev)
        if t in (A_CALL_SUB, A_CALL_SUB_RETRY):
            child = a.get("instanceId") or f"{iid}:{task_id:04d}"
            meta = {"root": task_id, "childId": a.get("instanceId")}
            if t == A_CALL_SUB_RETRY:
                meta["retry"] = a.get("retryOptions") or {}
            ev = self._event(SUB_CREATED, ts, EventId=task_id, Name=a.get("functionName"),
                             Version=self.versioning.version_for_new(a.get("version")),
                             InstanceId=child,
                             Input=a.get("input"), _meta=meta)
            return ev, ("sub", ev)
        # durable timer
        fire_at = parse_iso(a["fireAt"])
        ev = self._event(TIMER_CREATED, ts, EventId=task_id, FireAt=iso_event(fire_at))
        if a.get("isCanceled"):
            return ev, None
        return ev, ("timer", (task_id, fire_at))

    def _create_sub(self, parent: dict[str, Any], ev: dict[str, Any], now: float) -> None:
        child_id = ev["InstanceId"]
        name = ev["Name"]
        if name not in self.registry.orchestrators:
            self.store.add_message(parent["instance_id"], parent["execution_id"], "event", now, self._event(
                SUB_FAILED, now, TaskScheduledId=ev["EventId"],
                Reason=f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function.",
                Details=None))
            return
        self._new_instance(child_id, name, ev.get("Input"), ev.get("Input"), now,
                           parent=(parent["instance_id"], parent["execution_id"], ev["EventId"]),
                           version=ev.get("Version"))

    def _new_instance(self, iid: str, name: str, status_input: Any, context_input: str | None, now: float,
                      parent: tuple[str, str, int] | None = None, version: str | None = None) -> str:
        eid = uuid.uuid4().hex
        self.store.clear_execution(iid)
        self.store.put_instance({
            "instance_id": iid, "name": name, "execution_id": eid, "status": "Pending",
            "input": _dumps(status_input), "context_input": context_input, "output": None, "custom_status": None,
            "created": now, "updated": now, "parent_instance_id": parent[0] if parent else None,
            "parent_execution_id": parent[1] if parent else None, "parent_task_id": parent[2] if parent else None,
            "version": version,
        })
        self.store.add_message(iid, eid, "event", now, self._event(
            EXECUTION_STARTED, now, Name=name, Input=context_input, Version=version,
            OrchestrationInstance={"InstanceId": iid, "ExecutionId": eid},
            ParentInstance=({"InstanceId": parent[0], "ExecutionId": parent[1], "TaskScheduleId": parent[2]}
                            if parent else None)))
        return eid

    def _continue_as_new(self, inst: dict[str, Any], new_input: str | None, custom_status: Any, now: float) -> None:
        iid = inst["instance_id"]
        eid = uuid.uuid4().hex
        self.store.db.execute("DELETE FROM history WHERE instance_id=?", (iid,))
        self.store.db.execute("DELETE FROM activities WHERE instance_id=?", (iid,))
        self.store.db.execute("DELETE FROM messages WHERE instance_id=? AND execution_id IS NOT NULL", (iid,))
        self.store.update_instance(iid, execution_id=eid, status="Running", input=_dumps(new_input),
                                   context_input=new_input, output=None, custom_status=_dumps(custom_status),
                                   updated=now)
        self.store.add_message(iid, eid, "event", now, self._event(
            EXECUTION_STARTED, now, Name=inst["name"], Input=new_input, Version=inst.get("version"),
            OrchestrationInstance={"InstanceId": iid, "ExecutionId": eid}))

    def _finish(self, inst: dict[str, Any], status: str, output: Any, custom_status: Any, now: float,
                failure: str | None = None) -> None:
        iid = inst["instance_id"]
        self.store.db.execute("DELETE FROM messages WHERE instance_id=?", (iid,))
        self.store.db.execute("DELETE FROM activities WHERE instance_id=?", (iid,))
        self.store.update_instance(iid, status=status, output=_dumps(output), custom_status=_dumps(custom_status),
                                   updated=now)
        if inst.get("parent_instance_id") and status in ("Completed", "Failed", "Terminated"):
            pid, peid, ptask = inst["parent_instance_id"], inst["parent_execution_id"], inst["parent_task_id"]
            if status == "Completed":
                ev = self._event(SUB_COMPLETED, now, TaskScheduledId=ptask, Result=_dumps(output))
            elif status == "Terminated":  # DTFx reports any non-Completed end to the parent as a failure
                ev = self._event(SUB_FAILED, now, TaskScheduledId=ptask,
                                 Reason=f"Sub-orchestration '{inst['name']}' (instance {iid}) was terminated: "
                                        f"{output}", Details=None)
            else:
                ev = self._event(SUB_FAILED, now, TaskScheduledId=ptask,
                                 Reason=f"Sub-orchestration '{inst['name']}' (instance {iid}) failed: {failure}",
                                 Details=None)
            self.store.add_message(pid, peid, "event", now, ev)
        log.info("orchestration %s (%s) %s", inst["name"], iid, status)

    def _terminate_now(self, inst: dict[str, Any], reason: str | None, consumed: list[int]) -> None:
        now = self.clock.now()
        iid = inst["instance_id"]
        history = self.store.get_history(iid)
        self.store.begin()
        try:
            self.store.append_history(iid, len(history), [self._event(EXECUTION_TERMINATED, now, Input=reason)])
            self._finish(inst, "Terminated", reason, _loads(inst["custom_status"]), now)
            self.store.commit()
        except Exception:
            self.store.rollback()
            raise

    async def _execute(self, info: FunctionInfo | None, inst: dict[str, Any],
                       context: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        name = inst["name"]
        if info is None:
            return {}, (f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function.")
        payload = json.dumps(context)
        inv_id = str(uuid.uuid4())
        log_executing(info.name, "(null)", inv_id)
        loop = asyncio.get_running_loop()
        started = loop.time()
        ok = False
        try:
            result = await loop.run_in_executor(self.orch_pool, info.func, payload)
            ok = True
            return json.loads(result), None
        except Exception as exc:  # noqa: BLE001 - orchestrator failures are data
            text = str(exc)
            marker = "$OutOfProcData$:"
            if marker in text:
                head, _, tail = text.partition(marker)
                try:
                    state = json.loads(tail)
                except ValueError:
                    state = {}
                message = state.get("error") or head.strip()
                log.error("orchestrator %s (%s) raised: %s", name, inst["instance_id"], message)
                return state, message
            log.error("orchestrator %s (%s) crashed:\n%s", name, inst["instance_id"], traceback.format_exc())
            return {}, f"{type(exc).__name__}: {exc}"
        finally:
            self.stats.orchestrator_executions += 1
            log_executed(info.name, ok, inv_id, (loop.time() - started) * 1000)

    # ------------------------------------------------------------------ activities
    def _submit_activity(self, row: dict[str, Any] | None) -> None:
        if not row or row["id"] in self.inflight_activities:
            return
        self.inflight_activities.add(row["id"])
        self._spawn(self._run_activity(row))

    async def _run_activity(self, row: dict[str, Any]) -> None:
        from azure.functions import meta as fmeta
        from azure.functions.durable_functions import ActivityTriggerConverter

        try:
            async with self.activity_sem:
                info = self.registry.activities.get(row["name"])
                now_ev: dict[str, Any]
                if info is None:
                    now_ev = {"EventType": TASK_FAILED, "TaskScheduledId": row["task_id"],
                              "Reason": f"The function '{row['name']}' doesn't exist, is disabled, or is not an "
                                        "activity function.", "Details": None}
                else:
                    try:
                        value = ActivityTriggerConverter.decode(
                            fmeta.Datum(type="json", value=row["input"] if row["input"] is not None else "null"),
                            trigger_metadata=None)
                        result = await self.invoker.invoke(info, {info.trigger_param: value}, "(null)",
                                                           pool=self.activity_pool)
                        encoded = ActivityTriggerConverter.encode(result, expected_type=None).value
                        now_ev = {"EventType": TASK_COMPLETED, "TaskScheduledId": row["task_id"], "Result": encoded}
                    except Exception as exc:  # noqa: BLE001 - activity failures are data
                        log.error("activity %s failed: %s: %s", row["name"], type(exc).__name__, exc)
                        now_ev = {"EventType": TASK_FAILED, "TaskScheduledId": row["task_id"],
                                  "Reason": f"Activity function '{row['name']}' failed: {type(exc).__name__}: {exc}",
                                  "Details": user_traceback(exc)}
                    self.stats.activity_executions += 1
            now = self.clock.now()
            ev = self._event(now_ev.pop("EventType"), now, **now_ev)
            store = self.store
            if store.get_activity(row["id"]) is None:
                return  # instance terminated, purged or restarted meanwhile
            store.begin()
            try:
                store.delete_activity(row["id"])
                store.add_message(row["instance_id"], row["execution_id"], "event", now, ev)
                store.commit()
            except Exception:
                store.rollback()
                raise
            self.wake.set()
        finally:
            self.inflight_activities.discard(row["id"])

    # ------------------------------------------------------------------ events
    @staticmethod
    def _event(event_type: int, ts: float, **fields: Any) -> dict[str, Any]:
        ev = {"EventType": event_type, "EventId": -1, "IsPlayed": False, "Timestamp": iso_event(ts)}
        ev.update(fields)
        return ev

    @staticmethod
    def _wire(ev: dict[str, Any], played: bool) -> dict[str, Any]:
        out = {k: v for k, v in ev.items() if not k.startswith("_")}
        out["IsPlayed"] = played
        return out

    # ------------------------------------------------------------------ client operations
    def start_new(self, name: str, instance_id: str | None, body_value: Any, version: str | None = None) -> str:
        if name not in self.registry.orchestrators:
            raise KeyError(name)
        iid = instance_id or uuid.uuid4().hex
        now = self.clock.now()
        self.store.begin()
        try:
            self._new_instance(iid, name, body_value, input_for_context(body_value), now,
                               version=self.versioning.version_for_new(version))
            self.store.commit()
        except Exception:
            self.store.rollback()
            raise
        self.wake.set()
        return iid

    def status_payload(self, inst: dict[str, Any], show_input: bool = True, show_history: bool = False,
                       show_history_output: bool = False) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "name": inst["name"],
            "instanceId": inst["instance_id"],
            "runtimeStatus": inst["status"],
            "input": _loads(inst["input"]) if show_input else None,
            "customStatus": _loads(inst["custom_status"]),
            "output": _loads(inst["output"]),
            "createdTime": iso_status(inst["created"]),
            "lastUpdatedTime": iso_status(inst["updated"]),
        }
        if show_history:
            payload["historyEvents"] = self.history_payload(inst["instance_id"], show_history_output)
        return payload

    def history_payload(self, iid: str, show_output: bool) -> list[dict[str, Any]]:
        history = self.store.get_history(iid)
        scheduled = {e["EventId"]: e for e in history if e["EventType"] in SCHEDULING}
        out: list[dict[str, Any]] = []
        for e in history:
            t = e["EventType"]
            if t in (ORCHESTRATOR_STARTED, ORCHESTRATOR_COMPLETED, TASK_SCHEDULED, SUB_CREATED):
                continue
            item: dict[str, Any] = {"EventType": EVENT_NAMES.get(t, str(t)), "EventId": e.get("EventId", -1),
                                    "Timestamp": e["Timestamp"]}
            if t == EXECUTION_STARTED:
                item["FunctionName"] = e.get("Name")
                if show_output:
                    item["Input"] = e.get("Input")
            elif t in (TASK_COMPLETED, TASK_FAILED, SUB_COMPLETED, SUB_FAILED):
                src = scheduled.get(e.get("TaskScheduledId"), {})
                item["FunctionName"] = src.get("Name")
                item["ScheduledTime"] = src.get("Timestamp")
                if t in (TASK_FAILED, SUB_FAILED):
                    item["Reason"] = e.get("Reason")
                    item["Details"] = e.get("Details")
                elif show_output:
                    item["Result"] = _loads(e.get("Result")) if e.get("Result") else None
            elif t == TIMER_CREATED or t == TIMER_FIRED:
                item["FireAt"] = e.get("FireAt")
                if t == TIMER_FIRED:
                    item["TimerId"] = e.get("TimerId")
            elif t == EVENT_RAISED:
                item["Name"] = e.get("Name")
                if show_output:
                    item["Input"] = e.get("Input")
            elif t == EXECUTION_COMPLETED:
                item["OrchestrationStatus"] = e.get("OrchestrationStatus")
                if show_output:
                    result = e.get("Result")
                    try:
                        item["Result"] = json.loads(result) if isinstance(result, str) else result
                    except ValueError:
                        item["Result"] = result
            elif t in (EXECUTION_TERMINATED, EXECUTION_SUSPENDED, EXECUTION_RESUMED):
                item["Reason"] = e.get("Input") or e.get("Reason")
            out.append(item)
        return out

    def _refusal(self, iid: str) -> int | None:
        """Why a message cannot go to the instance (404 unknown, 410 ended), None when it can."""
        inst = self.store.get_instance(iid)
        if inst is None:
            return 404
        return 410 if inst["status"] in TERMINAL else None

    def raise_event(self, iid: str, name: str, body_value: Any) -> int:
        if (refused := self._refusal(iid)) is not None:
            return refused
        now = self.clock.now()
        self.store.begin()
        # As the extension does: the request body is parsed into a JSON value and that value is
        # serialized again into the EventRaised event.  The SDK's client double-encodes its payload
        # (json=json.dumps(data)), so an orchestrator receives what it raised as a JSON *string*
        # (azure-functions-durable-python#295); devhost keeps that quirk so apps behave as on Azure.
        self.store.add_message(iid, None, "event", now,
                               self._event(EVENT_RAISED, now, Name=name, Input=json.dumps(body_value)))
        self.store.commit()
        self.wake.set()
        return 202

    def control(self, iid: str, kind: str, reason: str | None) -> int:
        if (refused := self._refusal(iid)) is not None:
            return refused
        now = self.clock.now()
        self.store.begin()
        self.store.add_message(iid, None, kind, now, {"reason": reason}, control=True)
        self.store.commit()
        self.wake.set()
        return 202

    def purge(self, iid: str) -> tuple[int, dict[str, Any] | None]:
        inst = self.store.get_instance(iid)
        if inst is None:
            return 404, None
        if inst["status"] not in TERMINAL:
            return 400, {"Message": f"Instance '{iid}' is {inst['status']}: only completed, failed or terminated "
                                    "instances can be purged (terminate it first)."}
        self.store.begin()
        self.store.delete_instance(iid)
        self.store.commit()
        return 200, {"instancesDeleted": 1}

    def query(self, statuses: list[str] | None = None, created_from: float | None = None,
              created_to: float | None = None, prefix: str | None = None,
              after: tuple[float, str] | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Instances matching the filters, by creation time then id; `after` (created, id) starts past a row."""
        where: list[str] = []
        params: list[Any] = []
        if statuses:
            where.append(f"status IN ({','.join('?' for _ in statuses)})")
            params += statuses
        if created_from is not None:
            where.append("created >= ?")
            params.append(created_from)
        if created_to is not None:
            where.append("created <= ?")
            params.append(created_to)
        if prefix:
            where.append("substr(instance_id, 1, ?) = ?")
            params += [len(prefix), prefix]
        if after is not None:
            where.append("(created > ? OR (created = ? AND instance_id > ?))")
            params += [after[0], after[0], after[1]]
        return self.store.query_instances(" AND ".join(where), tuple(params), limit)

    def purge_by(self, statuses: list[str] | None, created_from: float, created_to: float | None) -> int:
        rows = [r for r in self.query(statuses, created_from, created_to) if r["status"] in TERMINAL]
        self.store.begin()
        for r in rows:
            self.store.delete_instance(r["instance_id"])
        self.store.commit()
        return len(rows)
