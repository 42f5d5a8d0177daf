"""The activities' wrapper (activities/blueprint.py) answers Azure's "busy" with a marker only for a caller
that asked (orchestration version 3); every other failure, and any failure for a caller that did not ask,
is raised as before. And the ARM clients' retry policy hands a long Retry-After back instead of sleeping it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from activities.blueprint import _traced
from domain.contracts import BUSY_OK_KEY, STEP_KEY, busy_answer
from gateway.clients import MAX_RETRY_AFTER_SLEPT_IN_ACTIVITY_SECONDS, ShortSleepRetryPolicy


class ArmAnswer:
    """An ARM error answer as azure-core's HttpResponseError reads it (status, reason, headers, body)."""

    def __init__(self, status: int, code: str, message: str, retry_after: str | None) -> None:
        self.status_code = status
        self.reason = {429: "Too Many Requests", 409: "Conflict"}.get(status, "Error")
        self.headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.content_type = "application/json"
        self._body = json.dumps({"error": {"code": code, "message": message}}).encode()

    def body(self) -> bytes:
        return self._body

    def text(self, encoding: str | None = None) -> str:
        return self._body.decode()


def arm_error(status: int, code: str, message: str, retry_after: str | None = "120") -> HttpResponseError:
    return HttpResponseError(response=ArmAnswer(status, code, message, retry_after))


def activity_failing_with(error: Exception):
    seen: list[dict[str, Any]] = []

    def resize_scale_set(request: dict[str, Any]) -> dict[str, Any]:
        seen.append(request)
        raise RuntimeError("resizing failed") from error  # an activity's own wrapping keeps the cause

    return _traced(resize_scale_set, "request"), seen


THROTTLED = arm_error(429, "TooManyRequests", "The request is being throttled.")
IN_PROGRESS = arm_error(409, "OperationNotAllowed",
                        "Operation 'PATCH' is not allowed since another operation is in progress on it.")


@pytest.mark.parametrize("error, reason", [(THROTTLED, "throttled (429)"),
                                           (IN_PROGRESS, "another operation in progress (409)")],
                         ids=["429", "409 operation in progress"])
def test_a_caller_that_waits_busy_azure_out_gets_the_marker_with_the_retry_after(error, reason):
    activity, seen = activity_failing_with(error)
    answer = activity({"name": "web__2", STEP_KEY: "Upgrade", BUSY_OK_KEY: True})
    busy = busy_answer(answer)
    assert busy is not None and busy["retryAfterSeconds"] == 120 and busy["reason"].startswith(reason), answer
    assert seen == [{"name": "web__2"}]  # the reserved keys never reach the contract


def test_without_a_retry_after_the_default_wait_is_given():
    activity, _ = activity_failing_with(arm_error(429, "TooManyRequests", "throttled", retry_after=None))
    assert busy_answer(activity({"name": "web__2", BUSY_OK_KEY: True}))["retryAfterSeconds"] == 30


def test_a_caller_that_did_not_ask_sees_the_failure_as_before():
    activity, _ = activity_failing_with(THROTTLED)
    with pytest.raises(RuntimeError, match="resizing failed"):
        activity({"name": "web__2", STEP_KEY: "Upgrade"})


@pytest.mark.parametrize("error", [
    arm_error(409, "Conflict", "A resource with this name already exists."),
    arm_error(400, "InvalidParameter", "Bad capacity."),
    arm_error(503, "ServiceUnavailable", "Try later."),
], ids=["409 name taken", "400", "503"])
def test_other_failures_are_raised_even_to_a_caller_that_asked(error):
    activity, _ = activity_failing_with(error)
    with pytest.raises(RuntimeError, match="resizing failed"):
        activity({"name": "web__2", BUSY_OK_KEY: True})


class Sent:
    def __init__(self, status: int, retry_after: str | None) -> None:
        self.http_response = ArmAnswer(status, "X", "x", retry_after)
        self.http_request = type("Request", (), {"method": "GET"})()


@pytest.mark.parametrize("status, retry_after, retried", [
    (429, "120", False), (409, "120", False),  # a long wait is the orchestrator's, with a durable timer
    (429, "2", True), (409, "1", True),  # a short one is slept as azure-core always did
    (503, "120", True), (503, None, True),  # 5xx keep azure-core's retries
])
def test_the_arm_retry_policy_hands_a_long_retry_after_back(status, retry_after, retried):
    policy = ShortSleepRetryPolicy()
    settings = policy.configure_retries({})
    assert bool(policy.is_retry(settings, Sent(status, retry_after))) is retried
    assert MAX_RETRY_AFTER_SLEPT_IN_ACTIVITY_SECONDS < 20  # the e2e windows' Retry-After are handed back
