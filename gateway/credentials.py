"""Credentials for Resource Manager, chosen by the ARM_CREDENTIAL setting."""

from __future__ import annotations

import time

from azure.core.credentials import AccessToken

EMULATOR_TOKEN = "vmss-bluegreen-emulator-token"


class StaticTokenCredential:
    """A fixed bearer token for the local ARM emulator (which accepts any bearer token)."""

    def __init__(self, token: str = EMULATOR_TOKEN) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


