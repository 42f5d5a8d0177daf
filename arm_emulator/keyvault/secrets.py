"""Key Vault's secrets API (data plane), enough for `azure-keyvault-secrets`' `SecretClient.get_secret`.

Served on the emulator's own endpoint, which stands for `https://<vault>.vault.azure.net` when the app
setting `KEYVAULT_ENDPOINT` names it. As in Key Vault, a request without a bearer token gets 401 with a
`WWW-Authenticate` challenge naming the tenant's authority and the resource `https://vault.azure.net`:
the SDK's challenge policy always sends its first request without a token and learns where to get one
from that answer. Secrets are seeded (never read) through the admin API: `PUT /_emulator/secrets/{name}`
with `{"value": "..."}`; each PUT adds a version, as Key Vault's set-secret does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ..core.http import Response

SECRETS_PREFIX = "/secrets/"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CHALLENGE = (f'Bearer authorization="https://login.microsoftonline.com/{TENANT_ID}", '
             f'resource="https://vault.azure.net"')


@dataclass
class SecretVersion:
    version: str
    value: str
    created: int
    content_type: str | None = None


@dataclass
class Secret:
    name: str
    versions: list[SecretVersion] = field(default_factory=list)


def _error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return Response(status, {"error": {"code": code, "message": message}}, headers or {})


class SecretStore:
    def __init__(self, clock) -> None:
        self.clock = clock
        self.secrets: dict[str, Secret] = {}

    def reset(self) -> None:
        self.secrets.clear()

    def seed(self, name: str, value: str, content_type: str | None = None) -> SecretVersion:
        secret = self.secrets.setdefault(name.lower(), Secret(name))
        version = SecretVersion(uuid.uuid4().hex, value, int(self.clock.now()), content_type)
        secret.versions.append(version)
        return version

    @staticmethod
    def is_data_plane(path: str) -> bool:
        return path.lower().startswith(SECRETS_PREFIX)

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               base_url: str) -> Response:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _error(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.",
                          {"WWW-Authenticate": CHALLENGE})
        if not query.get("api-version"):
            return _error(400, "BadParameter", "The 'api-version' query parameter is missing.")
        parts = [p for p in path[len(SECRETS_PREFIX):].split("/") if p]
        if method != "GET" or not 1 <= len(parts) <= 2:
            return _error(405 if method != "GET" else 404, "NotSupported" if method != "GET" else "NotFound",
                          f"The emulator's Key Vault serves GET /secrets/{{name}}[/{{version}}] only, not "
                          f"{method} {path}.")
        name, wanted = parts[0], parts[1] if len(parts) == 2 else None
        secret = self.secrets.get(name.lower())
        version = None
        if secret is not None and secret.versions:
            version = secret.versions[-1] if wanted is None else next(
                (v for v in secret.versions if v.version == wanted.lower()), None)
        if version is None:
            shown = name if wanted is None else f"{name}/{wanted}"
            return _error(404, "SecretNotFound", f"A secret with (name/id) {shown} was not found in this key vault. "
                                                 f"If you recently deleted this secret you may be able to recover it "
                                                 f"using the correct recovery command.")
        body = {
            "value": version.value,
            "id": f"{base_url.rstrip('/')}/secrets/{secret.name}/{version.version}",
            "attributes": {"enabled": True, "created": version.created, "updated": version.created,
                           "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90},
            "tags": {},
        }
        if version.content_type:
            body["contentType"] = version.content_type
        return Response(200, body)
