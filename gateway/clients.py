"""Azure SDK clients, built once per process (per subscription) from `Settings`.

`get_clients()` returns the process-wide `AzureClients` built from `Settings.from_env()`; tests build
their own with `AzureClients(Settings(...))` (and may install it with `set_clients`).
"""

from __future__ import annotations

import threading
from typing import Any

from azure.core.pipeline.policies import RetryPolicy
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.storage.blob import BlobServiceClient

from gateway.credentials import StaticTokenCredential
from gateway.errors import retry_after_seconds
from gateway.settings import CREDENTIAL_EMULATOR, Settings, SettingsError

# The longest Retry-After an ARM call sleeps inside its activity. A longer one (a throttling window, an
# operation in progress) is handed back to the orchestrator, which waits it out with a durable timer
# (activities/blueprint.py, orchestrators/bluegreen.py): an activity must not sleep for minutes.
MAX_RETRY_AFTER_SLEPT_IN_ACTIVITY_SECONDS = 10.0


class ShortSleepRetryPolicy(RetryPolicy):
    """azure-core's retries (5xx, connection errors, short Retry-After), except a 429 or 409 whose
    Retry-After is long: those are raised at once."""

    def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
        http = response.http_response
        if http.status_code in (409, 429):
            after = retry_after_seconds(http.headers)
            if after is not None and after > MAX_RETRY_AFTER_SLEPT_IN_ACTIVITY_SECONDS:
                return False
        return super().is_retry(settings, response)


class AzureClients:
    """Lazily built, cached SDK clients for one set of settings. Thread-safe."""

    def __init__(self, settings: Settings, credential: Any | None = None) -> None:
        self.settings = settings
        self._credential = credential
        self._lock = threading.RLock()
        self._compute: dict[str, ComputeManagementClient] = {}
        self._network: dict[str, NetworkManagementClient] = {}
        self._monitor: dict[str, MonitorManagementClient] = {}
        self._secrets: dict[str, SecretClient] = {}
        self._blob: BlobServiceClient | None = None

    # -- credentials and common options ------------------------------------------------------------

    @property
    def credential(self) -> Any:
        with self._lock:
            if self._credential is None:
                if self.settings.arm_credential == CREDENTIAL_EMULATOR:
                    self._credential = StaticTokenCredential()
                else:
                    self._credential = DefaultAzureCredential()
            return self._credential

    def _arm_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "base_url": self.settings.arm_endpoint,
            "credential_scopes": [self.settings.credential_scope],
            "polling_interval": self.settings.polling_interval,
            "retry_policy": ShortSleepRetryPolicy(),
        }
        if self.settings.arm_ca_bundle:
            kwargs["connection_verify"] = self.settings.arm_ca_bundle
        return kwargs

    def _cached(self, cache: dict, cls: type, subscription_id: str):
        if not subscription_id:
            raise ValueError("subscription_id is required")
        client = cache.get(subscription_id)
        if client is None:
            with self._lock:
                client = cache.get(subscription_id)
                if client is None:
                    client = cls(self.credential, subscription_id, **self._arm_kwargs())
                    cache[subscription_id] = client
        return client

    # -- clients -------------------------------------------------------------------------------------

    def compute(self, subscription_id: str) -> ComputeManagementClient:
        return self._cached(self._compute, ComputeManagementClient, subscription_id)

    def network(self, subscription_id: str) -> NetworkManagementClient:
        return self._cached(self._network, NetworkManagementClient, subscription_id)

    def monitor(self, subscription_id: str) -> MonitorManagementClient:
        return self._cached(self._monitor, MonitorManagementClient, subscription_id)

    def secrets(self, vault_url: str) -> SecretClient:
        """A Key Vault secrets client for `vault_url` (`https://<vault>.vault.azure.net`), with the app's
        credential; `KEYVAULT_ENDPOINT` (emulator only) replaces the vault's URL."""
        with self._lock:
            client = self._secrets.get(vault_url.lower())
            if client is None:
                endpoint = self.settings.keyvault_endpoint
                kwargs: dict[str, Any] = {}
                if endpoint:
                    # The emulator's challenge names vault.azure.net, which a loopback host cannot match.
                    kwargs["verify_challenge_resource"] = False
                    if self.settings.arm_ca_bundle:
                        kwargs["connection_verify"] = self.settings.arm_ca_bundle
                client = SecretClient(endpoint or vault_url, self.credential, **kwargs)
                self._secrets[vault_url.lower()] = client
            return client

    def blob_service(self) -> BlobServiceClient:
        if self._blob is None:
            with self._lock:
                if self._blob is None:
                    if self.settings.storage_connection_string:
                        self._blob = BlobServiceClient.from_connection_string(
                            self.settings.storage_connection_string
                        )
                    elif self.settings.storage_blob_service_uri:
                        # Managed identity, as the Functions host itself uses for identity-based storage.
                        self._blob = BlobServiceClient(self.settings.storage_blob_service_uri,
                                                       credential=DefaultAzureCredential())
                    else:
                        raise SettingsError("AzureWebJobsStorage is not set: no storage for logs, locks, profiles")
        return self._blob

    def close(self) -> None:
        with self._lock:
            for cache in (self._compute, self._network, self._monitor):
                for client in cache.values():
                    client.close()
                cache.clear()
            for secrets in self._secrets.values():
                secrets.close()
            self._secrets.clear()
            if self._blob is not None:
                self._blob.close()
                self._blob = None


_singleton: AzureClients | None = None
_singleton_lock = threading.Lock()


def get_clients() -> AzureClients:
    """The process-wide clients, built on first use from `Settings.from_env()`."""
    global _singleton
    if _singleton is None:
        with _singleton_lock:
            if _singleton is None:
                _singleton = AzureClients(Settings.from_env())
    return _singleton


def set_clients(clients: AzureClients | None) -> AzureClients | None:
    """Install `clients` as the process-wide instance (None: rebuild from the environment on next use).

    Returns the previous instance, so tests can restore it.
    """
    global _singleton
    with _singleton_lock:
        previous, _singleton = _singleton, clients
    return previous
