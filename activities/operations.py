"""Long-running operations followed by the orchestrator: the pending marker write activities answer with,
and the short activity that reads an operation's status once."""

from __future__ import annotations

from typing import Any

from activities.blueprint import bp
from activities.runtime import clients
from domain.contracts import OperationInput, operation_marker
from gateway import operations
from gateway.operations import PendingOperation


def pending(operation: PendingOperation | None, what: str, **answer: Any) -> dict:
    """The answer of an activity whose operation runs on (see `domain.contracts.operation_marker`):
    `result=...` when the operation's success is all that is left, `callAgainWith={...}` for fields the
    activity's next call needs (what this call did), neither to be called again as it was. Without an
    operation (`None`) the caller waits a poll interval before calling again (something else's operation
    runs on the resource)."""
    if operation is None:
        return operation_marker(None, None, what, **answer)
    return operation_marker(operation.url, operation.retry_after_seconds, what, **answer)


@bp.activity_trigger(input_name="payload")
def read_operation(payload: dict) -> dict:
    """One read of an operation's status: InProgress (with Azure's Retry-After), Succeeded, Failed (with
    Azure's error code and message), or Unknown (its record is gone: the caller re-reads the resource)."""
    request = OperationInput.from_json(payload)
    return operations.read_operation(clients(), request.subscription_id, request.url).to_json()
