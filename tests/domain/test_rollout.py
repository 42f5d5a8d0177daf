"""The orchestrator's decisions: when autoscale is attached, what a rollback does, which event versions deploy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.model import ScaleSetSummary
from domain.rollout import (
    AutoscaleAttach,
    ClearOldAutoscale,
    Done,
    Pause,
    RestoreOldAutoscale,
    RestoreOldToProd,
    RetireNew,
    TagOldBlue,
    accepted_approval,
    autoscale_attach_point,
    downsize_warning,
    paused_within,
    rollback_plan,
    version_order_skip,
)

IMAGE = ("/subscriptions/8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b/resourceGroups/rg/providers/Microsoft.Compute/"
         "galleries/g/images/{}/versions/{}")


def running(version: str, image: str = "web", bg_version: str = "BLUE") -> ScaleSetSummary:
    return ScaleSetSummary("web__1", "id", "westus", {"BG_VERSION": bg_version}, 2, image_id=IMAGE.format(image, version))


# -- autoscale ------------------------------------------------------------------------------------

@pytest.mark.parametrize("approval, old_first, downsize, expected", [
    (False, False, True, AutoscaleAttach.AFTER_UPGRADE),
    (False, False, False, AutoscaleAttach.AFTER_UPGRADE),
    (True, False, True, AutoscaleAttach.BEFORE_SWAP_ROUTING),
    (True, True, True, AutoscaleAttach.AFTER_DOWNSIZE),
    (False, True, True, AutoscaleAttach.AFTER_DOWNSIZE),
    (False, True, False, AutoscaleAttach.AFTER_SWAP),
    (True, True, False, AutoscaleAttach.AFTER_SWAP),
])
def test_autoscale_is_attached_once_at_the_moment_the_strategy_and_approval_allow(approval, old_first, downsize,
                                                                                  expected):
    assert autoscale_attach_point(approval_required=approval, downsize_old_first=old_first,
                                  downsize_old_vmss=downsize) == expected


def test_with_approval_autoscale_never_waits_attached_in_the_stage_pool():
    for old_first in (False, True):
        for downsize in (False, True):
            assert autoscale_attach_point(approval_required=True, downsize_old_first=old_first,
                                          downsize_old_vmss=downsize) != AutoscaleAttach.AFTER_UPGRADE


# -- rollback -------------------------------------------------------------------------------------

def test_nothing_to_roll_back_before_the_new_scale_set_is_created():
    assert rollback_plan(frozenset(), running("1.0.0"), True, "web__2") == []


def test_a_rollback_before_the_swap_only_retires_the_new_scale_set():
    plan = rollback_plan(frozenset({Done.NEW_CREATED}), running("1.0.0"), True, "web__2")
    assert plan == [RetireNew("web__2")]


def test_an_old_scale_set_that_never_left_prod_but_is_not_blue_is_only_retagged():
    plan = rollback_plan(frozenset({Done.NEW_CREATED}), running("1.0.0", bg_version="GREEN"), False, "web__2")
    assert plan == [TagOldBlue("web__1"), RetireNew("web__2")]


def test_after_the_swap_the_old_scale_set_serves_again_before_the_new_one_goes():
    plan = rollback_plan(frozenset({Done.NEW_CREATED, Done.OLD_LEFT_PROD}), running("1.0.0"), True, "web__2")
    assert plan == [RestoreOldToProd("web__1", 2), RetireNew("web__2")]


def test_after_a_downsize_the_old_capacity_and_autoscale_come_back():
    done = frozenset({Done.NEW_CREATED, Done.OLD_LEFT_PROD, Done.OLD_AUTOSCALE_CLEARED, Done.OLD_DOWNSIZED})
    plan = rollback_plan(done, running("1.0.0"), True, "web__2")
    assert plan == [RestoreOldToProd("web__1", 2), RestoreOldAutoscale(), RetireNew("web__2")]


def test_an_old_scale_set_without_autoscale_gets_none_back():
    done = frozenset({Done.NEW_CREATED, Done.OLD_LEFT_PROD, Done.OLD_AUTOSCALE_CLEARED, Done.OLD_DOWNSIZED})
    assert RestoreOldAutoscale() not in rollback_plan(done, running("1.0.0"), False, "web__2")


def test_from_version_4_an_old_scale_set_resized_back_has_its_autoscale_cleared_first_and_restored_after():
    left = frozenset({Done.NEW_CREATED, Done.OLD_LEFT_PROD})  # out of prod, its setting still attached
    assert rollback_plan(left, running("1.0.0"), True, "web__2", clear_autoscale_first=True) == [
        ClearOldAutoscale("web__1"), RestoreOldToProd("web__1", 2), RestoreOldAutoscale(), RetireNew("web__2")]
    # Cleared already (Downsize), or no setting at all: nothing more to clear.
    downsized = left | {Done.OLD_AUTOSCALE_CLEARED, Done.OLD_DOWNSIZED}
    assert rollback_plan(downsized, running("1.0.0"), True, "web__2", clear_autoscale_first=True) == [
        RestoreOldToProd("web__1", 2), RestoreOldAutoscale(), RetireNew("web__2")]
    assert rollback_plan(left, running("1.0.0"), False, "web__2", clear_autoscale_first=True) == [
        RestoreOldToProd("web__1", 2), RetireNew("web__2")]
    # Never resized (it never left prod): its setting is not touched.
    assert rollback_plan(frozenset({Done.NEW_CREATED}), running("1.0.0"), True, "web__2",
                         clear_autoscale_first=True) == [RetireNew("web__2")]


def test_a_first_deployment_rolls_back_by_retiring_the_new_scale_set_alone():
    assert rollback_plan(frozenset({Done.NEW_CREATED}), None, False, "web__1") == [RetireNew("web__1")]


# -- event-driven version order -------------------------------------------------------------------

@pytest.mark.parametrize("offered, runs, skipped", [("1.0.0", "1.1.0", "older"), ("1.1.0", "1.1.0", "already"),
                                                     ("1.2.0", "1.1.0", None), ("1.10.0", "1.9.0", None)])
def test_an_event_never_deploys_an_older_or_the_same_version(offered, runs, skipped):
    reason = version_order_skip("eventgrid", IMAGE.format("web", offered), running(runs))
    assert (reason is None) if skipped is None else (skipped in reason and "web__1" in reason)


def test_an_http_request_may_deploy_any_version_even_an_older_one():
    assert version_order_skip("http", IMAGE.format("web", "1.0.0"), running("1.1.0")) is None


def test_versions_of_another_image_definition_are_not_compared():
    assert version_order_skip("eventgrid", IMAGE.format("api", "1.0.0"), running("1.1.0")) is None


def test_a_scale_set_running_a_non_gallery_image_does_not_stop_an_event():
    marketplace = ScaleSetSummary("web__1", "id", "westus", {}, 2, image_id="Canonical:ubuntu:22_04-lts:latest")
    assert version_order_skip("eventgrid", IMAGE.format("web", "1.0.0"), marketplace) is None


# -- operator actions -----------------------------------------------------------------------------

T0 = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_only_the_part_of_each_pause_inside_the_window_moves_a_deadline():
    pauses = (Pause(at(0), at(10)), Pause(at(20), at(25)), Pause(at(40), at(50)))
    assert paused_within(pauses, at(5), at(45)) == timedelta(minutes=5 + 5 + 5)
    assert paused_within(pauses, at(10), at(20)) == timedelta(0)
    assert paused_within((), at(0), at(60)) == timedelta(0)


@pytest.mark.parametrize("event", [
    {"decision": "approve"},  # early, or raised with the durable system key: no token at all
    {"decision": "approve", "token": "an-old-one"},
    {"decision": "rollback", "token": "current"},
    "approve",
    None,
])
def test_an_approval_event_without_the_current_token_or_a_decision_decides_nothing(event):
    assert accepted_approval(event, "current") is None


def test_an_approval_event_with_the_current_token_decides_and_names_the_approver():
    decided = accepted_approval({"decision": "reject", "token": "current", "decidedBy": "alice@contoso.com",
                                 "comment": "not tonight"}, "current")
    assert decided is not None
    assert (decided.decision, decided.decided_by, decided.comment) == ("reject", "alice@contoso.com", "not tonight")
    anonymous = accepted_approval({"decision": "approve", "token": "current"}, "current")
    assert anonymous is not None and anonymous.decided_by == "function key"


def test_a_downsize_warning_names_the_old_scale_set_and_what_it_may_still_run():
    old = ScaleSetSummary("web__1", "id", "westus", {"BG_VERSION": "GREEN"}, 4)
    warning = downsize_warning(old, "web__2", "Downsize: refused", downsized=False, autoscale_cleared=True)
    assert "[web__1]" in warning and "up to 4 instance(s)" in warning and "autoscale setting was cleared" in warning
    after = downsize_warning(old, "web__2", "Downsize: attach refused", downsized=True, autoscale_cleared=True)
    assert "scaled to 0" in after and "[web__2] serves prod" in after
