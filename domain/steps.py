"""Deployment and step statuses, the step list of a deployment, and progress through it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from domain.spec import DeploymentSpec


class DeploymentStatus(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    AWAITING_APPROVAL = "AwaitingApproval"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ROLLED_BACK = "RolledBack"
    TERMINATED = "Terminated"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES: Final = frozenset(
    {
        DeploymentStatus.SUCCEEDED,
        DeploymentStatus.FAILED,
        DeploymentStatus.ROLLED_BACK,
        DeploymentStatus.TERMINATED,
    }
)


class StepStatus(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"

    @property
    def is_done(self) -> bool:
        return self in (StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.SKIPPED)


WAIT_FOR_IMAGE: Final = "WaitForImage"
SETUP: Final = "Setup"
UPGRADE: Final = "Upgrade"
APPROVAL: Final = "Approval"
SWAP: Final = "Swap"
SCALE_DOWN_DELAY: Final = "ScaleDownDelay"
DOWNSIZE: Final = "Downsize"
ROLLBACK: Final = "Rollback"
STEP_NAMES: Final = (WAIT_FOR_IMAGE, SETUP, UPGRADE, APPROVAL, SWAP, SCALE_DOWN_DELAY, DOWNSIZE, ROLLBACK)


def plan_steps(spec: DeploymentSpec, *, wait_for_image: bool = False) -> list[str]:
    """The steps a deployment of `spec` runs, in order. Rollback is not planned: it is added when needed.

    `wait_for_image` puts WaitForImage first (event-started deployments wait for replication).
    A scale-down delay only means something when the old scale set is downsized afterwards.
    """
    steps = [WAIT_FOR_IMAGE] if wait_for_image else []
    steps += [SETUP, UPGRADE]
    if spec.approval is not None and spec.approval.required:
        steps.append(APPROVAL)
    steps.append(SWAP)
    if spec.downsize_old_vmss and spec.scale_down_delay_seconds > 0:
        steps.append(SCALE_DOWN_DELAY)
    if spec.downsize_old_vmss:
        steps.append(DOWNSIZE)
    return steps


def format_timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z (`2026-11-26T05:33:00Z`); a naive datetime is taken as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds") + "Z"


def parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class StepRecord:
    name: str
    status: StepStatus = StepStatus.PENDING
    started_at: datetime | None = None
    ended_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": str(self.status),
            "startedAt": format_timestamp(self.started_at),
            "endedAt": format_timestamp(self.ended_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepRecord:
        return cls(
            name=data["name"],
            status=StepStatus(data.get("status", StepStatus.PENDING)),
            started_at=parse_timestamp(data.get("startedAt")),
            ended_at=parse_timestamp(data.get("endedAt")),
        )


@dataclass(frozen=True)
class Progress:
    """The step list of one deployment. Every change returns a new Progress (replay-safe).

    Changing a step that was not planned (Rollback, or anything unexpected) appends it, so the
    list always says what actually ran.
    """

    steps: tuple[StepRecord, ...] = ()

    @classmethod
    def planned(cls, names: list[str] | tuple[str, ...]) -> Progress:
        return cls(tuple(StepRecord(name) for name in names))

    def get(self, name: str) -> StepRecord | None:
        return next((step for step in self.steps if step.name == name), None)

    def _with(self, name: str, change: dict[str, Any]) -> Progress:
        if self.get(name) is None:
            return Progress((*self.steps, replace(StepRecord(name), **change)))
        return Progress(tuple(replace(s, **change) if s.name == name else s for s in self.steps))

    def start(self, name: str, now: datetime) -> Progress:
        return self._with(name, {"status": StepStatus.RUNNING, "started_at": now, "ended_at": None})

    def _end(self, name: str, status: StepStatus, now: datetime) -> Progress:
        record = self.get(name)
        started = record.started_at if record and record.started_at else None
        if started is None and status != StepStatus.SKIPPED:
            started = now
        return self._with(name, {"status": status, "started_at": started, "ended_at": now})

    def succeed(self, name: str, now: datetime) -> Progress:
        return self._end(name, StepStatus.SUCCEEDED, now)

    def fail(self, name: str, now: datetime) -> Progress:
        return self._end(name, StepStatus.FAILED, now)

    def skip(self, name: str, now: datetime) -> Progress:
        return self._end(name, StepStatus.SKIPPED, now)

    def skip_pending(self, now: datetime) -> Progress:
        """Mark every step not yet started as Skipped (the deployment ended early)."""
        return Progress(
            tuple(
                replace(s, status=StepStatus.SKIPPED, ended_at=now) if s.status == StepStatus.PENDING else s
                for s in self.steps
            )
        )

    @property
    def current(self) -> str | None:
        """The running step, if any (the HTTP API's `phase`)."""
        return next((s.name for s in self.steps if s.status == StepStatus.RUNNING), None)

    def to_json(self) -> list[dict[str, Any]]:
        return [step.to_json() for step in self.steps]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> Progress:
        return cls(tuple(StepRecord.from_json(item) for item in data))
