"""The `steady_state_wait` sub-orchestration: poll one scale set with durable timers until it is steady,
an instance fails, or the deadline passes.

It continues as new every few polls, so a long wait never grows the history without bound. Its custom
status carries the latest counts for the status API.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from domain.contracts import BUSY_OK_KEY, RATE_LIMIT_KEY, InstanceCountsInput, WaitInput, busy_answer
from domain.model import InstanceCounts
from domain.rollout import ABORTED_BY_OPERATOR
from domain.steady_state import describe, is_steady, next_poll_seconds
from domain.view import CapacityView, parse_instant, utc
from orchestrators.versions import wait_is_abortable, wait_is_paced

bp = df.Blueprint()

# Transient Azure failures (5xx past the SDK's own retries) get a few more tries; throttling is waited out
# by the callers that ask for a busy answer (BUSY_OK_KEY, orchestration version 3).
RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=3)
POLLS_PER_GENERATION = 20  # continue_as_new after this many polls keeps the history bounded


ABORT_EVENT = "abort"  # raised by the API's abort route into the running wait too


def wait_result(steady: bool, counts: InstanceCounts, reason: str | None, timed_out: bool = False
                ) -> dict[str, Any]:
    """`timedOut`: the deadline passed, which a deployment that was paused meanwhile may extend."""
    return {"steady": steady, "counts": counts.to_json(), "reason": reason, "timedOut": timed_out}


def wait_until_steady(context: df.DurableOrchestrationContext):
    request = WaitInput.from_json(context.get_input())
    # Version 1 (and waits started before versions) only sleeps: racing its timer would not replay.
    abortable = wait_is_abortable(context.version)
    paced = wait_is_paced(context.version)
    deadline = parse_instant(request.deadline)
    polls = request.polls_done
    remaining: dict[str, int] = {}
    aborted = None
    ref = InstanceCountsInput(request.deployment_id, request.subscription_id, request.resource_group, request.name)
    counts = InstanceCounts()
    poll_request = ref.to_json()
    if abortable:  # wait version 2 (deployments of version 3): a throttled poll is a poll that saw nothing new
        poll_request[BUSY_OK_KEY] = True
    while True:
        raw = yield context.call_activity_with_retry(ref.activity, RETRY, poll_request)
        busy = busy_answer(raw)
        if busy is None:
            counts = InstanceCounts.from_json(raw)
            if paced:  # wait version 3: a read budget running low slows it
                remaining = dict(raw.get(RATE_LIMIT_KEY) or {})
        interval = (next_poll_seconds(request.poll_interval_seconds, remaining) if paced
                    else float(request.poll_interval_seconds))
        if busy is not None:
            interval = max(interval, float(busy.get("retryAfterSeconds") or 0))
        else:
            context.set_custom_status({"capacity": CapacityView.of(counts, request.target).to_json(),
                                       "polls": polls + 1})
            if is_steady(counts, request.target, request.require_latest_model, request.health_monitored,
                         request.at_least_target):
                return wait_result(True, counts, None)
            if counts.failed:
                return wait_result(False, counts, f"{counts.failed} instance(s) of [{request.name}] failed "
                                                  f"provisioning ({describe(counts, request.target)})")
        now = utc(context.current_utc_datetime)
        if now >= deadline:
            return wait_result(False, counts, f"Timed out waiting for [{request.name}] to be {request.purpose}: "
                                              f"{describe(counts, request.target)}", timed_out=True)
        poll = context.create_timer(min(now + timedelta(seconds=interval), deadline))
        if not abortable:
            yield poll
        else:
            if aborted is None:
                aborted = context.wait_for_external_event(ABORT_EVENT)
            if (yield context.task_any([poll, aborted])) is aborted:
                poll.cancel()
                return wait_result(False, counts, ABORTED_BY_OPERATOR)
        polls += 1
        if polls % POLLS_PER_GENERATION == 0:
            context.continue_as_new(WaitInput(**{**request.to_json(), "polls_done": polls}).to_json())
            return None


@bp.orchestration_trigger(context_name="context")
def steady_state_wait(context: df.DurableOrchestrationContext):
    result = yield from wait_until_steady(context)
    return result
