"""Deployment and step statuses, step names, and the step list a deployment plans."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from domain.spec import DeploymentSpec


class DeploymentStatus(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    AWAITING_APPROVAL = "AwaitingApproval"
    PAUSED = "Paused"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ROLLED_BACK = "RolledBack"
    TERMINATED = "Terminated"


TERMINAL_STATUSES: Final = frozenset({DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED,
                                      DeploymentStatus.ROLLED_BACK, DeploymentStatus.TERMINATED})


class StepStatus(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"
    TERMINATED = "Terminated"  # running when the orchestration was terminated



SETUP: Final = "Setup"
UPGRADE: Final = "Upgrade"
APPROVAL: Final = "Approval"
RESCALE: Final = "Rescale"  # orchestration version 2 on: the tested size restored after the approval
SWAP: Final = "Swap"
SCALE_DOWN_DELAY: Final = "ScaleDownDelay"
DOWNSIZE: Final = "Downsize"
ROLLBACK: Final = "Rollback"


def plan_steps(spec: DeploymentSpec) -> list[str]:
    """The steps a deployment of `spec` runs, in order. Rollback is not planned: it is added when needed.

    A scale-down delay only means something when the old scale set is downsized afterwards.
    """
    steps = [SETUP, UPGRADE]
    if spec.approval is not None and spec.approval.required:
        steps.append(APPROVAL)
    steps.append(SWAP)
    if spec.downsize_old_vmss and spec.scale_down_delay_seconds > 0:
        steps.append(SCALE_DOWN_DELAY)
    if spec.downsize_old_vmss:
        steps.append(DOWNSIZE)
    return steps
