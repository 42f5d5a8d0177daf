"""Fixtures: private devhost instances (own port, own state dir) running the test apps."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest

from scripts import stack

APPS = Path(__file__).resolve().parent / "apps"
BASIC_APP = APPS / "basic"
KEY = "test-function-key"  # FUNCTION_KEY: the host key, opens every function
MASTER_KEY = "test-master-key"
DURABLE_KEY = "test-durable-system-key"
EVENTGRID_KEY = "test-eventgrid-system-key"
STATUS_FUNCTION_KEY = "test-key-of-http-status-only"
KEYS = {"FUNCTION_KEY": KEY, "MASTER_KEY": MASTER_KEY, "DURABLE_SYSTEM_KEY": DURABLE_KEY,
        "EVENTGRID_SYSTEM_KEY": EVENTGRID_KEY, "FUNCTION_KEY_http_status": STATUS_FUNCTION_KEY}
TIME_SCALE = 0.01


class Host:
    """A running devhost plus small helpers around its HTTP API."""

    def __init__(self, service: stack.Devhost, state_dir: Path, journal: Path, env: dict[str, str]):
        self.service = service
        self.url = service.url
        self.state_dir = state_dir
        self.journal = journal
        self.env = env
        self.http = httpx.Client(base_url=self.url, timeout=30)

    @property
    def key(self) -> dict[str, str]:
        """The master key: it opens every route (tests of which key opens what use the others)."""
        return {"code": MASTER_KEY}

    def log_text(self) -> str:
        return self.service.log_path.read_text(errors="replace")

    def start(self, name: str, body=None, instance_id: str | None = None) -> dict:
        path = f"/api/start/{name}" + (f"/{instance_id}" if instance_id else "")
        r = self.http.post(path, params=self.key, content=json.dumps(body) if body is not None else b"")
        assert r.status_code == 202, r.text
        return r.json()

    def status(self, instance_id: str, **params) -> httpx.Response:
        return self.http.get(f"/runtime/webhooks/durabletask/instances/{instance_id}",
                             params={**self.key, **params})

    def wait(self, instance_id: str, until=("Completed", "Failed", "Terminated"), timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        body: dict = {}
        while time.monotonic() < deadline:
            r = self.status(instance_id)
            if r.status_code != 404:
                body = r.json()
                if body["runtimeStatus"] in until:
                    return body
            time.sleep(0.02)
        raise AssertionError(f"instance {instance_id} not in {until} after {timeout}s: {body}")

    def wait_custom_status(self, instance_id: str, expected, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        body: dict = {}
        while time.monotonic() < deadline:
            body = self.status(instance_id).json()
            if body.get("customStatus") == expected:
                return body
            time.sleep(0.02)
        raise AssertionError(f"instance {instance_id} never reached customStatus {expected!r}: {body}")

    def raise_event(self, instance_id: str, event: str, data) -> httpx.Response:
        return self.http.post(f"/runtime/webhooks/durabletask/instances/{instance_id}/raiseEvent/{event}",
                              params=self.key, json=data)

    def client_binding(self) -> str:
        """The binding JSON devhost hands to durable_client_input functions (same shape)."""
        q = f"taskHub=DevhostTests&connection=Storage&code={DURABLE_KEY}"
        base = f"{self.url}/runtime/webhooks/durabletask"
        inst = f"{base}/instances/INSTANCEID"
        return json.dumps({
            "taskHubName": "DevhostTests",
            "creationUrls": {"createNewInstancePostUri": f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]?{q}"},
            "managementUrls": {"id": "INSTANCEID", "statusQueryGetUri": f"{inst}?{q}",
                               "sendEventPostUri": f"{inst}/raiseEvent/{{eventName}}?{q}",
                               "terminatePostUri": f"{inst}/terminate?reason={{text}}&{q}",
                               "rewindPostUri": f"{inst}/rewind?reason={{text}}&{q}",
                               "purgeHistoryDeleteUri": f"{inst}?{q}"},
            "rpcBaseUrl": f"{self.url}/_rpc/durabletask/",
            "baseUrl": base,
            "requiredQueryStringParameters": q,
        })

    def stop(self) -> None:
        self.http.close()
        self.service.stop()


def launch(tmp: Path, app_dir: Path = BASIC_APP, state_dir: Path | None = None, extra_env: dict | None = None,
           port: int | None = None, keys: bool = True) -> Host:
    tmp.mkdir(parents=True, exist_ok=True)
    state_dir = state_dir or tmp / "state"
    journal = tmp / "journal.txt"
    env = {**(KEYS if keys else {}), "ACTIVITY_JOURNAL": str(journal), **(extra_env or {})}
    service = stack.start_devhost(app_dir=app_dir, env=env, port=port, time_scale=TIME_SCALE,
                                  log_path=tmp / "devhost.log", extra_args=["--state-dir", str(state_dir)])
    return Host(service, state_dir, journal, env)


@pytest.fixture(scope="session")
def host(tmp_path_factory) -> Host:
    """One shared devhost (per xdist worker) for the tests that do not restart it."""
    h = launch(tmp_path_factory.mktemp("devhost"))
    yield h
    h.stop()


def run_async(coro_factory):
    """Run SDK client code on a fresh loop; the SDK's module-level aiohttp session is reset around it."""
    from azure.durable_functions.models.utils import http_utils

    async def wrapper():
        http_utils._client_session = None
        try:
            return await coro_factory()
        finally:
            await http_utils._close_session()
            http_utils._client_session = None

    return asyncio.run(wrapper())
