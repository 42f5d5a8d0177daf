"""Errors the gateway raises where a caller needs to branch.

- `NotFoundError(resource, name)`: a resource the caller named does not exist (for example the base
  scale set of `create_scale_set_from_base`, or the scale set of `set_capacity`). Its message names the
  resource kind and name, e.g. ``virtual machine scale set 'web__base' not found in resource group 'rg'``.
- `PreconditionFailed`: an ETag condition (If-Match / If-None-Match) did not hold (HTTP 412 semantics).
- `InvalidResourceIdError`: a resource id that does not parse as the kind expected.

Anything unexpected (throttling that outlasted the retries, 5xx, a failed long-running operation) is
left as the Azure SDK's `azure.core.exceptions.HttpResponseError` (or its subclasses) and propagates.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base class of the errors the gateway raises on purpose."""


class NotFoundError(GatewayError):
    def __init__(self, resource: str, name: str, detail: str | None = None) -> None:
        self.resource = resource
        self.name = name
        message = f"{resource} '{name}' not found"
        if detail:
            message += f" {detail}"
        super().__init__(message)


class PreconditionFailed(GatewayError):
    """An If-Match / If-None-Match condition failed (the document changed, or already exists)."""


class InvalidResourceIdError(GatewayError, ValueError):
    def __init__(self, kind: str, resource_id: str) -> None:
        self.kind = kind
        self.resource_id = resource_id
        super().__init__(f"not a valid {kind} resource id: {resource_id!r}")

    def __str__(self) -> str:
        cause = self.__cause__
        return f"{self.args[0]} ({cause})" if cause else self.args[0]
