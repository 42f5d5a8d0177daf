"""Azure's long-running operations, started without waiting and read once at a time.

A write to a scale set (create, update, `manualupgrade`, delete) is an operation that takes minutes on
Azure. Waiting for it in an activity holds a worker for those minutes; instead the activity starts it and
returns what is needed to follow it (`Started.operation`), and a later, short activity reads its status
once (`read_operation`). The status URL is the one Azure gave in the first answer: `Azure-AsyncOperation`
(ARM's preferred form: a body `{"status": "InProgress" | "Succeeded" | "Failed" | "Canceled", "error"}`),
else `Location` (202 while running, 200/204 once done, an error answer once failed). It is read through
the management client's own pipeline (`send_request`): the same credential, retries and TLS settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import DecodeError
from azure.core.rest import HttpRequest

from domain.contracts import OPERATION_FAILED, OPERATION_IN_PROGRESS, OPERATION_SUCCEEDED, OPERATION_UNKNOWN
from gateway.clients import AzureClients
from gateway.errors import retry_after_seconds


@dataclass(frozen=True)
class PendingOperation:
    """What is needed to follow an operation: its status URL and the first wait Azure asked for."""

    url: str | None
    retry_after_seconds: float | None


@dataclass(frozen=True)
class Started:
    """An operation Azure accepted and runs; `accepted` is the resource in its first answer (None when
    the answer had no body, e.g. a bare 202)."""

    operation: PendingOperation
    accepted: Any | None


@dataclass(frozen=True)
class OperationStatus:
    status: str  # OPERATION_IN_PROGRESS, _SUCCEEDED, _FAILED or _UNKNOWN (domain.contracts)
    retry_after_seconds: float | None = None
    code: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "retryAfterSeconds": self.retry_after_seconds, "code": self.code,
                "message": self.message}


def operation_of(headers: Any) -> PendingOperation | None:
    """The operation a first answer's headers announce; None when they announce none (done already)."""
    if headers is None:
        return None
    url = headers.get("Azure-AsyncOperation") or headers.get("Location")
    if not url:
        return None
    return PendingOperation(url, retry_after_seconds(headers))


def start(begin: Callable[..., Any], *args: Any, **kwargs: Any) -> Started | Any:
    """Call an SDK `begin_*` method without polling. Returns `Started` when Azure answered with an operation
    to follow, else the resource it answered with (the write was done at once)."""
    first: dict[str, Any] = {}

    def keep_headers(pipeline_response: Any) -> None:
        # Called for every answer of the call (retries included): the last one is the one that counts.
        first["headers"] = pipeline_response.http_response.headers

    poller = begin(*args, polling=False, raw_response_hook=keep_headers, **kwargs)
    try:
        accepted = poller.result()
    except (ValueError, DecodeError):
        accepted = None
    operation = operation_of(first.get("headers"))
    if operation is None:
        return accepted
    return Started(operation, accepted)


def _same_host(url: str, endpoint: str) -> bool:
    return urlsplit(url).netloc.lower() == urlsplit(endpoint).netloc.lower()


def read_operation(c: AzureClients, sub: str, url: str) -> OperationStatus:
    """The operation's status, read ONCE (a GET of its status URL). Throttling and other failures of the
    read itself raise `HttpResponseError` (the activities' wrapper answers a 429 with a busy marker). The
    URL must be on the ARM endpoint: the request carries the app's ARM token."""
    if not _same_host(url, c.settings.arm_endpoint):
        raise ValueError(f"not an operation of the ARM endpoint {c.settings.arm_endpoint}: {url}")
    response = c.compute(sub).send_request(HttpRequest("GET", url))
    after = retry_after_seconds(response.headers)
    if response.status_code == 404:
        return OperationStatus(OPERATION_UNKNOWN, after)
    if response.status_code == 202:  # a Location URL: still running
        return OperationStatus(OPERATION_IN_PROGRESS, after)
    body: Any = None
    try:
        body = response.json() if response.content else None
    except (ValueError, DecodeError):
        body = None
    if response.status_code >= 400:
        if response.status_code in (408, 429) or response.status_code >= 500:
            response.raise_for_status()  # not the operation's outcome: the read failed
        error = (body or {}).get("error") if isinstance(body, dict) else None
        return _failed(error, f"HTTP {response.status_code}")
    status = str((body or {}).get("status") or OPERATION_SUCCEEDED) if isinstance(body, dict) else OPERATION_SUCCEEDED
    lowered = status.lower()
    if lowered == "succeeded":
        return OperationStatus(OPERATION_SUCCEEDED)
    if lowered in ("failed", "canceled", "cancelled"):
        return _failed(body.get("error"), status)
    return OperationStatus(OPERATION_IN_PROGRESS, after)


def _failed(error: Any, fallback: str) -> OperationStatus:
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or fallback)
    message = str(error.get("message") or f"the operation ended {fallback}")
    return OperationStatus(OPERATION_FAILED, code=code, message=message)

