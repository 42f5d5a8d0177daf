"""Bookkeeping: the deployment log and the one-deployment-per-target lock."""

from __future__ import annotations

import azure.durable_functions as df

from activities.blueprint import bp
from activities.runtime import clients, log
from domain.contracts import AcquireLockInput, LogInput, ReleaseLockInput
from gateway.storage import TargetLocks, claim_target


@bp.activity_trigger(input_name="payload")
def append_log(payload: dict) -> int:
    """Returns how many lines the deployment log took (0 when it could not take them)."""
    request = LogInput.from_json(payload)
    return len(request.lines) if log(request.deployment_id, *request.lines) else 0


@bp.activity_trigger(input_name="payload")
@bp.durable_client_input(client_name="client")
async def acquire_target_lock(payload: dict, client: df.DurableOrchestrationClient) -> dict:
    """Take the target's lock for this deployment; a holder that is no longer running is taken over."""
    request = AcquireLockInput.from_json(payload)
    locks = TargetLocks(clients().blob_service())
    holder = await claim_target(client, locks, request.key, request.owner)
    return {"acquired": holder is None, "holder": holder}


@bp.activity_trigger(input_name="payload")
def release_target_lock(payload: dict) -> bool:
    request = ReleaseLockInput.from_json(payload)
    TargetLocks(clients().blob_service()).release(request.key, request.owner)
    return True


