"""Orchestration versioning as the Durable extension does it, through the script of Azure's
samples-v2/orchestration_versioning README: start, stop the app, change `defaultVersion`, start it
again, continue. Plus the worker's side: versionMatchStrategy / versionFailureStrategy."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from devhost.versioning import VERSION_MISMATCH_MESSAGE, Versioning, compare_versions

from .conftest import APPS, Host, launch

WAITING = "Waiting for Continue event..."


def _app(tmp_path: Path, **durable) -> Path:
    """A copy of the versioning app whose host.json has these durableTask settings."""
    app = tmp_path / "app"
    if not app.exists():
        shutil.copytree(APPS / "versioning", app)
    set_durable(app, **durable)
    return app


def set_durable(app: Path, **durable) -> None:
    host_json = json.loads((app / "host.json").read_text())
    host_json["extensions"]["durableTask"].update(durable)
    (app / "host.json").write_text(json.dumps(host_json))


def start(host: Host, version: str | None = None) -> str:
    r = host.http.post("/api/orchestrators/versioned_orchestrator", params={"version": version} if version else {})
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _wait_for_log(host: Host, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in host.log_text():
        assert time.monotonic() < deadline, f"never logged {text!r}:\n{host.log_text()[-3000:]}"
        time.sleep(0.02)


def test_the_samples_script_old_instance_keeps_its_version_across_a_default_version_change(tmp_path):
    app = _app(tmp_path, defaultVersion="1.0")
    state = tmp_path / "state"
    host = launch(tmp_path / "run1", app_dir=app, state_dir=state)
    try:
        old = start(host)
        host.wait_custom_status(old, WAITING)
    finally:
        host.stop()
    set_durable(app, defaultVersion="2.0")
    host = launch(tmp_path / "run2", app_dir=app, state_dir=state)
    try:
        assert host.raise_event(old, "Continue", True).status_code == 202
        # the instance created under 1.0 finishes on the 1.0 path; the sub-orchestration created
        # after the change without a version of its own gets the new default
        assert host.wait(old)["output"] == [
            "Orchestration version: 1.0", "Suborchestration version (explicit): 0.9",
            "Suborchestration version (default): 2.0", "Hello from A!"]
        new = start(host)
        host.wait_custom_status(new, WAITING)
        host.raise_event(new, "Continue", True)
        assert host.wait(new)["output"] == [
            "Orchestration version: 2.0", "Suborchestration version (explicit): 0.9",
            "Suborchestration version (default): 2.0", "Hello from B!"]
        # a version given to start_new wins over defaultVersion
        explicit = start(host, version="1.5")
        host.wait_custom_status(explicit, WAITING)
        host.raise_event(explicit, "Continue", True)
        assert host.wait(explicit)["output"][0] == "Orchestration version: 1.5"
    finally:
        host.stop()


def test_without_a_default_version_context_version_is_none(tmp_path):
    host = launch(tmp_path / "run", app_dir=_app(tmp_path, defaultVersion=None))
    try:
        iid = start(host)
        host.wait_custom_status(iid, WAITING)
        host.raise_event(iid, "Continue", True)
        output = host.wait(iid)["output"]
        assert output[0] == "Orchestration version: None" and output[2] == "Suborchestration version (default): None"
        assert output[3] == "Hello from B!"
    finally:
        host.stop()


def test_current_or_older_rejects_a_newer_instance_until_a_host_of_its_version_runs_it(tmp_path):
    app = _app(tmp_path, defaultVersion="2.0")  # CurrentOrOlder and Reject are the defaults
    state = tmp_path / "state"
    host = launch(tmp_path / "run1", app_dir=app, state_dir=state)
    try:
        older = start(host, version="1.0")
        newer = start(host, version="3.0")
        host.wait_custom_status(older, WAITING)
        _wait_for_log(host, f"({newer}) not processed: the orchestration version '3.0' is greater than "
                            "the worker version '2.0'")
        # Reject leaves it as it is: never run, no history
        status = host.status(newer, showHistory="true").json()
        assert status["runtimeStatus"] == "Pending" and status["customStatus"] is None
        assert status["historyEvents"] == []
    finally:
        host.stop()
    set_durable(app, defaultVersion="3.0")
    host = launch(tmp_path / "run2", app_dir=app, state_dir=state)
    try:
        host.wait_custom_status(newer, WAITING)  # the rejected work waited for this host
        host.raise_event(newer, "Continue", True)
        assert host.wait(newer)["output"][0] == "Orchestration version: 3.0"
    finally:
        host.stop()


def test_strict_with_fail_fails_an_instance_of_another_version(tmp_path):
    host = launch(tmp_path / "run", app_dir=_app(tmp_path, defaultVersion="2.0", versionMatchStrategy="Strict",
                                                 versionFailureStrategy="Fail"))
    try:
        older = start(host, version="1.0")
        failed = host.wait(older)
        assert failed["runtimeStatus"] == "Failed" and failed["output"] == VERSION_MISMATCH_MESSAGE
        history = host.status(older, showHistory="true").json()["historyEvents"]
        assert [e["EventType"] for e in history] == ["ExecutionStarted", "ExecutionCompleted"]
        same = start(host)
        host.wait_custom_status(same, WAITING)
    finally:
        host.stop()


def test_strict_with_reject_leaves_an_older_instance_pending(tmp_path):
    host = launch(tmp_path / "run", app_dir=_app(tmp_path, defaultVersion="2.0", versionMatchStrategy="Strict"))
    try:
        older = start(host, version="1.0")
        _wait_for_log(host, f"({older}) not processed: the orchestration version '1.0' does not match the worker "
                            "version '2.0'")
        assert host.status(older).json()["runtimeStatus"] == "Pending"
    finally:
        host.stop()


def test_match_strategy_none_runs_every_version(tmp_path):
    host = launch(tmp_path / "run", app_dir=_app(tmp_path, defaultVersion="1.0", versionMatchStrategy="None"))
    try:
        newer = start(host, version="9.0")
        host.wait_custom_status(newer, WAITING)
    finally:
        host.stop()


@pytest.mark.parametrize(("source", "other", "sign"), [
    (None, "", 0), ("", "1.0", -1), ("1.0", None, 1),
    ("1.0", "2.0", -1), ("1.10", "1.9", 1), ("1.0", "1.0.0", -1), ("2.0.0.1", "2.0.0.1", 0),
    ("v1.0-release", "V1.0-RELEASE", 0), ("2025-01-01", "2025-02-01", -1),
    ("10", "9", -1),  # one component is not a System.Version: compared as text, as the extension does
])
def test_versions_compare_as_durable_task_core_compares_them(source, other, sign):
    result = compare_versions(source, other)
    assert (result > 0) - (result < 0) == sign


def test_unknown_strategies_in_host_json_are_refused():
    with pytest.raises(ValueError, match="versionMatchStrategy"):
        Versioning.from_host_json({"defaultVersion": "1.0", "versionMatchStrategy": "Latest"})
    assert Versioning.from_host_json({"versionFailureStrategy": "fail"}).failure_strategy == "Fail"
