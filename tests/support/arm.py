"""Real Azure SDK clients pointed at a running ARM emulator (no mocks)."""

from __future__ import annotations

from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.network import NetworkManagementClient

from gateway.credentials import StaticTokenCredential

SUBSCRIPTION_ID = "00000000-1111-2222-3333-444444444444"


def _kwargs(emulator) -> dict:
    return {"base_url": emulator.endpoint, "connection_verify": str(emulator.ca_bundle),
            "polling_interval": 0.05}


def compute_client(emulator, subscription_id: str = SUBSCRIPTION_ID) -> ComputeManagementClient:
    return ComputeManagementClient(StaticTokenCredential(), subscription_id, **_kwargs(emulator))


def network_client(emulator, subscription_id: str = SUBSCRIPTION_ID) -> NetworkManagementClient:
    return NetworkManagementClient(StaticTokenCredential(), subscription_id, **_kwargs(emulator))


def monitor_client(emulator, subscription_id: str = SUBSCRIPTION_ID) -> MonitorManagementClient:
    return MonitorManagementClient(StaticTokenCredential(), subscription_id, **_kwargs(emulator))
