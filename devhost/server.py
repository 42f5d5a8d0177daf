"""The HTTP face of devhost: /api routes, the Durable Functions HTTP API, Event Grid, admin."""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import __version__
from .clock import VirtualClock, iso_status, parse_iso
from .engine import Engine
from .functions import FunctionInfo, FunctionRegistry, Invoker, apply_app_settings, load_app
from .store import TERMINAL, Store
from .timers import TimerScheduler

log = logging.getLogger("devhost")

RUNTIME_STATUSES = ["Running", "Completed", "ContinuedAsNew", "Failed", "Canceled", "Terminated", "Pending",
                    "Suspended"]
HTTP_REASON = "This function was programmatically called via the host APIs."
DURABLE_PREFIX = "/runtime/webhooks/durabletask"
RPC_PREFIX = "/_rpc/durabletask"


def _truthy(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "1", "yes")


def _resolve_setting(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 2 and value.startswith("%") and value.endswith("%"):
        return os.environ.get(value[1:-1], value)
    return value


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def error_json(status: int, message: str, exc_message: str | None = None, exc_type: str | None = None) -> Response:
    body: dict[str, Any] = {"Message": message}
    if exc_message is not None:
        body["ExceptionMessage"] = exc_message
        body["ExceptionType"] = exc_type or "System.ArgumentException"
    return JSONResponse(body, status_code=status)


class DevHost:
    def __init__(self, app_dir: Path, port: int, time_scale: float, state_dir: Path | None = None,
                 bind: str = "127.0.0.1", script: str = "function_app.py"):
        self.app_dir = app_dir.resolve()
        self.port = port
        self.bind = bind
        self.time_scale = time_scale
        self.state_dir = (state_dir or self.app_dir / ".local" / "devhost").resolve()
        self.script = script
        self.host_json: dict[str, Any] = {}
        self.function_key = ""
        self.started_at = time.time()
        self.host_id = uuid.uuid4().hex[:32]
        self.registry: FunctionRegistry | None = None
        self.engine: Engine | None = None
        self.store: Store | None = None
        self.timers: TimerScheduler | None = None
        self.route_prefix = "api"
        self.hub_name = "TestHubName"
        self.state = "Initializing"
        self.app = Starlette(
            routes=[Route("/{path:path}", self.dispatch,
                          methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])],
            lifespan=self._lifespan,
        )

    # ------------------------------------------------------------------ startup
    def _lifespan(self, app):
        host = self

        class _Ctx:
            async def __aenter__(self_inner):
                await host.startup()

            async def __aexit__(self_inner, *exc):
                await host.shutdown()

        return _Ctx()

    def load_configuration(self) -> None:
        os.chdir(self.app_dir)
        apply_app_settings(self.app_dir)
        host_json_path = self.app_dir / "host.json"
        if host_json_path.exists():
            self.host_json = json.loads(host_json_path.read_text())
        extensions = self.host_json.get("extensions") or {}
        durable = extensions.get("durableTask") or {}
        http = extensions.get("http") or {}
        self.route_prefix = str(http.get("routePrefix", "api")).strip("/")
        self.hub_name = str(_resolve_setting(durable.get("hubName")) or "TestHubName")
        self.max_activities = int(durable.get("maxConcurrentActivityFunctions") or 10)
        self.max_orchestrators = int(durable.get("maxConcurrentOrchestratorFunctions") or 10)
        # The extension's default is NonRunningStates: starting an id that is still running fails.
        self.overridable = str(durable.get("overridableExistingInstanceStates") or "NonRunningStates")
        self.function_key = os.environ.get("FUNCTION_KEY", "")
        level = ((self.host_json.get("logging") or {}).get("logLevel") or {}).get("default")
        levels = {"trace": logging.DEBUG, "debug": logging.DEBUG, "information": logging.INFO,
                  "warning": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL,
                  "none": logging.CRITICAL + 10}
        root = logging.getLogger()
        if isinstance(level, str) and level.lower() in levels and root.level != logging.DEBUG:
            root.setLevel(levels[level.lower()])
            # the host's own invocation lines follow the same rule
            logging.getLogger("Host.Function").setLevel(levels[level.lower()])

    async def startup(self) -> None:
        self.load_configuration()
        loop = asyncio.get_running_loop()
        self._lock_state_dir()
        self.store = Store(self.state_dir / "durable.sqlite")
        # The virtual clock never runs backwards across restarts: resume from the latest time the
        # state has seen (the periodically saved clock, or any instance's last update).
        saved = self.store.get_meta("virtual_now")
        row = self.store.db.execute("SELECT MAX(updated) FROM instances").fetchone()
        known = [float(saved)] if saved else []
        if row and row[0] is not None:
            known.append(float(row[0]))
        start = max([time.time(), *known]) if known else None
        clock = VirtualClock(self.time_scale, start)
        self.clock = clock
        self.registry = load_app(self.app_dir, self.script)
        self.http_pool = ThreadPoolExecutor(16, thread_name_prefix="function")
        self.invoker = Invoker(self.registry, loop, self.http_pool, self.client_binding)
        self.invoker.set_timeout(self.host_json.get("functionTimeout"))
        self.engine = Engine(self.store, clock, self.registry, self.invoker, self.hub_name,
                             self.max_activities, self.max_orchestrators)
        await self.engine.start()
        self.timers = TimerScheduler(self.registry, self.invoker)
        self.timers.start()
        self._print_functions()
        self.state = "Running"

    def _lock_state_dir(self) -> None:
        """One host per state directory: a second one would corrupt the other's work queues."""
        import fcntl

        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.state_dir / "host.lock", "a+")  # noqa: SIM115 - held for the host's life
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise RuntimeError(f"another devhost is using the state directory {self.state_dir}") from exc
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(f"{os.getpid()}\n")
        self._lock_file.flush()

    async def shutdown(self) -> None:
        self.state = "Stopping"
        if self.timers:
            self.timers.stop()
        if self.engine:
            await self.engine.stop()
        if self.store:
            self.store.close()

    def _print_functions(self) -> None:
        assert self.registry is not None
        lines = ["", "Functions:", ""]
        for info in self.registry.functions.values():
            if info.kind == "http":
                methods = ",".join(info.methods) if info.methods else "GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS"
                lines.append(f"        {info.name}: [{methods}] http://{self.bind}:{self.port}/"
                             f"{self.route_prefix + '/' if self.route_prefix else ''}{info.route}")
            else:
                lines.append(f"        {info.name}: {info.trigger_type}")
        lines.append("")
        log.info("\n".join(lines))
        log.info("devhost %s listening on http://%s:%d (task hub %s, time scale %s, state %s)", __version__,
                 self.bind, self.port, self.hub_name, self.time_scale, self.state_dir)

    # ------------------------------------------------------------------ helpers
    def _key_ok(self, request: Request) -> bool:
        if not self.function_key:
            return True
        supplied = request.headers.get("x-functions-key") or request.query_params.get("code") or ""
        return hmac.compare_digest(supplied.encode(), self.function_key.encode())

    def _origin(self, request: Request | None = None) -> str:
        if request is not None:
            return f"{request.url.scheme}://{request.url.netloc}"
        return f"http://127.0.0.1:{self.port}"

    def _required_query(self) -> str:
        q = f"taskHub={quote(self.hub_name)}&connection=Storage"
        if self.function_key:
            q += f"&code={quote(self.function_key)}"
        return q

    def management_urls(self, origin: str, instance_id: str) -> dict[str, str]:
        base = f"{origin}{DURABLE_PREFIX}/instances/{instance_id}"
        q = self._required_query()
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
        origin = self._origin()
        q = self._required_query()
        base = f"{origin}{DURABLE_PREFIX}"
        return json.dumps({
            "taskHubName": self.hub_name,
            "creationUrls": {
                "createNewInstancePostUri": f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]?{q}",
                "createAndWaitOnNewInstancePostUri":
                    f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]?timeout={{timeoutInSeconds}}"
                    f"&pollingInterval={{intervalInSeconds}}&{q}",
            },
            "managementUrls": self.management_urls(origin, "INSTANCEID"),
            "baseUrl": base,
            "requiredQueryStringParameters": q,
            "rpcBaseUrl": f"{origin}{RPC_PREFIX}/",
            "httpBaseUrl": "",
            "maxGrpcMessageSizeInBytes": 0,
            "grpcHttpClientTimeout": "00:01:40",
        })

    # ------------------------------------------------------------------ dispatch
    async def dispatch(self, request: Request) -> Response:
        path = "/" + request.path_params.get("path", "")
        try:
            if path == "/admin/host/status" or path == "/admin/host/ping":
                return self.host_status()
            if path.startswith(RPC_PREFIX + "/") or path == RPC_PREFIX:
                return await self.durable_api(request, path[len(RPC_PREFIX):], public=False)
            if path.startswith(DURABLE_PREFIX + "/") or path == DURABLE_PREFIX:
                if not self._key_ok(request):
                    return Response(status_code=401)
                return await self.durable_api(request, path[len(DURABLE_PREFIX):], public=True)
            if path.rstrip("/") == "/runtime/webhooks/eventgrid":
                return await self.eventgrid(request)
            if path.startswith("/admin/"):
                if not self._key_ok(request):
                    return Response(status_code=401)
                return await self.admin(request, path)
            prefix = "/" + self.route_prefix if self.route_prefix else ""
            if path == prefix or path.startswith(prefix + "/") or not prefix:
                return await self.http_trigger(request, path[len(prefix):] or "/")
            if path == "/":
                return Response("devhost: Azure Functions host stand-in is running", media_type="text/plain")
            return Response(status_code=404)
        except Exception:  # noqa: BLE001 - bad input never crashes the host
            log.exception("unhandled error serving %s %s", request.method, path)
            return error_json(500, "Something went wrong while processing your request")

    def host_status(self) -> Response:
        return JSONResponse({
            "id": self.host_id,
            "state": self.state,
            "version": f"4.0.0-devhost.{__version__}",
            "versionDetails": f"devhost {__version__} (Azure Functions host stand-in)",
            "processUptime": int((time.time() - self.started_at) * 1000),
            "functionAppContentEditingState": "NotAllowed",
            "extensionBundle": (self.host_json.get("extensionBundle") or None),
        }, status_code=200 if self.state == "Running" else 503)

    # ------------------------------------------------------------------ /api
    async def http_trigger(self, request: Request, subpath: str) -> Response:
        import azure.functions as func

        assert self.registry is not None
        info, route_params = self.registry.match_http(subpath, request.method)
        if info is None:
            return Response(status_code=404)
        if info.auth_level != "ANONYMOUS" and not self._key_ok(request):
            return Response(status_code=401)
        body = await request.body()
        req = func.HttpRequest(
            method=request.method, url=str(request.url), headers=dict(request.headers),
            params=dict(request.query_params), route_params=route_params, body=body)
        kwargs: dict[str, Any] = {info.trigger_param: req}
        if info.client_param:
            kwargs[info.client_param] = self.client_binding()
        try:
            result = await self.invoker.invoke(info, kwargs, HTTP_REASON)
        except Exception:  # noqa: BLE001
            log.exception("Function '%s' failed", info.name)
            return Response(status_code=500)
        return to_response(result)

    # ------------------------------------------------------------------ Durable HTTP API
    async def durable_api(self, request: Request, sub: str, public: bool) -> Response:
        assert self.engine is not None
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
            return Response(status_code=self.engine.raise_event(iid, parts[3], value))
        if len(parts) == 3 and method == "POST":
            reason = request.query_params.get("reason")
            if op in ("terminate", "suspend", "resume"):
                return Response(status_code=self.engine.control(iid, op, reason))
            if op == "restart":
                return self.restart(request, iid)
            if op == "rewind":
                inst = self.engine.store.get_instance(iid)
                if inst is None:
                    return Response(status_code=404)
                if inst["status"] != "Failed":
                    return Response(status_code=410)
                return error_json(501, "devhost does not implement rewind")
        return Response(status_code=404)

    async def _json_body(self, request: Request) -> tuple[bool, Any]:
        raw = await request.body()
        if not raw.strip():
            return True, None
        try:
            return True, json.loads(raw)
        except ValueError:
            return False, None

    def check_status_response(self, request: Request, iid: str) -> Response:
        payload = self.management_urls(self._origin(request), iid)
        return JSONResponse(payload, status_code=202,
                            headers={"Location": payload["statusQueryGetUri"], "Retry-After": "10"})

    async def start_orchestration(self, request: Request, name: str, instance_id: str | None) -> Response:
        assert self.engine is not None
        ok, value = await self._json_body(request)
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
        iid = self.engine.start_new(name, instance_id, value, request.query_params.get("version"))
        timeout = _seconds(request.query_params.get("timeout"))
        interval = _seconds(request.query_params.get("pollingInterval"))
        if timeout is not None and interval is not None:
            return await self.wait_or_check_status(request, iid, timeout, interval)
        return self.check_status_response(request, iid)

    async def wait_or_check_status(self, request: Request, iid: str, timeout: float, interval: float) -> Response:
        """createAndWaitOnNewInstancePostUri: the output if done within `timeout`, else the 202 payload."""
        assert self.engine is not None
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

    def restart(self, request: Request, iid: str) -> Response:
        assert self.engine is not None
        inst = self.engine.store.get_instance(iid)
        if inst is None:
            return error_json(400, "InstanceId does not match a valid orchestration instance.")
        new_id = uuid.uuid4().hex if _truthy(request.query_params.get("restartWithNewInstanceId"), True) else iid
        value = json.loads(inst["input"]) if inst["input"] else None
        self.engine.start_new(inst["name"], new_id, value, inst.get("version"))
        return self.check_status_response(request, new_id)

    def get_status(self, request: Request, iid: str) -> Response:
        assert self.engine is not None
        inst = self.engine.store.get_instance(iid)
        if inst is None:
            return Response(status_code=404)
        q = request.query_params
        payload = self.engine.status_payload(
            inst, show_input=_truthy(q.get("showInput"), True), show_history=_truthy(q.get("showHistory"), False),
            show_history_output=_truthy(q.get("showHistoryOutput"), False))
        status = inst["status"]
        headers: dict[str, str] = {}
        if status in ("Running", "Pending", "ContinuedAsNew", "Suspended"):
            code = 202
            headers = {"Location": str(request.url), "Retry-After": "5"}
        elif status == "Failed":
            code = 500 if _truthy(q.get("returnInternalServerErrorOnFailure"), False) else 200
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
        assert self.engine is not None
        statuses, cfrom, cto, prefix = self._filters(request)
        rows = self.engine.query(statuses, cfrom, cto, prefix)
        show_input = _truthy(request.query_params.get("showInput"), True)
        offset = 0
        token = request.headers.get("x-ms-continuation-token")
        if token and token.lower() != "null":
            try:
                offset = int(base64.urlsafe_b64decode(token.encode()).decode())
            except ValueError:
                return error_json(400, "Invalid continuation token")
        top = request.query_params.get("top")
        headers: dict[str, str] = {}
        if top and top.isdigit() and int(top) > 0:
            page = rows[offset:offset + int(top)]
            if offset + int(top) < len(rows):
                headers["x-ms-continuation-token"] = base64.urlsafe_b64encode(
                    str(offset + int(top)).encode()).decode()
        else:
            page = rows[offset:]
        return JSONResponse([self.engine.status_payload(r, show_input=show_input) for r in page], headers=headers)

    def purge_by(self, request: Request) -> Response:
        assert self.engine is not None
        statuses, cfrom, cto, _ = self._filters(request)
        if cfrom is None:
            return JSONResponse("Please provide value for 'createdTimeFrom' parameter.", status_code=400)
        deleted = self.engine.purge_by(statuses, cfrom, cto)
        if deleted == 0:
            return Response(status_code=404)
        return JSONResponse({"instancesDeleted": deleted})

    # ------------------------------------------------------------------ Event Grid
    async def eventgrid(self, request: Request) -> Response:
        assert self.registry is not None
        if not self._key_ok(request):
            return Response(status_code=401)
        name = request.query_params.get("functionName") or ""
        info = self.registry.functions.get(name)
        if info is None or info.kind != "eventgrid":
            return error_json(404, f"cannot find function: '{name}'")
        if request.method == "OPTIONS":  # CloudEvents abuse-protection handshake
            origin = request.headers.get("webhook-request-origin", "*")
            return Response(status_code=200, headers={"WebHook-Allowed-Origin": origin,
                                                      "WebHook-Allowed-Rate": "*"})
        if request.method != "POST":
            return Response(status_code=405)
        try:
            payload = json.loads(await request.body() or b"null")
        except (ValueError, RecursionError):  # a body nested past the parser's recursion limit too
            return error_json(400, "Invalid JSON content")
        events = payload if isinstance(payload, list) else [payload]
        if not events or not all(isinstance(e, dict) for e in events):
            return error_json(400, "Expected a JSON array of Event Grid events or a CloudEvents object")
        kind = (request.headers.get("aeg-event-type") or "").lower()
        if kind == "subscriptionvalidation" or (
                events[0].get("eventType") == "Microsoft.EventGrid.SubscriptionValidationEvent"):
            data = events[0].get("data")
            code = data.get("validationCode") if isinstance(data, dict) else None
            if not code:
                return error_json(400, "SubscriptionValidation event without data.validationCode")
            log.info("Event Grid subscription validated for function '%s'", name)
            return JSONResponse({"validationResponse": code})
        if kind == "unsubscribe":
            return Response(status_code=202)
        failures = 0
        invalid: list[str] = []
        for raw in events:
            # One event the trigger cannot bind is refused on its own: the rest of the batch is delivered.
            try:
                event = to_eventgrid_event(raw)
            except (KeyError, ValueError, TypeError, OverflowError) as exc:
                log.warning("Event Grid event %s not delivered to '%s': %s", str(raw.get("id"))[:80], name, exc)
                invalid.append(f"{type(exc).__name__}: {exc}")
                continue
            reason = f"EventGrid trigger fired at {datetime.now(UTC).isoformat()}"
            try:
                await self.invoker.invoke(info, {info.trigger_param: event}, reason)
            except Exception:  # noqa: BLE001
                log.exception("Function '%s' failed for event %s", name, getattr(event, "id", "?"))
                failures += 1
        if failures:
            return Response(status_code=500)
        if invalid:
            return error_json(400, f"Invalid event ({len(invalid)} of {len(events)}): {invalid[0]}")
        return Response(status_code=200)

    # ------------------------------------------------------------------ admin
    async def admin(self, request: Request, path: str) -> Response:
        assert self.registry is not None and self.engine is not None
        if path == "/admin/functions" and request.method == "GET":
            return JSONResponse([{"name": f.name, "trigger": f.trigger_type,
                                  **({"route": f.route, "methods": f.methods, "authLevel": f.auth_level}
                                     if f.kind == "http" else {})}
                                 for f in self.registry.functions.values()])
        if path == "/admin/devhost/stats":
            s = self.engine.stats
            return JSONResponse({"orchestratorExecutions": s.orchestrator_executions,
                                 "activityExecutions": s.activity_executions,
                                 "workItems": s.orchestrator_executions + s.activity_executions,
                                 "virtualNow": iso_status(self.clock.now())})
        if path.startswith("/admin/functions/") and request.method == "POST":
            name = path[len("/admin/functions/"):]
            info = self.registry.functions.get(name)
            if info is None:
                return Response(status_code=404)
            if info.kind in ("http", "orchestrator", "activity", "entity"):
                return error_json(400, f"Function '{name}' cannot be invoked through the admin API")
            ok, body = await self._json_body(request)
            if not ok:
                return error_json(400, "Invalid JSON content")
            arg: Any = (body or {}).get("input") if isinstance(body, dict) else None
            if info.kind == "timer":
                from azure.functions.timer import TimerRequest

                arg = TimerRequest(past_due=False)
            asyncio.get_running_loop().create_task(self._admin_invoke(info, arg))
            return Response(status_code=202)
        return Response(status_code=404)

    async def _admin_invoke(self, info: FunctionInfo, arg: Any) -> None:
        try:
            await self.invoker.invoke(info, {info.trigger_param: arg}, HTTP_REASON)
        except Exception:  # noqa: BLE001
            log.exception("Function '%s' failed", info.name)


def to_eventgrid_event(raw: dict[str, Any]):
    import azure.functions as func

    def when(value: Any):
        if not value:
            return None
        return datetime.fromtimestamp(parse_iso(str(value)), tz=UTC)

    if "specversion" in raw:  # CloudEvents 1.0
        return func.EventGridEvent(
            id=str(raw["id"]), data=raw.get("data"), topic=raw.get("source"), subject=raw.get("subject"),
            event_type=raw["type"], event_time=when(raw.get("time")), data_version=raw.get("dataschema") or "")
    return func.EventGridEvent(
        id=str(raw["id"]), data=raw.get("data"), topic=raw.get("topic"), subject=raw.get("subject"),
        event_type=raw["eventType"], event_time=when(raw.get("eventTime")), data_version=raw.get("dataVersion") or "")


def to_response(result: Any) -> Response:
    import azure.functions as func

    if isinstance(result, func.HttpResponse):
        headers = {k: v for k, v in result.headers.items()}
        has_ct = any(k.lower() == "content-type" for k in headers)
        media = None
        if not has_ct:
            media = result.mimetype or "text/plain"
            if result.charset and media.startswith("text/"):
                media = f"{media}; charset={result.charset}"
            headers["Content-Type"] = media
        return Response(content=result.get_body(), status_code=result.status_code, headers=headers)
    if result is None:
        return Response(status_code=204)
    if isinstance(result, str):
        return Response(result, media_type="text/plain")
    if isinstance(result, (bytes, bytearray)):
        return Response(bytes(result), media_type="application/octet-stream")
    return Response(json.dumps(result), media_type="application/json")
