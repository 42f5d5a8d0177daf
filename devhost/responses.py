"""Small helpers shared by devhost's HTTP handlers: Azure-shaped errors and query parsing."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def truthy(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "1", "yes")


def seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def error_json(status: int, message: str, exc_message: str | None = None, exc_type: str | None = None) -> Response:
    body: dict[str, Any] = {"Message": message}
    if exc_message is not None:
        body["ExceptionMessage"] = exc_message
        body["ExceptionType"] = exc_type or "System.ArgumentException"
    return JSONResponse(body, status_code=status)


async def json_body(request: Request) -> tuple[bool, Any]:
    """(parsed, value): an empty body is None; a body that is not JSON is (False, None)."""
    raw = await request.body()
    if not raw.strip():
        return True, None
    try:
        return True, json.loads(raw)
    except ValueError:
        return False, None
