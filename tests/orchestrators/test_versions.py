"""Orchestration versions (orchestrators/versions.py): a history recorded under each version the app
still runs replays on today's code, as Durable replays an instance in flight after a release.

A recorded history (tests/orchestrators/histories/<version>.json) is the list of tasks the orchestrator
yielded, each with the answer it got. Replay feeds those answers back and fails as Durable's replay
does when the code yields another task than the one recorded (a nondeterminism error on Azure).

Adding a version: add its entry to `FLOWS`, set host.json's defaultVersion to it, and record its
history once: `.venv/bin/python -m tests.orchestrators.test_versions <version>`. Never re-record the
history of an existing version: it is what instances in flight have recorded.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from devhost.versioning import compare_versions
from domain.contracts import WaitInput
from domain.view import iso_instant
from orchestrators.steady_state_wait import wait_until_steady
from orchestrators.versions import FLOWS, WAIT_VERSIONS, UnsupportedVersion, flow_version
from tests.orchestrators.driver import Azure, FakeContext, Operations, Task, autoscale_of, drive, run, summary

HISTORIES = Path(__file__).parent / "histories"
WAIT_HISTORIES = HISTORIES / "steady_state_wait"  # the wait's own versions (FlowVersion.wait_version)
HOST_JSON = Path(__file__).resolve().parents[2] / "host.json"
UNVERSIONED = "unversioned"  # the file of version None: instances started before versioning existed

# Every step and every kind of task: an approval, an old autoscale setting to carry over, a scale-down
# delay, and a new scale set that shrank while the approval waited (so it is resized and waited for).
SCENARIO: dict[str, Any] = {"approval": {"required": True, "timeoutMinutes": 60}, "scaleDownDelaySeconds": 300}


def scripted_azure() -> Azure:
    resizes_of_new: list[int] = []

    def resize(payload: dict[str, Any]) -> dict[str, Any]:
        previous = payload["capacity"]
        if payload["name"] == "web__2":
            resizes_of_new.append(payload["capacity"])
            previous = 0 if len(resizes_of_new) == 1 else 1  # created at 0; shrank to 1 during the approval
        return {**summary(payload["name"], payload["capacity"]), "previous_capacity": previous}

    # The token is the first the (fake) context draws: version 3 ignores an approval without it; older
    # versions read only the decision.
    # Version 4 follows the operations its writes start (each in progress once, then succeeded); older
    # versions never ask for them and get the answers themselves.
    return Operations().install(
        Azure(autoscale=autoscale_of("web__1"), events={"approval": {"decision": "approve", "token": "token-1"}},
              answers={"resize_scale_set": resize}),
        "create_scale_set", "resize_scale_set", "route_scale_set")


def file_of(version: str | None, folder: Path = HISTORIES) -> Path:
    return folder / f"{UNVERSIONED if version is None else version}.json"


class ScriptedPolls:
    """A scale set steady at the second poll: one sleep (or race) between two reads."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self, task: Task) -> Any:
        if task.kind == "any":
            return next(t for t in task.payload if t.kind == "timer").resolve(None)
        if task.kind == "timer":
            return None
        self.reads += 1
        healthy = 0 if self.reads == 1 else 2
        return {"total": 2, "provisioned": 2, "healthy": healthy, "failed": 0, "latest_model": 2,
                "health_reported": 2}


def run_wait(responder: Any, version: str | None) -> Any:
    start = FakeContext({}).current_utc_datetime
    request = WaitInput(deployment_id="dep-1", subscription_id="sub", resource_group="rg", name="web__2", target=2,
                        deadline=iso_instant(start + timedelta(minutes=10)), poll_interval_seconds=15)
    context = FakeContext(request.to_json(), version)
    return drive(wait_until_steady(context), context, responder)


def record_wait(version: str | None) -> dict[str, Any]:
    recorder = Recorder(ScriptedPolls())
    result = run_wait(recorder, version)
    return {"version": version, "history": recorder.history, "outcome": {"steady": result["steady"]}}


def shape(task: Task) -> dict[str, Any]:
    """What Durable's replay matches a yielded task against: its kind and name (and a task_any's tasks)."""
    if task.kind == "any":
        return {"kind": "any", "tasks": [shape(t) for t in task.payload]}
    return {"kind": task.kind, "name": task.name}


class Recorder:
    def __init__(self, azure: Callable[[Task], Any]) -> None:
        self.azure = azure
        self.history: list[dict[str, Any]] = []

    def __call__(self, task: Task) -> Any:
        answer = self.azure(task)
        if task.kind == "any":
            self.history.append({**shape(task), **race_outcome(task, answer)})
        else:
            self.history.append({**shape(task), "answer": answer})
        return answer


def race_outcome(race: Task, winner: Task) -> dict[str, Any]:
    """Which task won a task_any and with what; a race that won a race (version 3 races each step's
    own races with the operator's signals) records its own outcome."""
    won = winner.result
    return {"winner": race.payload.index(winner),
            "result": race_outcome(winner, won) if winner.kind == "any" else won}


def settle_race(race: Task, recorded: dict[str, Any]) -> Task:
    winner = race.payload[recorded["winner"]]
    winner.result = settle_race(winner, recorded["result"]) if winner.kind == "any" else recorded["result"]
    return winner


class Replayer:
    def __init__(self, history: list[dict[str, Any]]) -> None:
        self.history = list(history)
        self.position = 0

    def __call__(self, task: Task) -> Any:
        assert self.position < len(self.history), f"yielded {shape(task)} after the recorded history ended"
        recorded = self.history[self.position]
        expected = {k: v for k, v in recorded.items() if k not in ("answer", "winner", "result")}
        assert shape(task) == expected, f"task {self.position}: today's code yields {shape(task)}, " \
                                        f"the history recorded {expected}"
        self.position += 1
        if task.kind == "any":
            return settle_race(task, recorded)
        return recorded["answer"]


def outcome_of(result: dict[str, Any]) -> dict[str, Any]:
    return {"status": result["status"], "steps": [[s["name"], s["status"]] for s in result["steps"]]}


def record(version: str | None) -> dict[str, Any]:
    recorder = Recorder(scripted_azure())
    result, _ = run(recorder, version=version, **SCENARIO)
    return {"version": version, "spec": SCENARIO, "history": recorder.history, "outcome": outcome_of(result)}


def recorded_versions() -> list[str | None]:
    return [json.loads(path.read_text())["version"] for path in sorted(HISTORIES.glob("*.json"))]


def test_every_version_the_app_runs_has_a_recorded_history():
    assert set(recorded_versions()) == set(FLOWS)


@pytest.mark.parametrize("version", list(FLOWS), ids=lambda v: UNVERSIONED if v is None else f"v{v}")
def test_a_history_recorded_under_each_version_replays_on_todays_code(version):
    recorded = json.loads(file_of(version).read_text())
    replayer = Replayer(recorded["history"])
    result, _ = run(replayer, version=version, **recorded["spec"])
    assert replayer.position == len(recorded["history"]), "today's code ended before the recorded history did"
    assert outcome_of(result) == recorded["outcome"]


def test_version_2_restores_the_tested_size_in_a_step_of_its_own_after_the_approval():
    steps = {version: [name for name, _ in json.loads(file_of(version).read_text())["outcome"]["steps"]]
             for version in (None, "1", "2")}
    assert steps[None] == steps["1"] == ["Setup", "Upgrade", "Approval", "Swap", "ScaleDownDelay", "Downsize"]
    assert steps["2"] == ["Setup", "Upgrade", "Approval", "Rescale", "Swap", "ScaleDownDelay", "Downsize"]


@pytest.mark.parametrize("version", WAIT_VERSIONS, ids=lambda v: UNVERSIONED if v is None else f"v{v}")
def test_a_steady_state_wait_recorded_under_each_of_its_versions_replays_on_todays_code(version):
    recorded = json.loads(file_of(version, WAIT_HISTORIES).read_text())
    replayer = Replayer(recorded["history"])
    result = run_wait(replayer, version)
    assert replayer.position == len(recorded["history"]), "today's code ended before the recorded history did"
    assert {"steady": result["steady"]} == recorded["outcome"]


def test_every_wait_version_the_app_runs_has_a_recorded_history():
    assert {json.loads(path.read_text())["version"] for path in WAIT_HISTORIES.glob("*.json")} == set(WAIT_VERSIONS)
    assert {flow.wait_version for flow in FLOWS.values()} <= set(WAIT_VERSIONS)


def test_version_3_runs_the_steps_of_version_2_and_races_each_wait_with_the_operator_signals():
    history = json.loads(file_of("3").read_text())["history"]
    assert json.loads(file_of("3").read_text())["outcome"]["steps"] == \
        json.loads(file_of("2").read_text())["outcome"]["steps"]
    races = [entry["tasks"] for entry in history if entry["kind"] == "any"]
    assert races and all([t.get("name") for t in race[1:]] == ["abort", "resumed"] for race in races)
    # Version 2 raced only its approval with its timer and its scale-down delay with `rollback`.
    assert [[t["name"] for t in entry["tasks"]] for entry in json.loads(file_of("2").read_text())["history"]
            if entry["kind"] == "any"] == [["approval", "timer"], ["timer", "rollback"]]


def test_without_an_approval_versions_1_2_and_3_run_the_same_steps():
    for version in ("1", "2", "3"):
        result, _ = run(Azure(), version=version)
        assert [s["name"] for s in result["steps"]] == ["Setup", "Upgrade", "Swap", "Downsize"]


def test_a_timeout_waiting_for_the_tested_size_fails_the_step_that_waited():
    for version, step in (("1", "Swap"), ("2", "Rescale"), ("3", "Rescale")):
        azure = scripted_azure()
        waits = iter([{"steady": True, "counts": None}, {"steady": False, "reason": "Timed out"}])

        def wait(payload: dict[str, Any], waits=waits) -> dict[str, Any]:
            answer = next(waits, None) or {"steady": True}
            counts = {"total": payload["target"], "provisioned": payload["target"], "healthy": payload["target"],
                      "failed": 0, "latest_model": payload["target"]}
            return {"reason": None, **answer, "counts": counts}

        azure.answers["steady_state_wait"] = wait
        result, _ = run(azure, version=version, **SCENARIO)
        assert result["status"] == "RolledBack" and result["error"] == f"{step}: Timed out", (version, result)


def test_the_wait_sub_orchestrations_get_the_explicit_version_of_their_flow():
    for version, flow in FLOWS.items():
        azure = Azure()
        run(azure, version=version)
        assert {t.version for t in azure.activities("steady_state_wait")} == {flow.wait_version}


def test_an_instance_of_a_version_the_app_does_not_run_fails_before_any_step():
    with pytest.raises(UnsupportedVersion, match="'0.9'"):
        flow_version("0.9")


def test_host_json_stamps_the_newest_version_and_lets_a_worker_run_every_older_one():
    durable = json.loads(HOST_JSON.read_text())["extensions"]["durableTask"]
    default = durable["defaultVersion"]
    versions = [v for v in FLOWS if v is not None]
    assert default in FLOWS and all(compare_versions(v, default) <= 0 for v in versions)
    # CurrentOrOlder: a worker runs its own version and every older one (a new worker finishes what an
    # old one started); Reject: an instance newer than the worker waits for a new worker instead of
    # failing, during a rolling upgrade. Both are what a rolling upgrade on Azure needs.
    assert (durable["versionMatchStrategy"], durable["versionFailureStrategy"]) == ("CurrentOrOlder", "Reject")
    # A worker refuses sub-orchestrations newer than its default: every wait version must be run-able.
    assert all(compare_versions(flow.wait_version, default) <= 0 for flow in FLOWS.values())


if __name__ == "__main__":
    # Record the history of a new version: python -m tests.orchestrators.test_versions 3; of a new
    # steady_state_wait version: python -m tests.orchestrators.test_versions --wait 2
    waits = sys.argv[1] == "--wait"
    wanted = None if sys.argv[-1] == UNVERSIONED else sys.argv[-1]
    target = file_of(wanted, WAIT_HISTORIES if waits else HISTORIES)
    if target.exists():
        sys.exit(f"{target} exists: the history of a version in use is never re-recorded")
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(record_wait(wanted) if waits else record(wanted), indent=1) + "\n")
    print(f"recorded {target}")


def test_an_empty_version_is_an_instance_started_before_versioning():
    from orchestrators.versions import FLOWS, flow_version, wait_is_abortable

    assert flow_version("") is FLOWS[None] and wait_is_abortable("") is wait_is_abortable(None)
