"""A small client for the deployer's HTTP API, as an operator's script would use it."""

from __future__ import annotations

import time
from typing import Any

import httpx

TERMINAL = {"Succeeded", "Failed", "RolledBack", "Terminated"}


class DeployerApi:
    def __init__(self, base_url: str, function_key: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, headers={"x-functions-key": function_key}, timeout=30)

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
