"""The `follow_operation` sub-orchestration (orchestration version 4): follow one Azure long-running
operation that an activity started, with durable timers and `read_operation` (one status read per call),
until it ends or the deadline passes.

A sub-orchestration of its own, as the steady-state wait is: each read is a timer and an activity, and in
the deployment's own history they would make every replay of it longer; here the deployment's history
gets one sub-orchestration per operation, and this one continues as new every few reads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from domain.contracts import (
    BUSY_OK_KEY,
    OPERATION_IN_PROGRESS,
    OPERATION_TIMED_OUT,
    OPERATION_UNKNOWN,
    STEP_KEY,
    FollowInput,
    OperationInput,
    busy_answer,
)
from domain.view import parse_instant, utc
from orchestrators.steady_state_wait import RETRY

bp = df.Blueprint()

READS_PER_GENERATION = 20  # continue_as_new after this many reads keeps the history bounded


def poll_delay(retry_after: Any, poll_interval_seconds: float) -> float:
    """Seconds before the next read: Azure's Retry-After, but never sooner than the spec's poll interval
    (the steady-state wait's cadence) nor than a second."""
    try:
        asked = float(retry_after) if retry_after is not None else 0.0
    except (TypeError, ValueError):
        asked = 0.0
    return max(1.0, float(poll_interval_seconds), asked)


def follow_until_ended(context: df.DurableOrchestrationContext):
    """The operation's final status: Succeeded, Failed (with Azure's code and message), Unknown (no
    status URL, or its record is gone: the caller reads the resource again) or TimedOut."""
    request = FollowInput.from_json(context.get_input())
    deadline = parse_instant(request.deadline)
    after = request.retry_after_seconds
    reads = request.reads_done
    while True:
        now = utc(context.current_utc_datetime)
        if now >= deadline:
            return {"status": OPERATION_TIMED_OUT}
        yield context.create_timer(min(now + timedelta(seconds=poll_delay(after, request.poll_interval_seconds)),
                                       deadline))
        if not request.url:
            return {"status": OPERATION_UNKNOWN}
        read = OperationInput(request.deployment_id, request.subscription_id, request.url, request.what)
        status = yield context.call_activity_with_retry(
            read.activity, RETRY, {**read.to_json(), STEP_KEY: request.step, BUSY_OK_KEY: True})
        busy = busy_answer(status)
        if busy is not None:  # a throttled read is a read that saw nothing new
            after = max(float(busy.get("retryAfterSeconds") or 0), after or 0)
        elif status.get("status") != OPERATION_IN_PROGRESS:
            return status
        else:
            after = status.get("retryAfterSeconds")
        reads += 1
        if reads % READS_PER_GENERATION == 0:
            context.continue_as_new(FollowInput(**{**request.to_json(), "reads_done": reads,
                                                   "retry_after_seconds": after}).to_json())
            return None


@bp.orchestration_trigger(context_name="context")
def follow_operation(context: df.DurableOrchestrationContext):
    result = yield from follow_until_ended(context)
    return result
