"""The undo orchestration against a scripted Azure (tests/orchestrators/driver.py): the revived scale set
back at its old size and autoscale through the same verified swap; a failed undo leaves the undone one
serving and parks the revived one again."""

from __future__ import annotations

from typing import Any

from domain.contracts import UndoInput
from domain.view import ReplacedScaleSet
from orchestrators.undo import UndoDeployment
from tests.orchestrators.driver import POOL, Azure, FakeContext, autoscale_of, drive, spec, summary

UNDONE, REVIVED = "web__2", "web__1"


def lineage(active: str = UNDONE) -> dict[str, Any]:
    members = [summary(REVIVED, 0, revision=1, created="20261101T000000Z"),
               summary(UNDONE, 2, revision=2, created="20261102T000000Z", pools=("prod",))]
    members[0]["tags"]["BG_VERSION"] = "GREEN"
    if active == REVIVED:  # someone brought it back by hand and downsized the undone one
        members[0]["capacity"], members[1]["capacity"] = 3, 0
        members[0]["pool_ids"], members[1]["pool_ids"] = [POOL.format("prod")], []
    return {"members": members, "active": active, "active_autoscale": autoscale_of(UNDONE), "names": []}


def run_undo(azure: Azure, revived_autoscale: dict[str, Any] | None = None) -> tuple[dict[str, Any], FakeContext]:
    request = UndoInput(deployment_id="undo-1", spec=spec(), lock_key="key", undoes="dep-1", undone_vmss=UNDONE,
                        revived=ReplacedScaleSet(name=REVIVED, capacity=3, autoscale=revived_autoscale).to_json())
    context = FakeContext(request.to_json())
    return drive(UndoDeployment(context).run(), context, azure), context


def writes(azure: Azure) -> list[tuple]:
    found = []
    for task in azure.activities():
        p = task.payload
        if task.name == "route_scale_set":
            found.append(("route", p["name"], [x.rsplit("/", 1)[-1] for x in p["remove_pool_ids"]],
                          [x.rsplit("/", 1)[-1] for x in p["add_pool_ids"]], p["bg_version"]))
        elif task.name == "resize_scale_set":
            found.append(("resize", p["name"], p["capacity"]))
        elif task.name in ("clear_autoscale", "put_autoscale"):
            found.append((task.name, p.get("name") or p["setting"]["name"]))
        elif task.name == "steady_state_wait":
            found.append(("wait", p["name"], p["target"], p["require_latest_model"]))
    return found


def test_an_undo_revives_the_replaced_scale_set_through_the_verified_swap():
    azure = Azure(answers={"inspect_lineage": lineage()})
    outcome, context = run_undo(azure, revived_autoscale=autoscale_of(REVIVED, 1, 4, 3))
    assert outcome["status"] == "Succeeded", outcome
    assert (outcome["kind"], outcome["undoes"], outcome["newVmss"], outcome["oldVmss"], outcome["revision"]) == \
        ("undo", "dep-1", REVIVED, UNDONE, 1)
    assert writes(azure) == [
        ("clear_autoscale", REVIVED),
        ("route", REVIVED, [], ["stage"], "GREEN"),
        ("resize", REVIVED, 3),
        ("wait", REVIVED, 3, False),
        ("route", REVIVED, ["stage"], ["prod"], "BLUE"),
        ("wait", REVIVED, 3, True),
        ("route", UNDONE, ["prod"], [], "GREEN"),
        ("put_autoscale", f"{REVIVED}-autoscale"),
        ("clear_autoscale", UNDONE),
        ("resize", UNDONE, 0),
    ]
    # The undo records what it replaced in turn.
    assert context.custom_status["replaced"]["name"] == UNDONE and context.custom_status["replaced"]["capacity"] == 2


def test_an_undo_that_times_out_parks_the_revived_scale_set_and_leaves_the_undone_one_serving():
    not_steady = {"steady": False, "counts": {"total": 3}, "reason": "Timed out waiting for [web__1]"}
    azure = Azure(answers={"inspect_lineage": lineage(), "steady_state_wait": not_steady})
    outcome, _ = run_undo(azure)
    assert outcome["status"] == "RolledBack" and outcome["error"] == "Upgrade: Timed out waiting for [web__1]"
    assert writes(azure)[4:] == [
        ("clear_autoscale", REVIVED),
        ("route", REVIVED, ["prod", "stage"], [], "GREEN"),
        ("resize", REVIVED, 0),
    ]


def test_an_undo_changes_nothing_when_azure_no_longer_matches_the_record():
    azure = Azure(answers={"inspect_lineage": lineage(active=REVIVED)})
    outcome, _ = run_undo(azure)
    assert outcome["status"] == "Failed" and "no longer the active one" in outcome["error"]
    assert writes(azure) == []
