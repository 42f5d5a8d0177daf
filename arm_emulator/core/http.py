"""The request context handed to handlers and the response they return."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # an injected `drop` fault: the server closes the connection instead of sending this response
    drop_connection: bool = False

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


@dataclass
class Context:
    emulator: Any
    method: str
    path: str
    query: dict[str, str]
    raw_body: bytes
    base_url: str
    params: dict[str, str] = field(default_factory=dict)
    # set by the fault injector: the LRO this request starts must end Failed
    fail_lro: bool = False
    # set by the fault injector: the LRO this request starts lasts at least this long (simulated seconds)
    lro_seconds: float | None = None
    now: float = 0.0
    _body: Any = None
    _parsed: bool = False

    @property
    def api_version(self) -> str:
        return self.query.get("api-version", "")

    def q(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.query.items():
            if k.lower() == name.lower():
                return v
        return default

    def json(self, required: bool = True) -> Any:
        from .errors import InvalidRequestContent

        if not self._parsed:
            self._parsed = True
            text = self.raw_body.decode("utf-8", errors="replace").strip()
            if not text:
                self._body = None
            else:
                try:
                    self._body = json.loads(text)
                except ValueError as exc:
                    raise InvalidRequestContent(
                        f"The request content was invalid and could not be deserialized: '{exc}'.") from exc
        if required and self._body is None:
            raise InvalidRequestContent("The request content was invalid and could not be deserialized: "
                                        "the request body is empty.")
        if required and not isinstance(self._body, dict):
            raise InvalidRequestContent("The request content was invalid and could not be deserialized: "
                                        "a JSON object was expected.")
        return self._body
