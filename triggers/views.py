"""The deployment resource the API returns, built from the orchestration's status."""

from __future__ import annotations

import json
from typing import Any

from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Runtime

from domain.steps import DeploymentStatus
from domain.view import CapacityView, DeploymentView


def _decoded(value: Any) -> dict[str, Any]:
    """The orchestration input as an object: the SDK's client sends it as JSON text, which the status
    API hands back as a string (as Azure does)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def deployment_view(status: DurableOrchestrationStatus, wait_status: DurableOrchestrationStatus | None = None
                    ) -> dict[str, Any]:
    runtime = status.runtime_status
    custom = status.custom_status if isinstance(status.custom_status, dict) else {}
    output = status.output if isinstance(status.output, dict) else {}
    state: dict[str, Any] = {**custom, **output} if runtime == Runtime.Completed else dict(custom)
    spec = _decoded(status.input_).get("spec") or {}

    if runtime == Runtime.Completed:
        state.setdefault("status", DeploymentStatus.SUCCEEDED)
    elif runtime == Runtime.Failed:
        state["status"] = state["phase"] = DeploymentStatus.FAILED
        state["error"] = state.get("error") or (str(status.output) if status.output else "The orchestration failed")
    elif runtime in (Runtime.Terminated, Runtime.Canceled):
        state["status"] = state["phase"] = DeploymentStatus.TERMINATED
        state["error"] = state.get("error") or (str(status.output) if status.output else None)
    elif runtime == Runtime.Suspended:  # held by an operator (the pause route): the view says so
        state["status"] = DeploymentStatus.PAUSED
    elif runtime == Runtime.Pending or not custom:
        state["status"] = DeploymentStatus.PENDING
    else:
        state.setdefault("status", DeploymentStatus.RUNNING)

    view = DeploymentView.from_json(state)
    if runtime in (Runtime.Terminated, Runtime.Canceled):
        view = view.terminated(status.last_updated_time)
    if wait_status is not None and isinstance(wait_status.custom_status, dict):
        live = {k: v for k, v in (wait_status.custom_status.get("capacity") or {}).items() if k in CapacityView.model_fields}
        view = view.model_copy(update={"capacity": view.capacity.model_copy(update=live)})
    return view.model_copy(update={
        "id": status.instance_id,
        "created_at": status.created_time,
        "updated_at": status.last_updated_time,
        "subscription_id": view.subscription_id or spec.get("subscriptionId"),
        "resource_group": view.resource_group or spec.get("resourceGroup"),
        "infrastructure_id": view.infrastructure_id or spec.get("infrastructureId"),
    }).to_json()
