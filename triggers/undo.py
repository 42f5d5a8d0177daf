"""`POST /api/deployments/{id}/undo` (CONTRACT §5): start a deployment of kind `undo` that takes back a
succeeded deployment, or answer 409 with the reason it cannot."""

from __future__ import annotations

import asyncio
import logging
import uuid

import azure.durable_functions as df
import azure.functions as func

from domain.contracts import DEPLOYMENT_ORCHESTRATIONS, UndoInput
from domain.naming import target_key
from domain.spec import SpecError, parse_spec
from domain.undo import missing_scale_set_refusal, undo_refusal, undo_spec
from domain.view import DeploymentView
from gateway import compute
from gateway.clients import get_clients
from gateway.storage import claim_target
from triggers.deployments import (
    _locks,
    _log_best_effort,
    accepted_response,
    every_instance_status,
    notifications_refusal,
    spec_error_response,
)
from triggers.http import error_response, is_instance_id
from triggers.views import _decoded, deployment_view

bp = df.Blueprint()
logger = logging.getLogger("vmss_bluegreen.api")


def _with_record(status) -> DeploymentView:
    """The deployment as the API shows it, plus what it recorded for an undo (not part of the resource)."""
    state = status.output if isinstance(status.output, dict) else status.custom_status
    replaced = state.get("replaced") if isinstance(state, dict) else None
    return DeploymentView.from_json({**deployment_view(status), "replaced": replaced})


def _refused(reason: str, **extra: str) -> func.HttpResponse:
    return error_response(409, "UndoNotPossible", reason, **extra)


@bp.route(route="deployments/{id}/undo", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def undo_deployment_request(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    undone_id = req.route_params["id"]
    # An id no deployment can have never reaches the durable client (it does not encode ids in its URLs).
    status = await client.get_status(undone_id, show_input=True) if is_instance_id(undone_id) else None
    if not status or status.name not in DEPLOYMENT_ORCHESTRATIONS:
        return error_response(404, "DeploymentNotFound", f"Deployment [{undone_id}] was not found.")
    candidate = _with_record(status)
    everyone = [DeploymentView.from_json(deployment_view(s)) for s in await every_instance_status(client)
                if s.name in DEPLOYMENT_ORCHESTRATIONS]
    reason = undo_refusal(candidate, everyone)
    if reason is not None:
        return _refused(reason)
    assert candidate.replaced is not None and candidate.new_vmss
    try:
        spec = parse_spec(undo_spec(_decoded(status.input_).get("spec") or {}))
    except SpecError as exc:
        return spec_error_response(exc)
    refusal = notifications_refusal(spec)
    if refusal is not None:
        return refusal
    revived = await asyncio.to_thread(compute.get_scale_set, get_clients(), spec.subscription_id,
                                      spec.resource_group, candidate.replaced.name)
    if revived is None:
        return _refused(missing_scale_set_refusal(candidate))

    deployment_id = uuid.uuid4().hex
    key = target_key(spec.subscription_id, spec.resource_group, spec.infrastructure_id)
    holder = await claim_target(client, _locks(), key, deployment_id)
    if holder is not None:
        return _refused(f"Deployment [{holder}] is running for infrastructure [{spec.infrastructure_id}] in resource "
                        f"group [{spec.resource_group}]; wait for it to finish.", id=holder)
    request = UndoInput(deployment_id=deployment_id, spec=spec.to_json(), lock_key=key, undoes=undone_id,
                        undone_vmss=candidate.new_vmss, revived=candidate.replaced.to_json())
    try:
        await client.start_new(request.orchestration, deployment_id, request.to_json())
    except Exception:
        await asyncio.to_thread(_locks().release, key, deployment_id)
        raise
    await _log_best_effort(deployment_id, f"Undo [{deployment_id}] of deployment [{undone_id}] accepted: "
                                          f"[{candidate.replaced.name}] back in place of [{candidate.new_vmss}]")
    logger.info("Started undo %s of deployment %s", deployment_id, undone_id)
    return accepted_response(req, client, deployment_id)

