"""Access keys, checked as the Functions host checks them.

On Azure a function-level route opens with that function's own key, a host key or the master key;
an admin-level route and the `/admin` API only with the master key; an extension's webhooks with its
system key (`durabletask_extension`, `eventgrid_extension`) or the master key. The key comes in the
`x-functions-key` header or the `code` query parameter. With no key configured at all, devhost checks
nothing (as `func start` does locally).

App settings: `FUNCTION_KEY` (the host key `default`: every function), `FUNCTION_KEY_<function name>`
(that function only), `MASTER_KEY`, `DURABLE_SYSTEM_KEY`, `EVENTGRID_SYSTEM_KEY`.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

log = logging.getLogger("devhost")

# The host's log sanitizer writes this in place of a secret.
HIDDEN = "[Hidden Credential]"
_CODE_IN_QUERY = re.compile(r"(?i)(^|[?&])(code=)[^&#]*")


class Scope(Enum):
    """What a request is trying to open."""

    FUNCTION = "function"
    ADMIN = "admin"
    DURABLE = "durabletask_extension"
    EVENTGRID = "eventgrid_extension"


@dataclass(frozen=True)
class HostKeys:
    host_key: str = ""
    master_key: str = ""
    durable_key: str = ""
    eventgrid_key: str = ""
    function_keys: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> HostKeys:
        env = os.environ if environ is None else environ
        per_function = {name[len("FUNCTION_KEY_"):]: value for name, value in env.items()
                        if name.startswith("FUNCTION_KEY_") and value}
        return cls(host_key=env.get("FUNCTION_KEY", ""), master_key=env.get("MASTER_KEY", ""),
                   durable_key=env.get("DURABLE_SYSTEM_KEY", ""), eventgrid_key=env.get("EVENTGRID_SYSTEM_KEY", ""),
                   function_keys=per_function)

    @property
    def enabled(self) -> bool:
        return bool(self.host_key or self.master_key or self.durable_key or self.eventgrid_key or self.function_keys)

    def missing(self) -> list[str]:
        """The settings of an incomplete configuration (their routes open only with the master key)."""
        names = {"FUNCTION_KEY": self.host_key, "MASTER_KEY": self.master_key,
                 "DURABLE_SYSTEM_KEY": self.durable_key, "EVENTGRID_SYSTEM_KEY": self.eventgrid_key}
        return [name for name, value in names.items() if not value] if self.enabled else []

    def accepted(self, scope: Scope, function_name: str | None = None) -> list[str]:
        """Every key that opens `scope` (for a function route, that function's)."""
        if scope is Scope.FUNCTION:
            keys = [self.function_keys.get(function_name or "", ""), self.host_key]
        elif scope is Scope.DURABLE:
            keys = [self.durable_key]
        elif scope is Scope.EVENTGRID:
            keys = [self.eventgrid_key]
        else:
            keys = []
        return [k for k in (*keys, self.master_key) if k]

    def allows(self, supplied: str | None, scope: Scope, function_name: str | None = None) -> bool:
        if not self.enabled:
            return True
        candidate = (supplied or "").encode()
        # compare against every key (no early exit) so timing says nothing about which one matched
        matches = [hmac.compare_digest(candidate, key.encode()) for key in self.accepted(scope, function_name)]
        return bool(candidate) and any(matches)


def supplied_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    return headers.get("x-functions-key") or query.get("code") or ""


def redact_query(query: str) -> str:
    """A query string fit for a log line: the value of `code` hidden, as the host's sanitizer does."""
    return _CODE_IN_QUERY.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", query)
