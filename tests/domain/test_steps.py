from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain import steps
from domain.spec import parse_spec
from domain.steps import DeploymentStatus, Progress, StepRecord, StepStatus, plan_steps
from tests.domain.builders import spec_payload

T0 = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)


def test_status_values_are_the_contract_ones():
    assert [s.value for s in DeploymentStatus] == [
        "Pending",
        "Running",
        "AwaitingApproval",
        "Succeeded",
        "Failed",
        "RolledBack",
        "Terminated",
    ]
    assert [s.value for s in StepStatus] == ["Pending", "Running", "Succeeded", "Failed", "Skipped"]
    assert DeploymentStatus.ROLLED_BACK == "RolledBack"


def test_terminal_statuses():
    assert {s for s in DeploymentStatus if s.is_terminal} == {
        "Succeeded",
        "Failed",
        "RolledBack",
        "Terminated",
    }


def test_step_names():
    assert (steps.SETUP, steps.UPGRADE, steps.APPROVAL, steps.SWAP) == (
        "Setup",
        "Upgrade",
        "Approval",
        "Swap",
    )
    assert (steps.SCALE_DOWN_DELAY, steps.DOWNSIZE, steps.ROLLBACK, steps.WAIT_FOR_IMAGE) == (
        "ScaleDownDelay",
        "Downsize",
        "Rollback",
        "WaitForImage",
    )


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


def test_event_started_deployments_wait_for_the_image_first():
    assert plan_steps(parse_spec(spec_payload()), wait_for_image=True)[:2] == ["WaitForImage", "Setup"]


def test_step_record_json_shape():
    record = StepRecord("Setup", StepStatus.SUCCEEDED, T0, T0 + timedelta(seconds=3, milliseconds=250))
    assert record.to_json() == {
        "name": "Setup",
        "status": "Succeeded",
        "startedAt": "2026-11-26T05:00:00Z",
        "endedAt": "2026-11-26T05:00:03.250Z",
    }
    assert StepRecord.from_json(record.to_json()) == record
    assert StepRecord("Swap").to_json() == {
        "name": "Swap",
        "status": "Pending",
        "startedAt": None,
        "endedAt": None,
    }


def test_step_record_timestamps_are_utc_whatever_the_zone_or_naive():
    paris = timezone(timedelta(hours=1))
    assert (
        StepRecord("Setup", started_at=datetime(2026, 1, 1, 6, tzinfo=paris)).to_json()["startedAt"]
        == "2026-01-01T05:00:00Z"
    )
    assert (
        StepRecord("Setup", started_at=datetime(2026, 1, 1, 5)).to_json()["startedAt"]
        == "2026-01-01T05:00:00Z"
    )


def test_progress_through_a_successful_deployment():
    progress = Progress.planned(["Setup", "Upgrade", "Swap"])
    progress = progress.start("Setup", T0)
    assert progress.current == "Setup"
    progress = progress.succeed("Setup", T0 + timedelta(seconds=5)).start(
        "Upgrade", T0 + timedelta(seconds=5)
    )
    assert progress.current == "Upgrade"
    setup = progress.get("Setup")
    assert (setup.status, setup.started_at, setup.ended_at) == (
        StepStatus.SUCCEEDED,
        T0,
        T0 + timedelta(seconds=5),
    )
    assert [s["status"] for s in progress.to_json()] == ["Succeeded", "Running", "Pending"]


def test_progress_is_immutable():
    planned = Progress.planned(["Setup"])
    planned.start("Setup", T0)
    assert planned.get("Setup").status == StepStatus.PENDING


def test_failure_then_rollback_appends_rollback_and_skips_the_rest():
    progress = (
        Progress.planned(["Setup", "Upgrade", "Swap", "Downsize"]).start("Setup", T0).succeed("Setup", T0)
    )
    progress = progress.start("Upgrade", T0).fail("Upgrade", T0 + timedelta(minutes=20))
    progress = progress.start("Rollback", T0 + timedelta(minutes=20)).succeed(
        "Rollback", T0 + timedelta(minutes=21)
    )
    progress = progress.skip_pending(T0 + timedelta(minutes=21))
    assert [(s.name, s.status) for s in progress.steps] == [
        ("Setup", "Succeeded"),
        ("Upgrade", "Failed"),
        ("Swap", "Skipped"),
        ("Downsize", "Skipped"),
        ("Rollback", "Succeeded"),
    ]
    assert progress.get("Swap").started_at is None
    assert progress.current is None


def test_ending_a_step_never_started_gives_it_a_start_time_unless_skipped():
    progress = Progress.planned(["Setup", "Approval"]).fail("Setup", T0).skip("Approval", T0)
    assert progress.get("Setup").started_at == T0
    assert progress.get("Approval").started_at is None and progress.get("Approval").ended_at == T0


def test_progress_round_trips_through_json():
    progress = Progress.planned(["Setup", "Upgrade"]).start("Setup", T0)
    assert Progress.from_json(progress.to_json()) == progress
