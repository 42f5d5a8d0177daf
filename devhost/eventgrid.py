"""Event Grid delivery: `POST /runtime/webhooks/eventgrid?functionName=<name>` (the extension's webhook)."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .clock import parse_iso
from .functions import FunctionRegistry, Invoker
from .keys import HostKeys, Scope, supplied_key
from .responses import error_json

log = logging.getLogger("devhost")

EVENTGRID_PATH = "/runtime/webhooks/eventgrid"

# The log lines of the invocation running in this context (devhost only: Azure's Event Grid webhook
# answers no body). A delivery whose function decided to start nothing says why in its answer.
_invocation_lines: ContextVar[list[str] | None] = ContextVar("devhost_eventgrid_lines", default=None)


class _InvocationLog(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        lines = _invocation_lines.get()
        if lines is not None and not record.name.startswith("devhost"):
            lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")


_HANDLER = _InvocationLog(logging.INFO)


class EventGridWebhook:
    def __init__(self, registry: FunctionRegistry, invoker: Invoker, keys: HostKeys):
        self.registry = registry
        self.invoker = invoker
        self.keys = keys
        if _HANDLER not in logging.getLogger().handlers:
            logging.getLogger().addHandler(_HANDLER)

    async def handle(self, request: Request) -> Response:
        if not self.keys.allows(supplied_key(request.headers, request.query_params), Scope.EVENTGRID):
            return Response(status_code=401)
        name = request.query_params.get("functionName") or ""
        info = self.registry.functions.get(name)
        if info is None or info.kind != "eventgrid":
            return error_json(404, f"cannot find function: '{name}'")
        if request.method == "OPTIONS":  # CloudEvents abuse-protection handshake
            origin = request.headers.get("webhook-request-origin", "*")
            return Response(status_code=200, headers={"WebHook-Allowed-Origin": origin,
                                                      "WebHook-Allowed-Rate": "*"})
        if request.method != "POST":
            return Response(status_code=405)
        try:
            payload = json.loads(await request.body() or b"null")
        except (ValueError, RecursionError):  # a body nested past the parser's recursion limit too
            return error_json(400, "Invalid JSON content")
        events = payload if isinstance(payload, list) else [payload]
        if not events or not all(isinstance(e, dict) for e in events):
            return error_json(400, "Expected a JSON array of Event Grid events or a CloudEvents object")
        kind = (request.headers.get("aeg-event-type") or "").lower()
        if kind == "subscriptionvalidation" or (
                events[0].get("eventType") == "Microsoft.EventGrid.SubscriptionValidationEvent"):
            data = events[0].get("data")
            code = data.get("validationCode") if isinstance(data, dict) else None
            if not code:
                return error_json(400, "SubscriptionValidation event without data.validationCode")
            log.info("Event Grid subscription validated for function '%s'", name)
            return JSONResponse({"validationResponse": code})
        if kind == "unsubscribe":
            return Response(status_code=202)
        failures = 0
        invalid: list[str] = []
        answered = []
        for raw in events:
            # One event the trigger cannot bind is refused on its own: the rest of the batch is delivered.
            try:
                event = to_eventgrid_event(raw)
            except (KeyError, ValueError, TypeError, OverflowError) as exc:
                log.warning("Event Grid event %s not delivered to '%s': %s", str(raw.get("id"))[:80], name, exc)
                invalid.append(f"{type(exc).__name__}: {exc}")
                continue
            reason = f"EventGrid trigger fired at {datetime.now(UTC).isoformat()}"
            lines: list[str] = []
            token = _invocation_lines.set(lines)
            try:
                await self.invoker.invoke(info, {info.trigger_param: event}, reason)
            except Exception:  # noqa: BLE001
                log.exception("Function '%s' failed for event %s", name, getattr(event, "id", "?"))
                failures += 1
            finally:
                _invocation_lines.reset(token)
            answered.append({"id": event.id, "log": lines})
        if failures:
            return JSONResponse({"functionName": name, "events": answered}, status_code=500)
        if invalid:
            return error_json(400, f"Invalid event ({len(invalid)} of {len(events)}): {invalid[0]}")
        return JSONResponse({"functionName": name, "events": answered}, status_code=200)


def to_eventgrid_event(raw: dict[str, Any]):
    import azure.functions as func

    def when(value: Any):
        if not value:
            return None
        return datetime.fromtimestamp(parse_iso(str(value)), tz=UTC)

    if "specversion" in raw:  # CloudEvents 1.0
        return func.EventGridEvent(
            id=str(raw["id"]), data=raw.get("data"), topic=raw.get("source"), subject=raw.get("subject"),
            event_type=raw["type"], event_time=when(raw.get("time")), data_version=raw.get("dataschema") or "")
    return func.EventGridEvent(
        id=str(raw["id"]), data=raw.get("data"), topic=raw.get("topic"), subject=raw.get("subject"),
        event_type=raw["eventType"], event_time=when(raw.get("eventTime")), data_version=raw.get("dataVersion") or "")
