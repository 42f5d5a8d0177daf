"""App settings for the gateway (CONTRACT §2), read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from domain.urls import is_loopback_url

DEFAULT_ARM_ENDPOINT = "https://management.azure.com"
CREDENTIAL_DEFAULT = "default"
CREDENTIAL_EMULATOR = "emulator"
CREDENTIAL_KINDS = (CREDENTIAL_DEFAULT, CREDENTIAL_EMULATOR)
DEFAULT_POLLING_INTERVAL_SECONDS = 5.0


class SettingsError(ValueError):
    """The settings are invalid (unknown credential kind, emulator token towards a non-loopback host...)."""


@dataclass(frozen=True)
class Settings:
    arm_endpoint: str = DEFAULT_ARM_ENDPOINT
    arm_ca_bundle: str | None = None
    arm_credential: str = CREDENTIAL_DEFAULT
    storage_connection_string: str | None = None
    # Identity-based storage (`AzureWebJobsStorage__blobServiceUri` or `__accountName`), as the
    # Functions host accepts it: no account key in the app settings.
    storage_blob_service_uri: str | None = None
    polling_interval: float = DEFAULT_POLLING_INTERVAL_SECONDS
    # Emulator only: where every Key Vault secret id is read instead of https://<vault>.vault.azure.net.
    keyvault_endpoint: str | None = None

    def __post_init__(self) -> None:
        if self.arm_credential not in CREDENTIAL_KINDS:
            raise SettingsError(
                f"ARM_CREDENTIAL must be one of {', '.join(CREDENTIAL_KINDS)}, not {self.arm_credential!r}"
            )
        if not self.arm_endpoint.lower().startswith(("https://", "http://")):
            raise SettingsError(f"ARM_ENDPOINT must be an http(s) URL, not {self.arm_endpoint!r}")
        if self.arm_credential == CREDENTIAL_EMULATOR and not is_loopback_url(self.arm_endpoint):
            raise SettingsError(
                "ARM_CREDENTIAL=emulator is only allowed with a loopback ARM_ENDPOINT "
                f"(got {self.arm_endpoint!r})"
            )
        if self.keyvault_endpoint is not None and not (
                self.keyvault_endpoint.lower().startswith("https://") and is_loopback_url(self.keyvault_endpoint)):
            raise SettingsError(
                "KEYVAULT_ENDPOINT is for the local emulator only and must be an https loopback URL "
                f"(got {self.keyvault_endpoint!r}); in Azure, leave it unset"
            )
        if not self.polling_interval >= 0:
            raise SettingsError(f"ARM_POLLING_INTERVAL_SECONDS must be >= 0, not {self.polling_interval!r}")

    @property
    def credential_scope(self) -> str:
        """The token scope for ARM_ENDPOINT (`https://management.azure.com/.default` in public Azure)."""
        return self.arm_endpoint.rstrip("/") + "/.default"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        raw_interval = (env.get("ARM_POLLING_INTERVAL_SECONDS") or "").strip()
        try:
            interval = float(raw_interval) if raw_interval else DEFAULT_POLLING_INTERVAL_SECONDS
        except ValueError as exc:
            raise SettingsError(f"ARM_POLLING_INTERVAL_SECONDS is not a number: {raw_interval!r}") from exc
        return cls(
            arm_endpoint=(env.get("ARM_ENDPOINT") or "").strip() or DEFAULT_ARM_ENDPOINT,
            arm_ca_bundle=(env.get("ARM_CA_BUNDLE") or "").strip() or None,
            arm_credential=((env.get("ARM_CREDENTIAL") or "").strip() or CREDENTIAL_DEFAULT).lower(),
            storage_connection_string=(env.get("AzureWebJobsStorage") or "").strip() or None,
            storage_blob_service_uri=_blob_service_uri(env),
            polling_interval=interval,
            keyvault_endpoint=(env.get("KEYVAULT_ENDPOINT") or "").strip().rstrip("/") or None,
        )


def _blob_service_uri(env: Mapping[str, str]) -> str | None:
    uri = (env.get("AzureWebJobsStorage__blobServiceUri") or "").strip()
    if uri:
        return uri.rstrip("/")
    account = (env.get("AzureWebJobsStorage__accountName") or "").strip()
    return f"https://{account}.blob.core.windows.net" if account else None
