"""Webhook notifications (CONTRACT §5): which URLs are allowed, the CloudEvents 1.0 event of one status
change, its signature, and when a failed delivery is tried again.

Pure: callers pass the time, the view and the key. The event's `id` comes from the deployment and the
change's sequence number, so a replayed orchestration builds the very same event (receivers can drop
duplicates by `id`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from domain.urls import is_loopback_host

MAX_WEBHOOKS = 5
EVENT_TYPE_PREFIX = "vmss-bluegreen.deployment."
SIGNATURE_HEADER = "X-Signature-256"
SIGNING_KEY_SETTING = "WEBHOOK_SIGNING_KEY"
# Delivery: a slow receiver must not hold an activity for long; a failing one is retried with
# durable timers, doubling the pause up to a cap, for up to an hour after the first attempt.
HTTP_TIMEOUT_SECONDS = 10
RETRY_FOR = timedelta(hours=1)
FIRST_RETRY_AFTER = timedelta(seconds=30)
LONGEST_RETRY_PAUSE = timedelta(minutes=10)
_EVENT_NAMESPACE = uuid.UUID("6f1c3c5e-2a0d-4d8a-9f59-1b7f0e0c7a10")


def webhook_url_problem(url: str) -> str | None:
    """Why `url` may not receive notifications, or None: https anywhere, plain http on loopback only
    (a test receiver), never credentials in the URL's authority."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "must be an absolute https URL"
    if parts.scheme not in ("https", "http") or not host:
        return "must be an absolute https URL"
    if parts.username or parts.password:
        return "must not carry credentials before the host"
    if parts.scheme == "http" and not is_loopback_host(host):
        return "must use https (plain http is allowed for a loopback address only)"
    return None


def event_id(deployment_id: str, sequence: int | str, status: str) -> str:
    """Unique per change, the same on every replay of the orchestration."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{deployment_id}/{sequence}/{status}"))


def event_type(status: str) -> str:
    return EVENT_TYPE_PREFIX + status


def cloud_event(view: dict[str, Any], *, deployment_id: str, sequence: int | str, time: str) -> dict[str, Any]:
    """The CloudEvents 1.0 structured-mode JSON event of one status change. `view` is the deployment
    resource (camelCase); its `steps` are left out, as the contract says. `sequence` (a CloudEvents
    extension attribute) orders the events of one deployment: `N` for the orchestrator's N-th change,
    `N.M` for the M-th change an operator made after it (a pause, a resume), which no orchestrator sees."""
    status = str(view["status"])
    data = {key: value for key, value in view.items() if key != "steps"}
    data["id"] = deployment_id
    return {
        "specversion": "1.0",
        "type": event_type(status),
        "source": f"/deployments/{deployment_id}",
        "id": event_id(deployment_id, sequence, status),
        "time": time,
        "subject": status,
        "sequence": str(sequence),
        "datacontenttype": "application/json",
        "data": data,
    }


def event_body(event: dict[str, Any]) -> bytes:
    """The exact bytes POSTed (and signed)."""
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature(key: str, body: bytes) -> str:
    """The `X-Signature-256` header value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_matches(key: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(key, body), header)


@dataclass(frozen=True)
class DeliveryOutcome:
    """What one POST gave: delivered (2xx), or not and whether trying again can help."""

    delivered: bool
    retryable: bool
    detail: str

    @classmethod
    def of_status(cls, status: int) -> DeliveryOutcome:
        if 200 <= status < 300:
            return cls(True, False, f"HTTP {status}")
        # A receiver that rejects the event itself (400, 401, 404...) will not accept it later either;
        # 408, 429 and 5xx are the receiver's trouble of the moment.
        return cls(False, status in (408, 425, 429) or status >= 500, f"HTTP {status}")

    def to_json(self) -> dict[str, Any]:
        return {"delivered": self.delivered, "retryable": self.retryable, "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeliveryOutcome:
        return cls(bool(data["delivered"]), bool(data["retryable"]), str(data.get("detail", "")))


def next_attempt_at(first_attempt: datetime, now: datetime, attempts_made: int) -> datetime | None:
    """When to try again after `attempts_made` failed attempts, or None once the hour is over:
    30 s, 1 min, 2 min, ... at most 10 min apart."""
    pause = min(FIRST_RETRY_AFTER * (2 ** max(attempts_made - 1, 0)), LONGEST_RETRY_PAUSE)
    at = now + pause
    give_up = first_attempt + RETRY_FOR
    if now >= give_up:
        return None
    return min(at, give_up)
