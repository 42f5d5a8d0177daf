"""Key Vault secrets, read with the app's identity (`azure-keyvault-secrets`' `SecretClient`).

Only the deployer's create reads one: the admin password of a base scale set that logs in with a
password, which Azure never returns in a GET. Values are returned to the caller and nothing else:
never logged, never cached, never put in an exception message.

Locally `KEYVAULT_ENDPOINT` (loopback only) stands in for every `https://<vault>.vault.azure.net`: the
emulator serves Key Vault's secrets API with Key Vault's bearer challenge, and its challenge names
`https://vault.azure.net` as the resource, which cannot match a loopback host, so only then is the
SDK's check that the challenge's resource matches the vault's domain turned off.
"""

from __future__ import annotations

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from domain.spec import parse_key_vault_secret_id
from gateway.clients import AzureClients
from gateway.errors import GatewayError


class SecretUnavailable(GatewayError, LookupError):
    """The secret could not be read (missing, disabled, or the app's identity may not read it).
    The message names the secret id and Key Vault's error code, never a value."""

    def __init__(self, secret_id: str, reason: str) -> None:
        self.secret_id = secret_id
        super().__init__(f"Key Vault secret [{secret_id}] could not be read: {reason}")


def read_secret(c: AzureClients, secret_id: str) -> str:
    """The value of `https://<vault>.vault.azure.net/secrets/<name>[/<version>]` (latest version when
    none is named). Raises `SecretUnavailable`."""
    vault_url, name, version = parse_key_vault_secret_id(secret_id)
    client = c.secrets(vault_url)
    try:
        secret = client.get_secret(name, version)
    except ResourceNotFoundError:
        raise SecretUnavailable(secret_id, "no such secret (or version)") from None
    except HttpResponseError as exc:
        code = getattr(getattr(exc, "error", None), "code", None) or exc.status_code
        raise SecretUnavailable(secret_id, f"Key Vault answered {code}") from None
    if not secret.value:
        raise SecretUnavailable(secret_id, "the secret is empty")
    return secret.value
