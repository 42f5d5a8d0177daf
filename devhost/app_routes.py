"""The app's own HTTP triggers under the route prefix (`/api/...`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .functions import FunctionRegistry, Invoker
from .keys import HostKeys, Scope, supplied_key

log = logging.getLogger("devhost")

HTTP_REASON = "This function was programmatically called via the host APIs."


class AppRoutes:
    def __init__(self, registry: FunctionRegistry, invoker: Invoker, keys: HostKeys,
                 client_binding: Callable[[], str]):
        self.registry = registry
        self.invoker = invoker
        self.keys = keys
        self.client_binding = client_binding

    def key_opens(self, request: Request, auth_level: str, function_name: str) -> bool:
        if auth_level == "ANONYMOUS":
            return True
        scope = Scope.ADMIN if auth_level == "ADMIN" else Scope.FUNCTION
        return self.keys.allows(supplied_key(request.headers, request.query_params), scope, function_name)

    async def handle(self, request: Request, subpath: str) -> Response:
        import azure.functions as func

        info, route_params = self.registry.match_http(subpath, request.method)
        if info is None:
            return Response(status_code=404)
        if not self.key_opens(request, info.auth_level, info.name):
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
