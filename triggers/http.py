"""HTTP helpers shared by the API's routes: JSON answers, Azure's error envelope, and the one place
request bodies are read.

`read_json` is the only way a route reads a body, so every route refuses bad input the same way and
never answers 5xx for it, in this order (cheapest check first, nothing parsed before it is known to be
small and JSON):

- 413 `RequestEntityTooLarge`: over `MAX_BODY_BYTES` (1 MiB), by the `Content-Length` header or by the
  body actually received (a client may lie or send it chunked);
- 415 `UnsupportedMediaType`: a body whose `Content-Type` is not `application/json` (parameters allowed,
  a `charset` only if it is UTF-8). A body with no `Content-Type` at all is refused too, as Azure
  Resource Manager refuses it ("The content media type '' is not supported"): guessing would accept a
  form post or a file upload as JSON;
- 400 `InvalidRequestContent`: empty, not UTF-8, not JSON, nested deeper than `MAX_JSON_DEPTH`
  (checked on the raw text before parsing: the parser recurses), or holding text that is not Unicode
  (lone surrogates such as `"\\ud800"`, which no blob name, log line or ARM request can carry).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import azure.functions as func

JSON = "application/json"
MAX_BODY_BYTES = 1024 * 1024
# A deployment spec nests three levels deep; 32 leaves room for any sane client and none for a
# body crafted to exhaust the parser's recursion.
MAX_JSON_DEPTH = 32

# A string runs to its closing quote or, unterminated, to the end: every quote starts at most one
# scan, so the check stays linear whatever the bytes (a pattern that can fail mid-string is quadratic).
_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.?)*(?:"|\Z)|[\[\]{}]', re.DOTALL)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body, default=str), status_code=status, mimetype=JSON,
                             headers=headers or {})


def error_response(status: int, code: str, message: str, details: list[dict[str, str]] | None = None,
                   **extra: Any) -> func.HttpResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "details": details or []}}
    body.update(extra)
    return json_response(body, status)


def _header(req: func.HttpRequest, name: str) -> str | None:
    value = req.headers.get(name)
    if value is None:
        value = req.headers.get(name.lower())
    return value


def _too_large(size: int) -> func.HttpResponse:
    return error_response(413, "RequestEntityTooLarge",
                          f"The request body is {size} bytes; at most {MAX_BODY_BYTES} bytes are accepted.",
                          [{"field": "", "message": f"at most {MAX_BODY_BYTES} bytes"}])


def _invalid(message: str, detail: str) -> tuple[None, func.HttpResponse]:
    return None, error_response(400, "InvalidRequestContent", message, [{"field": "", "message": detail}])


def media_type_problem(content_type: str | None) -> str | None:
    """Why a body with this Content-Type is not JSON this API reads, or None when it is."""
    media, _, parameters = (content_type or "").partition(";")
    if media.strip().lower() != JSON:
        return f"The content media type '{media.strip()}' is not supported. Only '{JSON}' is supported."
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return f"The charset '{value.strip()}' is not supported; JSON bodies are UTF-8."
    return None


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays/objects deeper than `limit` (strings skipped, so a bracket
    inside a string does not count). Runs over the raw bytes, without recursion."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def read_json(req: func.HttpRequest) -> tuple[Any, func.HttpResponse | None]:
    """The request's JSON body, or the 4xx answer saying why it is refused (see the module's doc)."""
    declared = (_header(req, "Content-Length") or "").strip()
    if declared:
        if not declared.isdigit():
            return _invalid(f"The Content-Length header [{declared[:40]}] is not a byte count.",
                            "invalid Content-Length")
        if int(declared) > MAX_BODY_BYTES:
            return None, _too_large(int(declared))
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY_BYTES:
        return None, _too_large(len(raw))
    if not raw.strip():
        return _invalid("The request body is empty; a JSON object is required.", "a JSON object is required")
    media_problem = media_type_problem(_header(req, "Content-Type"))
    if media_problem:
        return None, error_response(415, "UnsupportedMediaType", media_problem,
                                    [{"field": "Content-Type", "message": f"use {JSON}"}])
    if json_depth_exceeds(raw, MAX_JSON_DEPTH):
        return _invalid(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
                        f"at most {MAX_JSON_DEPTH} levels of nesting")
    try:
        text = raw.decode("utf-8")
        payload = json.loads(text)
        # Lone surrogates decode from `\ud800` escapes but cannot be encoded again anywhere.
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeError:
        return _invalid("The request body is not valid UTF-8 text.", "text must be UTF-8 Unicode")
    except (ValueError, RecursionError) as exc:
        return _invalid(f"The request body is not valid JSON: {str(exc)[:200]}", "malformed JSON")
    return payload, None


# The Durable SDK's client puts an instance id into its management URLs as it is, unencoded: an id
# with '%', '?', '#', '/', '.' segments or spaces would read another resource (or the instance list).
# The app names every instance with letters, digits, '-' and '_' (uuid hex, `evt-<hex>`), as the
# Durable docs allow (at most 100 characters), so any other id names no deployment.
_INSTANCE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}", re.ASCII)


def is_instance_id(value: object) -> bool:
    """Whether `value` can name an orchestration instance of this app (and travel in a URL as is)."""
    return isinstance(value, str) and _INSTANCE_ID.fullmatch(value) is not None


def origin(req: func.HttpRequest) -> str:
    parts = urlsplit(req.url)
    return f"{parts.scheme}://{parts.netloc}"
