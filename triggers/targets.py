"""`GET /api/targets?subscriptionId=&resourceGroup=`: every lineage of a resource group and what
serves prod now (CONTRACT §5), read from the scale sets' tags and the running deployments."""

from __future__ import annotations

import asyncio

import azure.durable_functions as df
import azure.functions as func
from azure.core.exceptions import ResourceNotFoundError

from domain.contracts import ORCHESTRATOR_NAME
from domain.steps import DeploymentStatus
from domain.targets import targets_document
from gateway import compute
from gateway.clients import get_clients
from triggers.deployments import every_instance_status, unknown_parameters
from triggers.http import error_response, json_response
from triggers.views import deployment_view

bp = df.Blueprint()

PARAMETERS = ("subscriptionId", "resourceGroup")
ENDED = {DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.ROLLED_BACK,
         DeploymentStatus.TERMINATED}


@bp.route(route="targets", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def list_targets(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    problem = unknown_parameters(req, PARAMETERS)
    if problem:
        return problem
    missing = [name for name in PARAMETERS if not req.params.get(name)]
    if missing:
        return error_response(400, "MissingParameter", f"Query parameter(s) {missing} are required.",
                              [{"field": name, "message": "required"} for name in missing])
    sub, rg = req.params["subscriptionId"], req.params["resourceGroup"]
    try:
        scale_sets = await asyncio.to_thread(compute.list_scale_sets, get_clients(), sub, rg)
    except ResourceNotFoundError:
        return error_response(404, "ResourceGroupNotFound",
                              f"Resource group [{rg}] was not found in subscription [{sub}].")
    running: dict[str, str] = {}
    for status in await every_instance_status(client):
        if status.name != ORCHESTRATOR_NAME:
            continue
        view = deployment_view(status)
        if (view["status"] not in ENDED and (view["subscriptionId"] or "").lower() == sub.lower()
                and (view["resourceGroup"] or "").lower() == rg.lower() and view["infrastructureId"]):
            running[view["infrastructureId"].lower()] = view["id"]
    return json_response(targets_document(scale_sets, running))
