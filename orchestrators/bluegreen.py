"""The blue/green deployment as a short list of named steps.

The orchestrator only decides: every Azure read or write is an activity, every wait is a durable
timer, and everything it decides (revision, names, capacity) comes from recorded activity results
or the orchestration clock, so replay reaches the same decisions.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df

from domain import steps as S
from domain.capacity import Capacity, retarget_autoscale, target_capacity, upgrade_target
from domain.contracts import (
    AutoscaleInput,
    CreateScaleSetInput,
    DeploymentInput,
    ImageRef,
    LineageInput,
    LockInput,
    LogInput,
    ResizeInput,
    RetentionInput,
    RouteInput,
    ScaleSetRef,
    Source,
    ValidateTargetInput,
    WaitInput,
)
from domain.lineage import active_member, lineage_members, next_revision, retention_plan
from domain.model import AutoscaleSnapshot, ImageVersionSummary, InstanceCounts, ScaleSetSummary
from domain.naming import autoscale_name, vmss_name
from domain.resource_ids import ImageVersionId, scale_set_id
from domain.spec import DeploymentSpec, parse_spec
from domain.steps import DeploymentStatus, StepStatus
from domain.tags import BG_VERSION, BLUE, GREEN, get_tag, new_scale_set_tags
from domain.versions import compare_versions

bp = df.Blueprint()

ORCHESTRATOR_NAME = "bluegreen_deployment"
STEADY_STATE_WAIT_NAME = "steady_state_wait"
# Transient Azure failures (throttling past the SDK's own retries, 5xx) get a few more tries.
RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=3)
BUSY_RETRY_SECONDS = 60
BUSY_MAX_WAIT = timedelta(hours=6)
IMAGE_POLL_SECONDS = 30
IMAGE_READY_TIMEOUT = timedelta(hours=2)
POLLS_PER_GENERATION = 20  # continue_as_new after this many polls keeps the history bounded


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


def _clean(exc: BaseException) -> str:
    """Activity failures arrive as 'Reason \\n Details'; keep the reason, without the traceback."""
    if isinstance(exc, StepFailed):
        return str(exc)
    text = str(exc).strip()
    first = text.split("\n", 1)[0].strip()
    return first or exc.__class__.__name__


def capacity_view(counts: InstanceCounts, target: int) -> dict[str, int]:
    """The status API's capacity. Where no instance reports health (not monitored), the provisioned
    ones count as healthy: that is what steady state then rests on."""
    healthy = counts.healthy if counts.health_reported else counts.provisioned
    return {"desired": target, "current": counts.total, "healthy": healthy}


# The one timestamp format of the deployment resource: step times, wait deadlines, createdAt/updatedAt.
INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _utc(moment: datetime) -> datetime:
    """The orchestration clock's datetimes may be naive; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _pending_step(name: str) -> dict[str, Any]:
    return {"name": name, "status": StepStatus.PENDING.value, "startedAt": None, "endedAt": None}


def iso_instant(moment: datetime) -> str:
    return _utc(moment).astimezone(UTC).strftime(INSTANT_FORMAT)


class BlueGreenDeployment:
    """State of one deployment run; each step is a generator the orchestrator delegates to."""

    def __init__(self, context: df.DurableOrchestrationContext) -> None:
        self.ctx = context
        self.input = DeploymentInput.from_json(context.get_input())
        self.spec: DeploymentSpec = parse_spec(self.input.spec)
        self.source = Source.from_json(self.input.source)
        self.id = self.input.deployment_id
        self.sub = self.spec.subscription_id
        self.rg = self.spec.resource_group
        self.steps: list[dict[str, Any]] = [_pending_step(name) for name in S.plan_steps(self.spec)]
        self.view: dict[str, Any] = {
            "status": DeploymentStatus.RUNNING.value, "phase": "Starting", "revision": None, "newVmss": None,
            "oldVmss": None, "capacity": {"desired": None, "current": None, "healthy": None},
            "steps": self.steps, "error": None, "waitInstanceId": None,
            "subscriptionId": self.sub, "resourceGroup": self.rg,
            "infrastructureId": self.spec.infrastructure_id, "source": self.source.to_json(),
        }
        self.prod_pool_id = ""
        self.stage_pool_id = ""
        self.new_name: str | None = None
        self.new_exists = False
        self.old: ScaleSetSummary | None = None
        self.old_autoscale: AutoscaleSnapshot | None = None
        self.old_autoscale_cleared = False
        self.old_detached = False
        self.old_downsized = False
        self.capacity: Capacity | None = None
        self.target = 0
        self.waits = 0
        self.health_monitored: bool | None = None

    # -- plumbing ---------------------------------------------------------------------------

    def now(self) -> datetime:
        return _utc(self.ctx.current_utc_datetime)

    def publish(self, **changes: Any) -> None:
        self.view.update(changes)
        self.ctx.set_custom_status(self.view)

    def call(self, name: str, contract: Any, retry: bool = True):
        payload = contract.to_json()
        if retry:
            return self.ctx.call_activity_with_retry(name, RETRY, payload)
        return self.ctx.call_activity(name, payload)

    def log(self, *lines: str):
        return self.call("append_log", LogInput(self.id, list(lines)))

    def ref(self, name: str) -> ScaleSetRef:
        return ScaleSetRef(self.id, self.sub, self.rg, name)

    def mark(self, name: str, status: StepStatus) -> None:
        step = next((s for s in self.steps if s["name"] == name), None)
        if step is None:
            step = _pending_step(name)
            self.steps.append(step)
        step["status"] = status.value
        if status == StepStatus.RUNNING:
            step["startedAt"] = iso_instant(self.now())
        else:
            step["endedAt"] = iso_instant(self.now())

    def step(self, name: str, body):
        self.mark(name, StepStatus.RUNNING)
        self.publish(phase=name)
        try:
            yield from body()
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

    # -- the flow ---------------------------------------------------------------------------

    def run(self):
        self.publish()
        try:
            yield from self.acquire_lock()
        except TargetBusy as busy:
            outcome = self.finish(DeploymentStatus.FAILED, str(busy))
            self.publish(**outcome)
            return outcome
        try:
            yield from self.step(S.SETUP, self.setup)
            yield from self.step(S.UPGRADE, self.upgrade)
            if self.approval_required:
                yield from self.step(S.APPROVAL, self.approval)
            yield from self.step(S.SWAP, self.swap)
            if self.spec.downsize_old_vmss and self.spec.scale_down_delay_seconds > 0:
                yield from self.step(S.SCALE_DOWN_DELAY, self.scale_down_delay)
            if self.spec.downsize_old_vmss:
                yield from self.step(S.DOWNSIZE, self.downsize)
            outcome = self.finish(DeploymentStatus.SUCCEEDED, None)
            yield self.log(f"Deployment succeeded: [{self.new_name}] serves prod backend pool:"
                           f"[{self.spec.prod_backend_pool}]")
        except DeploymentSkipped as skipped:
            for step in self.steps:
                if step["status"] == StepStatus.PENDING.value:
                    step["status"] = StepStatus.SKIPPED.value
            outcome = self.finish(DeploymentStatus.SUCCEEDED, None, phase="Skipped")
            yield self.log(f"Deployment skipped: {skipped}")
        except Exception as exc:
            outcome = yield from self.fail(_clean(exc))
        try:
            yield self.call("release_target_lock", LockInput(self.input.lock_key, self.id))
        except Exception as exc:  # the outcome stands: a lock whose holder has ended is taken over
            yield self.log(f"Could not release the target lock ({_clean(exc)}); the next deployment takes it over")
        self.publish(**outcome)
        return outcome

    def finish(self, status: DeploymentStatus, error: str | None, phase: str = "Completed") -> dict[str, Any]:
        """The final view. It is published only after the lock is released (see `run`): a client that
        sees a terminal status must be able to start the next deployment at once."""
        if status in (DeploymentStatus.FAILED, DeploymentStatus.ROLLED_BACK):
            phase = status.value
        return {**self.view, "status": status.value, "phase": phase, "error": error, "waitInstanceId": None}

    def acquire_lock(self):
        give_up = self.now() + BUSY_MAX_WAIT
        while True:
            result = yield self.call("acquire_target_lock", LockInput(self.input.lock_key, self.id))
            if result["acquired"]:
                return
            if not self.input.queue_when_busy or self.now() >= give_up:
                raise TargetBusy(result.get("holder"))
            self.publish(phase="Queued", status=DeploymentStatus.PENDING.value)
            yield self.ctx.create_timer(self.now() + timedelta(seconds=BUSY_RETRY_SECONDS))
            self.publish(status=DeploymentStatus.RUNNING.value)

    # -- Setup ------------------------------------------------------------------------------

    def setup(self):
        spec = self.spec
        target = yield self.call("validate_target", ValidateTargetInput(self.id, spec.to_json()), retry=False)
        self.prod_pool_id, self.stage_pool_id = target["prod_pool_id"], target["stage_pool_id"]
        base = ScaleSetSummary.from_json(target["base"])
        # Copies of the base monitor health as it does; None (older histories): judge from each poll.
        self.health_monitored = True if target.get("health_monitored") else None
        image = ImageVersionSummary.from_json(target["image"])
        yield from self.wait_for_image(image, base.location)

        lineage = yield self.call("inspect_lineage", LineageInput(self.id, self.sub, self.rg, spec.infrastructure_id))
        members = lineage_members([ScaleSetSummary.from_json(m) for m in lineage["members"]],
                                  spec.infrastructure_id)
        active = active_member(members)
        if active is not None:
            self.old = active.summary
            if lineage["active_autoscale"]:
                self.old_autoscale = AutoscaleSnapshot.from_json(lineage["active_autoscale"])
            self.check_version_order(active.summary)

        revision = next_revision(members)
        new_name = vmss_name(spec.name, revision)
        if new_name.lower() in {name.lower() for name in lineage.get("names", [])}:
            # Another lineage (another infrastructureId with the same name) or a hand-made scale set owns
            # the name: creating "it" would take that scale set over, resize and route it, and a rollback
            # would delete it. Nothing has been written yet: stop here.
            raise StepFailed(S.SETUP, f"A Virtual Machine Scale Set named [{new_name}] already exists in resource "
                                      f"group [{self.rg}] and is not revision {revision} of infrastructure "
                                      f"[{spec.infrastructure_id}]; refusing to take it over")
        self.new_name = new_name
        self.capacity = target_capacity(spec.instances, self.old, self.old_autoscale)
        self.target = upgrade_target(spec.upgrade, self.capacity.desired)
        self.publish(revision=revision, newVmss=self.new_name, oldVmss=self.old.name if self.old else None,
                     capacity={"desired": self.target, "current": 0, "healthy": 0})
        if self.old is not None and self.target == 0:
            # The swap would take the old scale set's instances out of prod for none: the pool left empty.
            raise StepFailed(S.SETUP, f"The new Virtual Machine Scale Set [{self.new_name}] would have 0 instances: "
                                      f"swapping it in would leave prod backend pool [{spec.prod_backend_pool}], "
                                      f"served by [{self.old.name}], without instances")

        plan = retention_plan(members, active, spec.versions_to_keep)
        if plan.scale_to_zero or plan.delete:
            yield self.call("apply_retention", RetentionInput(self.id, self.sub, self.rg,
                                                              list(plan.scale_to_zero), list(plan.delete)))

        tags = new_scale_set_tags(base.tags, spec.infrastructure_id, revision, self.new_name, self.now())
        # Any failure from here on leaves something to clean up: creation is idempotent and so is delete.
        self.new_exists = True
        yield self.call("create_scale_set", CreateScaleSetInput(
            self.id, self.sub, self.rg, spec.base_vmss, self.new_name, spec.image, tags,
            self.stage_pool_id, spec.stage_backend_pool, spec.user_data))

    def wait_for_image(self, image: ImageVersionSummary, location: str):
        """A version still replicating to the scale set's region is waited for; a failed replication
        ends the deployment before anything is created."""
        deadline = self.now() + IMAGE_READY_TIMEOUT
        while True:
            if image.failed_in(location):
                raise StepFailed(S.SETUP, f"Image version [{image.name}] failed to replicate "
                                          f"(provisioning {image.provisioning_state}, replication {image.replication_state})")
            if image.ready_in(location):
                return
            if self.now() >= deadline:
                raise StepFailed(S.SETUP, f"Image version [{image.name}] was not replicated within "
                                          f"{IMAGE_READY_TIMEOUT}")
            self.publish(phase="WaitingForImage")
            yield self.log(f"Waiting for image version [{image.name}] to replicate "
                           f"(provisioning {image.provisioning_state}, replication {image.replication_state})")
            yield self.ctx.create_timer(self.now() + timedelta(seconds=IMAGE_POLL_SECONDS))
            found = yield self.call("check_image_version", ImageRef(self.id, self.spec.image))
            if found is None:
                raise StepFailed(S.SETUP, f"Image version [{self.spec.image}] no longer exists")
            image = ImageVersionSummary.from_json(found)
            self.publish(phase=S.SETUP)

    def check_version_order(self, active: ScaleSetSummary) -> None:
        """An event never deploys an older gallery version over a newer one, nor the version already
        running again (a repeated or late event must not churn out a new revision)."""
        if self.source.kind != "eventgrid" or not active.image_id:
            return
        try:
            running, offered = ImageVersionId.parse(active.image_id), ImageVersionId.parse(self.spec.image)
        except ValueError:
            return  # the running scale set uses a non-gallery image: nothing to compare with
        if running.image_definition_id.lower() != offered.image_definition_id.lower():
            return
        order = compare_versions(offered.version, running.version)
        if order < 0:
            raise DeploymentSkipped(f"image version [{offered.version}] is older than version [{running.version}] "
                                    f"run by [{active.name}]")
        if order == 0:
            raise DeploymentSkipped(f"image version [{offered.version}] is already running on [{active.name}]")

    # -- Upgrade ----------------------------------------------------------------------------

    def upgrade(self):
        assert self.new_name and self.capacity
        yield self.call("clear_autoscale", self.ref(self.new_name))
        yield self.call("resize_scale_set", ResizeInput(self.id, self.sub, self.rg, self.new_name, self.target))
        yield from self.wait_steady(S.UPGRADE, self.new_name, self.target, require_latest_model=False)
        if not self.downsize_old_first and not self.approval_required:
            yield from self.attach_autoscale()

    @property
    def approval_required(self) -> bool:
        return self.spec.approval is not None and self.spec.approval.required

    @property
    def downsize_old_first(self) -> bool:
        """In blue/green the old scale set serves prod until the swap, so it can never shrink first
        without a gap: `downsizeOldFirst` instead frees the old capacity before the new scale set's
        autoscale may grow it (autoscale is attached after Downsize rather than after Upgrade)."""
        return self.spec.resize_strategy == "downsizeOldFirst"

    def attach_autoscale(self):
        if self.old_autoscale is None or self.new_name is None or self.capacity is None:
            return
        new_id = scale_set_id(self.sub, self.rg, self.new_name)
        setting = retarget_autoscale(self.old_autoscale, autoscale_name(self.new_name), new_id, self.capacity)
        yield self.call("put_autoscale", AutoscaleInput(self.id, self.sub, self.rg, setting.to_json()))

    def wait_steady(self, step: str, name: str, target: int, require_latest_model: bool,
                    at_least_target: bool = False):
        self.waits += 1
        wait_id = f"{self.ctx.instance_id}-wait-{self.waits}"
        self.publish(waitInstanceId=wait_id)
        deadline = self.now() + timedelta(minutes=self.spec.steady_state_timeout_minutes)
        purpose = "healthy in the prod backend pool" if require_latest_model else "steady state"
        request = WaitInput(self.id, self.sub, self.rg, name, target, iso_instant(deadline),
                            self.spec.poll_interval_seconds, require_latest_model, 0, purpose,
                            self.health_monitored if name == self.new_name else None, at_least_target)
        result = yield self.ctx.call_sub_orchestrator(STEADY_STATE_WAIT_NAME, request.to_json(), wait_id)
        counts = InstanceCounts.from_json(result["counts"])
        self.publish(waitInstanceId=None, capacity=capacity_view(counts, target))
        if not result["steady"]:
            raise StepFailed(step, result["reason"])

    # -- Approval ---------------------------------------------------------------------------

    def approval(self):
        approval = self.spec.approval
        assert approval is not None
        self.publish(status=DeploymentStatus.AWAITING_APPROVAL.value)
        yield self.log(f"Waiting up to {approval.timeout_minutes} minute(s) for approval of [{self.new_name}]")
        deadline = self.ctx.create_timer(self.now() + timedelta(minutes=approval.timeout_minutes))
        decision = self.ctx.wait_for_external_event("approval")
        winner = yield self.ctx.task_any([decision, deadline])
        if winner == decision:
            deadline.cancel()
            data = _event_data(decision.result)
            verdict = (data or {}).get("decision", "reject") if isinstance(data, dict) else str(data or "reject")
            reason = f"Deployment {verdict}ed by operator" if verdict in ("approve", "reject") else \
                f"Rollback requested by operator ({verdict})"
        else:
            verdict = approval.on_timeout
            reason = f"Approval timed out after {approval.timeout_minutes} minute(s); onTimeout={verdict}"
        self.publish(status=DeploymentStatus.RUNNING.value)
        yield self.log(reason)
        if verdict != "approve":
            raise StepFailed(S.APPROVAL, reason)

    # -- Swap -------------------------------------------------------------------------------

    def swap(self):
        spec = self.spec
        assert self.new_name
        if self.approval_required:
            # The new scale set waited for approval in the stage pool, without load, maybe for hours:
            # whatever shrank it meanwhile, it goes into prod at the size that was tested. Its autoscale
            # setting is attached only now (not at the end of Upgrade), so that it could not scale the
            # idle scale set in while the approval waited.
            resized = yield self.call("resize_scale_set", ResizeInput(self.id, self.sub, self.rg, self.new_name,
                                                                      self.target))
            if resized.get("previous_capacity", self.target) != self.target:
                yield from self.wait_steady(S.SWAP, self.new_name, self.target, require_latest_model=False)
            if not self.downsize_old_first:
                yield from self.attach_autoscale()
        yield self.call("route_scale_set", RouteInput(
            self.id, self.sub, self.rg, self.new_name, [self.stage_pool_id], [self.prod_pool_id], BLUE,
            [f"Sending request to detach virtual machine scale set:[{self.new_name}] from stage backend pool:"
             f"[{spec.stage_backend_pool}]",
             f"Sending request to attach virtual machine scale set:[{self.new_name}] to prod backend pool:"
             f"[{spec.prod_backend_pool}]"]))
        # Verified, not assumed: the new instances serve prod before the old ones leave it. Its autoscale
        # may already have raised it to its minimum: more instances are fine if every one serves.
        yield from self.wait_steady(S.SWAP, self.new_name, self.target, require_latest_model=True,
                                    at_least_target=True)
        if self.old is not None:
            self.old_detached = True
            yield self.call("route_scale_set", RouteInput(
                self.id, self.sub, self.rg, self.old.name, [self.prod_pool_id], [], GREEN,
                [f"Sending request to detach virtual machine scale set:[{self.old.name}] from prod backend pool:"
                 f"[{spec.prod_backend_pool}]"]))
        yield self.log("Swap backend pool completed successfully")
        if self.downsize_old_first and not spec.downsize_old_vmss:
            yield from self.attach_autoscale()

    def scale_down_delay(self):
        delay = self.spec.scale_down_delay_seconds
        yield self.log(f"Keeping old Virtual Machine Scale Set at full size for {delay} second(s) before scale down")
        timer = self.ctx.create_timer(self.now() + timedelta(seconds=delay))
        rollback = self.ctx.wait_for_external_event("rollback")
        winner = yield self.ctx.task_any([timer, rollback])
        if winner == rollback:
            timer.cancel()
            raise StepFailed(S.SCALE_DOWN_DELAY, "Rollback requested by operator during scale-down delay")

    def downsize(self):
        if self.old is None or self.old.capacity == 0:
            yield self.log("No old Virtual Machine Scale Set was found with non-zero capacity for down scale")
        else:
            self.old_autoscale_cleared = True
            yield self.call("clear_autoscale", self.ref(self.old.name))
            self.old_downsized = True
            yield self.call("resize_scale_set", ResizeInput(self.id, self.sub, self.rg, self.old.name, 0))
            yield self.log(f"Downscaled old Virtual Machine Scale Set: [{self.old.name}] to [0] instances")
        if self.downsize_old_first:
            yield from self.attach_autoscale()

    # -- Rollback ---------------------------------------------------------------------------

    def fail(self, reason: str):
        if not self.new_exists:
            yield self.log(f"Deployment failed: {reason}")
            return self.finish(DeploymentStatus.FAILED, reason)
        yield self.log(f"Deployment failed: {reason}", "Starting rollback")
        self.mark(S.ROLLBACK, StepStatus.RUNNING)
        self.publish(phase=S.ROLLBACK)
        try:
            yield from self.rollback()
        except Exception as exc:  # the rollback itself failed: say both, leave it to an operator
            self.mark(S.ROLLBACK, StepStatus.FAILED)
            message = f"{reason}; rollback failed: {_clean(exc)}"
            yield self.log(f"Rollback failed: {_clean(exc)}")
            return self.finish(DeploymentStatus.FAILED, message)
        self.mark(S.ROLLBACK, StepStatus.SUCCEEDED)
        yield self.log("Rollback completed successfully")
        return self.finish(DeploymentStatus.ROLLED_BACK, reason)

    def rollback(self):
        """Old back to serving first (so prod is never empty), then the new one out and deleted.

        An old scale set that never left prod is not touched: routing it "back" would also roll out,
        to every serving instance at once, any model change pending on it (one `manualupgrade` of all)."""
        spec = self.spec
        old = self.old
        if old is not None and (self.old_detached or self.old_downsized):
            # Out of prod the old scale set may have shrunk without us (its autoscale, still attached
            # during a scale-down delay, scales it in once it has no load): back to its pre-deployment
            # capacity before it serves again.
            resized = yield self.call("resize_scale_set", ResizeInput(self.id, self.sub, self.rg, old.name,
                                                                      old.capacity))
            if resized.get("previous_capacity", old.capacity) != old.capacity:
                yield from self.wait_steady(S.ROLLBACK, old.name, old.capacity, require_latest_model=False)
            yield self.call("route_scale_set", RouteInput(
                self.id, self.sub, self.rg, old.name, [], [self.prod_pool_id], BLUE,
                [f"Sending request to attach virtual machine scale set:[{old.name}] to prod backend pool:"
                 f"[{spec.prod_backend_pool}]"]))
            yield from self.wait_steady(S.ROLLBACK, old.name, old.capacity, require_latest_model=True)
        elif old is not None and get_tag(old.tags, BG_VERSION) != BLUE:
            yield self.call("route_scale_set", RouteInput(self.id, self.sub, self.rg, old.name, [], [], BLUE))
        if old is not None and self.old_autoscale is not None and self.old_autoscale_cleared:
            yield self.call("put_autoscale", AutoscaleInput(self.id, self.sub, self.rg, self.old_autoscale.to_json()))
        if self.new_name is not None:
            yield self.call("retire_scale_set", self.ref(self.new_name))


@bp.orchestration_trigger(context_name="context")
def bluegreen_deployment(context: df.DurableOrchestrationContext):
    deployment = BlueGreenDeployment(context)
    result = yield from deployment.run()
    return result


@bp.orchestration_trigger(context_name="context")
def steady_state_wait(context: df.DurableOrchestrationContext):
    """Poll one scale set with durable timers until it is steady or the deadline passes.

    Runs as a sub-orchestration that continues as new every few polls, so a long wait never grows
    the history without bound. Its custom status carries the latest counts for the status API.
    """
    from domain.steady_state import describe, is_steady

    request = WaitInput.from_json(context.get_input())
    deadline = datetime.strptime(request.deadline, INSTANT_FORMAT).replace(tzinfo=UTC)
    polls = request.polls_done
    ref = ScaleSetRef(request.deployment_id, request.subscription_id, request.resource_group, request.name)
    while True:
        raw = yield context.call_activity_with_retry("read_instance_counts", RETRY, ref.to_json())
        counts = InstanceCounts.from_json(raw)
        context.set_custom_status({
            "capacity": capacity_view(counts, request.target),
            "polls": polls + 1,
        })
        if is_steady(counts, request.target, request.require_latest_model, request.health_monitored,
                     request.at_least_target):
            return {"steady": True, "counts": counts.to_json(), "reason": None}
        if counts.failed:
            return {"steady": False, "counts": counts.to_json(),
                    "reason": f"{counts.failed} instance(s) of [{request.name}] failed provisioning "
                              f"({describe(counts, request.target)})"}
        now = _utc(context.current_utc_datetime)
        if now >= deadline:
            return {"steady": False, "counts": counts.to_json(),
                    "reason": f"Timed out waiting for [{request.name}] to be {request.purpose}: "
                              f"{describe(counts, request.target)}"}
        yield context.create_timer(min(now + timedelta(seconds=request.poll_interval_seconds), deadline))
        polls += 1
        if polls % POLLS_PER_GENERATION == 0:
            context.continue_as_new(WaitInput(**{**request.to_json(), "polls_done": polls}).to_json())
            return None
