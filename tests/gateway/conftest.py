"""Gateway fixtures: AzureClients built from Settings pointing at the private ARM emulator / Azurite."""

from __future__ import annotations

import json
import ssl
import urllib.request
import uuid

import pytest
from azure.storage.blob import BlobServiceClient

from gateway.clients import AzureClients
from gateway.settings import Settings


@pytest.fixture(scope="session")
def blob_service(azurite):
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    yield service
    service.close()


@pytest.fixture
def unique():
    """A short unique suffix so tests sharing a session-wide stand-in never collide."""
    return uuid.uuid4().hex[:8]


class EmulatorAdmin:
    """The emulator's admin API (no auth)."""

    def __init__(self, emulator) -> None:
        self.endpoint = emulator.endpoint
        self._ctx = ssl.create_default_context(cafile=str(emulator.ca_bundle))

    def call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.endpoint}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self._ctx, timeout=30) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def requests(self) -> list[dict]:
        return self.call("GET", "/_emulator/requests")

    def requests_since(self, seq: int) -> list[dict]:
        return [r for r in self.requests() if r["seq"] > seq]

    def last_seq(self) -> int:
        entries = self.requests()
        return entries[-1]["seq"] if entries else 0


@pytest.fixture(scope="session")
def emulator_admin(arm_emulator):
    return EmulatorAdmin(arm_emulator)


@pytest.fixture(scope="session")
def arm_settings(arm_emulator, azurite):
    return Settings(
        arm_endpoint=arm_emulator.endpoint,
        arm_ca_bundle=str(arm_emulator.ca_bundle),
        arm_credential="emulator",
        storage_connection_string=azurite.connection_string,
        polling_interval=0.05,
    )


@pytest.fixture(scope="session")
def clients(arm_settings):
    built = AzureClients(arm_settings)
    yield built
    built.close()


@pytest.fixture
def target(clients, unique):
    """A fresh resource group with a load balancer (prod/stage/other pools, a NAT pool), a gallery
    image with version 1.0.0, and a base scale set `web__base` at capacity 0."""
    from tests.gateway.seed import SUB, seed_target

    return seed_target(clients, SUB, f"rg-{unique}")
