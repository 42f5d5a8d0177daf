"""What `vmssbg` draws, from the API's JSON alone (no stack needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from vmssbg import render
from vmssbg.watch import LogCursor


def text_of(renderable, width: int = 100) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"), color_system=None)  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def view(**overrides) -> dict:
    base = {
        "id": "d1", "kind": "deploy", "status": "Running", "phase": "Upgrade", "revision": 2,
        "newVmss": "web_api_prod__2", "oldVmss": "web_api_prod__1", "resourceGroup": "rg-demo",
        "capacity": {"desired": 4, "current": 3, "healthy": 2},
        "steps": [
            {"name": "Setup", "status": "Succeeded", "startedAt": "2026-01-01T10:00:00Z",
             "endedAt": "2026-01-01T10:00:07Z"},
            {"name": "Upgrade", "status": "Running", "startedAt": "2026-01-01T10:00:07Z", "endedAt": None},
            {"name": "Swap", "status": "Pending", "startedAt": None, "endedAt": None},
        ],
        "approval": None, "error": None, "warnings": [], "updatedAt": "2026-01-01T10:02:12Z",
    }
    base.update(overrides)
    return base


def test_exit_codes_follow_the_contract_for_each_final_status():
    assert {s: render.exit_code(view(status=s)) for s in
            ("Succeeded", "Failed", "RolledBack", "Terminated", "Running", "AwaitingApproval")} == {
        "Succeeded": 0, "Failed": 3, "RolledBack": 4, "Terminated": 5, "Running": 0, "AwaitingApproval": 0}


def test_durations_read_minutes_and_hours():
    assert [render.format_duration(s) for s in (0, 7, 59, 60, 125, 3600, 7325)] == \
        ["0s", "7s", "59s", "1m00s", "2m05s", "1h00m", "2h02m"]


def test_pipeline_shows_each_step_with_its_duration_and_a_running_step_measured_up_to_now():
    now = datetime(2026, 1, 1, 10, 1, 7, tzinfo=UTC)
    drawn = text_of(render.pipeline(view(), now))
    lines = [line.split() for line in drawn.splitlines() if line.strip()]
    assert lines == [["✔", "Setup", "Succeeded", "7s"], ["●", "Upgrade", "Running", "1m00s"],
                     ["○", "Swap", "Pending"]]


def test_a_running_step_uses_the_last_update_when_the_deployment_clock_runs_ahead_of_ours():
    """The local stack's scaled clock runs ahead: now < startedAt must not show a negative time."""
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    upgrade = view()["steps"][1]
    assert render.step_seconds(upgrade, view(), long_ago) == 125.0


def test_the_approval_step_reads_awaiting_approval_while_the_deployment_waits():
    waiting = view(status="AwaitingApproval", phase="Approval", steps=[
        {"name": "Approval", "status": "Running", "startedAt": "2026-01-01T10:00:00Z", "endedAt": None}])
    assert "AwaitingApproval" in text_of(render.pipeline(waiting, datetime(2026, 1, 1, 10, 0, 30, tzinfo=UTC)))


def test_capacity_bar_shows_healthy_then_unhealthy_then_missing_instances():
    bar = render.capacity_bar(view(), width=8)
    assert bar.plain.startswith("████▓▓░░")
    assert "healthy 2 · current 3 · desired 4" in bar.plain


def test_capacity_bar_of_a_deployment_that_has_not_sized_anything_is_empty_not_an_error():
    bar = render.capacity_bar(view(capacity={"desired": None, "current": None, "healthy": None}), width=4)
    assert bar.plain.startswith("░░░░") and "desired 0" in bar.plain


def test_deployment_picture_has_scale_sets_pipeline_approval_error_warnings_and_log_tail():
    decided = view(status="RolledBack", phase="RolledBack", error="Upgrade: 2 instance(s) failed provisioning",
                   warnings=["old scale set could not be downsized"],
                   approval={"token": "t", "requestedAt": "2026-01-01T10:01:00Z", "decision": "reject",
                             "decidedBy": "alice@contoso.com", "decidedAt": "2026-01-01T10:02:00Z",
                             "comment": "latency too high"})
    drawn = text_of(render.deployment(decided, [f"line {n}" for n in range(15)], log_lines=3))
    assert "old web_api_prod__1  →  new web_api_prod__2  (revision 2)" in drawn
    assert "reject by alice@contoso.com at 2026-01-01T10:02:00Z — “latency too high”" in drawn
    assert "error: Upgrade: 2 instance(s) failed provisioning" in drawn
    assert "warning: old scale set could not be downsized" in drawn
    assert "line 14" in drawn and "line 12" in drawn and "line 11" not in drawn


def test_plain_progress_prints_one_line_per_change_and_nothing_when_nothing_changed():
    plain = render.PlainProgress()
    first = plain.lines(view(), ["Creating scale set"], now=datetime(2026, 1, 1, 10, 1, tzinfo=UTC))
    assert first == ["status Running (phase Upgrade)", "scale sets: old web_api_prod__1 -> new web_api_prod__2",
                     "step Setup Succeeded in 7s", "step Upgrade Running", "instances healthy 2/4 (current 3)",
                     "log  Creating scale set"]
    assert plain.lines(view()) == []
    later = view(capacity={"desired": 4, "current": 4, "healthy": 4})
    later["steps"][1] = {**later["steps"][1], "status": "Succeeded", "endedAt": "2026-01-01T10:03:07Z"}
    assert plain.lines(later) == ["step Upgrade Succeeded in 3m00s", "instances healthy 4/4 (current 4)"]


def test_log_cursor_hands_out_only_new_lines():
    cursor = LogCursor()
    assert cursor.new_lines("a\nb\n") == ["a", "b"]
    assert cursor.new_lines("a\nb\n") == []
    assert cursor.new_lines("a\nb\nc\n") == ["c"]


def test_targets_show_each_lineage_with_its_live_scale_set_and_members():
    drawn = text_of(render.targets_table([{
        "infrastructureId": "web_api_prod", "liveVmss": "web_api_prod__2", "runningDeployment": None,
        "members": [{"name": "web_api_prod__2", "revision": 2, "capacity": 4, "bgVersion": "BLUE",
                     "pools": ["prod-backend-pool"], "created": "20260101T100000Z",
                     "image": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
                              "/images/web-image/versions/1.1.0"}]}]), width=140)
    assert "web_api_prod: live web_api_prod__2" in drawn
    assert "prod-backend-pool" in drawn and "web-image/versions/1.1.0" in drawn and "BLUE" in drawn


def test_log_lines_in_the_live_picture_keep_the_time_and_drop_the_repeated_date():
    assert render.compact_log_line("2026-11-30T01:19:07.920Z Deployment succeeded: [x__2]") == \
        "01:19:07 Deployment succeeded: [x__2]"
    assert render.compact_log_line("no stamp here") == "no stamp here"


def test_steps_a_finished_deployment_never_ran_read_skipped():
    ended = view(status="RolledBack", steps=[
        {"name": "Upgrade", "status": "Failed", "startedAt": "2026-01-01T10:00:00Z", "endedAt": "2026-01-01T10:01:00Z"},
        {"name": "Swap", "status": "Pending", "startedAt": None, "endedAt": None}])
    lines = [line.split() for line in text_of(render.pipeline(ended)).splitlines() if line.strip()]
    assert lines == [["✖", "Upgrade", "Failed", "1m00s"], ["–", "Swap", "Skipped"]]


def test_a_follower_rides_out_a_short_outage_of_the_api_but_not_a_long_one():
    """Once the API has answered, a host restart mid-deployment must not end `--wait` with exit 6."""
    import pytest

    from vmssbg.client import Unreachable
    from vmssbg.config import Config
    from vmssbg.watch import Poller

    clock = [0.0]
    answers = iter(["ok", "down", "down", "ok", "down", "down", "down"])

    class FlakyApi:
        config = Config("http://api.test", "", "test")

        def get(self, _id):
            if next(answers) == "down":
                raise Unreachable(self.config, ConnectionError("refused"))
            return view()

        def log(self, _id):
            return "a\n"

    def sleep(seconds):
        clock[0] += seconds

    poller = Poller(FlakyApi(), "d1", interval=30, sleep=sleep, clock=lambda: clock[0], grace=50)
    assert poller.poll() == (view(), ["a"])
    assert poller.poll() == (view(), [])  # down for 60 s, yet 30 s after the last answer: within the grace
    with pytest.raises(Unreachable):
        poller.poll()  # 60 s after the last answer
