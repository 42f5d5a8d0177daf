"""The host's admin API: `/admin/host/status` (anonymous), function listing and manual runs (master key)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import __version__
from .app_routes import HTTP_REASON
from .clock import iso_status
from .functions import FunctionInfo
from .keys import Scope, supplied_key
from .responses import error_json, json_body

if TYPE_CHECKING:
    from .server import DevHost

log = logging.getLogger("devhost")

STATUS_PATHS = ("/admin/host/status", "/admin/host/ping")


class AdminApi:
    def __init__(self, host: DevHost):
        self.host = host

    def host_status(self) -> Response:
        host = self.host
        return JSONResponse({
            "id": host.host_id,
            "state": host.state,
            "version": f"4.0.0-devhost.{__version__}",
            "versionDetails": f"devhost {__version__} (Azure Functions host stand-in)",
            "processUptime": int((time.time() - host.started_at) * 1000),
            "functionAppContentEditingState": "NotAllowed",
            "extensionBundle": (host.host_json.get("extensionBundle") or None),
        }, status_code=200 if host.state == "Running" else 503)

    async def handle(self, request: Request, path: str) -> Response:
        host = self.host
        assert host.registry is not None and host.engine is not None
        if not host.keys.allows(supplied_key(request.headers, request.query_params), Scope.ADMIN):
            return Response(status_code=401)
        if path == "/admin/functions" and request.method == "GET":
            return JSONResponse([{"name": f.name, "trigger": f.trigger_type,
                                  **({"route": f.route, "methods": f.methods, "authLevel": f.auth_level}
                                     if f.kind == "http" else {})}
                                 for f in host.registry.functions.values()])
        if path == "/admin/devhost/stats":
            s = host.engine.stats
            return JSONResponse({"orchestratorExecutions": s.orchestrator_executions,
                                 "activityExecutions": s.activity_executions,
                                 "workItems": s.orchestrator_executions + s.activity_executions,
                                 "virtualNow": iso_status(host.clock.now())})
        if path.startswith("/admin/functions/") and request.method == "POST":
            return await self.run_function(request, path[len("/admin/functions/"):])
        return Response(status_code=404)

    async def run_function(self, request: Request, name: str) -> Response:
        """Run a non-HTTP function (a timer, an Event Grid function) now, as the host's admin API does."""
        assert self.host.registry is not None
        info = self.host.registry.functions.get(name)
        if info is None:
            return Response(status_code=404)
        if info.kind in ("http", "orchestrator", "activity", "entity"):
            return error_json(400, f"Function '{name}' cannot be invoked through the admin API")
        ok, body = await json_body(request)
        if not ok:
            return error_json(400, "Invalid JSON content")
        arg: Any = (body or {}).get("input") if isinstance(body, dict) else None
        if info.kind == "timer":
            from azure.functions.timer import TimerRequest

            arg = TimerRequest(past_due=False)
        asyncio.get_running_loop().create_task(self._invoke(info, arg))
        return Response(status_code=202)

    async def _invoke(self, info: FunctionInfo, arg: Any) -> None:
        try:
            await self.host.invoker.invoke(info, {info.trigger_param: arg}, HTTP_REASON)
        except Exception:  # noqa: BLE001
            log.exception("Function '%s' failed", info.name)
