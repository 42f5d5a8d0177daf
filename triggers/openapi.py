"""The API's OpenAPI 3.1 document, served anonymously at `GET /api/openapi.json` (CONTRACT §5).

Nothing in it is written by hand but the table `OPERATIONS` (one row per route and method: the
request model and the answer per status); every schema is generated from the pydantic models the
routes validate with (`DeploymentSpec`, `ProfileSpec`) or answer with (the models below). A test
checks the table against the routes function_app.py registers, so a new route without a row fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import models_json_schema

from domain.spec import DeploymentSpec, ProfileSpec
from domain.steps import DeploymentStatus
from domain.view import DeploymentView
from triggers.deployments import ApprovalRequest
from triggers.http import MAX_BODY_BYTES, MAX_JSON_DEPTH, json_response

bp = df.Blueprint()

TITLE = "vmss-bluegreen"
API_VERSION = "1.0.0"
ROUTE_PREFIX = "/api"
TEXT = "text/plain"
HTML = "text/html"


# --- answer models -----------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail]


class ErrorResponse(BaseModel):
    """Every 4xx the app itself answers (401 comes from the host, without a body)."""

    error: ErrorBody


class DeploymentConflict(ErrorResponse):
    id: str | None = None


class DeploymentAccepted(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    deploymentUri: str
    statusQueryGetUri: str
    sendEventPostUri: str
    terminatePostUri: str
    purgeHistoryDeleteUri: str


class DeploymentList(BaseModel):
    value: list[DeploymentView]
    nextLink: str | None = None


class TargetMember(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    revision: int | None = None
    image: str | None = None
    capacity: int
    bgVersion: str | None = None
    pools: list[str]
    created: str | None = None


class Target(BaseModel):
    infrastructureId: str
    liveVmss: str | None = None
    runningDeployment: str | None = None
    members: list[TargetMember]


class TargetList(BaseModel):
    """`GET /api/targets`: every lineage of the resource group and what serves prod now."""

    value: list[Target]


class DeploymentPlan(BaseModel):
    """`POST /api/deployments?dryRun=true`: what Setup would do, with reads only (see domain/plan.py)."""

    model_config = ConfigDict(extra="allow")

    dryRun: bool
    infrastructureId: str
    revision: int
    newVmss: str
    liveVmss: str | None = None
    capacity: dict[str, Any]
    upgradeTarget: int
    retention: dict[str, list[str]]
    autoscale: dict[str, Any] | None = None
    warnings: list[str]


class ActionAccepted(BaseModel):
    id: str
    action: str
    deploymentUri: str


class ProfileEntry(BaseModel):
    profileName: str
    etag: str
    profile: ProfileSpec


class ProfileList(BaseModel):
    value: list[ProfileEntry]


class OpenApiDocument(BaseModel):
    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


# --- the table ---------------------------------------------------------------------------------------

Answer = type[BaseModel] | Literal["text", "html", "empty"]


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    enum: tuple[str, ...] = ()
    location: Literal["query", "header"] = "query"


IF_MATCH = Parameter("If-Match", "write only if the profile's ETag is this one (or '*': if it exists); else 412",
                 location="header")
IF_NONE_MATCH = Parameter("If-None-Match", "'*': create only; 412 when the profile exists", enum=("*",),
                      location="header")


@dataclass(frozen=True)
class Operation:
    method: str
    route: str  # as registered with @bp.route, without the route prefix
    summary: str
    responses: dict[int, Answer]
    request: type[BaseModel] | None = None
    parameters: tuple[Parameter, ...] = ()  # query and header parameters
    anonymous: bool = False
    tags: tuple[str, ...] = field(default=("deployments",))


_BODY_REFUSALS: dict[int, Answer] = {400: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse}

OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "dashboard", "The status page: one self-contained HTML page (CONTRACT §8)",
              responses={200: "html"}, tags=("status page",)),
    Operation("POST", "deployments", "Start a blue/green deployment (or, with dryRun=true, answer its plan)",
              request=DeploymentSpec,
              responses={200: DeploymentPlan, 202: DeploymentAccepted, **_BODY_REFUSALS, 409: DeploymentConflict},
              parameters=(Parameter("dryRun", "true: validate and plan with reads only; nothing is written or "
                                              "started", ("true", "false")),)),
    Operation("GET", "deployments", "List deployments, newest first", responses={200: DeploymentList,
                                                                                 400: ErrorResponse},
              parameters=(Parameter("status", "only deployments in these statuses (comma-separated: "
                                              + ", ".join(s.value for s in DeploymentStatus) + ")"),
                          Parameter("resourceGroup", "only deployments to this resource group (case-insensitive)"),
                          Parameter("top", "at most this many, with a nextLink to the next page"),
                          Parameter("continuationToken", "the page after the one whose nextLink gave it"))),
    Operation("GET", "targets", "Every lineage of a resource group and the scale set serving prod",
              responses={200: TargetList, 400: ErrorResponse, 404: ErrorResponse},
              parameters=(Parameter("subscriptionId", "the subscription (required)"),
                          Parameter("resourceGroup", "the resource group (required)")), tags=("targets",)),
    Operation("GET", "deployments/{id}", "Read a deployment", responses={200: DeploymentView, 404: ErrorResponse}),
    Operation("GET", "deployments/{id}/log", "Read a deployment's log", responses={200: "text", 404: ErrorResponse}),
    *(Operation("POST", f"deployments/{{id}}/{action}", summary, request=ApprovalRequest,
                responses={202: ActionAccepted, **_BODY_REFUSALS, 404: ErrorResponse, 409: ErrorResponse})
      for action, summary in (("approve", "Approve the approval the deployment waits for (its current token)"),
                              ("reject", "Reject the approval the deployment waits for (its current token)"))),
    *(Operation("POST", f"deployments/{{id}}/{action}", summary,
                responses={202: ActionAccepted, 404: ErrorResponse, 409: ErrorResponse})
      for action, summary in (("abort", "Stop a deployment at any step and roll it back"),
                              ("rollback", "Alias of abort"),
                              ("pause", "Hold a deployment where it is: no further Azure write"),
                              ("resume", "Go on with a paused deployment"))),
    Operation("POST", "deployments/{id}/undo",
              "Undo a succeeded deployment: a deployment of kind undo that brings the replaced scale set back",
              responses={202: DeploymentAccepted, 404: ErrorResponse, 409: DeploymentConflict}),
    Operation("PUT", "profiles/{name}", "Create or replace a deployment profile", request=ProfileSpec,
              responses={200: ProfileSpec, 201: ProfileSpec, **_BODY_REFUSALS, 412: ErrorResponse},
              parameters=(IF_MATCH, IF_NONE_MATCH), tags=("profiles",)),
    Operation("GET", "profiles/{name}", "Read a deployment profile",
              responses={200: ProfileSpec, 400: ErrorResponse, 404: ErrorResponse}, tags=("profiles",)),
    Operation("DELETE", "profiles/{name}", "Delete a deployment profile",
              responses={204: "empty", 400: ErrorResponse, 404: ErrorResponse, 412: ErrorResponse},
              parameters=(IF_MATCH,), tags=("profiles",)),
    Operation("GET", "profiles", "List deployment profiles, by name", responses={200: ProfileList},
              tags=("profiles",)),
    Operation("GET", "openapi.json", "This document", responses={200: OpenApiDocument}, anonymous=True,
              tags=("meta",)),
)

_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
            401: "No or wrong function key", 404: "Not Found", 409: "Conflict", 412: "Precondition Failed",
            413: "Body over 1 MiB", 415: "Body not application/json"}


# --- the document ------------------------------------------------------------------------------------


def _path_parameters(route: str) -> list[dict[str, Any]]:
    names = [part[1:-1].split(":")[0].rstrip("?") for part in route.split("/") if part.startswith("{")]
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in names]


def _schemas() -> tuple[dict[tuple[type[BaseModel], str], dict[str, Any]], dict[str, Any]]:
    pairs: set[tuple[type[BaseModel], Literal["validation", "serialization"]]] = set()
    for op in OPERATIONS:
        if op.request is not None:
            pairs.add((op.request, "validation"))
        pairs.update((answer, "serialization") for answer in op.responses.values() if not isinstance(answer, str))
    ordered = sorted(pairs, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, definitions = models_json_schema(ordered, by_alias=True, ref_template="#/components/schemas/{model}")
    schemas = definitions.get("$defs", {})
    for model in (DeploymentSpec, ProfileSpec):
        _derived_defaults(schemas[model.__name__])
    return refs, schemas


def _derived_defaults(schema: dict[str, Any]) -> None:
    """What the model's before-validator does and pydantic cannot see: `name` may be left out (or null)
    when app, service and env are all given, and `infrastructureId` defaults to the normalised name."""
    schema["required"] = [f for f in schema.get("required", []) if f not in ("name", "infrastructureId")]
    schema["anyOf"] = [{"required": ["name"]}, {"required": ["app", "service", "env"]}]
    for name, text in (("name", "scale set base name; default app_service_env (normalised)"),
                       ("infrastructureId", "lineage id; default the normalised name")):
        prop = schema["properties"][name]
        schema["properties"][name] = {"anyOf": [{k: v for k, v in prop.items() if k != "title"}, {"type": "null"}],
                                      "title": prop.get("title", name), "description": text}


def _operation(op: Operation, refs: dict[tuple[type[BaseModel], str], dict[str, Any]]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, answer in sorted(op.responses.items()):
        entry: dict[str, Any] = {"description": _REASONS.get(status, "")}
        if answer in ("text", "html"):
            entry["content"] = {TEXT if answer == "text" else HTML: {"schema": {"type": "string"}}}
        elif not isinstance(answer, str):
            entry["content"] = {"application/json": {"schema": refs[(answer, "serialization")]}}
        responses[str(status)] = entry
    if not op.anonymous:
        responses["401"] = {"description": _REASONS[401]}
    doc: dict[str, Any] = {
        "operationId": f"{op.method.lower()}_{op.route.replace('/', '_').replace('{', '').replace('}', '')}"
                       .replace(".", "_"),
        "summary": op.summary, "tags": list(op.tags), "responses": responses,
    }
    parameters = _path_parameters(op.route) + [
        {"name": q.name, "in": q.location, "required": False, "description": q.description,
         "schema": {"type": "string", **({"enum": list(q.enum)} if q.enum else {})}} for q in op.parameters]
    if parameters:
        doc["parameters"] = parameters
    if op.request is not None:
        doc["requestBody"] = {
            "required": True,
            "description": f"application/json (charset UTF-8 if given), at most {MAX_BODY_BYTES} bytes "
                           f"and {MAX_JSON_DEPTH} levels of nesting",
            "content": {"application/json": {"schema": refs[(op.request, "validation")]}}}
    if op.anonymous:
        doc["security"] = []
    return doc


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    refs, schemas = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(f"{ROUTE_PREFIX}/{op.route}", {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": API_VERSION,
                 "description": "Blue/green deployments of Azure VM Scale Sets. Errors are "
                                "{\"error\":{\"code\",\"message\",\"details\":[{\"field\",\"message\"}]}}."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "functionKeyHeader": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
                "functionKeyQuery": {"type": "apiKey", "in": "query", "name": "code"},
            },
        },
        "security": [{"functionKeyHeader": []}, {"functionKeyQuery": []}],
    }


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def get_openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(openapi_document())
