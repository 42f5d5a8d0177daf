"""When a deployment may be undone, what the undo deploys with, and what its rollback does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.lineage import LineageMember
from domain.model import ScaleSetSummary
from domain.rollout import Done, RestoreOldAutoscale, RestoreOldToProd
from domain.spec import parse_spec
from domain.steps import plan_steps
from domain.undo import UNDO_STEPS, ParkRevived, revival_problem, undo_refusal, undo_rollback_plan, undo_spec
from domain.view import DeploymentView, ReplacedScaleSet

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TARGET = {"subscription_id": "sub", "resource_group": "rg", "infrastructure_id": "web"}


def deployment(id: str, minutes: int, status: str = "Succeeded", **fields) -> DeploymentView:
    values = {"id": id, "status": status, "phase": "Completed", "created_at": T0 + timedelta(minutes=minutes),
              "new_vmss": f"web__{minutes}", "old_vmss": "web__0", "replaced": ReplacedScaleSet(name="web__0", capacity=2),
              **TARGET, **fields}
    return DeploymentView(**values)


def test_the_latest_succeeded_deployment_of_a_target_may_be_undone():
    latest = deployment("d2", 2)
    others = [deployment("d1", 1), latest, deployment("d3", 3, status="RolledBack"),
              deployment("d4", 4, status="Succeeded", phase="Skipped"), deployment("d5", 5, resource_group="other")]
    assert undo_refusal(latest, others) is None


def test_a_later_deployment_or_undo_that_changed_prod_makes_it_not_the_latest():
    first = deployment("d1", 1)
    assert "not the latest" in (undo_refusal(first, [first, deployment("d2", 2)]) or "")
    assert "not the latest" in (undo_refusal(first, [first, deployment("u1", 2, kind="undo")]) or "")


def test_an_undo_a_failed_a_skipped_or_a_first_deployment_cannot_be_undone():
    assert "itself an undo" in undo_refusal(deployment("u1", 1, kind="undo"), []) or ""
    assert "is RolledBack, not Succeeded" in undo_refusal(deployment("d1", 1, status="RolledBack"), []) or ""
    assert "skipped" in undo_refusal(deployment("d1", 1, phase="Skipped"), []) or ""
    assert "replaced no scale set" in undo_refusal(deployment("d1", 1, old_vmss=None, replaced=None), []) or ""


def test_the_undo_runs_without_approval_or_delay_and_always_downsizes_the_undone_scale_set():
    original = {"subscriptionId": "8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b", "resourceGroup": "rg", "name": "web",
                "baseVmss": "base", "loadBalancer": "lb", "prodBackendPool": "prod", "stageBackendPool": "stage",
                "image": "/subscriptions/8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b/resourceGroups/rg/providers/"
                         "Microsoft.Compute/galleries/g/images/i/versions/1.0.0",
                "approval": {"required": True}, "scaleDownDelaySeconds": 600, "downsizeOldVmss": False}
    spec = parse_spec(undo_spec(original))
    assert spec.approval is None and spec.scale_down_delay_seconds == 0 and spec.downsize_old_vmss
    assert tuple(plan_steps(spec)) == UNDO_STEPS


def member(name: str, capacity: int, revision: int) -> LineageMember:
    return LineageMember(ScaleSetSummary(name, f"/x/{name}", "westus", {}, capacity), revision, None)


def test_azure_must_still_show_the_undone_scale_set_serving_and_the_revived_one_present():
    old, new = member("web__1", 0, 1), member("web__2", 2, 2)
    assert revival_problem([old, new], new, "web__2", "web__1") is None
    assert "no longer exists" in (revival_problem([new], new, "web__2", "web__1") or "")
    assert "no longer the active one" in (revival_problem([old, new], old, "web__2", "web__1") or "")


def test_a_failed_undo_gives_prod_back_to_the_undone_scale_set_before_parking_the_revived_one():
    undone = ScaleSetSummary("web__2", "/x/web__2", "westus", {"BG_VERSION": "BLUE"}, 2)
    assert undo_rollback_plan(frozenset(), undone, True, "web__1") == []
    assert undo_rollback_plan(frozenset({Done.NEW_CREATED}), undone, True, "web__1") == [ParkRevived("web__1")]
    everything = frozenset({Done.NEW_CREATED, Done.OLD_LEFT_PROD, Done.OLD_AUTOSCALE_CLEARED, Done.OLD_DOWNSIZED})
    assert undo_rollback_plan(everything, undone, True, "web__1") == [
        RestoreOldToProd("web__2", 2), RestoreOldAutoscale(), ParkRevived("web__1")]
