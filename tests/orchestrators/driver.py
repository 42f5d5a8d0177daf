"""Drive the bluegreen orchestrator generator without a host: every task it yields is answered by a
scripted Azure (activity results, sub-orchestration results, timers, events), and a failure is thrown
into the generator as the Durable SDK does. Fast, deterministic tests of the orchestrator's decisions."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.durable_functions.models.Task import TaskState

from domain.contracts import FOLLOWS_OPERATIONS_KEY, DeploymentInput, Source, operation_marker
from orchestrators.bluegreen import BlueGreenDeployment
from orchestrators.versions import FLOWS

NEWEST_VERSION = list(FLOWS)[-1]  # what host.json stamps new instances with (tests/orchestrators/test_versions.py)

SUB = "8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b"
RG = "rg"
IMAGE = (f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/galleries/g/images/web/"
         "versions/{}")
POOL = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/{{}}"


def vmss_id(name: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}"


def summary(name: str, capacity: int, *, revision: int | None = None, created: str = "20261101T000000Z",
            image: str = "1.0.0", pools: tuple[str, ...] = ()) -> dict[str, Any]:
    tags = {"Created": created, "BG_VERSION": "BLUE"}
    if revision is not None:
        tags["HARNESS_REVISION"] = f"web__{revision}"
    return {"name": name, "id": vmss_id(name), "location": "westus", "tags": tags, "capacity": capacity,
            "provisioning_state": "Succeeded", "image_id": IMAGE.format(image), "pool_ids": [POOL.format(p) for p in pools]}


def autoscale_of(name: str, minimum: int = 1, maximum: int = 4, default: int = 2) -> dict[str, Any]:
    return {"name": f"{name}-autoscale", "id": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/microsoft.insights/"
            f"autoscalesettings/{name}-autoscale", "location": "westus", "target_resource_id": vmss_id(name),
            "enabled": True, "tags": {}, "notifications": [],
            "profiles": [{"name": "Profile1", "rules": [], "capacity": {"minimum": str(minimum),
                                                                         "maximum": str(maximum),
                                                                         "default": str(default)}}]}


def spec(**overrides: Any) -> dict[str, Any]:
    return {"subscriptionId": SUB, "resourceGroup": RG, "name": "web", "baseVmss": "base",
            "image": IMAGE.format("1.1.0"), "loadBalancer": "lb", "prodBackendPool": "prod",
            "stageBackendPool": "stage", "instances": {"mode": "fixed", "min": 1, "max": 4, "desired": 2},
            **overrides}


@dataclass
class Task:
    kind: str  # activity | sub | timer | event | any
    name: str
    payload: Any = None
    result: Any = None
    cancelled: bool = False
    version: str | None = None  # a sub-orchestration's explicit version
    scheduled_at: datetime | None = None  # a sub-orchestration's start, on the orchestration clock
    state: TaskState = TaskState.RUNNING
    _is_scheduled: bool = True

    def cancel(self) -> None:
        self.cancelled = True

    def resolve(self, value: Any) -> Task:
        self.result, self.state = value, TaskState.SUCCEEDED
        return self


class FakeContext:
    instance_id = "dep-1"

    def __init__(self, payload: dict[str, Any], version: str | None = None) -> None:
        self._payload = payload
        self.version = version  # the orchestration version the instance started as (context.version)
        self.current_utc_datetime = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
        self.custom_status: Any = None
        self.continued_with: Any = None
        self.uuids_drawn = 0

    def new_uuid(self) -> str:
        self.uuids_drawn += 1
        return f"token-{self.uuids_drawn}"

    def get_input(self) -> dict[str, Any]:
        return self._payload

    def set_custom_status(self, status: Any) -> None:
        self.custom_status = copy.deepcopy(status)

    def call_activity_with_retry(self, name: str, _retry: Any, payload: Any) -> Task:
        return Task("activity", name, payload)

    def call_activity(self, name: str, payload: Any) -> Task:
        return Task("activity", name, payload)

    def call_sub_orchestrator(self, name: str, payload: Any, instance_id: str | None = None,
                              version: str | None = None) -> Task:
        return Task("sub", name, payload, version=version, scheduled_at=self.current_utc_datetime)

    def create_timer(self, at: datetime) -> Task:
        return Task("timer", "timer", at)

    def wait_for_external_event(self, name: str) -> Task:
        return Task("event", name)

    def task_any(self, tasks: list[Task]) -> Task:
        return Task("any", "any", tasks)

    def continue_as_new(self, payload: Any) -> None:
        self.continued_with = payload


Responder = Callable[[Task], Any]


def steady(total: int) -> dict[str, Any]:
    counts = {"total": total, "provisioned": total, "healthy": total, "failed": 0, "latest_model": total}
    return {"steady": True, "counts": counts, "reason": None}


@dataclass
class Azure:
    """Scripted answers, by activity name; a callable gets the payload, an Exception is raised."""

    old: dict[str, Any] | None = field(default_factory=lambda: summary("web__1", 2, revision=1, pools=("prod",)))
    autoscale: dict[str, Any] | None = None  # the active scale set's autoscale setting (AutoscaleSnapshot JSON)
    answers: dict[str, Any] = field(default_factory=dict)
    events: dict[str, Any] = field(default_factory=dict)  # external event name -> data (else timers win)
    calls: list[Task] = field(default_factory=list)

    def default(self, task: Task) -> Any:
        payload = task.payload or {}
        name = task.name
        if name == "acquire_target_lock":
            return {"acquired": True, "holder": None}
        if name == "validate_target":
            target = {"prod_pool_id": POOL.format("prod"), "stage_pool_id": POOL.format("stage"),
                      "base": summary("base", 0),
                      "image": {"id": IMAGE.format("1.1.0"), "name": "1.1.0", "provisioning_state": "Succeeded",
                                "replication_state": "Completed"}}
            if payload.get("read_lineage"):  # version 4: the lineage comes with the validation, as the activity does
                target["lineage"] = self.answer(Task("activity", "inspect_lineage", payload))
            return target
        if name == "inspect_lineage":
            members = [self.old] if self.old else []
            return {"members": members, "active": self.old["name"] if self.old else None,
                    "active_autoscale": self.autoscale,
                    "names": [m["name"] for m in members] + ["base"]}
        if name == "resize_scale_set":
            return {**summary(payload["name"], payload["capacity"]), "previous_capacity": payload["capacity"]}
        if name == "create_scale_set":
            return summary(payload["name"], 0)
        if name == "steady_state_wait":
            return steady(payload["target"])
        return None

    def __call__(self, task: Task) -> Any:
        self.calls.append(task)
        if task.kind == "timer":
            return None
        if task.kind == "any":
            # An event that was raised wins; else the work raced (an activity, a wait), else the timer.
            for candidate in task.payload:
                if candidate.state is not TaskState.RUNNING:
                    return candidate
            for candidate in task.payload:
                if candidate.kind == "event" and candidate.name in self.events:
                    return candidate.resolve(self.events[candidate.name])
            work = next((c for c in task.payload if c.kind not in ("event", "timer")), None)
            if work is not None:
                return work.resolve(self(work))
            return next(c for c in task.payload if c.kind == "timer").resolve(None)
        return self.answer(task)

    def answer(self, task: Task) -> Any:
        if task.name not in self.answers:
            return self.default(task)
        answer = self.answers[task.name]
        if isinstance(answer, Exception):
            raise answer
        if getattr(answer, "takes_task", False):  # e.g. a sub-orchestration run on the clock it started at
            return answer(task)
        return answer(task.payload) if callable(answer) else answer

    def activities(self, name: str | None = None) -> list[Task]:
        return [t for t in self.calls if t.kind in ("activity", "sub") and (name is None or t.name == name)]


def run(azure: Callable[[Task], Any], *, source: str = "http", version: str | None = NEWEST_VERSION,
        **spec_overrides: Any) -> tuple[dict[str, Any], FakeContext]:
    """Run a whole deployment of orchestration `version` against `azure`; returns its outcome and the
    context (custom status)."""
    payload = DeploymentInput("dep-1", spec(**spec_overrides), "key", Source(kind=source).to_json()).to_json()
    context = FakeContext(payload, version)
    return drive(BlueGreenDeployment(context).run(), context, azure), context


def drive(flow: Any, context: FakeContext, azure: Callable[[Task], Any]) -> Any:
    """Answer every task `flow` yields until it returns: a timer moves the clock to when it fires, any
    other task takes a second; a failure is thrown into the generator as the SDK does."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            task = flow.throw(error) if error is not None else flow.send(value)
        except StopIteration as stop:
            return stop.value
        error, value = None, None
        context.current_utc_datetime += timedelta(seconds=1)
        if task.kind == "timer":
            context.current_utc_datetime = max(context.current_utc_datetime, task.payload)
        try:
            value = azure(task)
        except Exception as exc:  # noqa: BLE001  (thrown into the orchestrator as the SDK does)
            error = exc
        if isinstance(value, Task) and value.kind == "timer":  # a race the timer won
            context.current_utc_datetime = max(context.current_utc_datetime, value.payload)


class Operations:
    """Azure's long-running operations as version 4 follows them: `started(...)` answers a write with a
    pending-operation marker (when its caller asked for one: FOLLOWS_OPERATIONS_KEY); the
    `follow_operation` sub-orchestrations run (the real code, on the clock they started at) with
    `read_operation` answered from a script of statuses per operation URL (default: in progress once,
    then done)."""

    def __init__(self, script: dict[str, list[dict[str, Any]]] | None = None,
                 retry_after: float | None = 30.0) -> None:
        self.script = script or {}
        self.retry_after = retry_after
        self.started_urls: list[str] = []
        self.reads: list[dict[str, Any]] = []
        self.follows: list[dict[str, Any]] = []
        self.read_answer: Callable[[dict[str, Any]], Any] = self.read

    def started(self, payload: dict[str, Any], what: str, **answer: Any) -> dict[str, Any]:
        url = f"https://arm.local/operations/{len(self.started_urls) + 1}"
        self.started_urls.append(url)
        return operation_marker(url, self.retry_after, what, **answer)

    def read(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.reads.append(payload)
        script = self.script.setdefault(payload["url"], [{"status": "InProgress", "retryAfterSeconds": 10},
                                                         {"status": "Succeeded"}])
        return script.pop(0) if len(script) > 1 else script[0]

    def follow(self, task: Task) -> Any:
        from orchestrators.operation_follow import follow_until_ended

        self.follows.append(task.payload)
        payload = task.payload
        context = FakeContext(payload)
        context.current_utc_datetime = task.scheduled_at or context.current_utc_datetime
        while True:
            result = drive(follow_until_ended(context), context, self.child)
            if context.continued_with is None:
                return result
            payload, context.continued_with = context.continued_with, None
            context._payload = payload  # noqa: SLF001 - a new generation reads its new input

    follow.takes_task = True  # type: ignore[attr-defined]

    def child(self, task: Task) -> Any:
        if task.kind == "timer":
            return None
        assert task.name == "read_operation", task
        return self.read_answer(task.payload)

    def install(self, azure: Azure, *activities: str) -> Azure:
        """`activities` start an operation (their scripted answer is the marker's result); follows run."""
        for name in activities:
            previous = azure.answers.get(name)

            def answer(payload: dict[str, Any], name: str = name, previous: Any = previous) -> Any:
                result = previous(payload) if callable(previous) else (
                    previous if previous is not None else azure.default(Task("activity", name, payload)))
                if payload.get(FOLLOWS_OPERATIONS_KEY):
                    return self.started(payload, f"the {name} of [{payload.get('name')}]", result=result)
                return result

            azure.answers[name] = answer
        azure.answers["follow_operation"] = self.follow
        return azure
