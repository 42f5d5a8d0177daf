"""A small client for the deployer's HTTP API, as an operator's script would use it."""

from __future__ import annotations

import time
from typing import Any

import httpx

TERMINAL = {"Succeeded", "Failed", "RolledBack", "Terminated"}


class FunctionKeyAuth(httpx.Auth):
    """The function key on the app's own routes only. The Durable management URLs the API hands out
    carry their own key (`code=`, the durable extension's system key), and on Azure a function key in
    the `x-functions-key` header would win over it and be refused."""

    def __init__(self, function_key: str) -> None:
        self.function_key = function_key

    def auth_flow(self, request: httpx.Request):
        if request.url.path.startswith("/api/") and "code" not in request.url.params:
            request.headers["x-functions-key"] = self.function_key
        yield request


class DeployerApi:
    def __init__(self, base_url: str, function_key: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, auth=FunctionKeyAuth(function_key), timeout=30)

    def start(self, spec: dict[str, Any]) -> httpx.Response:
        return self.http.post("/api/deployments", json=spec)

    def deploy(self, spec: dict[str, Any]) -> str:
        response = self.start(spec)
        assert response.status_code == 202, response.text
        return response.json()["id"]

    def get(self, deployment_id: str) -> dict[str, Any]:
        response = self.http.get(f"/api/deployments/{deployment_id}")
        response.raise_for_status()
        return response.json()

    def log(self, deployment_id: str) -> str:
        response = self.http.get(f"/api/deployments/{deployment_id}/log")
        response.raise_for_status()
        return response.text

    def act(self, deployment_id: str, action: str) -> httpx.Response:
        return self.http.post(f"/api/deployments/{deployment_id}/{action}")

    def decide(self, deployment_id: str, action: str, *, token: str | None = None, comment: str | None = None,
               headers: dict[str, str] | None = None) -> httpx.Response:
        """approve/reject, with the token of the approval the deployment shows now unless one is given."""
        if token is None:
            token = (self.get(deployment_id).get("approval") or {}).get("token") or "no-approval"
        body: dict[str, Any] = {"token": token}
        if comment is not None:
            body["comment"] = comment
        return self.http.post(f"/api/deployments/{deployment_id}/{action}", json=body, headers=headers or {})

    def wait(self, deployment_id: str, *, statuses: set[str] = TERMINAL, phase: str | None = None,
             timeout: float = 120.0) -> dict[str, Any]:
        """Poll until the deployment reaches one of `statuses` (or `phase`); fail loudly on timeout."""
        deadline = time.monotonic() + timeout
        view: dict[str, Any] = {}
        while time.monotonic() < deadline:
            view = self.get(deployment_id)
            if (phase is not None and view["phase"] == phase) or (phase is None and view["status"] in statuses):
                return view
            if phase is not None and view["status"] in TERMINAL:
                raise AssertionError(f"deployment ended before phase {phase}: {view}\n{self.log(deployment_id)}")
            time.sleep(0.1)
        raise AssertionError(f"deployment {deployment_id} did not reach {phase or statuses} in {timeout}s: {view}\n"
                             f"{self.log(deployment_id)}")
