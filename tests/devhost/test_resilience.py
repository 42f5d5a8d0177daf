"""Hosts of their own: SIGKILL in the middle of an orchestration, and non-determinism detection."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

from .conftest import launch


def _journal_lines(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_sigkill_mid_orchestration_then_restart_completes_with_each_completed_step_run_once(tmp_path):
    host = launch(tmp_path / "run1", state_dir=tmp_path / "state",
                  extra_env={"ACTIVITY_JOURNAL": str(tmp_path / "journal.txt")})
    journal = tmp_path / "journal.txt"
    try:
        iid = host.start("chain", {"steps": 6, "sleep": 0.3})["id"]
        deadline = time.monotonic() + 30
        while len(_journal_lines(journal)) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(host.service.proc.pid, signal.SIGKILL)
        host.service.proc.wait(timeout=10)
    finally:
        host.http.close()
    before_kill = _journal_lines(journal)
    assert 3 <= len(before_kill) < 6
    # every step but the last journalled one had certainly completed before the kill
    completed = before_kill[:-1]

    host2 = launch(tmp_path / "run2", state_dir=tmp_path / "state",
                   extra_env={"ACTIVITY_JOURNAL": str(journal)})
    try:
        done = host2.wait(iid)
        assert done["runtimeStatus"] == "Completed"
        assert done["output"] == [0, 2, 4, 6, 8, 10]
        counts = Counter(_journal_lines(journal))
        assert sorted(counts) == sorted(f"step {iid} {n}" for n in range(6))
        for line in completed:
            assert counts[line] == 1, counts
        assert "resuming 1 orchestration instance(s)" in host2.log_text()
    finally:
        host2.stop()


def _wait_for_history(host, iid, event_type):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        history = host.status(iid, showHistory="true").json().get("historyEvents", [])
        if any(e["EventType"] == event_type for e in history):
            return
        time.sleep(0.02)
    raise AssertionError(f"{iid} never recorded {event_type}")


def test_nondeterminism_is_detected_and_fails_the_instance(tmp_path):
    marker = tmp_path / "code-changed"
    host = launch(tmp_path, extra_env={"NONDET_MARKER": str(marker)})
    try:
        iid = host.start("changes")["id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            history = host.status(iid, showHistory="true").json().get("historyEvents", [])
            if any(e["EventType"] == "TaskCompleted" for e in history):
                break
            time.sleep(0.02)
        marker.write_text("the orchestrator now calls 'step' first")
        assert host.raise_event(iid, "Go", True).status_code == 202
        done = host.wait(iid)
        assert done["runtimeStatus"] == "Failed"
        assert "NonDeterministicOrchestrationException" in done["output"]
        assert "say_hello" in done["output"] and "step" in done["output"]
    finally:
        host.stop()


def test_function_timeout_from_host_json_fails_a_hung_activity(tmp_path):
    import json
    import shutil

    from .conftest import BASIC_APP

    app = tmp_path / "app"
    shutil.copytree(BASIC_APP, app, ignore=shutil.ignore_patterns("__pycache__", ".local"))
    host_json = json.loads((app / "host.json").read_text())
    host_json["functionTimeout"] = "00:00:01"
    (app / "host.json").write_text(json.dumps(host_json))
    host = launch(tmp_path / "run", app_dir=app)
    try:
        done = host.wait(host.start("chain", {"steps": 1, "sleep": 3})["id"])
        assert done["runtimeStatus"] == "Failed"
        assert "Timeout value of 00:00:01 exceeded by function 'Functions.step'" in done["output"]
    finally:
        host.stop()


def test_nondeterminism_timer_replaced_by_an_activity_is_detected(tmp_path):
    marker = tmp_path / "code-changed"
    host = launch(tmp_path, extra_env={"NONDET_MARKER": str(marker)})
    try:
        iid = host.start("changes_kind")["id"]
        _wait_for_history(host, iid, "TimerFired")
        marker.write_text("changed")
        assert host.raise_event(iid, "Go", True).status_code == 202
        done = host.wait(iid)
        assert done["runtimeStatus"] == "Failed"
        assert "NonDeterministicOrchestrationException" in done["output"]
        assert "a durable timer" in done["output"] and "an activity task named 'say_hello'" in done["output"]
    finally:
        host.stop()


def test_sigkill_while_a_durable_timer_is_pending_then_restart_fires_it_on_time(tmp_path):
    from datetime import datetime

    host = launch(tmp_path / "run1", state_dir=tmp_path / "state")
    try:
        iid = host.start("timer_orch", 100)["id"]
        _wait_for_history(host, iid, "TimerCreated")
        os.killpg(host.service.proc.pid, signal.SIGKILL)
        host.service.proc.wait(timeout=10)
    finally:
        host.http.close()
    host2 = launch(tmp_path / "run2", state_dir=tmp_path / "state")
    try:
        done = host2.wait(iid)
        assert done["runtimeStatus"] == "Completed"
        start = datetime.fromisoformat(done["output"]["start"])
        end = datetime.fromisoformat(done["output"]["end"])
        assert (end - start).total_seconds() == 100
    finally:
        host2.stop()
