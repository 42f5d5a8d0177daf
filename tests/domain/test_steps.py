from __future__ import annotations

import pytest

from domain import steps
from domain.spec import parse_spec
from domain.steps import DeploymentStatus, StepStatus, plan_steps
from tests.domain.builders import spec_payload


def test_status_values_are_the_contract_ones():
    assert [s.value for s in DeploymentStatus] == [
        "Pending",
        "Running",
        "AwaitingApproval",
        "Paused",
        "Succeeded",
        "Failed",
        "RolledBack",
        "Terminated",
    ]
    # Terminated: the step running when the orchestration was terminated (issue 14)
    assert [s.value for s in StepStatus] == ["Pending", "Running", "Succeeded", "Failed", "Skipped", "Terminated"]
    assert DeploymentStatus.ROLLED_BACK == "RolledBack"


def test_step_names():
    assert (steps.SETUP, steps.UPGRADE, steps.APPROVAL, steps.SWAP) == (
        "Setup",
        "Upgrade",
        "Approval",
        "Swap",
    )
    assert (steps.SCALE_DOWN_DELAY, steps.DOWNSIZE, steps.ROLLBACK) == ("ScaleDownDelay", "Downsize", "Rollback")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ["Setup", "Upgrade", "Swap", "Downsize"]),
        ({"approval": {}}, ["Setup", "Upgrade", "Approval", "Swap", "Downsize"]),
        ({"approval": {"required": False}}, ["Setup", "Upgrade", "Swap", "Downsize"]),
        ({"scaleDownDelaySeconds": 60}, ["Setup", "Upgrade", "Swap", "ScaleDownDelay", "Downsize"]),
        ({"downsizeOldVmss": False}, ["Setup", "Upgrade", "Swap"]),
        ({"downsizeOldVmss": False, "scaleDownDelaySeconds": 60}, ["Setup", "Upgrade", "Swap"]),
        (
            {"approval": {}, "scaleDownDelaySeconds": 1},
            ["Setup", "Upgrade", "Approval", "Swap", "ScaleDownDelay", "Downsize"],
        ),
    ],
)
def test_plan_steps(changes, expected):
    assert plan_steps(parse_spec(spec_payload(**changes))) == expected
