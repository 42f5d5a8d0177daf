"""The blue/green deployment as a short list of named steps.

The orchestrator only decides: every Azure read or write is an activity, every wait is a durable
timer, and everything it decides (revision, names, capacity) comes from recorded activity results
or the orchestration clock, so replay reaches the same decisions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df
from azure.durable_functions.models.Task import TaskBase, TaskState

from domain import steps as S
from domain.capacity import Capacity, retarget_autoscale
from domain.contracts import (
    BUSY_OK_KEY,
    FOLLOWS_OPERATIONS_KEY,
    OPERATION_FAILED,
    OPERATION_SUCCEEDED,
    OPERATION_TIMED_OUT,
    STEP_KEY,
    AcquireLockInput,
    AutoscaleInput,
    ClearAutoscaleInput,
    CreateScaleSetInput,
    DeploymentInput,
    FollowInput,
    ImageRef,
    LineageInput,
    LogInput,
    ReleaseLockInput,
    ReleaseOrphansInput,
    ResizeInput,
    RetentionInput,
    RetireScaleSetInput,
    RouteInput,
    Source,
    ValidateTargetInput,
    WaitInput,
    busy_answer,
    pending_operation,
)
from domain.model import AutoscaleSnapshot, ImageVersionSummary, InstanceCounts, ScaleSetSummary
from domain.naming import autoscale_name
from domain.plan import plan_setup
from domain.resource_ids import scale_set_id
from domain.rollout import (
    ABORTED_BY_OPERATOR,
    AutoscaleAttach,
    ClearOldAutoscale,
    Done,
    Pause,
    RestoreOldAutoscale,
    RestoreOldToProd,
    RetireNew,
    RollbackAction,
    TagOldBlue,
    accepted_approval,
    autoscale_attach_point,
    downsize_warning,
    paused_within,
    rollback_plan,
)
from domain.spec import DeploymentSpec, parse_spec
from domain.steps import DeploymentStatus, StepStatus
from domain.tags import BLUE, GREEN, new_scale_set_tags
from domain.view import (
    ApprovalView,
    CapacityView,
    DeploymentView,
    iso_instant,
    parse_instant,
    planned_view,
    replaced_scale_set,
    utc,
)
from orchestrators.notifications import notifying
from orchestrators.steady_state_wait import RETRY
from orchestrators.versions import flow_version

bp = df.Blueprint()

BUSY_RETRY_SECONDS = 60
BUSY_MAX_WAIT = timedelta(hours=6)
IMAGE_POLL_SECONDS = 30
# Azure busy (429 throttling, 409 operation in progress) without a usable Retry-After: wait this long.
AZURE_BUSY_DEFAULT_WAIT_SECONDS = 30
IMAGE_READY_TIMEOUT = timedelta(hours=2)
VERDICTS = {"approve": "approved", "reject": "rejected"}
# Operator signals, raised by the API (triggers/deployments.py) as external events.
ABORT_EVENT = "abort"
RESUMED_EVENT = "resumed"
APPROVAL_EVENT = "approval"
LEGACY_ROLLBACK_EVENT = "rollback"  # versions 1 and 2: ends the scale-down delay with a rollback
# In the custom status: whether this instance listens for the operator signals above (orchestration
# version 3 on); the API raises the events of versions 1 and 2 to an instance without it.
OPERATOR_ACTIONS_KEY = "operatorActions"

Step = Callable[[], Generator[Any, Any, None]]


def _event_data(value: Any) -> Any:
    """External event data as sent. The SDK's client.raise_event double-encodes its payload, so on Azure
    the orchestrator receives the JSON text (azure-functions-durable-python#295); decode it."""
    while isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            break
    return value


class StepFailed(Exception):
    """A step could not complete; carries the step name like Argo Rollouts' errors do."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.reason = message


class DeploymentSkipped(Exception):
    """Nothing to do (an event for a version older than the one running)."""


class TargetBusy(Exception):
    def __init__(self, holder: str | None) -> None:
        super().__init__(f"Another deployment [{holder}] is running for this target")
        self.holder = holder


class AbortedWhileQueued(TargetBusy):
    """Aborted before it ever held the target: it ends like a deployment that never got the lock."""

    def __init__(self) -> None:
        Exception.__init__(self, ABORTED_BY_OPERATOR)
        self.holder = None


class Aborted(Exception):
    """An operator aborted the deployment: it rolls back like a failure."""

    def __init__(self) -> None:
        super().__init__(ABORTED_BY_OPERATOR)


def _clean(exc: BaseException) -> str:
    """Activity failures arrive as 'Reason \\n Details'; keep the reason, without the traceback."""
    if isinstance(exc, StepFailed):
        return str(exc)
    text = str(exc).strip()
    first = text.split("\n", 1)[0].strip()
    return first or exc.__class__.__name__


class BlueGreenDeployment:
    """State of one deployment run; each step is a generator the orchestrator delegates to."""

    def __init__(self, context: df.DurableOrchestrationContext) -> None:
        self.ctx = context
        self.input = self.read_input(context)
        self.spec: DeploymentSpec = parse_spec(self.input.spec)
        self.source = Source.from_json(self.input.source)
        self.id = self.input.deployment_id
        self.sub = self.spec.subscription_id
        self.rg = self.spec.resource_group
        self.flow = flow_version(context.version)  # an instance runs the steps of the version it started as
        self.plan = self.flow.plan(self.spec)
        self.view: DeploymentView = planned_view(
            self.plan, subscription_id=self.sub, resource_group=self.rg,
            infrastructure_id=self.spec.infrastructure_id, source=self.source.to_json())
        self.prod_pool_id = ""
        self.stage_pool_id = ""
        self.new_name: str | None = None
        self.old: ScaleSetSummary | None = None
        self.old_autoscale: AutoscaleSnapshot | None = None
        self.done: frozenset[Done] = frozenset()
        self.old_at_zero = False  # the old scale set's resize to 0 was accepted (Done.OLD_DOWNSIZED: attempted)
        self.capacity: Capacity | None = None
        self.target = 0
        self.waits = 0
        self.created: dict[str, Any] | None = None  # the new scale set as its create answered (version 4)
        self.follows = 0  # operations followed: each in a sub-orchestration of its own (see `follow`)
        self.health_monitored: bool | None = None
        self.signals_armed_at: datetime | None = None
        # Operator signals, armed at the first guarded wait (see `guarded`).
        self.abort_signal: TaskBase | None = None
        self.resume_signal: TaskBase | None = None
        self.pauses: tuple[Pause, ...] = ()
        self.azure_calls: dict[int, TaskBase] = {}  # by id(): tasks are not hashable
        # Each activity task's (activity, payload, retry), to schedule it again after Azure was busy.
        self.requests: dict[int, tuple[str, dict[str, Any], bool]] = {}
        self.body_running = False  # a step's body is scheduling (see `guarded_body`): it may ride busy Azure out
        self.attach_at = autoscale_attach_point(
            approval_required=self.approval_required, downsize_old_first=self.spec.resize_strategy == "downsizeOldFirst",
            downsize_old_vmss=self.spec.downsize_old_vmss, once_serving_prod=self.flow.autoscale_once_serving_prod)

    def read_input(self, context: df.DurableOrchestrationContext) -> DeploymentInput:
        return DeploymentInput.from_json(context.get_input())

    def step_table(self) -> dict[str, Step]:
        """Each step any version plans (orchestrators/versions.py) and the method that runs it."""
        return {S.SETUP: self.setup, S.UPGRADE: self.upgrade, S.APPROVAL: self.approval, S.RESCALE: self.rescale,
                S.SWAP: self.swap, S.SCALE_DOWN_DELAY: self.scale_down_delay, S.DOWNSIZE: self.downsize}

    # -- plumbing ---------------------------------------------------------------------------

    def now(self) -> datetime:
        return utc(self.ctx.current_utc_datetime)

    def publish(self, **changes: Any) -> None:
        if changes:
            self.view = self.view.model_copy(update=changes)
        self.ctx.set_custom_status({**self.view.to_status(), OPERATOR_ACTIONS_KEY: self.flow.operator_actions})

    def call(self, request: Any, retry: bool = True):
        """Call the activity `request` is the input of."""
        payload = {**request.to_json(), STEP_KEY: self.view.phase}
        if self.body_running and self.flow.rides_out_busy_azure:
            payload[BUSY_OK_KEY] = True  # the answer reaches `guarded`, which waits a busy marker out
            if self.flow.follows_operations:
                payload[FOLLOWS_OPERATIONS_KEY] = True  # and follows the operation the activity starts
        return self.schedule(request.activity, payload, retry)

    def schedule(self, activity: str, payload: dict[str, Any], retry: bool) -> TaskBase:
        if retry:
            task = self.ctx.call_activity_with_retry(activity, RETRY, payload)
        else:
            task = self.ctx.call_activity(activity, payload)
        self.azure_calls[id(task)] = task
        self.requests[id(task)] = (activity, payload, retry)
        return task

    def log(self, *lines: str):
        return self.call(LogInput(deployment_id=self.id, lines=list(lines)))

    def did(self, what: Done) -> None:
        self.done = self.done | {what}

    def mark(self, name: str, status: StepStatus) -> None:
        if status == StepStatus.RUNNING:
            self.view = self.view.step_started(name, self.now())
        else:
            self.view = self.view.step_ended(name, status, self.now())

    def step(self, name: str, body: Step):
        self.mark(name, StepStatus.RUNNING)
        self.publish(phase=name)
        try:
            if self.flow.operator_actions:
                yield from self.guarded_body(body)
            else:  # versions 1 and 2 wait for each task alone: their histories have no races
                yield from body()
        except Aborted:
            self.mark(name, StepStatus.FAILED)
            self.publish()
            raise
        except DeploymentSkipped:
            self.mark(name, StepStatus.SUCCEEDED)  # it decided there is nothing to deploy: not a failure
            self.publish()
            raise
        except Exception as exc:
            self.mark(name, StepStatus.FAILED)
            self.publish()
            if isinstance(exc, StepFailed):
                raise
            raise StepFailed(name, _clean(exc)) from exc
        self.mark(name, StepStatus.SUCCEEDED)
        self.publish()

    # -- operator signals: abort, and the pauses that move deadlines ------------------------

    def guarded_body(self, body: Step):
        """Run a step's body, racing every task it waits for with the operator's signals."""
        return self.driving(body(), self.guarded)

    def driving(self, body: Generator[Any, Any, Any], wait: Callable[[TaskBase], Generator[Any, Any, Any]]):
        """Run `body`, handing each task it yields to `wait`, which returns the task's result (or raises
        its failure into the body). While the body runs its activity inputs may ask for busy markers."""
        value: Any = None
        error: BaseException | None = None
        while True:
            self.body_running = True
            try:
                task = body.throw(error) if error is not None else body.send(value)
            except StopIteration as stop:
                return stop.value
            finally:
                self.body_running = False
            value, error = None, None
            try:
                value = yield from wait(task)
            except Aborted:
                body.close()
                raise
            except Exception as exc:  # the body's own failure: it handles it or fails its step
                error = exc

    def guarded(self, task: TaskBase):
        """Wait for `task` unless an operator aborts first. An abort does not interrupt an Azure call
        in flight (its outcome must be known to roll back): the call finishes, then the abort wins; so does
        an operation it started and the orchestration follows (version 4, see `follow`). Nothing is started
        once the abort is known. A resume signal records the pause and the wait goes on."""
        if self.abort_signal is None:
            self.abort_signal = self.ctx.wait_for_external_event(ABORT_EVENT)
            self.resume_signal = self.ctx.wait_for_external_event(RESUMED_EVENT)
            self.signals_armed_at = self.now()
        value = yield from self.racing(task)
        return (yield from self.settled(task, value, raced=True))

    def racing(self, task: TaskBase):
        """`task`'s result (or its failure raised), unless the abort comes first (see `guarded`)."""
        while True:
            yield from self.note_resume()
            if self.abort_signal.state is not TaskState.RUNNING:
                if id(task) in self.azure_calls and task._is_scheduled and task.state is TaskState.RUNNING:  # noqa: SLF001
                    try:
                        value = yield task
                        yield from self.outlast(task, value)
                    except Exception:  # noqa: BLE001 - the rollback reads the state the call left
                        pass
                raise Aborted()
            winner = yield self.ctx.task_any([task, self.abort_signal, self.resume_signal])
            if winner is task:
                if task.state is TaskState.FAILED:
                    raise task.result
                return task.result

    def plainly(self, task: TaskBase):
        value = yield task
        return value

    def settled(self, task: TaskBase, value: Any, raced: bool):
        """The answer of activity `task` once Azure's "busy" was waited out (`wait_out_busy`) and the
        operation it started followed to its end (`follow`, version 4). `raced`: the waits race the
        operator's signals (a step's body), or not (the rollback)."""
        wait = self.racing if raced else self.plainly
        busy_since: datetime | None = None
        followed_since: datetime | None = None
        failures = 0
        while task is not None and id(task) in self.requests:
            busy = busy_answer(value)
            if busy is not None:
                busy_since = busy_since or self.now()
                task = yield from self.wait_out_busy(task, busy, busy_since, wait)
                value = yield from wait(task)
                continue
            operation = pending_operation(value) if self.flow.follows_operations else None
            if operation is None:
                break
            followed_since = followed_since or self.now()
            activity, payload, retry = self.requests.pop(id(task))
            status = yield from self.follow(operation, followed_since, raced)
            if status.get("status") == OPERATION_FAILED:
                failures += 1
                reason = f"({status.get('code')}) {status.get('message')}"
                if failures >= RETRY.max_number_of_attempts:
                    raise StepFailed(self.view.phase, reason)
                yield self.log(f"Azure reports that {operation.get('what')} failed: {reason}; calling {activity} "
                               f"again ({failures} of {RETRY.max_number_of_attempts - 1} retries)")
            if raced and self.abort_signal is not None and self.abort_signal.state is not TaskState.RUNNING:
                raise Aborted()  # the operation has ended: the abort wins, nothing new is started
            if status.get("status") == OPERATION_SUCCEEDED:
                if "result" in operation:
                    return operation["result"]
                payload = {**payload, **(operation.get("callAgainWith") or {})}
            task = self.schedule(activity, payload, retry)
            value = yield from wait(task)
        return value

    def follow(self, operation: dict[str, Any], since: datetime, raced: bool):
        """Follow an operation an activity started (version 4) until it ends, in a `follow_operation`
        sub-orchestration (orchestrators/operation_follow.py: durable timers, Azure's Retry-After never
        sooner than the spec's poll interval, `read_operation` reading its status once per call). Returns
        the final status: Succeeded, Failed with Azure's error, or Unknown (no status URL, or its record is
        gone: its activity is called again to read where things stand). An abort does not interrupt it (see
        `outlasting`). Bounded like a busy streak: `steady_state_timeout_minutes` from the first marker."""
        wait = self.outlasting if raced else self.plainly
        give_up = since + timedelta(minutes=self.spec.steady_state_timeout_minutes)
        what = str(operation.get("what") or "an operation")
        self.follows += 1
        request = FollowInput(deployment_id=self.id, subscription_id=self.sub, url=operation.get("url") or None,
                              what=what, retry_after_seconds=operation.get("retryAfterSeconds"),
                              poll_interval_seconds=self.spec.poll_interval_seconds, deadline=iso_instant(give_up),
                              step=self.view.phase)
        status = yield from wait(self.ctx.call_sub_orchestrator(
            request.orchestration, request.to_json(), f"{self.ctx.instance_id}-operation-{self.follows}"))
        if status.get("status") == OPERATION_TIMED_OUT:
            raise StepFailed(self.view.phase, f"Azure did not finish {what} within "
                                              f"{self.spec.steady_state_timeout_minutes} minute(s)")
        return status

    def outlasting(self, task: TaskBase):
        """Wait for `task` (a step of an operation followed) whatever the operator signals: an abort is
        noted (it wins once the operation has ended, see `settled`), a resume recorded."""
        while self.abort_signal is not None and self.abort_signal.state is TaskState.RUNNING:
            yield from self.note_resume()
            winner = yield self.ctx.task_any([task, self.abort_signal, self.resume_signal])
            if winner is task:
                if task.state is TaskState.FAILED:
                    raise task.result
                return task.result
        value = yield task
        return value

    def outlast(self, task: TaskBase, value: Any):
        """After an abort, an operation that `task`'s answer says it started is followed to its end (the
        rollback must know the state it left); nothing new is started."""
        operation = pending_operation(value) if self.flow.follows_operations and id(task) in self.requests else None
        if operation is not None:
            self.requests.pop(id(task), None)
            yield from self.follow(operation, self.now(), raced=False)

    def wait_out_busy(self, task: TaskBase, busy: dict[str, Any], since: datetime,
                      wait: Callable[[TaskBase], Generator[Any, Any, Any]]):
        """Azure answered `task` "busy" (throttled, or another operation in progress: CONTRACT §4): wait
        its Retry-After with a durable timer (`wait`: raced with an abort in a step), then schedule the same
        activity again. The streak may last as long as a step's steady-state wait
        (`steady_state_timeout_minutes`, counted from its first busy answer); after that the step fails,
        naming the throttling. Returns the new task."""
        activity, payload, retry = self.requests.pop(id(task))
        try:
            seconds = max(1.0, float(busy.get("retryAfterSeconds", AZURE_BUSY_DEFAULT_WAIT_SECONDS)))
        except (TypeError, ValueError):
            seconds = float(AZURE_BUSY_DEFAULT_WAIT_SECONDS)
        give_up = since + timedelta(minutes=self.spec.steady_state_timeout_minutes)
        if self.now() >= give_up:
            raise StepFailed(self.view.phase, f"Azure stayed busy for {self.spec.steady_state_timeout_minutes} "
                                              f"minute(s) while calling {activity}: {busy.get('reason')}")
        if self.now() == since:  # the first busy answer of this call: say so once
            yield self.log(f"Azure is throttling or busy: waiting {seconds:g} s before retrying {activity} "
                           f"({busy.get('reason')})")
        timer = self.ctx.create_timer(min(self.now() + timedelta(seconds=seconds), give_up))
        yield from wait(timer)
        return self.schedule(activity, payload, retry)

    def riding_out_busy(self, body: Generator[Any, Any, Any]):
        """The rollback rides busy Azure out as a step does (it matters most there: prod is being
        restored), and follows the operations its activities start (version 4), but races nothing: an abort
        is refused once the rollback runs, and the abort that started it has already been received."""
        return self.driving(body, self.waiting_out_busy)

    def waiting_out_busy(self, task: TaskBase):
        value = yield task
        return (yield from self.settled(task, value, raced=False))

    def note_resume(self):
        """A resume signal carries when the pause began (the API reads it from the suspended instance).
        It ends when this orchestration next runs; the episode that delivered the signal may be dated
        by a timer that fell due while paused (devhost dates timer episodes so), so the completion of
        a log call dates the end instead: a little late, never early."""
        assert self.resume_signal is not None
        if self.resume_signal.state is TaskState.RUNNING:
            return
        data = _event_data(self.resume_signal.result)
        self.resume_signal = self.ctx.wait_for_external_event(RESUMED_EVENT)
        try:
            paused_at = parse_instant(data["pausedAt"])
        except (KeyError, TypeError, ValueError):
            return
        yield self.log(f"Deployment resumed after a pause that began at {iso_instant(paused_at)}")
        # A pause cannot start before the deployment nor before the previous pause ended.
        floor = self.pauses[-1].resumed_at if self.pauses else self.signals_armed_at
        assert floor is not None
        paused_at, resumed_at = max(paused_at, floor), self.now()
        if paused_at < resumed_at:
            self.pauses = (*self.pauses, Pause(paused_at, resumed_at))

    def settle_signals(self):
        """Let signals that arrived with the task just completed be seen before a deadline is judged:
        the resume signal is raised after the timer that fired while the deployment was paused.
        Versions 1 and 2 have no signals (and no such timer in their histories)."""
        if self.flow.operator_actions:
            yield self.ctx.create_timer(self.now())

    def held_since(self, start: datetime) -> timedelta:
        return paused_within(self.pauses, start, self.now())

    # -- the flow ---------------------------------------------------------------------------

    def run(self):
        self.publish()
        try:
            yield from self.acquire_lock()
        except TargetBusy as busy:
            self.view = self.finish(DeploymentStatus.FAILED, str(busy))
            self.publish()
            return self.view.to_status()
        table = self.step_table()
        try:
            for name in self.plan:
                if name == S.DOWNSIZE and self.flow.downsize_failure_warns:
                    yield from self.downsize_or_warn(table[name])
                else:
                    yield from self.step(name, table[name])
            outcome = self.finish(DeploymentStatus.SUCCEEDED, None)
            yield self.log(f"Deployment succeeded: [{self.new_name}] serves prod backend pool:"
                           f"[{self.spec.prod_backend_pool}]")
        except DeploymentSkipped as skipped:
            outcome = self.finish(DeploymentStatus.SUCCEEDED, None, phase="Skipped")
            yield self.log(f"Deployment skipped: {skipped}")
        except Exception as exc:
            outcome = yield from self.fail(_clean(exc))
        try:
            yield self.call(ReleaseLockInput(key=self.input.lock_key, owner=self.id))
        except Exception as exc:  # the outcome stands: a lock whose holder has ended is taken over
            yield self.log(f"Could not release the target lock ({_clean(exc)}); the next deployment takes it over")
        self.view = outcome
        self.publish()
        return outcome.to_status()

    def finish(self, status: DeploymentStatus, error: str | None, phase: str = "Completed") -> DeploymentView:
        """The final view: steps that never ran are Skipped. It is published only after the lock is
        released (see `run`): a client that sees a terminal status must be able to start the next
        deployment at once."""
        if status in (DeploymentStatus.FAILED, DeploymentStatus.ROLLED_BACK):
            phase = status.value
        return self.view.skip_pending().model_copy(
            update={"status": status, "phase": phase, "error": error, "wait_instance_id": None})

    def acquire_lock(self):
        give_up = self.now() + BUSY_MAX_WAIT
        while True:
            result = yield self.call(AcquireLockInput(key=self.input.lock_key, owner=self.id))
            if result["acquired"]:
                return
            if not self.input.queue_when_busy or self.now() >= give_up:
                raise TargetBusy(result.get("holder"))
            self.publish(phase="Queued", status=DeploymentStatus.PENDING)
            retry_at = self.ctx.create_timer(self.now() + timedelta(seconds=BUSY_RETRY_SECONDS))
            if not self.flow.operator_actions:
                yield retry_at
                continue
            try:
                yield from self.guarded(retry_at)
            except Aborted:
                raise AbortedWhileQueued() from None
            self.publish(status=DeploymentStatus.RUNNING)

    # -- Setup ------------------------------------------------------------------------------

    def setup(self):
        spec = self.spec
        validate = ValidateTargetInput(deployment_id=self.id, spec=spec.to_json(),
                                       read_lineage=self.flow.lineage_read_at_validation)
        target = yield self.call(validate, retry=False)
        self.prod_pool_id, self.stage_pool_id = target["prod_pool_id"], target["stage_pool_id"]
        base = ScaleSetSummary.from_json(target["base"])
        # Copies of the base monitor health as it does; None (older histories): judge from each poll.
        self.health_monitored = True if target.get("health_monitored") else None
        image = ImageVersionSummary.from_json(target["image"])
        waited = yield from self.wait_for_image(image, base.location)

        lineage = target.get("lineage") if self.flow.lineage_read_at_validation and not waited else None
        if lineage is None:  # versions 1 to 3; or the image wait took long enough for the lineage to change
            lineage = yield self.call(LineageInput(deployment_id=self.id, subscription_id=self.sub,
                                                   resource_group=self.rg, infrastructure_id=spec.infrastructure_id,
                                                   prod_pool_id=self.prod_pool_id))
        autoscale = AutoscaleSnapshot.from_json(lineage["active_autoscale"]) if lineage["active_autoscale"] else None
        plan = plan_setup(spec, [ScaleSetSummary.from_json(m) for m in lineage["members"]], autoscale,
                          lineage.get("names", []), self.source.kind, self.prod_pool_id, self.stage_pool_id)
        self.old, self.old_autoscale = plan.old, plan.autoscale
        if plan.skip is not None:
            raise DeploymentSkipped(plan.skip)
        if plan.refusal is not None:
            # Nothing has been written yet: stop here.
            raise StepFailed(S.SETUP, plan.refusal)
        revision = plan.revision
        self.new_name = plan.new_name
        self.capacity = plan.capacity
        self.target = plan.upgrade_target
        self.publish(revision=revision, new_vmss=self.new_name, old_vmss=self.old.name if self.old else None,
                     capacity=CapacityView(desired=self.target, current=0, healthy=0),
                     replaced=replaced_scale_set(self.old, self.old_autoscale))
        if plan.empties_prod is not None:
            raise StepFailed(S.SETUP, plan.empties_prod)

        if plan.orphans:
            yield self.call(ReleaseOrphansInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg,
                                                names=[m.name for m in plan.orphans], stage_pool_id=self.stage_pool_id))
        if plan.retention.scale_to_zero or plan.retention.delete:
            yield self.call(RetentionInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg,
                                           scale_to_zero=list(plan.retention.scale_to_zero),
                                           delete=list(plan.retention.delete)))

        tags = new_scale_set_tags(base.tags, spec.infrastructure_id, revision, self.new_name, self.now())
        # Any failure from here on leaves something to clean up: creation is idempotent and so is delete.
        self.did(Done.NEW_CREATED)
        created = yield self.call(CreateScaleSetInput(
            deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg, base_name=spec.base_vmss,
            name=self.new_name, image_id=spec.image, tags=tags, stage_pool_id=self.stage_pool_id,
            stage_pool_name=spec.stage_backend_pool, user_data=spec.user_data,
            admin_password_secret_id=spec.admin_password.key_vault_secret_id if spec.admin_password else None))
        if self.flow.follows_operations and isinstance(created, dict):
            self.created = created  # Upgrade's resize starts from it instead of reading the scale set again

    def wait_for_image(self, image: ImageVersionSummary, location: str):
        """A version still replicating to the scale set's region is waited for; a failed replication
        ends the deployment before anything is created. Returns whether it waited."""
        started = self.now()
        waited = False
        while True:
            deadline = started + IMAGE_READY_TIMEOUT + self.held_since(started)
            if image.failed_in(location):
                raise StepFailed(S.SETUP, f"Image version [{image.name}] failed to replicate "
                                          f"(provisioning {image.provisioning_state}, replication {image.replication_state})")
            if image.ready_in(location):
                return waited
            if self.now() >= deadline:
                yield from self.settle_signals()  # a pause may have moved the deadline
            if self.now() >= started + IMAGE_READY_TIMEOUT + self.held_since(started):
                raise StepFailed(S.SETUP, f"Image version [{image.name}] was not replicated within "
                                          f"{IMAGE_READY_TIMEOUT}")
            self.publish(phase="WaitingForImage")
            yield self.log(f"Waiting for image version [{image.name}] to replicate "
                           f"(provisioning {image.provisioning_state}, replication {image.replication_state})")
            yield self.ctx.create_timer(self.now() + timedelta(seconds=IMAGE_POLL_SECONDS))
            waited = True
            found = yield self.call(ImageRef(deployment_id=self.id, image_version_id=self.spec.image))
            if found is None:
                raise StepFailed(S.SETUP, f"Image version [{self.spec.image}] no longer exists")
            image = ImageVersionSummary.from_json(found)
            self.publish(phase=S.SETUP)

    # -- Upgrade ----------------------------------------------------------------------------

    def upgrade(self):
        assert self.new_name and self.capacity
        yield self.call(ClearAutoscaleInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg,
                                            name=self.new_name))
        yield self.call(self.resize(self.new_name, self.target, known=self.created))
        yield from self.wait_steady(S.UPGRADE, self.new_name, self.target, require_latest_model=False)
        yield from self.attach_autoscale(AutoscaleAttach.AFTER_UPGRADE)

    @property
    def approval_required(self) -> bool:
        return self.spec.approval is not None and self.spec.approval.required

    def resize(self, name: str, capacity: int, downsizing_old: bool = False,
               known: dict[str, Any] | None = None) -> ResizeInput:
        return ResizeInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg, name=name,
                           capacity=capacity, downsizing_old=downsizing_old, known=known)

    def route(self, name: str, remove: list[str], add: list[str], bg_version: str) -> RouteInput:
        return RouteInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg, name=name,
                          remove_pool_ids=remove, add_pool_ids=add, bg_version=bg_version,
                          prod_pool_id=self.prod_pool_id)

    def attach_autoscale(self, moment: AutoscaleAttach):
        """The new scale set gets the active one's autoscale setting, retargeted, at `self.attach_at`."""
        if moment != self.attach_at or self.old_autoscale is None or self.new_name is None or self.capacity is None:
            return
        new_id = scale_set_id(self.sub, self.rg, self.new_name)
        setting = retarget_autoscale(self.old_autoscale, autoscale_name(self.new_name), new_id, self.capacity)
        yield self.call(AutoscaleInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg,
                                       setting=setting.to_json()))

    def follow_platform_upgrade(self, step: str, name: str, routed: dict[str, Any] | None, purpose: str):
        """After a route of `name` under upgrade policy Automatic or Rolling (the route's result says so),
        wait until every instance runs the latest model: Azure moves each one between pools only when its
        upgrade (Rolling: its batch) reaches it, and until then it serves from the pools its old model names.
        Health is not judged: only where the instances are. The deployment's capacity view stays its own."""
        if not self.flow.waits_platform_upgrades or not (routed or {}).get("platform_upgrades"):
            return
        assert routed is not None
        capacity = self.view.capacity
        yield self.log(f"Upgrade policy of Virtual Machine Scale Set: [{name}] rolls the model out by itself: "
                       f"waiting until every instance runs it")
        # No count to reach (target 0, at least): its autoscale setting is still attached and may scale it
        # in meanwhile; what matters is that every instance left runs the new model.
        yield from self.wait_steady(step, name, 0, require_latest_model=True,
                                    at_least_target=True, purpose=purpose, judge_health=False)
        self.publish(capacity=capacity)

    def wait_steady(self, step: str, name: str, target: int, require_latest_model: bool,
                    at_least_target: bool = False, purpose: str | None = None, judge_health: bool = True):
        """Wait for steady state in a sub-orchestration; a wait that timed out while the deployment
        was paused goes on for as long as it was paused."""
        options = {"purpose": purpose, "judge_health": judge_health}
        started = self.now()
        if not self.flow.operator_actions:  # versions 1 and 2: one wait, its deadline fixed
            reason = yield from self.wait_steady_until(
                started + timedelta(minutes=self.spec.steady_state_timeout_minutes), step, name, target,
                require_latest_model, at_least_target, **options)
            if reason is not None:
                raise StepFailed(step, reason)
            return
        while True:
            deadline = started + timedelta(minutes=self.spec.steady_state_timeout_minutes) + self.held_since(started)
            result = yield from self.wait_steady_until(deadline, step, name, target, require_latest_model,
                                                       at_least_target, **options)
            if result is None:
                return
            yield from self.settle_signals()
            if self.now() >= started + timedelta(minutes=self.spec.steady_state_timeout_minutes) + \
                    self.held_since(started):
                raise StepFailed(step, result)

    def wait_steady_until(self, deadline: datetime, step: str, name: str, target: int, require_latest_model: bool,
                          at_least_target: bool, purpose: str | None = None, judge_health: bool = True):
        """None once steady; the reason when the wait timed out; StepFailed for any other end."""
        self.waits += 1
        wait_id = f"{self.ctx.instance_id}-wait-{self.waits}"
        self.publish(wait_instance_id=wait_id)
        request = WaitInput(
            deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg, name=name, target=target,
            deadline=iso_instant(deadline), poll_interval_seconds=self.spec.poll_interval_seconds,
            require_latest_model=require_latest_model,
            purpose=purpose or ("healthy in the prod backend pool" if require_latest_model else "steady state"),
            health_monitored=False if not judge_health else self.health_monitored if name == self.new_name else None,
            at_least_target=at_least_target)
        result = yield self.ctx.call_sub_orchestrator(request.orchestration, request.to_json(), wait_id,
                                                      version=self.flow.wait_version)
        counts = InstanceCounts.from_json(result["counts"])
        self.publish(wait_instance_id=None, capacity=CapacityView.of(counts, target))
        if result["steady"]:
            return None
        if result.get("timedOut"):
            return result["reason"]
        raise StepFailed(step, result["reason"])

    # -- Approval ---------------------------------------------------------------------------

    def approval(self):
        """Only an approval event carrying the token drawn here decides; the deadline moves by the
        time the deployment was paused."""
        approval = self.spec.approval
        assert approval is not None
        if not self.flow.operator_actions:
            yield from self.approval_without_token()
            return
        token = self.ctx.new_uuid()
        requested = self.now()
        timeout = timedelta(minutes=approval.timeout_minutes)
        self.publish(status=DeploymentStatus.AWAITING_APPROVAL,
                     approval=ApprovalView(token=token, requested_at=requested, timeout_at=requested + timeout))
        yield self.log(f"Waiting up to {approval.timeout_minutes} minute(s) for approval of [{self.new_name}]")
        settled = False
        while True:
            timeout_at = requested + timeout + self.held_since(requested)
            assert self.view.approval is not None
            if timeout_at != self.view.approval.timeout_at:
                self.publish(approval=self.view.approval.model_copy(update={"timeout_at": timeout_at}))
            if self.now() >= timeout_at:
                if not settled:  # a pause may have moved the deadline: judge once its signal is seen
                    yield from self.settle_signals()
                    settled = True
                    continue
                verdict, decided_by, comment = approval.on_timeout, "timeout", None
                reason = f"Approval timed out after {approval.timeout_minutes} minute(s); onTimeout={verdict}"
                break
            settled = False
            deadline = self.ctx.create_timer(timeout_at)
            event = self.ctx.wait_for_external_event(APPROVAL_EVENT)
            winner = yield self.ctx.task_any([event, deadline])
            if winner != event:
                continue
            deadline.cancel()
            decision = accepted_approval(_event_data(event.result), token)
            if decision is None:
                yield self.log("Ignored an approval event without the current approval token")
                continue
            verdict, decided_by, comment = decision.decision, decision.decided_by, decision.comment
            reason = f"Deployment {VERDICTS[verdict]} by [{decided_by}]" + (f": {comment}" if comment else "")
            break
        self.publish(status=DeploymentStatus.RUNNING, approval=self.view.approval.model_copy(update={
            "decision": verdict, "decided_by": decided_by, "comment": comment, "decided_at": self.now()}))
        yield self.log(reason)
        if verdict != "approve":
            raise StepFailed(S.APPROVAL, reason)

    def approval_without_token(self):
        """Versions 1 and 2: the first `approval` event decides (`decision` approve, else a rollback);
        triggers/deployments.py raises it without a token to an instance of these versions."""
        approval = self.spec.approval
        assert approval is not None
        self.publish(status=DeploymentStatus.AWAITING_APPROVAL)
        yield self.log(f"Waiting up to {approval.timeout_minutes} minute(s) for approval of [{self.new_name}]")
        deadline = self.ctx.create_timer(self.now() + timedelta(minutes=approval.timeout_minutes))
        decision = self.ctx.wait_for_external_event(APPROVAL_EVENT)
        winner = yield self.ctx.task_any([decision, deadline])
        if winner == decision:
            deadline.cancel()
            data = _event_data(decision.result)
            verdict = (data or {}).get("decision", "reject") if isinstance(data, dict) else str(data or "reject")
            reason = f"Deployment {VERDICTS[verdict]} by operator" if verdict in VERDICTS else \
                f"Rollback requested by operator ({verdict})"
        else:
            verdict = approval.on_timeout
            reason = f"Approval timed out after {approval.timeout_minutes} minute(s); onTimeout={verdict}"
        self.publish(status=DeploymentStatus.RUNNING)
        yield self.log(reason)
        if verdict != "approve":
            raise StepFailed(S.APPROVAL, reason)

    # -- Swap -------------------------------------------------------------------------------

    def rescale(self, step: str = S.RESCALE):
        """The new scale set waited for approval in the stage pool, without load, maybe for hours:
        whatever shrank it meanwhile, it goes into prod at the size that was tested."""
        assert self.new_name
        resized = yield self.call(self.resize(self.new_name, self.target))
        if resized.get("previous_capacity", self.target) != self.target:
            yield from self.wait_steady(step, self.new_name, self.target, require_latest_model=False)

    def swap(self):
        assert self.new_name
        if self.approval_required and S.RESCALE not in self.plan:  # version 1: the rescale opens the swap
            yield from self.rescale(S.SWAP)
        yield from self.attach_autoscale(AutoscaleAttach.BEFORE_SWAP_ROUTING)
        yield self.call(self.route(self.new_name, [self.stage_pool_id], [self.prod_pool_id], BLUE))
        # Verified, not assumed: the new instances serve prod before the old ones leave it. Its autoscale
        # may already have raised it to its minimum: more instances are fine if every one serves.
        yield from self.wait_steady(S.SWAP, self.new_name, self.target, require_latest_model=True,
                                    at_least_target=True)
        if self.old is not None:
            self.did(Done.OLD_LEFT_PROD)
            routed = yield self.call(self.route(self.old.name, [self.prod_pool_id], [], GREEN))
            yield from self.follow_platform_upgrade(S.SWAP, self.old.name, routed, "out of the prod backend pool")
        yield self.log("Swap backend pool completed successfully")
        yield from self.attach_autoscale(AutoscaleAttach.AFTER_SWAP)

    def scale_down_delay(self):
        delay = self.spec.scale_down_delay_seconds
        if self.old is None:
            yield self.log("No old Virtual Machine Scale Set serves prod: no scale-down delay")
            return
        yield self.log(f"Keeping old Virtual Machine Scale Set at full size for {delay} second(s) before scale down")
        timer = self.ctx.create_timer(self.now() + timedelta(seconds=delay))
        if self.flow.operator_actions:
            # An operator's abort (or its `rollback` alias) ends the delay with a rollback: see `guarded`.
            yield timer
            return
        rollback = self.ctx.wait_for_external_event(LEGACY_ROLLBACK_EVENT)
        winner = yield self.ctx.task_any([timer, rollback])
        if winner == rollback:
            timer.cancel()
            raise StepFailed(S.SCALE_DOWN_DELAY, "Rollback requested by operator during scale-down delay")

    def downsize_or_warn(self, body: Step):
        """After the verified swap the new version serves prod: a Downsize that cannot complete (after its
        retries) must not roll the deployment back through a second swap. The deployment succeeds with a
        warning that names the old scale set and what it may still run; an operator's abort still rolls
        back (it raises `Aborted`, not `StepFailed`)."""
        try:
            yield from self.step(S.DOWNSIZE, body)
        except StepFailed as failed:
            if self.old is None or Done.OLD_LEFT_PROD not in self.done:
                raise
            warning = downsize_warning(self.old, self.new_name or "", failed.reason, downsized=self.old_at_zero,
                                       autoscale_cleared=Done.OLD_AUTOSCALE_CLEARED in self.done)
            self.publish(warnings=(*self.view.warnings, warning))
            yield self.log(f"Warning: {warning}")

    def downsize(self):
        if self.old is None or self.old.capacity == 0:
            yield self.log("No old Virtual Machine Scale Set was found with non-zero capacity for down scale")
        else:
            self.did(Done.OLD_AUTOSCALE_CLEARED)
            yield self.call(ClearAutoscaleInput(deployment_id=self.id, subscription_id=self.sub,
                                                resource_group=self.rg, name=self.old.name))
            self.did(Done.OLD_DOWNSIZED)
            yield self.call(self.resize(self.old.name, 0, downsizing_old=True))
            self.old_at_zero = True
        yield from self.attach_autoscale(AutoscaleAttach.AFTER_DOWNSIZE)

    # -- Rollback ---------------------------------------------------------------------------

    def fail(self, reason: str):
        plan = self.rollback_actions()
        self.view = self.view.skip_pending()
        if not plan:
            yield self.log(f"Deployment failed: {reason}")
            return self.finish(DeploymentStatus.FAILED, reason)
        yield self.log(f"Deployment failed: {reason}", "Starting rollback")
        self.mark(S.ROLLBACK, StepStatus.RUNNING)
        self.publish(phase=S.ROLLBACK)
        try:
            for action in plan:
                if self.flow.rides_out_busy_azure:
                    yield from self.riding_out_busy(self.undo(action))
                else:
                    yield from self.undo(action)
        except Exception as exc:  # the rollback itself failed: say both, leave it to an operator
            self.mark(S.ROLLBACK, StepStatus.FAILED)
            message = f"{reason}; rollback failed: {_clean(exc)}"
            yield self.log(f"Rollback failed: {_clean(exc)}")
            return self.finish(DeploymentStatus.FAILED, message)
        self.mark(S.ROLLBACK, StepStatus.SUCCEEDED)
        if not any(isinstance(action, RestoreOldToProd) for action in plan):
            # The counts shown were the retired new scale set's; describe what serves prod instead
            # (a restore's own wait already published the old one's counts).
            self.view = self.view.model_copy(update={"capacity": CapacityView(desired=self.old.capacity)
                                                     if self.old else CapacityView(desired=0, current=0, healthy=0)})
        yield self.log("Rollback completed successfully")
        return self.finish(DeploymentStatus.ROLLED_BACK, reason)

    def rollback_actions(self) -> list[Any]:
        return rollback_plan(self.done, self.old, self.old_autoscale is not None, self.new_name,
                             clear_autoscale_first=self.flow.rollback_clears_old_autoscale)

    def undo(self, action: RollbackAction):
        if isinstance(action, ClearOldAutoscale):
            yield self.call(ClearAutoscaleInput(deployment_id=self.id, subscription_id=self.sub,
                                                resource_group=self.rg, name=action.name))
        elif isinstance(action, RestoreOldToProd):
            resized = yield self.call(self.resize(action.name, action.capacity))
            if resized.get("previous_capacity", action.capacity) != action.capacity:
                yield from self.wait_steady(S.ROLLBACK, action.name, action.capacity, require_latest_model=False)
            yield self.call(self.route(action.name, [], [self.prod_pool_id], BLUE))
            yield from self.wait_steady(S.ROLLBACK, action.name, action.capacity, require_latest_model=True)
        elif isinstance(action, TagOldBlue):
            yield self.call(self.route(action.name, [], [], BLUE))
        elif isinstance(action, RestoreOldAutoscale):
            assert self.old_autoscale is not None
            yield self.call(AutoscaleInput(deployment_id=self.id, subscription_id=self.sub, resource_group=self.rg,
                                           setting=self.old_autoscale.to_json()))
        elif isinstance(action, RetireNew):
            yield self.call(RetireScaleSetInput(deployment_id=self.id, subscription_id=self.sub,
                                                resource_group=self.rg, name=action.name))


@bp.orchestration_trigger(context_name="context")
def bluegreen_deployment(context: df.DurableOrchestrationContext):
    deployment = BlueGreenDeployment(context)
    result = yield from notifying(context, deployment.run(), lambda: deployment.view, deployment.spec)
    return result
