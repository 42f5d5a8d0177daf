"""The HTTP API of CONTRACT §5, as the CLI calls it; errors become two exceptions the CLI reports."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from vmssbg.config import HOW_TO_CONFIGURE, Config


class ApiError(Exception):
    """The API answered with an error (its envelope `{"error": {code, message, details}}`)."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, str]] | None = None,
                 body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.body = body

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details},
                "status": self.status}


class Unreachable(Exception):
    def __init__(self, config: Config, cause: Exception) -> None:
        self.config = config
        self.cause = cause
        super().__init__(f"Cannot reach the vmss-bluegreen API at {config.url} (from {config.source}): "
                         f"{type(cause).__name__}: {cause}. {HOW_TO_CONFIGURE}")


def error_from(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        details = [d for d in error.get("details") or [] if isinstance(d, dict)]
        return ApiError(response.status_code, str(error.get("code") or response.reason_phrase),
                        str(error.get("message") or response.reason_phrase), details, body)
    text = response.text.strip()
    if response.status_code == 401:
        text = text or "The API refused the request: no valid function key. Set VMSSBG_KEY to a function key."
    elif response.status_code in (404, 405) and not text:
        text = f"{response.request.method} {response.request.url.path} is not served by this API."
    return ApiError(response.status_code, response.reason_phrase or str(response.status_code),
                    text or f"HTTP {response.status_code}", [], body)


class Api:
    def __init__(self, config: Config, timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        headers = {"x-functions-key": config.key} if config.key else {}
        self.http = httpx.Client(base_url=config.url, headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol, httpx.RemoteProtocolError,
                httpx.ReadError) as exc:
            raise Unreachable(self.config, exc) from exc
        if response.status_code >= 400:
            raise error_from(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError(response.status_code, "InvalidResponse",
                           f"{method} {path} answered {response.status_code} with a body that is not JSON "
                           f"(is {self.config.url} the vmss-bluegreen function app?)") from exc

    # -- deployments ------------------------------------------------------------------------------
    def start(self, spec: Any, dry_run: bool = False) -> dict[str, Any]:
        params = {"dryRun": "true"} if dry_run else None
        return self.json("POST", "/api/deployments", json=spec, params=params)

    def get(self, deployment_id: str) -> dict[str, Any]:
        return self.json("GET", f"/api/deployments/{quote(deployment_id, safe='')}")

    def list(self, status: str | None = None, resource_group: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("status", status), ("resourceGroup", resource_group)) if v}
        return self.json("GET", "/api/deployments", params=params).get("value", [])

    def log(self, deployment_id: str) -> str:
        return self.request("GET", f"/api/deployments/{quote(deployment_id, safe='')}/log").text

    def act(self, deployment_id: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.json("POST", f"/api/deployments/{quote(deployment_id, safe='')}/{action}", json=body or {})

    def targets(self, resource_group: str, subscription_id: str | None = None) -> list[dict[str, Any]]:
        params = {"resourceGroup": resource_group}
        if subscription_id:
            params["subscriptionId"] = subscription_id
        return self.json("GET", "/api/targets", params=params).get("value", [])

    # -- profiles ---------------------------------------------------------------------------------
    def put_profile(self, name: str, profile: Any) -> dict[str, Any]:
        return self.json("PUT", f"/api/profiles/{quote(name, safe='')}", json=profile)

    def get_profile(self, name: str) -> dict[str, Any]:
        return self.json("GET", f"/api/profiles/{quote(name, safe='')}")

    def list_profiles(self) -> list[dict[str, Any]]:
        return self.json("GET", "/api/profiles").get("value", [])

    def delete_profile(self, name: str) -> None:
        self.request("DELETE", f"/api/profiles/{quote(name, safe='')}")
