"""Notifications: every status change of a deployment with `notifications.webhooks`, as a signed
CloudEvents event to each webhook, without ever failing or delaying the deployment.

`notifying` wraps a deployment's step generator: whenever the view it publishes shows a new status, it
first calls `start_notification_delivery`, an activity that starts one `deliver_notification`
orchestration per webhook and returns at once (fire and forget: the Python SDK only schedules what is
yielded, and a yielded sub-orchestration would be awaited). A failure to start them is swallowed. Each
`deliver_notification` POSTs through the `post_webhook` activity (short HTTP timeout) and retries with
durable timers for up to an hour. Deployments without webhooks schedule nothing more, so their
histories are what they were before notifications existed.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any

import azure.durable_functions as df

from domain.contracts import DeliveryInput, PostWebhookInput, StartNotificationsInput
from domain.notifications import DeliveryOutcome, cloud_event, next_attempt_at
from domain.spec import DeploymentSpec
from domain.view import DeploymentView, iso_instant, utc

bp = df.Blueprint()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().split("\n", 1)[0].strip() or exc.__class__.__name__)[:300]


class Notifier:
    """Turns the status changes of one deployment's view into started deliveries."""

    def __init__(self, context: df.DurableOrchestrationContext, webhooks: list[str]) -> None:
        self.ctx = context
        self.webhooks = webhooks
        self.deployment_id = context.instance_id
        self.created_at = utc(context.current_utc_datetime)
        self.last_status: str | None = None
        self.sequence = 0

    def now(self) -> datetime:
        return utc(self.ctx.current_utc_datetime)

    def event_for(self, view: DeploymentView) -> dict[str, Any]:
        resource = view.model_copy(update={"id": self.deployment_id, "created_at": view.created_at or self.created_at,
                                           "updated_at": self.now(), "wait_instance_id": None})
        return cloud_event(resource.to_json(), deployment_id=self.deployment_id, sequence=self.sequence,
                           time=iso_instant(self.now()))

    def flush(self, view: DeploymentView):
        """Start the deliveries of the current status when it changed since the last one sent."""
        status = str(view.status)
        if status == self.last_status:
            return
        self.last_status = status
        self.sequence += 1
        request = StartNotificationsInput(deployment_id=self.deployment_id, sequence=self.sequence,
                                          webhooks=list(self.webhooks), event=self.event_for(view))
        try:
            yield self.ctx.call_activity(request.activity, request.to_json())
        except Exception:  # noqa: BLE001 - a notification never fails a deployment
            return


def notifying(context: df.DurableOrchestrationContext, steps: Generator[Any, Any, Any],
              current_view: Callable[[], DeploymentView], spec: DeploymentSpec):
    """Run `steps` (a deployment's generator) as it is, adding a notification whenever the view shows a
    new status: before the next task the deployment waits for, and once more when it has ended."""
    webhooks = list(spec.notifications.webhooks) if spec.notifications else []
    if not webhooks:
        result = yield from steps
        return result
    notifier = Notifier(context, webhooks)
    to_send: Any = None
    to_throw: BaseException | None = None
    while True:
        try:
            task = steps.throw(to_throw) if to_throw is not None else steps.send(to_send)
        except StopIteration as finished:
            yield from notifier.flush(current_view())
            return finished.value
        yield from notifier.flush(current_view())
        try:
            to_send, to_throw = (yield task), None
        except Exception as exc:  # noqa: BLE001 - handed to the deployment, which decides
            to_send, to_throw = None, exc


def deliver_until_accepted(context: df.DurableOrchestrationContext):
    """One event to one webhook: retried with durable timers while the receiver fails transiently,
    for up to an hour after the first attempt."""
    request = DeliveryInput.from_json(context.get_input())
    first_attempt = utc(context.current_utc_datetime)
    attempts = 0
    while True:
        attempts += 1
        post = PostWebhookInput(deployment_id=request.deployment_id, url=request.url, event=request.event,
                                attempt=attempts)
        try:
            outcome = DeliveryOutcome.from_json((yield context.call_activity(post.activity, post.to_json())))
        except Exception as exc:  # noqa: BLE001 - the activity itself failed: try again like a 5xx
            outcome = DeliveryOutcome(False, True, _first_line(exc))
        result = {"delivered": outcome.delivered, "attempts": attempts, "detail": outcome.detail}
        if outcome.delivered or not outcome.retryable:
            return result
        retry_at = next_attempt_at(first_attempt, utc(context.current_utc_datetime), attempts)
        if retry_at is None:
            return result
        yield context.create_timer(retry_at)


@bp.orchestration_trigger(context_name="context")
def deliver_notification(context: df.DurableOrchestrationContext):
    result = yield from deliver_until_accepted(context)
    return result
