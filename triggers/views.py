"""The deployment resource the API returns, built from the orchestration's status."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Runtime

from domain.steps import DeploymentStatus
from orchestrators.bluegreen import iso_instant

FIELDS = ("id", "status", "phase", "revision", "newVmss", "oldVmss", "capacity", "steps", "error",
          "createdAt", "updatedAt")


def _decoded(value: Any) -> dict[str, Any]:
    """The orchestration input as an object: the SDK's client sends it as JSON text, which the status
    API hands back as a string (as Azure does)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else iso_instant(moment)


def deployment_view(status: DurableOrchestrationStatus, wait_status: DurableOrchestrationStatus | None = None
                    ) -> dict[str, Any]:
    runtime = status.runtime_status
    custom = status.custom_status if isinstance(status.custom_status, dict) else {}
    output = status.output if isinstance(status.output, dict) else {}
    state: dict[str, Any] = {**custom, **output} if runtime == Runtime.Completed else dict(custom)
    spec = _decoded(status.input_).get("spec") or {}

    if runtime == Runtime.Completed:
        deployment_status = state.get("status", DeploymentStatus.SUCCEEDED.value)
    elif runtime == Runtime.Failed:
        deployment_status = DeploymentStatus.FAILED.value
        state["error"] = state.get("error") or (str(status.output) if status.output else "The orchestration failed")
        state["phase"] = DeploymentStatus.FAILED.value
    elif runtime in (Runtime.Terminated, Runtime.Canceled):
        deployment_status = DeploymentStatus.TERMINATED.value
        state["phase"] = DeploymentStatus.TERMINATED.value
        state["error"] = state.get("error") or (str(status.output) if status.output else None)
    elif runtime == Runtime.Pending or not custom:
        deployment_status = DeploymentStatus.PENDING.value
    else:
        deployment_status = custom.get("status", DeploymentStatus.RUNNING.value)

    capacity = dict(state.get("capacity") or {"desired": None, "current": None, "healthy": None})
    if wait_status is not None and isinstance(wait_status.custom_status, dict):
        capacity.update(wait_status.custom_status.get("capacity") or {})

    return {
        "id": status.instance_id,
        "status": deployment_status,
        "phase": state.get("phase", "Pending"),
        "revision": state.get("revision"),
        "newVmss": state.get("newVmss"),
        "oldVmss": state.get("oldVmss"),
        "capacity": capacity,
        "steps": state.get("steps", []),
        "error": state.get("error"),
        "createdAt": _iso(status.created_time),
        "updatedAt": _iso(status.last_updated_time),
        "subscriptionId": state.get("subscriptionId") or spec.get("subscriptionId"),
        "resourceGroup": state.get("resourceGroup") or spec.get("resourceGroup"),
        "infrastructureId": state.get("infrastructureId") or spec.get("infrastructureId"),
        "source": state.get("source"),
    }
