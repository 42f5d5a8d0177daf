"""Settings from the environment (CONTRACT §2) and how clients are built from them."""

from __future__ import annotations

import pytest

from gateway import clients as clients_module
from gateway.clients import AzureClients, get_clients, set_clients
from gateway.credentials import StaticTokenCredential
from gateway.settings import Settings, SettingsError


def test_defaults_when_nothing_is_set():
    s = Settings.from_env({})
    assert s.arm_endpoint == "https://management.azure.com"
    assert s.arm_credential == "default"
    assert s.arm_ca_bundle is None
    assert s.storage_connection_string is None
    assert s.polling_interval == 5
    assert s.credential_scope == "https://management.azure.com/.default"


def test_emulator_settings_are_read():
    s = Settings.from_env({
        "ARM_ENDPOINT": "https://127.0.0.1:8443", "ARM_CA_BUNDLE": "/x/ca.pem", "ARM_CREDENTIAL": "emulator",
        "AzureWebJobsStorage": "UseDevelopmentStorage=true", "ARM_POLLING_INTERVAL_SECONDS": "0.5",
    })
    assert (s.arm_endpoint, s.arm_ca_bundle, s.arm_credential) == ("https://127.0.0.1:8443", "/x/ca.pem", "emulator")
    assert s.storage_connection_string == "UseDevelopmentStorage=true"
    assert s.polling_interval == 0.5


@pytest.mark.parametrize("endpoint", ["https://localhost:8443", "https://[::1]:8443", "https://127.0.0.5"])
def test_emulator_credential_accepted_on_loopback(endpoint):
    assert Settings.from_env({"ARM_ENDPOINT": endpoint, "ARM_CREDENTIAL": "emulator"}).arm_credential == "emulator"


@pytest.mark.parametrize("endpoint", ["https://management.azure.com", "https://10.0.0.4:8443", "https://evil.example"])
def test_emulator_credential_refused_off_loopback(endpoint):
    with pytest.raises(SettingsError, match="loopback"):
        Settings.from_env({"ARM_ENDPOINT": endpoint, "ARM_CREDENTIAL": "emulator"})


@pytest.mark.parametrize("env", [{"ARM_CREDENTIAL": "secret"}, {"ARM_POLLING_INTERVAL_SECONDS": "soon"},
                                 {"ARM_POLLING_INTERVAL_SECONDS": "-1"}, {"ARM_ENDPOINT": "management.azure.com"}])
def test_invalid_settings_are_refused(env):
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_clients_are_built_once_per_subscription_with_the_settings():
    s = Settings(arm_endpoint="https://127.0.0.1:9", arm_ca_bundle="/x/ca.pem", arm_credential="emulator",
                 polling_interval=0.1)
    c = AzureClients(s)
    assert isinstance(c.credential, StaticTokenCredential)
    compute = c.compute("sub-a")
    assert c.compute("sub-a") is compute
    assert c.compute("sub-b") is not compute
    assert c.network("sub-a") is c.network("sub-a")
    assert c.monitor("sub-a") is c.monitor("sub-a")
    assert compute._config.polling_interval == 0.1
    assert compute._config.base_url == "https://127.0.0.1:9"
    assert compute._config.credential_scopes == ["https://127.0.0.1:9/.default"]
    with pytest.raises(SettingsError, match="AzureWebJobsStorage"):
        c.blob_service()
    c.close()


def test_get_clients_is_a_process_wide_singleton_that_tests_can_replace(monkeypatch):
    monkeypatch.setenv("ARM_ENDPOINT", "https://127.0.0.1:9")
    monkeypatch.setenv("ARM_CREDENTIAL", "emulator")
    previous = set_clients(None)
    try:
        first = get_clients()
        assert get_clients() is first
        assert first.settings.arm_credential == "emulator"
        mine = AzureClients(Settings())
        set_clients(mine)
        assert get_clients() is mine
        assert clients_module._singleton is mine
    finally:
        set_clients(previous)


def test_identity_based_storage_settings_name_the_blob_endpoint_without_a_key():
    by_account = Settings.from_env({"AzureWebJobsStorage__accountName": "bgdeployer"})
    assert by_account.storage_connection_string is None
    assert by_account.storage_blob_service_uri == "https://bgdeployer.blob.core.windows.net"
    by_uri = Settings.from_env({"AzureWebJobsStorage__blobServiceUri": "https://bg.blob.core.windows.net/"})
    assert by_uri.storage_blob_service_uri == "https://bg.blob.core.windows.net"


def test_keyvault_endpoint_is_for_a_loopback_emulator_only():
    assert Settings.from_env({}).keyvault_endpoint is None
    local = Settings.from_env({"KEYVAULT_ENDPOINT": "https://127.0.0.1:8443/"})
    assert local.keyvault_endpoint == "https://127.0.0.1:8443"
    for elsewhere in ("https://bg-vault.vault.azure.net", "http://127.0.0.1:8443", "https://10.0.0.4:8443"):
        with pytest.raises(SettingsError, match="KEYVAULT_ENDPOINT"):
            Settings.from_env({"KEYVAULT_ENDPOINT": elsewhere})


def test_secrets_clients_go_to_the_vault_unless_an_emulator_stands_in():
    in_azure = AzureClients(Settings(), credential=StaticTokenCredential())
    assert in_azure.secrets("https://bg-vault.vault.azure.net").vault_url == "https://bg-vault.vault.azure.net"
    local = AzureClients(Settings(keyvault_endpoint="https://127.0.0.1:8443"), credential=StaticTokenCredential())
    assert local.secrets("https://bg-vault.vault.azure.net").vault_url == "https://127.0.0.1:8443"
    assert local.secrets("https://BG-VAULT.vault.azure.net") is local.secrets("https://bg-vault.vault.azure.net")
    in_azure.close()
    local.close()
