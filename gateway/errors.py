"""Errors the gateway raises where a caller needs to branch.

- `NotFoundError(resource, name)`: a resource the caller named does not exist (for example the base
  scale set of `create_scale_set_from_base`, or the scale set of `set_capacity`). Its message names the
  resource kind and name, e.g. ``virtual machine scale set 'web__base' not found in resource group 'rg'``.
- `PreconditionFailed`: an ETag condition (If-Match / If-None-Match) did not hold (HTTP 412 semantics).
- `InvalidResourceIdError`: a resource id that does not parse as the kind expected.

Anything unexpected (throttling that outlasted the retries, 5xx, a failed long-running operation) is
left as the Azure SDK's `azure.core.exceptions.HttpResponseError` (or its subclasses) and propagates.
`azure_busy(exc)` tells Azure's "not now" (429 throttling, 409 operation in progress) from the rest: the
activities' wrapper turns it into an answer the orchestrator waits out (activities/blueprint.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import HttpResponseError


class GatewayError(Exception):
    """Base class of the errors the gateway raises on purpose."""


class NotFoundError(GatewayError):
    def __init__(self, resource: str, name: str, detail: str | None = None) -> None:
        self.resource = resource
        self.name = name
        message = f"{resource} '{name}' not found"
        if detail:
            message += f" {detail}"
        super().__init__(message)


class PreconditionFailed(GatewayError):
    """An If-Match / If-None-Match condition failed (the document changed, or already exists)."""


class InvalidResourceIdError(GatewayError, ValueError):
    def __init__(self, kind: str, resource_id: str) -> None:
        self.kind = kind
        self.resource_id = resource_id
        super().__init__(f"not a valid {kind} resource id: {resource_id!r}")

    def __str__(self) -> str:
        cause = self.__cause__
        return f"{self.args[0]} ({cause})" if cause else self.args[0]


# -- Azure busy: throttling and operations in progress -----------------------------------------------

# Without a Retry-After, Azure's busy answers are waited out this long (virtual seconds in a durable timer).
DEFAULT_BUSY_RETRY_AFTER_SECONDS = 30.0


@dataclass(frozen=True)
class AzureBusy:
    """Azure refused a request for now, not for good: throttled (429), or another operation runs on the
    resource (409 `OperationNotAllowed` / a conflict naming an operation in progress)."""

    retry_after_seconds: float
    reason: str


def retry_after_seconds(headers: Any) -> float | None:
    """Retry-After in seconds (ARM sends delta-seconds); None when absent or not a number."""
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _is_operation_in_progress(error: HttpResponseError) -> bool:
    code = (getattr(getattr(error, "error", None), "code", None) or "").lower()
    text = str(error).lower()
    return code == "operationnotallowed" or ("conflict" in code and "operation" in text) or \
        "another operation" in text


def azure_busy(exc: BaseException) -> AzureBusy | None:
    """The busy answer `exc` (or an exception it was raised from) carries; None for any other failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, HttpResponseError) and current.status_code in (429, 409):
            if current.status_code == 409 and not _is_operation_in_progress(current):
                return None  # a real conflict (e.g. a name taken) is not waited out
            response = current.response
            after = retry_after_seconds(response.headers if response is not None else None)
            kind = "throttled (429)" if current.status_code == 429 else "another operation in progress (409)"
            lines = str(current).splitlines()
            detail = lines[0] if lines else (current.reason or "")
            return AzureBusy(DEFAULT_BUSY_RETRY_AFTER_SECONDS if after is None else after, f"{kind}: {detail}"[:300])
        current = current.__cause__ or current.__context__
    return None
