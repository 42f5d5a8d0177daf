"""The orchestrator's flow against a scripted Azure (tests/orchestrators/driver.py): what it decides
when something fails, without a host."""

from __future__ import annotations

from tests.orchestrators.driver import Azure, Task, autoscale_of, run, summary


def test_a_deployment_against_a_scripted_azure_swaps_and_downsizes():
    azure = Azure()
    outcome, context = run(azure)
    assert outcome["status"] == "Succeeded" and context.custom_status["status"] == "Succeeded"
    routes = [(t.payload["name"], t.payload["bg_version"]) for t in azure.activities("route_scale_set")]
    assert routes == [("web__2", "BLUE"), ("web__1", "GREEN")]
    assert [(t.payload["name"], t.payload["capacity"]) for t in azure.activities("resize_scale_set")] == \
        [("web__2", 2), ("web__1", 0)]


def test_a_skipped_deployment_shows_no_failed_step():
    # An event for the version already running: nothing to do, and nothing failed.
    azure = Azure(old=summary("web__1", 2, revision=1, image="1.1.0", pools=("prod",)))
    outcome, context = run(azure, source="eventgrid")
    assert outcome["status"] == "Succeeded" and outcome["phase"] == "Skipped"
    assert [s["status"] for s in context.custom_status["steps"]] == ["Succeeded", "Skipped", "Skipped", "Skipped"]
    assert azure.activities("create_scale_set") == []


def test_a_lock_that_cannot_be_released_does_not_turn_a_success_into_a_failure():
    # The lock is taken over once the orchestration has ended (triggers/liveness.py): losing the release
    # must not replace the deployment's outcome with an orchestration failure.
    azure = Azure(answers={"release_target_lock": Exception("Activity function 'release_target_lock' failed: "
                                                            "storage unavailable")})
    outcome, context = run(azure)
    assert outcome["status"] == "Succeeded" and context.custom_status["status"] == "Succeeded"


def test_with_approval_the_new_autoscale_is_attached_after_the_approval_not_before_the_wait():
    # Attached before, it would scale the idle new scale set (stage pool, no load) in during the wait.
    # Version 3 attached it just before the swap's routing; version 4 once the new scale set serves prod.
    for version in ("3", "4"):
        azure = Azure(autoscale=autoscale_of("web__1"),
                      events={"approval": {"decision": "approve", "token": "token-1"}})
        outcome, _ = run(azure, version=version, approval={"required": True, "timeoutMinutes": 60})
        assert outcome["status"] == "Succeeded"
        order = [t.name for t in azure.calls if t.kind in ("activity", "any", "sub")]
        attached = [i for i, t in enumerate(azure.calls) if t.name == "put_autoscale"]
        assert len(attached) == 1 and azure.calls[attached[0]].payload["setting"]["name"] == "web__2_Autoscale"
        assert order.index("any") < order.index("put_autoscale"), order
        into_prod = order.index("route_scale_set")
        if version == "3":
            assert order.index("put_autoscale") < into_prod, order
        else:  # after the verified way into prod (its steady-state wait) and the old one's exit
            assert order.index("put_autoscale") > order.index("steady_state_wait", into_prod), order
            assert order.index("put_autoscale") > len(order) - 1 - order[::-1].index("route_scale_set"), order


def test_a_rollback_tags_an_old_scale_set_that_never_left_prod_blue_without_rolling_its_model_out():
    # A lineage whose serving scale set is not tagged BLUE (CONTRACT §4: after a rollback it is).
    old = summary("web__1", 2, revision=1, pools=("prod",))
    old["tags"]["BG_VERSION"] = "GREEN"
    azure = Azure(old=old, answers={"clear_autoscale": Exception("refused")}, autoscale=autoscale_of("web__1"))
    outcome, _ = run(azure)
    assert outcome["status"] == "RolledBack" and outcome["error"].startswith("Upgrade: ")
    routes = [t.payload for t in azure.activities("route_scale_set")]
    assert [(r["name"], r["remove_pool_ids"], r["add_pool_ids"], r["bg_version"]) for r in routes] == \
        [("web__1", [], [], "BLUE")]


def test_a_rollback_from_before_the_swap_does_not_touch_an_old_scale_set_tagged_blue():
    azure = Azure(answers={"clear_autoscale": Exception("refused")}, autoscale=autoscale_of("web__1"))
    outcome, _ = run(azure)
    assert outcome["status"] == "RolledBack"
    assert [t.payload["name"] for t in azure.calls if t.kind == "activity" and "web__1" == (t.payload or {}).get(
        "name")] == []


def test_after_a_rollback_the_steps_that_never_ran_are_skipped_not_pending():
    azure = Azure(answers={"clear_autoscale": Exception("refused")}, autoscale=autoscale_of("web__1"))
    outcome, context = run(azure)
    assert outcome["status"] == "RolledBack"
    steps = [(s["name"], s["status"]) for s in context.custom_status["steps"]]
    assert steps == [("Setup", "Succeeded"), ("Upgrade", "Failed"), ("Swap", "Skipped"), ("Downsize", "Skipped"),
                     ("Rollback", "Succeeded")]
    assert all(s["startedAt"] is None for s in context.custom_status["steps"] if s["status"] == "Skipped")


def test_a_busy_target_fails_the_deployment_with_every_step_skipped():
    azure = Azure(answers={"acquire_target_lock": {"acquired": False, "holder": "dep-0"}})
    outcome, context = run(azure)
    assert outcome["status"] == "Failed" and "dep-0" in outcome["error"]
    assert {s["status"] for s in context.custom_status["steps"]} == {"Skipped"}


def test_an_operator_decision_is_logged_in_plain_words():
    for decision, words in (("approve", "Deployment approved by [function key]"),
                            ("reject", "Deployment rejected by [function key]")):
        azure = Azure(events={"approval": {"decision": decision, "token": "token-1"}})
        run(azure, approval={"required": True, "timeoutMinutes": 60})
        lines = [line for t in azure.activities("append_log") for line in t.payload["lines"]]
        assert words in lines


def test_the_old_scale_set_is_downsized_with_the_activity_saying_so():
    azure = Azure()
    run(azure)
    downsize = [t.payload for t in azure.activities("resize_scale_set") if t.payload["name"] == "web__1"]
    assert downsize == [{**downsize[0], "capacity": 0, "downsizing_old": True}]


def test_an_abort_before_anything_was_created_fails_the_deployment_and_creates_nothing():
    azure = Azure(events={"abort": {}})
    outcome, context = run(azure)
    assert (outcome["status"], outcome["error"]) == ("Failed", "Aborted by operator")
    assert azure.activities("create_scale_set") == [] and azure.activities("retire_scale_set") == []
    assert {s["name"]: s["status"] for s in context.custom_status["steps"]}["Setup"] == "Failed"


def test_an_approval_event_without_the_token_is_logged_ignored_and_the_timeout_decides():
    azure = Azure(events={"approval": {"decision": "approve"}})
    outcome, context = run(azure, approval={"required": True, "timeoutMinutes": 5, "onTimeout": "reject"})
    assert outcome["status"] == "RolledBack" and "timed out" in outcome["error"]
    lines = [line for t in azure.activities("append_log") for line in t.payload["lines"]]
    assert "Ignored an approval event without the current approval token" in lines
    approval = context.custom_status["approval"]
    assert (approval["token"], approval["decision"], approval["decidedBy"]) == ("token-1", "reject", "timeout")
    assert azure.activities("route_scale_set") == []  # never swapped in


def test_an_approval_with_the_token_records_who_decided_and_why():
    azure = Azure(events={"approval": {"decision": "approve", "token": "token-1", "decidedBy": "alice@contoso.com",
                                       "comment": "go"}})
    outcome, context = run(azure, approval={"required": True, "timeoutMinutes": 60})
    assert outcome["status"] == "Succeeded"
    approval = context.custom_status["approval"]
    assert (approval["decision"], approval["decidedBy"], approval["comment"]) == ("approve", "alice@contoso.com", "go")
    assert approval["decidedAt"] is not None and approval["timeoutAt"] > approval["requestedAt"]


REPLICATING = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/web/"
                     "versions/1.1.0", "name": "1.1.0", "provisioning_state": "Succeeded",
               "replication_state": "InProgress", "region_states": {"westus": "InProgress"}}


def test_version_4_takes_the_lineage_from_the_validation_and_reads_it_no_second_time():
    azure = Azure()
    outcome, _ = run(azure, version="4")
    assert outcome["status"] == "Succeeded"
    assert [t.payload["read_lineage"] for t in azure.activities("validate_target")] == [True]
    assert azure.activities("inspect_lineage") == []
    # what the lineage said still decides: the active scale set is the one replaced
    assert [t.payload["name"] for t in azure.activities("route_scale_set")] == ["web__2", "web__1"]


def test_version_4_reads_the_lineage_again_after_waiting_for_the_image():
    # Minutes or hours of replication: what the validation saw of the lineage may have changed.
    validated = Azure().default(Task("activity", "validate_target", {}))
    azure = Azure(answers={"validate_target": lambda payload: {**validated, "image": REPLICATING,
                                                               "lineage": {"members": [], "active": None,
                                                                           "active_autoscale": None, "names": []}},
                           "check_image_version": {**REPLICATING, "replication_state": "Completed",
                                                   "region_states": {"westus": "Completed"}}})
    outcome, _ = run(azure, version="4")
    assert outcome["status"] == "Succeeded"
    assert len(azure.activities("check_image_version")) == 1 and len(azure.activities("inspect_lineage")) == 1
    assert [t.payload["name"] for t in azure.activities("route_scale_set")] == ["web__2", "web__1"]


def test_version_3_reads_the_lineage_on_its_own_as_it_recorded():
    azure = Azure()
    run(azure, version="3")
    assert [t.payload.get("read_lineage") for t in azure.activities("validate_target")] == [False]
    assert len(azure.activities("inspect_lineage")) == 1
