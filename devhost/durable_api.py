"""The Durable Functions HTTP API (`/runtime/webhooks/durabletask/...`) and the client binding's URLs.

The same API answers, without a key, under `/_rpc/durabletask/` : the `rpcBaseUrl` the SDK's client
calls (the real host serves it on a local-only port).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
import uuid
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .clock import parse_iso
from .engine import Engine
from .keys import HostKeys
from .responses import error_json, json_body, seconds, truthy
from .store import TERMINAL

DURABLE_PREFIX = "/runtime/webhooks/durabletask"
RPC_PREFIX = "/_rpc/durabletask"
RUNTIME_STATUSES = ["Running", "Completed", "ContinuedAsNew", "Failed", "Canceled", "Terminated", "Pending",
                    "Suspended"]
CONTINUATION_HEADER = "x-ms-continuation-token"
# OrchestrationStatusQueryCondition.PageSize: what the extension answers per page when `top` is absent.
DEFAULT_PAGE_SIZE = 100


class ManagementUrls:
    """The URLs the extension puts in the client binding: the SDK copies them into
    `create_check_status_response` / `create_http_management_payload`. As on Azure they carry the
    durable extension's system key, not a function key."""

    def __init__(self, hub_name: str, port: int, keys: HostKeys):
        self.hub_name = hub_name
        self.port = port
        self.keys = keys

    def origin(self, request: Request | None = None) -> str:
        if request is not None:
            return f"{request.url.scheme}://{request.url.netloc}"
        return f"http://127.0.0.1:{self.port}"

    def required_query(self) -> str:
        q = f"taskHub={quote(self.hub_name)}&connection=Storage"
        if self.keys.durable_key:
            q += f"&code={quote(self.keys.durable_key, safe='')}"
        return q

    def for_instance(self, origin: str, instance_id: str) -> dict[str, str]:
        base = f"{origin}{DURABLE_PREFIX}/instances/{instance_id}"
        q = self.required_query()
        return {
            "id": instance_id,
            "purgeHistoryDeleteUri": f"{base}?{q}",
            "sendEventPostUri": f"{base}/raiseEvent/{{eventName}}?{q}",
            "statusQueryGetUri": f"{base}?{q}",
            "terminatePostUri": f"{base}/terminate?reason={{text}}&{q}",
            "rewindPostUri": f"{base}/rewind?reason={{text}}&{q}",
            "restartPostUri": f"{base}/restart?{q}",
            "suspendPostUri": f"{base}/suspend?reason={{text}}&{q}",
            "resumePostUri": f"{base}/resume?reason={{text}}&{q}",
        }

    def client_binding(self) -> str:
        origin = self.origin()
        q = self.required_query()
        base = f"{origin}{DURABLE_PREFIX}"
        return json.dumps({
            "taskHubName": self.hub_name,
            "creationUrls": {
                "createNewInstancePostUri": f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]?{q}",
                "createAndWaitOnNewInstancePostUri":
                    f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]?timeout={{timeoutInSeconds}}"
                    f"&pollingInterval={{intervalInSeconds}}&{q}",
            },
            "managementUrls": self.for_instance(origin, "INSTANCEID"),
            "baseUrl": base,
            "requiredQueryStringParameters": q,
            "rpcBaseUrl": f"{origin}{RPC_PREFIX}/",
            "httpBaseUrl": "",
            "maxGrpcMessageSizeInBytes": 0,
            "grpcHttpClientTimeout": "00:01:40",
        })


def encode_continuation(row: dict[str, Any]) -> str:
    """An opaque token naming the last row of a page (rows are ordered by creation time, then id)."""
    return base64.urlsafe_b64encode(json.dumps([row["created"], row["instance_id"]]).encode()).decode()


def decode_continuation(token: str) -> tuple[float, str]:
    created, instance_id = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
    return float(created), str(instance_id)


class DurableHttpApi:
    def __init__(self, engine: Engine, urls: ManagementUrls, overridable: str):
        self.engine = engine
        self.urls = urls
        # The extension's default is NonRunningStates: starting an id that is still running fails.
        self.overridable = overridable

    async def handle(self, request: Request, sub: str) -> Response:
        parts = [p for p in sub.split("/") if p != ""]
        method = request.method
        if not parts:
            return Response(status_code=404)
        head = parts[0].lower()
        if head == "orchestrators" and len(parts) in (2, 3):
            if method != "POST":
                return Response(status_code=404)
            return await self.start_orchestration(request, parts[1], parts[2] if len(parts) == 3 else None)
        if head != "instances":
            return Response(status_code=404)
        if len(parts) == 1:
            if method == "GET":
                return self.list_instances(request)
            if method == "DELETE":
                return self.purge_by(request)
            return Response(status_code=404)
        iid = parts[1]
        if len(parts) == 2:
            if method == "GET":
                return self.get_status(request, iid)
            if method == "DELETE":
                code, body = self.engine.purge(iid)
                return JSONResponse(body, status_code=code) if body else Response(status_code=code)
            return Response(status_code=404)
        op = parts[2].lower()
        if op == "raiseevent" and len(parts) == 4 and method == "POST":
            return await self.raise_event(request, iid, parts[3])
        if len(parts) == 3 and method == "POST":
            reason = request.query_params.get("reason")
            if op in ("terminate", "suspend", "resume"):
                return Response(status_code=self.engine.control(iid, op, reason))
            if op == "restart":
                return self.restart(request, iid)
            if op == "rewind":
                return self.rewind(iid)
        return Response(status_code=404)

    def check_status_response(self, request: Request, iid: str) -> Response:
        payload = self.urls.for_instance(self.urls.origin(request), iid)
        return JSONResponse(payload, status_code=202,
                            headers={"Location": payload["statusQueryGetUri"], "Retry-After": "10"})

    async def start_orchestration(self, request: Request, name: str, instance_id: str | None) -> Response:
        ok, value = await json_body(request)
        if not ok:
            return error_json(400, "Invalid JSON content", "Unexpected character encountered while parsing value.",
                              "Newtonsoft.Json.JsonReaderException")
        if name not in self.engine.registry.orchestrators:
            return error_json(400, "One or more of the arguments submitted is incorrect",
                              f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function. "
                              f"Additional info: the following are the known orchestrator functions: "
                              f"{', '.join(sorted(self.engine.registry.orchestrators))}.")
        if instance_id is not None and (not instance_id.strip() or any(c in instance_id for c in "/\\#?")
                                        or any(ord(c) < 32 for c in instance_id)):
            return error_json(400, "One or more of the arguments submitted is incorrect",
                              f"Instance ID '{instance_id}' contains invalid characters.")
        if instance_id and self.overridable.lower() == "nonrunningstates":
            existing = self.engine.store.get_instance(instance_id)
            if existing and existing["status"] not in TERMINAL:
                return error_json(500, "Something went wrong while processing your request",
                                  f"An Orchestration instance with the status {existing['status']} already exists.",
                                  "System.InvalidOperationException")
        # `version` (as the SDK's start_new sends it), else host.json's defaultVersion
        iid = self.engine.start_new(name, instance_id, value, request.query_params.get("version"))
        timeout = seconds(request.query_params.get("timeout"))
        interval = seconds(request.query_params.get("pollingInterval"))
        if timeout is not None and interval is not None:
            return await self.wait_or_check_status(request, iid, timeout, interval)
        return self.check_status_response(request, iid)

    async def wait_or_check_status(self, request: Request, iid: str, timeout: float, interval: float) -> Response:
        """createAndWaitOnNewInstancePostUri: the output if done within `timeout`, else the 202 payload."""
        deadline = time.monotonic() + timeout
        while True:
            inst = self.engine.store.get_instance(iid)
            if inst and inst["status"] == "Completed":
                return Response(inst["output"] or "null", media_type="application/json")
            if inst and inst["status"] in TERMINAL:
                return JSONResponse(self.engine.status_payload(inst),
                                    status_code=500 if inst["status"] == "Failed" else 200)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self.check_status_response(request, iid)
            await asyncio.sleep(max(0.01, min(interval, remaining)))

    async def raise_event(self, request: Request, iid: str, event: str) -> Response:
        inst = self.engine.store.get_instance(iid)
        if inst is None:
            return Response(status_code=404)
        if inst["status"] in TERMINAL:
            return Response(status_code=410)
        media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if media != "application/json":
            return error_json(400, "Only application/json request content is supported")
        raw = await request.body()
        try:
            value = json.loads(raw)
        except ValueError:  # an empty body included, as JToken.Load rejects it
            return error_json(400, "Invalid JSON content")
        return Response(status_code=self.engine.raise_event(iid, event, value))

    def restart(self, request: Request, iid: str) -> Response:
        inst = self.engine.store.get_instance(iid)
        if inst is None:
            return error_json(400, "InstanceId does not match a valid orchestration instance.")
        new_id = uuid.uuid4().hex if truthy(request.query_params.get("restartWithNewInstanceId"), True) else iid
        value = json.loads(inst["input"]) if inst["input"] else None
        self.engine.start_new(inst["name"], new_id, value, inst.get("version"))
        return self.check_status_response(request, new_id)

    def rewind(self, iid: str) -> Response:
        inst = self.engine.store.get_instance(iid)
        if inst is None:
            return Response(status_code=404)
        if inst["status"] != "Failed":
            return Response(status_code=410)
        return error_json(501, "devhost does not implement rewind")

    def get_status(self, request: Request, iid: str) -> Response:
        inst = self.engine.store.get_instance(iid)
        if inst is None:
            return Response(status_code=404)
        q = request.query_params
        payload = self.engine.status_payload(
            inst, show_input=truthy(q.get("showInput"), True), show_history=truthy(q.get("showHistory"), False),
            show_history_output=truthy(q.get("showHistoryOutput"), False))
        status = inst["status"]
        headers: dict[str, str] = {}
        if status in ("Running", "Pending", "ContinuedAsNew", "Suspended"):
            code = 202
            headers = {"Location": str(request.url), "Retry-After": "5"}
        elif status == "Failed":
            code = 500 if truthy(q.get("returnInternalServerErrorOnFailure"), False) else 200
        else:
            code = 200
        return JSONResponse(payload, status_code=code, headers=headers)

    def _filters(self, request: Request) -> tuple[list[str] | None, float | None, float | None, str | None]:
        q = request.query_params
        statuses = None
        raw_statuses = [s for v in q.getlist("runtimeStatus") for s in v.split(",") if s.strip()]
        if raw_statuses:
            canon = {s.lower(): s for s in RUNTIME_STATUSES}
            statuses = [canon[s.strip().lower()] for s in raw_statuses if s.strip().lower() in canon]
            if not statuses:
                statuses = ["__none__"]
        created_from = created_to = None
        if q.get("createdTimeFrom"):
            try:
                created_from = parse_iso(q["createdTimeFrom"])
            except ValueError:
                created_from = None
        if q.get("createdTimeTo"):
            try:
                created_to = parse_iso(q["createdTimeTo"])
            except ValueError:
                created_to = None
        return statuses, created_from, created_to, q.get("instanceIdPrefix")

    def list_instances(self, request: Request) -> Response:
        """One page (`top`, default 100, as the extension's query condition) and, when more match, the
        `x-ms-continuation-token` header to send back for the next page."""
        statuses, cfrom, cto, prefix = self._filters(request)
        after = None
        token = request.headers.get(CONTINUATION_HEADER)
        if token and token.lower() != "null":
            try:
                after = decode_continuation(token)
            except (ValueError, TypeError, binascii.Error):
                return error_json(400, "Invalid continuation token")
        top = request.query_params.get("top") or ""
        page_size = int(top) if top.isdigit() and int(top) > 0 else DEFAULT_PAGE_SIZE
        rows = self.engine.query(statuses, cfrom, cto, prefix, after=after, limit=page_size + 1)
        page = rows[:page_size]
        headers = {CONTINUATION_HEADER: encode_continuation(page[-1])} if len(rows) > page_size else {}
        show_input = truthy(request.query_params.get("showInput"), True)
        return JSONResponse([self.engine.status_payload(r, show_input=show_input) for r in page], headers=headers)

    def purge_by(self, request: Request) -> Response:
        statuses, cfrom, cto, _ = self._filters(request)
        if cfrom is None:
            return JSONResponse("Please provide value for 'createdTimeFrom' parameter.", status_code=400)
        deleted = self.engine.purge_by(statuses, cfrom, cto)
        if deleted == 0:
            return Response(status_code=404)
        return JSONResponse({"instancesDeleted": deleted})
