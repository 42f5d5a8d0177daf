"""The deployment resource (CONTRACT §5) and the one model of its steps.

The orchestrator publishes a `DeploymentView` as its custom status and the HTTP API reads it back
(triggers/views.py): both sides share this model, so a field cannot drift between them. Every change
returns a new view (frozen models), and every time comes from the caller, so replay builds the same
view from the same history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer
from pydantic.alias_generators import to_camel

from domain.model import AutoscaleSnapshot, InstanceCounts, ScaleSetSummary
from domain.steps import DeploymentStatus, StepStatus

# The one timestamp format of the deployment resource: step times, wait deadlines, createdAt/updatedAt.
INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc(moment: datetime) -> datetime:
    """The orchestration clock's datetimes may be naive; they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso_instant(moment: datetime) -> str:
    return utc(moment).strftime(INSTANT_FORMAT)


def parse_instant(text: str) -> datetime:
    return datetime.strptime(text, INSTANT_FORMAT).replace(tzinfo=UTC)


class _Resource(BaseModel):
    """camelCase on the wire, immutable, and tolerant of fields an older or newer version added."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class StepRecord(_Resource):
    name: str
    status: StepStatus = StepStatus.PENDING
    started_at: datetime | None = None
    ended_at: datetime | None = None

    @field_serializer("started_at", "ended_at")
    def _instant(self, moment: datetime | None) -> str | None:
        return None if moment is None else iso_instant(moment)


class CapacityView(_Resource):
    """Instances of the scale set being waited for: the target, how many exist, how many are healthy."""

    desired: int | None = None
    current: int | None = None
    healthy: int | None = None

    @classmethod
    def of(cls, counts: InstanceCounts, target: int) -> CapacityView:
        """Where no instance reports health (not monitored), the provisioned ones count as healthy:
        that is what steady state then rests on."""
        healthy = counts.healthy if counts.health_reported else counts.provisioned
        return cls(desired=target, current=counts.total, healthy=healthy)


class ApprovalView(_Resource):
    token: str
    requested_at: datetime
    timeout_at: datetime
    decision: Literal["approve", "reject", "timeout"] | None = None
    decided_by: str | None = None
    comment: str | None = None
    decided_at: datetime | None = None

    @field_serializer("requested_at", "timeout_at", "decided_at")
    def _instant(self, moment: datetime | None) -> str | None:
        return None if moment is None else iso_instant(moment)


class ReplacedScaleSet(_Resource):
    """The scale set a deployment took out of prod, as it was before: what an undo brings back."""

    name: str
    capacity: int
    autoscale: dict[str, Any] | None = None  # AutoscaleSnapshot.to_json(), None when it had none


class DeploymentView(_Resource):
    """`GET /api/deployments/{id}`. Besides the §5 fields it names its target and its source, which
    the list filters and event-driven deployments rely on."""

    id: str | None = None
    kind: Literal["deploy", "undo"] = "deploy"
    status: DeploymentStatus = DeploymentStatus.PENDING
    phase: str = "Pending"
    revision: int | None = None
    new_vmss: str | None = None
    old_vmss: str | None = None
    capacity: CapacityView = CapacityView()
    steps: tuple[StepRecord, ...] = ()
    approval: ApprovalView | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    subscription_id: str | None = None
    resource_group: str | None = None
    infrastructure_id: str | None = None
    source: dict[str, Any] | None = None
    # An undo names the deployment it undoes.
    undoes: str | None = None
    # The running steady-state wait, whose live counts the API shows; not part of the resource.
    wait_instance_id: str | None = Field(default=None, exclude=True)
    # What an undo of this deployment needs; kept in the custom status, not part of the resource.
    replaced: ReplacedScaleSet | None = Field(default=None, exclude=True)

    @field_serializer("created_at", "updated_at")
    def _instant(self, moment: datetime | None) -> str | None:
        return None if moment is None else iso_instant(moment)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeploymentView:
        return cls.model_validate(data)

    def to_status(self) -> dict[str, Any]:
        """The orchestration's custom status: the resource and the wait to follow."""
        replaced = self.replaced.to_json() if self.replaced else None
        return {**self.to_json(), "waitInstanceId": self.wait_instance_id, "replaced": replaced}

    def step(self, name: str) -> StepRecord | None:
        return next((step for step in self.steps if step.name == name), None)

    def _with_step(self, name: str, **change: Any) -> DeploymentView:
        """A step not planned (Rollback) is appended, so the list says what actually ran."""
        if self.step(name) is None:
            steps = (*self.steps, StepRecord(name=name).model_copy(update=change))
        else:
            steps = tuple(s.model_copy(update=change) if s.name == name else s for s in self.steps)
        return self.model_copy(update={"steps": steps})

    def step_started(self, name: str, now: datetime) -> DeploymentView:
        return self._with_step(name, status=StepStatus.RUNNING, started_at=utc(now), ended_at=None)

    def step_ended(self, name: str, status: StepStatus, now: datetime) -> DeploymentView:
        return self._with_step(name, status=status, ended_at=utc(now))

    def skip_pending(self) -> DeploymentView:
        """The deployment ended early: every step that never started is Skipped (it has no times)."""
        steps = tuple(s.model_copy(update={"status": StepStatus.SKIPPED}) if s.status == StepStatus.PENDING else s
                      for s in self.steps)
        return self.model_copy(update={"steps": steps})

    def terminated(self, at: datetime | None) -> DeploymentView:
        """The orchestration was terminated: the step that was running ends `Terminated`, those that
        never started are Skipped."""
        steps = tuple(s.model_copy(update={"status": StepStatus.TERMINATED, "ended_at": at and utc(at)})
                      if s.status == StepStatus.RUNNING else s for s in self.skip_pending().steps)
        return self.model_copy(update={"steps": steps})


def planned_view(step_names: list[str], **fields: Any) -> DeploymentView:
    return DeploymentView(status=DeploymentStatus.RUNNING, phase="Starting",
                          steps=tuple(StepRecord(name=name) for name in step_names), **fields)


def replaced_scale_set(old: ScaleSetSummary | None, autoscale: AutoscaleSnapshot | None) -> ReplacedScaleSet | None:
    """What a deployment records of the scale set it replaces, before changing it."""
    if old is None:
        return None
    return ReplacedScaleSet(name=old.name, capacity=old.capacity, autoscale=autoscale.to_json() if autoscale else None)
