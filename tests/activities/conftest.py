"""Activities run as the host runs them: their user functions, with the process-wide clients
pointed at the private ARM emulator and Azurite."""

from __future__ import annotations

import ssl

import httpx
import pytest

from gateway.clients import AzureClients, set_clients
from gateway.credentials import StaticTokenCredential
from gateway.settings import Settings
from scripts.seed import Seeder, Target


@pytest.fixture
def activity_clients(arm_emulator, azurite):
    clients = AzureClients(Settings(arm_endpoint=arm_emulator.endpoint, arm_ca_bundle=str(arm_emulator.ca_bundle),
                                    arm_credential="emulator", storage_connection_string=azurite.connection_string,
                                    polling_interval=0.02))
    previous = set_clients(clients)
    yield clients
    set_clients(previous)


@pytest.fixture
def target(request) -> Target:
    return Target("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", f"rg-act-{request.node.name[:40]}".replace("[", "-")
                  .replace("]", ""))


@pytest.fixture
def seeded(arm_emulator, target) -> list[str]:
    seeder = Seeder(StaticTokenCredential(), target, arm_emulator.endpoint, str(arm_emulator.ca_bundle),
                    polling_interval=0.02)
    return seeder.everything(("1.0.0",))


@pytest.fixture
def emulator_admin(arm_emulator) -> httpx.Client:
    return httpx.Client(base_url=arm_emulator.endpoint, verify=ssl.create_default_context(cafile=str(arm_emulator.ca_bundle)), timeout=30)
