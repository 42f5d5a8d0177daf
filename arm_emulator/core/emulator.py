"""The emulator's state and its request pipeline.

Pipeline for an ARM request: apply due events, auth (any bearer token), injected status or drop fault,
route, injected LRO fault, throttling (Compute), handler, request log, timeline. All state sits
behind one lock: handlers are in-memory and fast, so the lock is never held for long.
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
import uuid
from urllib.parse import parse_qsl

from .admin import FaultInjector, RequestLog, Timeline
from .clock import SimClock
from .errors import ArmError, InternalServerError, RouteNotFound, Unauthorized
from .eventgrid import EventGrid
from .http import Context, Response
from .lro import LroEngine
from .routing import Router, normalise_path, route
from .scheduler import Scheduler
from .throttling import Throttler

log = logging.getLogger("arm_emulator")

OPERATIONS = "/subscriptions/{subscriptionId}/providers/{provider}/locations/{location}"


class Emulator:
    # The services' state objects: what a snapshot (core/persistence.py) saves and `reset` empties.
    BACKENDS = ("resources", "compute", "network", "insights", "secrets")

    def __init__(self, time_scale: float = 1.0, throttling: bool = True, event_grid_endpoint: str | None = None):
        from ..compute.models import ComputeBackend
        from ..compute.urls import url_paths as compute_urls
        from ..insights.models import InsightsBackend
        from ..insights.urls import url_paths as insights_urls
        from ..keyvault.secrets import SecretStore
        from ..network.models import NetworkBackend
        from ..network.urls import url_paths as network_urls
        from ..resources.models import ResourcesBackend
        from ..resources.urls import url_paths as resources_urls

        self.lock = threading.RLock()
        self.clock = SimClock(time_scale)
        self.scheduler = Scheduler()
        self.lro = LroEngine(self)
        self.throttler = Throttler(self.clock, throttling)
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self.timeline = Timeline()
        self.eventgrid = EventGrid(self.clock, event_grid_endpoint)
        self.resources = ResourcesBackend(self)
        self.compute = ComputeBackend(self)
        self.network = NetworkBackend(self)
        self.insights = InsightsBackend(self)
        self.secrets = SecretStore(self.clock)
        core_urls = [
            route("GET", OPERATIONS + "/operations/{operationId}", self.lro.handle_status, _op_throttle),
            route("GET", OPERATIONS + "/operationResults/{operationId}", self.lro.handle_result, _op_throttle),
            route("GET", OPERATIONS + "/operationStatuses/{operationId}", self.lro.handle_status, _op_throttle),
        ]
        self.router = Router(core_urls + resources_urls + compute_urls + network_urls + insights_urls)

    # ------------------------------------------------------------------ time
    def tick(self) -> None:
        with self.lock:
            self.scheduler.run_due(self.clock.now(), self._observe)

    def _observe(self, at: float) -> None:
        self.timeline.observe(self.clock.iso(at), self.network.snapshot())

    def reset(self) -> None:
        with self.lock:
            self.scheduler.clear()
            self.lro.reset()
            self.throttler.reset()
            self.faults.clear()
            self.requests.clear()
            self.timeline.clear()
            self.eventgrid.delivered.clear()
            for name in self.BACKENDS:
                getattr(self, name).reset()

    # ------------------------------------------------------------------ requests
    def handle(self, method: str, raw_path: str, query_string: str, headers: dict[str, str], body: bytes,
               base_url: str) -> Response:
        method = method.upper()
        path = normalise_path(raw_path)
        with self.lock:
            response = self._handle_locked(method, path, query_string, headers, body, base_url)
            # encoded under the lock: bodies may share lists with live state
            if response.body is not None:
                response.body = response.encode()
            return response

    def _handle_locked(self, method: str, path: str, query_string: str, headers: dict[str, str], body: bytes,
                       base_url: str) -> Response:
        self.tick()
        now = self.clock.now()
        if path == "/_emulator" or path.startswith("/_emulator/"):
            return self._admin(method, path, body)
        query = dict(parse_qsl(query_string, keep_blank_values=True))
        if self.secrets.is_data_plane(path):
            # Key Vault's data plane: its own auth challenge and error shape, never throttled like ARM.
            return self.secrets.handle(method, path, query, headers, base_url)
        ctx = Context(self, method, path, query, body, base_url, now=now)
        response = self._arm(ctx, headers)
        response.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        response.headers.setdefault("x-ms-correlation-request-id",
                                    headers.get("x-ms-client-request-id") or str(uuid.uuid4()))
        dropped = ("response" if response.status else "request") if response.drop_connection else None
        self.requests.add(self.clock.iso(now), method, path, query_string, response.status, dropped)
        self._observe(now)
        return response

    def _arm(self, ctx: Context, headers: dict[str, str]) -> Response:
        throttle_headers: dict[str, str] = {}
        drop_response = False
        try:
            auth = headers.get("authorization", "")
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized(
                    "Authentication failed. The 'Authorization' header is missing or is not a bearer token.",
                    headers={"WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/'
                             'common", error="invalid_token", error_description="The authentication failed '
                             'because of missing \'Authorization\' header."'})
            fault = self.faults.take(ctx.method, ctx.path, lro=False)
            if fault is not None and fault.drop == "request":
                return Response(0, None, drop_connection=True)
            if fault is not None and fault.drop == "response":
                drop_response = True
            elif fault is not None:
                raise self.faults.error_for(fault)
            matched, params = self.router.resolve(ctx.method, ctx.path)
            if matched is None:
                if params:
                    raise ArmError(f"The requested method {ctx.method} is not allowed on '{ctx.path}'.",
                                   status=405, code="MethodNotAllowed")
                raise RouteNotFound(f"No route registered for '{ctx.method} {ctx.path}' in the ARM emulator "
                                    f"(the resource type or operation is not modelled).",
                                    code="InvalidResourceType" if "/providers/" in ctx.path else "NotFound")
            ctx.params = params
            if ctx.method != "GET" and self.faults.take(ctx.method, ctx.path, lro=True) is not None:
                ctx.fail_lro = True
            if ctx.method != "GET" and (slow := self.faults.take(ctx.method, ctx.path, kind="slow")) is not None:
                ctx.lro_seconds = slow.lro_seconds
            throttle = matched.throttle(params) if callable(matched.throttle) else matched.throttle
            if throttle is not None:
                scope, cost = throttle
                vmss = None
                if scope == "vmss":
                    vmss = f"{params['subscriptionId']}/{params['resourceGroupName']}/{params['vmScaleSetName']}"
                try:
                    throttle_headers = self.throttler.charge(ctx.now, params["subscriptionId"], vmss, cost)
                except ArmError as exc:
                    throttle_headers = dict(exc.headers)
                    raise
            lost = self.faults.take(ctx.method, ctx.path, kind="lost")
            response = matched.handler(ctx)
            if lost is not None:
                raise self.faults.error_for(lost)
        except ArmError as exc:
            response = Response(exc.status, exc.body(), dict(exc.headers))
        except Exception as exc:  # noqa: BLE001 - a bug must still answer in ARM's envelope
            log.error("unhandled error for %s %s:\n%s", ctx.method, ctx.path, traceback.format_exc())
            err = InternalServerError(f"The ARM emulator failed to process the request: {type(exc).__name__}: {exc}")
            response = Response(err.status, err.body())
        for k, v in throttle_headers.items():
            response.headers.setdefault(k, v)
        response.drop_connection = drop_response
        return response

    # ------------------------------------------------------------------ admin API
    def _admin(self, method: str, path: str, body: bytes) -> Response:
        try:
            return self._admin_route(method, path, body)
        except ArmError as exc:
            return Response(exc.status, exc.body())

    def _admin_route(self, method: str, path: str, body: bytes) -> Response:
        sub = path[len("/_emulator"):]
        if (method, sub) == ("GET", "/requests"):
            return Response(200, list(self.requests.entries))
        if (method, sub) == ("GET", "/timeline"):
            return Response(200, list(self.timeline.entries))
        if (method, sub) == ("POST", "/reset"):
            self.reset()
            return Response(200, {"reset": True})
        if (method, sub) == ("GET", "/faults"):
            return Response(200, [f.describe() for f in self.faults.faults])
        if (method, sub) == ("POST", "/faults"):
            spec = _admin_json(body)
            specs = spec if isinstance(spec, list) else [spec]
            added = [self.faults.add(s).describe() for s in specs]
            return Response(201, added if isinstance(spec, list) else added[0])
        if (method, sub) == ("DELETE", "/faults"):
            self.faults.clear()
            return Response(200, [])
        if method == "PUT" and sub.lower().startswith("/secrets/") and sub.count("/") == 2:
            spec = _admin_json(body)
            if not isinstance(spec, dict) or not isinstance(spec.get("value"), str):
                raise ArmError("Expected {\"value\": \"<secret>\"}.")
            version = self.secrets.seed(sub.split("/")[2], spec["value"], spec.get("contentType"))
            return Response(201, {"name": sub.split("/")[2], "version": version.version})
        if (method, sub) == ("GET", "/clock"):
            now = self.clock.now()
            return Response(200, {"now": self.clock.iso(now), "timeScale": self.clock.time_scale})
        if (method, sub) == ("POST", "/eventgrid"):
            spec = _admin_json(body)
            if not isinstance(spec, dict):
                raise ArmError("Expected {\"endpoint\": URL}.")
            self.eventgrid.set_endpoint(spec.get("endpoint"))
            return Response(200, {"endpoint": self.eventgrid.endpoint})
        if (method, sub) == ("GET", "/eventgrid"):
            return Response(200, {"endpoint": self.eventgrid.endpoint, "delivered": self.eventgrid.delivered})
        raise RouteNotFound(f"No admin route '{method} {path}'.")


def _admin_json(body: bytes):
    try:
        return json.loads(body.decode() or "null")
    except ValueError as exc:
        raise ArmError(f"Malformed JSON: {exc}", code="InvalidRequestContent") from exc


def _op_throttle(params: dict) -> tuple[str, str] | None:
    return ("subscription", "low") if params.get("provider", "").lower() == "microsoft.compute" else None
