"""Version 3 waits Azure's "busy" answers (throttling, an operation in progress) out with durable timers
(CONTRACT §4): the activity answers with a busy marker (activities/blueprint.py), the step waits its
Retry-After and calls the same activity again, until the step's deadline."""

from __future__ import annotations

from typing import Any

from domain.contracts import BUSY_MARKER, BUSY_OK_KEY
from tests.orchestrators.driver import Azure, run


def busy_for(answers: int, retry_after: float = 120.0):
    """An activity answer: `answers` busy markers, then the scripted default."""
    seen: list[dict[str, Any]] = []

    def answer(azure: Azure):
        def respond(payload: dict[str, Any]) -> Any:
            seen.append(payload)
            if len(seen) <= answers:
                return {BUSY_MARKER: {"retryAfterSeconds": retry_after, "reason": "throttled (429): Too many requests"}}
            return azure.default(type("T", (), {"payload": payload, "name": "resize_scale_set"})())
        return respond

    return answer, seen


def logged(azure: Azure) -> list[str]:
    return [line for t in azure.activities("append_log") for line in t.payload["lines"]]


def test_a_busy_answer_is_waited_out_with_a_timer_then_the_same_activity_is_called_again():
    azure = Azure()
    answer, seen = busy_for(5)
    azure.answers["resize_scale_set"] = answer(azure)
    outcome, _ = run(azure)

    assert outcome["status"] == "Succeeded", outcome
    new_resizes = [payload for payload in seen if payload["name"] == "web__2"]
    assert len(new_resizes) == 6 and all(payload == seen[0] for payload in new_resizes), seen  # the same call
    assert seen[0][BUSY_OK_KEY] is True
    # Between two calls: a timer of the Retry-After, raced with the operator's signals.
    calls = azure.calls
    first = next(i for i, t in enumerate(calls) if t.kind == "any" and t.payload[0].name == "resize_scale_set")
    timer_race = next(t for t in calls[first + 1:] if t.kind == "any" and t.payload[0].kind == "timer")
    assert [t.name for t in timer_race.payload[1:]] == ["abort", "resumed"]
    busy_lines = [line for line in logged(azure) if line.startswith("Azure is throttling or busy")]
    assert busy_lines == ["Azure is throttling or busy: waiting 120 s before retrying resize_scale_set "
                          "(throttled (429): Too many requests)"], logged(azure)  # once per streak


def test_azure_busy_past_the_steps_deadline_fails_the_step_naming_the_throttling():
    azure = Azure()
    answer, seen = busy_for(10_000, retry_after=60)
    azure.answers["resize_scale_set"] = answer(azure)
    outcome, _ = run(azure, steadyStateTimeoutMinutes=10)

    assert outcome["status"] == "RolledBack", outcome
    assert outcome["error"].startswith("Upgrade: Azure stayed busy for 10 minute(s) while calling resize_scale_set"), \
        outcome["error"]
    assert 10 <= len(seen) <= 12, len(seen)  # a 60 s Retry-After, ten minutes from the first busy answer


def test_versions_before_3_never_ask_for_the_busy_marker():
    azure = Azure()
    outcome, _ = run(azure, version="2")
    assert outcome["status"] == "Succeeded"
    assert all(BUSY_OK_KEY not in (t.payload or {}) for t in azure.activities() if t.kind == "activity")
