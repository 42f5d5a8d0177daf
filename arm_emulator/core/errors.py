"""ARM's error envelope: {"error": {"code", "message", ...}}."""

from __future__ import annotations


class ArmError(Exception):
    status = 400
    code = "BadRequest"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 target: str | None = None, details: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.target = target
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return {"error": error}


class InvalidRequestContent(ArmError):
    code = "InvalidRequestContent"


class InvalidParameter(ArmError):
    code = "InvalidParameter"


class MissingRequiredProperty(InvalidParameter):
    def __init__(self, name: str):
        super().__init__(f"Required parameter '{name}' is missing (null).", target=name)


class ResourceNotFound(ArmError):
    status = 404
    code = "ResourceNotFound"

    def __init__(self, rtype: str, name: str, rg: str | None):
        where = f" under resource group '{rg}'" if rg else ""
        super().__init__(f"The Resource '{rtype}/{name}'{where} was not found. For more details please go "
                         f"to https://aka.ms/ARMResourceNotFoundFix")


class ResourceGroupNotFound(ArmError):
    status = 404
    code = "ResourceGroupNotFound"

    def __init__(self, rg: str):
        super().__init__(f"Resource group '{rg}' could not be found.")


class Conflict(ArmError):
    status = 409
    code = "Conflict"


class RouteNotFound(ArmError):
    status = 404
    code = "NotFound"


class Unauthorized(ArmError):
    status = 401
    code = "AuthenticationFailed"


class InternalServerError(ArmError):
    status = 500
    code = "InternalServerError"


DEFAULT_CODES = {
    400: "BadRequest", 401: "AuthenticationFailed", 403: "AuthorizationFailed", 404: "NotFound",
    409: "Conflict", 412: "PreconditionFailed", 429: "TooManyRequests", 500: "InternalServerError",
    502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout",
}
