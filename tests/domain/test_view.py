"""The deployment resource (CONTRACT §5) and its steps: one model, one timestamp format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from domain.model import InstanceCounts
from domain.steps import DeploymentStatus, StepStatus
from domain.view import (
    CapacityView,
    DeploymentView,
    ReplacedScaleSet,
    StepRecord,
    iso_instant,
    parse_instant,
    planned_view,
)

T0 = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
CONTRACT_FIELDS = ["id", "kind", "status", "phase", "revision", "newVmss", "oldVmss", "capacity", "steps", "approval",
                   "error", "warnings", "createdAt", "updatedAt"]


def test_the_resource_has_the_contract_fields_and_names_its_target_and_source():
    view = DeploymentView(id="dep-1", resource_group="rg").to_json()
    assert list(view)[:len(CONTRACT_FIELDS)] == CONTRACT_FIELDS
    assert list(view)[len(CONTRACT_FIELDS):] == ["subscriptionId", "resourceGroup", "infrastructureId", "source",
                                                    "undoes"]
    assert (view["kind"], view["approval"], view["warnings"], view["resourceGroup"]) == ("deploy", None, [], "rg")
    assert view["capacity"] == {"desired": None, "current": None, "healthy": None}


def test_instants_are_utc_with_microseconds_and_a_z_whatever_the_zone_or_naive():
    paris = timezone(timedelta(hours=1))
    assert iso_instant(datetime(2026, 1, 1, 6, tzinfo=paris)) == "2026-01-01T05:00:00.000000Z"
    assert iso_instant(datetime(2026, 1, 1, 5, 0, 3, 250_000)) == "2026-01-01T05:00:03.250000Z"
    assert parse_instant(iso_instant(T0)) == T0


def test_a_step_record_dumps_its_times_in_the_one_format_and_reads_them_back():
    record = StepRecord(name="Setup", status=StepStatus.SUCCEEDED, started_at=T0, ended_at=T0 + timedelta(seconds=3))
    data = record.to_json()
    assert data == {"name": "Setup", "status": "Succeeded", "startedAt": "2026-11-26T05:00:00.000000Z",
                    "endedAt": "2026-11-26T05:00:03.000000Z"}
    assert StepRecord.model_validate(data) == record


def test_progress_through_steps_returns_new_views_and_leaves_the_old_one_alone():
    planned = planned_view(["Setup", "Upgrade", "Swap"])
    started = planned.step_started("Setup", T0)
    assert planned.step("Setup").status == StepStatus.PENDING
    done = started.step_ended("Setup", StepStatus.SUCCEEDED, T0 + timedelta(seconds=5))
    setup = done.step("Setup")
    assert (setup.status, setup.started_at, setup.ended_at) == (StepStatus.SUCCEEDED, T0, T0 + timedelta(seconds=5))


def test_after_a_failure_steps_that_never_ran_are_skipped_and_the_rollback_is_appended():
    view = planned_view(["Setup", "Upgrade", "Swap", "Downsize"]).step_started("Setup", T0)
    view = view.step_ended("Setup", StepStatus.SUCCEEDED, T0).step_started("Upgrade", T0)
    view = view.step_ended("Upgrade", StepStatus.FAILED, T0).skip_pending()
    view = view.step_started("Rollback", T0).step_ended("Rollback", StepStatus.SUCCEEDED, T0)
    assert [(s.name, s.status) for s in view.steps] == [
        ("Setup", "Succeeded"), ("Upgrade", "Failed"), ("Swap", "Skipped"), ("Downsize", "Skipped"),
        ("Rollback", "Succeeded")]
    assert view.step("Swap").started_at is None and view.step("Swap").ended_at is None


def test_the_custom_status_round_trips_and_carries_the_wait_to_follow():
    view = planned_view(["Setup"]).model_copy(update={"wait_instance_id": "dep-1-wait-1", "revision": 2})
    status = view.to_status()
    assert status["waitInstanceId"] == "dep-1-wait-1" and "waitInstanceId" not in view.to_json()
    assert DeploymentView.from_json(status) == view


def test_a_custom_status_from_an_older_version_still_reads():
    old = {"status": "Running", "phase": "Upgrade", "revision": 2, "newVmss": "web__2", "oldVmss": "web__1",
           "capacity": {"desired": 4, "current": 1, "healthy": 0}, "error": None, "waitInstanceId": None,
           "steps": [{"name": "Setup", "status": "Succeeded", "startedAt": "2026-11-26T05:00:00.000000Z",
                      "endedAt": "2026-11-26T05:00:01.000000Z"}]}
    view = DeploymentView.from_json(old)
    assert view.status == DeploymentStatus.RUNNING and view.kind == "deploy" and view.warnings == ()
    assert view.to_json()["steps"] == old["steps"]


def test_capacity_counts_provisioned_instances_as_healthy_where_health_is_not_monitored():
    monitored = InstanceCounts(total=3, provisioned=3, healthy=1, failed=0, latest_model=3, health_reported=3)
    unmonitored = InstanceCounts(total=3, provisioned=2, healthy=0, failed=0, latest_model=3, health_reported=0)
    assert CapacityView.of(monitored, 4) == CapacityView(desired=4, current=3, healthy=1)
    assert CapacityView.of(unmonitored, 4) == CapacityView(desired=4, current=3, healthy=2)


def test_what_an_undo_needs_is_kept_in_the_status_but_not_shown_in_the_resource():
    replaced = ReplacedScaleSet(name="x__1", capacity=3, autoscale={"name": "x__1_Autoscale"})
    view = DeploymentView(id="dep-1", replaced=replaced)
    assert "replaced" not in view.to_json()
    status = view.to_status()
    assert status["replaced"] == {"name": "x__1", "capacity": 3, "autoscale": {"name": "x__1_Autoscale"}}
    assert DeploymentView.from_json(status).replaced == replaced
