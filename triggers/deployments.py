"""HTTP API for deployments (CONTRACT §5): start, follow, list, read the log, and the operator's actions:
approve/reject (with the approval's token), abort (alias rollback), pause, resume."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from functools import lru_cache

import azure.durable_functions as df
import azure.functions as func
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Runtime
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.contracts import DEPLOYMENT_ORCHESTRATIONS, ORCHESTRATOR_NAME, DeploymentInput, Source
from domain.naming import target_key
from domain.notifications import SIGNING_KEY_SETTING, cloud_event
from domain.spec import DeploymentSpec, SpecError, parse_spec
from domain.steps import TERMINAL_STATUSES, DeploymentStatus, StepStatus
from domain.view import iso_instant
from gateway.clients import get_clients
from gateway.notifications import delivery_instance_id, start_deliveries
from gateway.storage import DeploymentLogs, TargetLocks, claim_target
from triggers.dry_run import dry_run_response
from triggers.http import error_response, is_instance_id, json_response, origin, read_json
from triggers.views import deployment_view

bp = df.Blueprint()
logger = logging.getLogger("vmss_bluegreen.api")


@lru_cache(maxsize=1)
def _locks() -> TargetLocks:
    return TargetLocks(get_clients().blob_service())


@lru_cache(maxsize=1)
def _logs() -> DeploymentLogs:
    return DeploymentLogs(get_clients().blob_service())


async def _log_best_effort(deployment_id: str, line: str) -> None:
    """Once the deployment was started or the operator's event raised, a failed append must not
    answer 500 (the caller would retry what already happened)."""
    await asyncio.to_thread(_logs().try_append, deployment_id, line)


def spec_error_response(exc: SpecError) -> func.HttpResponse:
    return error_response(400, "InvalidDeploymentSpec", str(exc), exc.details)


def notifications_refusal(spec: DeploymentSpec) -> func.HttpResponse | None:
    """Webhooks without a signing key would be sent unsigned or not at all: refused (CONTRACT §2)."""
    if spec.notifications is None or (os.environ.get(SIGNING_KEY_SETTING) or "").strip():
        return None
    message = f"notifications need the app setting {SIGNING_KEY_SETTING}, which is not set"
    return error_response(400, "InvalidDeploymentSpec", message,
                          [{"field": "notifications", "message": message}])


async def start_deployment(client: df.DurableOrchestrationClient, spec: DeploymentSpec, deployment_id: str,
                           source: Source, queue_when_busy: bool) -> str | None:
    """Start the orchestration; returns the running holder's id when the target is busy."""
    key = target_key(spec.subscription_id, spec.resource_group, spec.infrastructure_id)
    if not queue_when_busy:
        holder = await claim_target(client, _locks(), key, deployment_id)
        if holder is not None:
            return holder
    request = DeploymentInput(deployment_id, spec.to_json(), key, source.to_json(), queue_when_busy)
    try:
        await client.start_new(ORCHESTRATOR_NAME, deployment_id, request.to_json())
    except Exception:
        if not queue_when_busy:
            await asyncio.to_thread(_locks().release, key, deployment_id)
        raise
    await _log_best_effort(deployment_id, f"Deployment [{deployment_id}] accepted for scale set [{spec.name}] "
                                          f"in resource group [{spec.resource_group}] ({source.kind})")
    return None


def accepted_response(req: func.HttpRequest, client: df.DurableOrchestrationClient, deployment_id: str
                      ) -> func.HttpResponse:
    management = client.create_http_management_payload(deployment_id)
    path = f"/api/deployments/{deployment_id}"
    body = {"id": deployment_id, "deploymentUri": path, **{k: v for k, v in management.items() if k != "id"}}
    return json_response(body, 202, headers={"Location": origin(req) + path, "Retry-After": "10"})


@bp.route(route="deployments", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def create_deployment(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    dry_run = (req.params.get("dryRun") or "false").lower()
    if dry_run not in ("true", "false"):
        return error_response(400, "InvalidQueryParameter", "dryRun must be true or false.",
                              [{"field": "dryRun", "message": "true or false"}])
    payload, problem = read_json(req)
    if problem:
        return problem
    try:
        spec = parse_spec(payload)
    except SpecError as exc:
        return spec_error_response(exc)
    if dry_run == "true":
        return await dry_run_response(spec)
    refusal = notifications_refusal(spec)
    if refusal is not None:
        return refusal
    deployment_id = uuid.uuid4().hex
    holder = await start_deployment(client, spec, deployment_id, Source(kind="http"), queue_when_busy=False)
    if holder is not None:
        return error_response(
            409, "DeploymentInProgress",
            f"Deployment [{holder}] is running for infrastructure [{spec.infrastructure_id}] in resource group "
            f"[{spec.resource_group}]; wait for it to finish.", id=holder)
    logger.info("Started deployment %s for %s", deployment_id, spec.infrastructure_id)
    return accepted_response(req, client, deployment_id)


async def _view(client: df.DurableOrchestrationClient, deployment_id: str) -> dict | None:
    if not is_instance_id(deployment_id):
        return None
    status = await client.get_status(deployment_id, show_input=True)
    if not status or status.name not in DEPLOYMENT_ORCHESTRATIONS:
        return None
    wait_status = None
    custom = status.custom_status if isinstance(status.custom_status, dict) else {}
    if custom.get("waitInstanceId"):
        wait_status = await client.get_status(custom["waitInstanceId"])
        wait_status = wait_status if wait_status else None
    return deployment_view(status, wait_status)


def _not_found(deployment_id: str) -> func.HttpResponse:
    return error_response(404, "DeploymentNotFound", f"Deployment [{deployment_id}] was not found.")


@bp.route(route="deployments/{id}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def get_deployment(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    deployment_id = req.route_params["id"]
    view = await _view(client, deployment_id)
    return json_response(view) if view else _not_found(deployment_id)


CONTINUATION_HEADER = "x-ms-continuation-token"


def _read_instance_pages(rpc_base_url: str) -> list[dict]:
    """GET the Durable API's instance list page after page until it gives no continuation token."""
    statuses: list[dict] = []
    token = None
    while True:
        request = urllib.request.Request(f"{rpc_base_url}instances/?showInput=true")
        if token:
            request.add_header(CONTINUATION_HEADER, token)
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the host's own RPC URL
            statuses += json.loads(response.read() or b"[]")
            token = response.headers.get(CONTINUATION_HEADER)
        if not token or token.lower() == "null":
            return statuses


async def every_instance_status(client: df.DurableOrchestrationClient) -> list[DurableOrchestrationStatus]:
    """Every orchestration instance, sub-orchestrations included, however many pages they fill.

    The SDK's get_status_all returns only the first page (the extension answers 100 instances at a
    time) and drops the continuation token, so the pages are read here from the binding's RPC URL.
    """
    rpc_base_url = client._orchestration_bindings.rpc_base_url  # noqa: SLF001 - the SDK keeps it private
    if not rpc_base_url:
        raise RuntimeError("the durable client binding has no rpcBaseUrl")
    pages = await asyncio.to_thread(_read_instance_pages, rpc_base_url)
    return [DurableOrchestrationStatus.from_json(status) for status in pages]


# Query parameters every route takes: the function key (`code`).
ALWAYS_ALLOWED = ("code",)
LIST_PARAMETERS = ("status", "resourceGroup", "top", "continuationToken")
MAX_TOP = 1000


def unknown_parameters(req: func.HttpRequest, allowed: tuple[str, ...]) -> func.HttpResponse | None:
    """400 naming every query parameter the route does not know (a misspelt filter must not be ignored)."""
    unknown = sorted(name for name in req.params if name not in allowed and name not in ALWAYS_ALLOWED)
    if not unknown:
        return None
    return error_response(400, "InvalidQueryParameter", f"Unknown query parameter(s) {unknown}; "
                          f"this route takes {list(allowed)}.",
                          [{"field": name, "message": "unknown query parameter"} for name in unknown])


def _list_key(view: dict) -> tuple[str, str]:
    return (view["createdAt"] or "", view["id"] or "")


def _encode_token(view: dict) -> str:
    raw = json.dumps(list(_list_key(view))).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_token(token: str) -> tuple[str, str] | None:
    try:
        created, instance = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return str(created), str(instance)
    except (ValueError, TypeError):
        return None


@bp.route(route="deployments", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def list_deployments(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Newest first. `status` takes several comma-separated statuses; with `top`, one page and a
    `nextLink` (also the `x-ms-continuation-token` header) to the next one, whose token is the position
    after the page's last deployment, so deployments started meanwhile never shift a page."""
    problem = unknown_parameters(req, LIST_PARAMETERS)
    if problem:
        return problem
    known = [s.value for s in DeploymentStatus]
    wanted_statuses = {s.strip() for s in (req.params.get("status") or "").split(",") if s.strip()}
    wanted_group = req.params.get("resourceGroup")
    unknown_statuses = sorted(wanted_statuses - set(known))
    if unknown_statuses:
        return error_response(400, "InvalidFilter", f"Unknown status {unknown_statuses}",
                              [{"field": "status", "message": f"comma-separated, each one of {known}"}])
    top = None
    if req.params.get("top") is not None:
        raw_top = req.params["top"]
        if not raw_top.isdigit() or not 1 <= int(raw_top) <= MAX_TOP:
            return error_response(400, "InvalidQueryParameter", f"top must be an integer from 1 to {MAX_TOP}.",
                                  [{"field": "top", "message": f"1..{MAX_TOP}"}])
        top = int(raw_top)
    after = None
    if req.params.get("continuationToken"):
        after = _decode_token(req.params["continuationToken"])
        if after is None:
            return error_response(400, "InvalidQueryParameter", "The continuation token is not one this API gave.",
                                  [{"field": "continuationToken", "message": "malformed"}])
    statuses = await every_instance_status(client)
    views = [deployment_view(s) for s in statuses if s.name in DEPLOYMENT_ORCHESTRATIONS]
    if wanted_statuses:
        views = [v for v in views if v["status"] in wanted_statuses]
    if wanted_group:
        views = [v for v in views if (v["resourceGroup"] or "").lower() == wanted_group.lower()]
    views.sort(key=_list_key, reverse=True)
    if after is not None:
        views = [v for v in views if _list_key(v) < after]
    body: dict = {"value": views}
    headers: dict[str, str] = {}
    if top is not None and len(views) > top:
        body["value"] = views[:top]
        token = _encode_token(views[top - 1])
        query = {k: v for k, v in req.params.items() if k not in ("continuationToken", "code")}
        query["continuationToken"] = token
        body["nextLink"] = f"{origin(req)}/api/deployments?{urllib.parse.urlencode(query)}"
        headers[CONTINUATION_HEADER] = token
    return json_response(body, headers=headers)


TERMINATED_LINE = "Deployment terminated through the Durable API"


@bp.route(route="deployments/{id}/log", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def get_deployment_log(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    deployment_id = req.route_params["id"]
    status = await client.get_status(deployment_id) if is_instance_id(deployment_id) else None
    if not status or status.name not in DEPLOYMENT_ORCHESTRATIONS:
        return _not_found(deployment_id)
    text = await asyncio.to_thread(_logs().read, deployment_id)
    if status.runtime_status in (Runtime.Terminated, Runtime.Canceled) and TERMINATED_LINE not in (text or ""):
        # A terminated orchestration runs no more code: the log is told here, once, when first read.
        view = deployment_view(status)
        stopped = [step["name"] for step in view["steps"] if step["status"] == StepStatus.TERMINATED]
        await _log_best_effort(deployment_id, f"{TERMINATED_LINE}" + (f" during step [{stopped[0]}]" if stopped else "")
                               + "; nothing was rolled back")
        text = await asyncio.to_thread(_logs().read, deployment_id)
    return func.HttpResponse(text or "", status_code=200, mimetype="text/plain", charset="utf-8")


# -- operator actions (CONTRACT §5): approve/reject with the approval's token, abort, pause, resume ----------

# The events the orchestrator listens for (orchestrators/bluegreen.py).
APPROVAL_EVENT, ABORT_EVENT, RESUMED_EVENT = "approval", "abort", "resumed"
# Instances of orchestration versions 1 and 2 (started before version 3, orchestrators/versions.py) know
# only an `approval` event with a `decision` (approve, reject, anything else rolls back) and, in the
# scale-down delay, a `rollback` event; their custom status lacks OPERATOR_ACTIONS_KEY or has it false.
LEGACY_ROLLBACK_EVENT = "rollback"
OPERATOR_ACTIONS_KEY = "operatorActions"
PRINCIPAL_HEADER = "X-MS-CLIENT-PRINCIPAL-NAME"  # set by App Service authentication, never by the caller


class ApprovalRequest(BaseModel):
    """`approve`/`reject` body: the token of the approval the operator saw, so that a decision taken
    on an old page (another deployment, an earlier approval) is refused instead of applied."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=100)
    comment: str | None = Field(default=None, max_length=2000)


class LegacyApprovalRequest(ApprovalRequest):
    """The body accepted for an instance of a version before 3: it drew no token, so none is needed."""

    token: str | None = Field(default=None, max_length=100)


def _takes_operator_actions(status: DurableOrchestrationStatus) -> bool:
    """Version 3 on: abort at any step, approvals with a token, pauses that move deadlines. An instance
    that has not run yet has no custom status: it was created by this release (version 3) or will
    ignore the signal, as it would have before."""
    custom = status.custom_status if isinstance(status.custom_status, dict) else {}
    return not custom or custom.get(OPERATOR_ACTIONS_KEY) is True


def _validation_response(exc: ValidationError) -> func.HttpResponse:
    details = [{"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
               for error in exc.errors()]
    return error_response(400, "InvalidRequestContent", "The request body is not a valid approval decision.", details)


async def _instance(client: df.DurableOrchestrationClient, deployment_id: str
                    ) -> tuple[DurableOrchestrationStatus, dict, str | None] | None:
    """The deployment's durable status, its view, and the steady-state wait it runs now (if any)."""
    if not is_instance_id(deployment_id):
        return None
    status = await client.get_status(deployment_id, show_input=True)
    if not status or status.name not in DEPLOYMENT_ORCHESTRATIONS:
        return None
    custom = status.custom_status if isinstance(status.custom_status, dict) else {}
    wait_id = custom.get("waitInstanceId") or None
    wait_status = await client.get_status(wait_id) if wait_id else None
    return status, deployment_view(status, wait_status or None), wait_id


def _refused(deployment_id: str, action: str, view: dict, why: str = "") -> func.HttpResponse:
    return error_response(409, "InvalidDeploymentState",
                          f"Cannot {action} deployment [{deployment_id}] while it is {view['status']} "
                          f"(phase {view['phase']}){why}.")


def _accepted(req: func.HttpRequest, deployment_id: str, action: str) -> func.HttpResponse:
    path = f"/api/deployments/{deployment_id}"
    return json_response({"id": deployment_id, "action": action, "deploymentUri": path}, 202,
                         headers={"Location": origin(req) + path})


def _operator(req: func.HttpRequest) -> str:
    return (req.headers.get(PRINCIPAL_HEADER) or "").strip() or "function key"


async def _best_effort(action, instance_id: str, what: str) -> None:
    """A control call on the steady-state wait, which may have ended meanwhile: that is fine."""
    try:
        await action
    except Exception as exc:  # noqa: BLE001
        logger.info("Could not %s wait %s: %s", what, instance_id, exc)


async def _decide(req: func.HttpRequest, client: df.DurableOrchestrationClient, decision: str) -> func.HttpResponse:
    deployment_id = req.route_params["id"]
    payload, problem = read_json(req)
    if problem:
        return problem
    invalid: ValidationError | None = None
    try:
        body = ApprovalRequest.model_validate(payload)
    except ValidationError as exc:  # perhaps only the token is missing, which a version 1 or 2 instance allows
        invalid = exc
        try:
            body = LegacyApprovalRequest.model_validate(payload)
        except ValidationError:
            return _validation_response(exc)
    found = await _instance(client, deployment_id)
    if found is None:
        return _not_found(deployment_id)
    status, view, _ = found
    if view["status"] != DeploymentStatus.AWAITING_APPROVAL:
        return _refused(deployment_id, decision, view)
    operator = _operator(req)
    if _takes_operator_actions(status):
        if invalid is not None:
            return _validation_response(invalid)
        if not view.get("approval") or view["approval"]["token"] != body.token:
            return error_response(409, "StaleApprovalToken",
                                  f"The token does not belong to the approval deployment [{deployment_id}] is "
                                  "waiting for; reload the deployment and decide on its current approval.")
        await client.raise_event(deployment_id, APPROVAL_EVENT, {
            "token": body.token, "decision": decision, "decidedBy": operator, "comment": body.comment})
    else:  # versions 1 and 2 drew no token: the first decision raised decides, as it did
        await client.raise_event(deployment_id, APPROVAL_EVENT, {"decision": decision, "decidedBy": operator,
                                                                 "comment": body.comment})
    await _log_best_effort(deployment_id, f"Operator [{operator}] requested [{decision}]"
                                          + (f": {body.comment}" if body.comment else ""))
    return _accepted(req, deployment_id, decision)


async def _resume(client: df.DurableOrchestrationClient, status: DurableOrchestrationStatus, wait_id: str | None,
                  operator: str) -> None:
    """The resume signal first, then the resume: the signal tells the orchestrator since when it was held
    (a suspended instance's last update is its suspension), so its deadlines move by that much. An
    instance of version 1 or 2 has no signal: its deadlines stay where they were."""
    paused_at = status.last_updated_time
    if paused_at is not None and _takes_operator_actions(status):
        await client.raise_event(status.instance_id, RESUMED_EVENT, {"pausedAt": iso_instant(paused_at)})
    await client.resume(status.instance_id, f"resumed by {operator}")
    if wait_id:
        await _best_effort(client.resume(wait_id, f"resumed by {operator}"), wait_id, "resume")


@bp.route(route="deployments/{id}/approve", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def approve_deployment(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _decide(req, client, "approve")


@bp.route(route="deployments/{id}/reject", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def reject_deployment(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _decide(req, client, "reject")


async def _abort(req: func.HttpRequest, client: df.DurableOrchestrationClient, action: str) -> func.HttpResponse:
    """Any step may be aborted; the rollback that follows may not (it is what puts prod back)."""
    deployment_id = req.route_params["id"]
    found = await _instance(client, deployment_id)
    if found is None:
        return _not_found(deployment_id)
    status, view, wait_id = found
    if view["status"] in TERMINAL_STATUSES:
        return _refused(deployment_id, action, view)
    if view["phase"] == "Rollback":
        return _refused(deployment_id, action, view, ": the rollback runs to its end")
    operator = _operator(req)
    if not _takes_operator_actions(status):
        legacy = _legacy_abort(view)
        if legacy is None:
            return _refused(deployment_id, action, view, ": it started before abort existed (orchestration version "
                                                         "1 or 2) and can be aborted only while it awaits approval "
                                                         "or in its scale-down delay")
        await client.raise_event(deployment_id, *legacy)
    else:
        await client.raise_event(deployment_id, ABORT_EVENT, {"requestedBy": operator})
        if wait_id:  # the steady-state wait ends at once rather than at its deadline
            await _best_effort(client.raise_event(wait_id, ABORT_EVENT, {"requestedBy": operator}), wait_id, "abort")
    if status.runtime_status == Runtime.Suspended:  # a paused deployment is let go on, to roll back
        await _resume(client, status, wait_id, operator)
    await _log_best_effort(deployment_id, f"Operator [{operator}] requested [{action}]")
    return _accepted(req, deployment_id, action)


def _legacy_abort(view: dict) -> tuple[str, dict] | None:
    """The event that rolls back an instance of version 1 or 2 in its current step, if any does."""
    if view["phase"] == "Approval":
        return APPROVAL_EVENT, {"decision": "rollback"}
    if view["phase"] == "ScaleDownDelay":
        return LEGACY_ROLLBACK_EVENT, {}
    return None


@bp.route(route="deployments/{id}/abort", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def abort_deployment(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _abort(req, client, "abort")


@bp.route(route="deployments/{id}/rollback", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def rollback_deployment(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Kept as an alias of `abort`: scripts written when it was the only operator action still work."""
    return await _abort(req, client, "rollback")


def _webhooks(status: DurableOrchestrationStatus) -> list[str]:
    request = status.input_
    if isinstance(request, str):
        try:
            request = json.loads(request)
        except ValueError:
            return []
    spec = (request.get("spec") if isinstance(request, dict) else None) or {}
    return list((spec.get("notifications") or {}).get("webhooks") or [])


async def _next_free_sequence(client: df.DurableOrchestrationClient, deployment_id: str, prefix: str) -> int:
    """The first n whose delivery of change `<prefix>n` was never started (the deliveries record the changes)."""
    n = 1
    while await client.get_status(delivery_instance_id(deployment_id, f"{prefix}{n}", 0)):
        n += 1
    return n


async def _notify_operator_change(client: df.DurableOrchestrationClient, status: DurableOrchestrationStatus,
                                  view: dict, new_status: str) -> None:
    """A pause or resume is a status change no orchestrator sees (a suspended one does not run): its
    notifications are started here. Its sequence `N.M` orders it after the orchestrator's N-th change (the
    last one sent) and the operator's earlier ones; the orchestrator's next change is N+1."""
    webhooks = _webhooks(status)
    if not webhooks:
        return
    deployment_id = status.instance_id
    try:
        sent = await _next_free_sequence(client, deployment_id, "") - 1
        sequence = f"{sent}.{await _next_free_sequence(client, deployment_id, f'{sent}.')}"
        now = iso_instant(datetime.now(UTC))
        event = cloud_event({**view, "status": str(new_status), "updatedAt": now},
                            deployment_id=deployment_id, sequence=sequence, time=now)
        await start_deliveries(client, deployment_id, sequence, webhooks, event)
    except Exception:  # noqa: BLE001 - the pause or resume happened; a notification never undoes it
        logger.exception("Could not start the %s notifications of deployment %s", new_status, deployment_id)


@bp.route(route="deployments/{id}/pause", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def pause_deployment(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Durable's suspend: no further episode runs, so no Azure write starts and timers wait. The running
    steady-state wait is suspended too. A rollback is not paused: it is what puts prod back."""
    deployment_id = req.route_params["id"]
    found = await _instance(client, deployment_id)
    if found is None:
        return _not_found(deployment_id)
    status, view, wait_id = found
    running = view["status"] in (DeploymentStatus.RUNNING, DeploymentStatus.AWAITING_APPROVAL)
    if not running or status.runtime_status != Runtime.Running or view["phase"] == "Rollback":
        return _refused(deployment_id, "pause", view)
    operator = _operator(req)
    await client.suspend(deployment_id, f"paused by {operator}")
    if wait_id:
        await _best_effort(client.suspend(wait_id, f"paused by {operator}"), wait_id, "suspend")
    await _log_best_effort(deployment_id, f"Deployment paused by [{operator}]")
    await _notify_operator_change(client, status, view, DeploymentStatus.PAUSED)
    return _accepted(req, deployment_id, "pause")


@bp.route(route="deployments/{id}/resume", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def resume_deployment(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    deployment_id = req.route_params["id"]
    found = await _instance(client, deployment_id)
    if found is None:
        return _not_found(deployment_id)
    status, view, wait_id = found
    if status.runtime_status != Runtime.Suspended:
        return _refused(deployment_id, "resume", view)
    operator = _operator(req)
    await _resume(client, status, wait_id, operator)
    await _log_best_effort(deployment_id, f"Deployment resumed by [{operator}]")
    custom = status.custom_status if isinstance(status.custom_status, dict) else {}
    await _notify_operator_change(client, status, view, custom.get("status") or DeploymentStatus.RUNNING)
    return _accepted(req, deployment_id, "resume")
