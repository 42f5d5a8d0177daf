"""Notifications: start the deliveries of one status change, and POST one signed event.

The signing key is read here, from the app setting, and never leaves this module: not in any
activity input or result (the orchestration history), not in any log line.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import azure.durable_functions as df

from activities.blueprint import bp
from activities.runtime import log
from domain.contracts import PostWebhookInput, StartNotificationsInput
from domain.notifications import (
    HTTP_TIMEOUT_SECONDS,
    SIGNATURE_HEADER,
    SIGNING_KEY_SETTING,
    DeliveryOutcome,
    event_body,
    signature,
)
from gateway.notifications import start_deliveries


@bp.activity_trigger(input_name="payload")
@bp.durable_client_input(client_name="client")
async def start_notification_delivery(payload: dict, client: df.DurableOrchestrationClient) -> int:
    """One `deliver_notification` orchestration per webhook; returns how many it started. Idempotent:
    a retried or replayed call finds them started."""
    request = StartNotificationsInput.from_json(payload)
    return await start_deliveries(client, request.deployment_id, request.sequence, request.webhooks, request.event)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (not delivered), never a second POST somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, PLR0913
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def where(url: str) -> str:
    """The webhook as the log names it: scheme and host only (Slack and Teams URLs carry a secret path)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.activity_trigger(input_name="payload")
def post_webhook(payload: dict) -> dict:
    request = PostWebhookInput.from_json(payload)
    kind = request.event.get("type", "?")
    key = os.environ.get(SIGNING_KEY_SETTING) or ""
    if not key:
        outcome = DeliveryOutcome(False, False, f"the app setting {SIGNING_KEY_SETTING} is not set")
        log(request.deployment_id, f"Notification [{kind}] to [{where(request.url)}] not sent: {outcome.detail}")
        return outcome.to_json()
    body = event_body(request.event)
    http_request = urllib.request.Request(request.url, data=body, method="POST", headers={
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        SIGNATURE_HEADER: signature(key, body),
        "User-Agent": "vmss-bluegreen",
    })
    try:
        with _opener.open(http_request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310 - https or loopback, checked in the spec
            outcome = DeliveryOutcome.of_status(response.status)
    except urllib.error.HTTPError as error:
        outcome = DeliveryOutcome.of_status(error.code)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        outcome = DeliveryOutcome(False, True, f"{type(error).__name__}: {reason}")
    verdict = "delivered" if outcome.delivered else ("failed, will retry" if outcome.retryable else "refused")
    log(request.deployment_id,
        f"Notification [{kind}] to [{where(request.url)}] {verdict} (attempt {request.attempt}, {outcome.detail})")
    return outcome.to_json()
