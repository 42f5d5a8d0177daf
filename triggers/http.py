"""HTTP helpers shared by the API's routes: JSON answers and Azure's error envelope."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import azure.functions as func

JSON = "application/json"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body, default=str), status_code=status, mimetype=JSON,
                             headers=headers or {})


def error_response(status: int, code: str, message: str, details: list[dict[str, str]] | None = None,
                   **extra: Any) -> func.HttpResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "details": details or []}}
    body.update(extra)
    return json_response(body, status)


def read_json(req: func.HttpRequest) -> tuple[Any, func.HttpResponse | None]:
    """The request's JSON body, or a 400 answer saying why it is not JSON."""
    raw = req.get_body() or b""
    if not raw.strip():
        return None, error_response(400, "InvalidRequestContent", "The request body is empty; a JSON object is required.",
                                    [{"field": "", "message": "a JSON object is required"}])
    try:
        return json.loads(raw), None
    except (ValueError, UnicodeDecodeError) as exc:
        return None, error_response(400, "InvalidRequestContent", f"The request body is not valid JSON: {exc}",
                                    [{"field": "", "message": "malformed JSON"}])


def origin(req: func.HttpRequest) -> str:
    parts = urlsplit(req.url)
    return f"{parts.scheme}://{parts.netloc}"
