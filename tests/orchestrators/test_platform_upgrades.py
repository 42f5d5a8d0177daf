"""Upgrade policies Automatic and Rolling against a scripted Azure: from orchestration version 4 a route whose
result says Azure rolls the model out by itself (`platform_upgrades`) is followed by a wait until every
instance runs the latest model, the old scale set's exit from prod included, before anything scales it in.
Versions 1 to 3 go on at once, as their recorded histories did."""

from __future__ import annotations

from typing import Any

from domain.contracts import UndoInput
from domain.view import ReplacedScaleSet
from orchestrators.undo import UndoDeployment
from tests.orchestrators.driver import Azure, FakeContext, autoscale_of, drive, run, spec
from tests.orchestrators.test_undo_flow import REVIVED, UNDONE, lineage, writes


def rolled_by_azure(payload: dict[str, Any]) -> dict[str, Any]:
    """Azure's answer to a pool move under Rolling: no manual upgrade, the platform rolls it out."""
    moves = bool(payload["remove_pool_ids"] or payload["add_pool_ids"])
    return {"changed": True, "upgraded": 0, "platform_upgrades": moves}


def waits(azure: Azure) -> list[tuple]:
    return [(t.payload["name"], t.payload["target"], t.payload["require_latest_model"], t.payload["at_least_target"],
             t.payload["health_monitored"], t.payload["purpose"]) for t in azure.activities("steady_state_wait")]


def test_the_old_scale_set_is_followed_out_of_prod_before_the_downsize_scales_it_in():
    azure = Azure(answers={"route_scale_set": rolled_by_azure})
    outcome, context = run(azure, version="4")
    assert outcome["status"] == "Succeeded", outcome
    order = [(t.name, (t.payload or {}).get("name")) for t in azure.activities() if t.name != "append_log"]
    route_out = order.index(("route_scale_set", "web__1"))
    assert order[route_out + 1] == ("steady_state_wait", "web__1")
    assert order.index(("resize_scale_set", "web__1")) > route_out + 1
    # Where the old instances are is what is waited for, not how many (its autoscale, still attached, may
    # scale it in meanwhile) nor their health.
    assert waits(azure)[-1] == ("web__1", 0, True, True, False, "out of the prod backend pool")
    # The deployment's counts stay the new scale set's.
    assert context.custom_status["capacity"]["desired"] == 2


def test_versions_before_4_and_manual_scale_sets_go_on_after_the_route():
    manual = {"changed": True, "upgraded": 2, "platform_upgrades": False}
    for version, answer in (("3", rolled_by_azure), ("4", manual)):
        azure = Azure(answers={"route_scale_set": answer})
        outcome, _ = run(azure, version=version)
        assert outcome["status"] == "Succeeded", outcome
        assert [w[0] for w in waits(azure)] == ["web__2", "web__2"], version  # Upgrade, and the way into prod


def test_an_old_scale_set_that_never_leaves_prod_fails_the_swap_and_is_restored_with_its_autoscale():
    def never_out(payload: dict[str, Any]) -> dict[str, Any]:
        if payload["name"] == "web__1" and payload["purpose"] == "out of the prod backend pool":
            return {"steady": False, "counts": {"total": 2}, "reason": "Timed out waiting for [web__1]",
                    "timedOut": True}
        return {"steady": True, "counts": {"total": payload["target"], "provisioned": payload["target"]},
                "reason": None}

    azure = Azure(answers={"route_scale_set": rolled_by_azure, "steady_state_wait": never_out},
                  autoscale=autoscale_of("web__1"))
    outcome, _ = run(azure, version="4")
    assert outcome["status"] == "RolledBack" and outcome["error"].startswith("Swap: Timed out"), outcome
    assert not [t for t in azure.activities("resize_scale_set") if t.payload["name"] == "web__1"
                and t.payload["capacity"] == 0]
    on_old = [(t.name, t.payload.get("bg_version")) for t in azure.activities()
              if t.name != "append_log" and (t.payload.get("name") == "web__1"
                                             or t.payload.get("setting", {}).get("name") == "web__1-autoscale")]
    # (The timed-out wait is asked again until its deadline has passed on the orchestration clock.)
    on_old = [entry for i, entry in enumerate(on_old) if i == 0 or entry != on_old[i - 1]]
    # Its setting still attached (no Downsize ran), the old scale set is cleared of it before the rollback
    # resizes it, and gets it back once it serves prod again.
    assert on_old[on_old.index(("route_scale_set", "GREEN")):] == [
        ("route_scale_set", "GREEN"), ("steady_state_wait", None), ("clear_autoscale", None),
        ("resize_scale_set", None), ("route_scale_set", "BLUE"), ("steady_state_wait", None),
        ("put_autoscale", None)]


def run_undo(azure: Azure, version: str | None) -> dict[str, Any]:
    request = UndoInput(deployment_id="undo-1", spec=spec(), lock_key="key", undoes="dep-1", undone_vmss=UNDONE,
                        revived=ReplacedScaleSet(name=REVIVED, capacity=3).to_json())
    context = FakeContext(request.to_json(), version)
    return drive(UndoDeployment(context).run(), context, azure)


def test_an_undo_follows_the_revived_scale_set_into_the_stage_pool_and_out_of_prod_when_parked():
    def revived_out_times_out(payload: dict[str, Any]) -> dict[str, Any]:
        if payload["name"] == UNDONE and payload["purpose"] == "out of the prod backend pool":
            return {"steady": False, "counts": {"total": 2}, "reason": "Timed out", "timedOut": True}
        return {"steady": True, "counts": {"total": payload["target"]}, "reason": None}

    azure = Azure(answers={"inspect_lineage": lineage(), "route_scale_set": rolled_by_azure,
                           "steady_state_wait": revived_out_times_out})
    outcome = run_undo(azure, "4")
    assert outcome["status"] == "RolledBack", outcome
    found = writes(azure)
    assert found[:4] == [("clear_autoscale", REVIVED), ("route", REVIVED, [], ["stage"], "GREEN"),
                         ("resize", REVIVED, 3), ("wait", REVIVED, 3, True)]
    assert found[-4:] == [("clear_autoscale", REVIVED), ("route", REVIVED, ["prod", "stage"], [], "GREEN"),
                          ("wait", REVIVED, 0, True), ("resize", REVIVED, 0)]

    azure = Azure(answers={"inspect_lineage": lineage(), "route_scale_set": rolled_by_azure,
                           "steady_state_wait": revived_out_times_out})
    assert run_undo(azure, "3")["status"] == "Succeeded"  # version 3 never saw the undone one's exit
    assert writes(azure)[3] == ("wait", REVIVED, 3, False)
    assert not [w for w in waits(azure) if w[5].startswith("out of")]
