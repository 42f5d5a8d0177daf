"""Telemetry: every log record names the deployment (and step) it was written for, and with
`APPLICATIONINSIGHTS_CONNECTION_STRING` set, logs, traces and the ARM calls go to Application Insights.

Durable activities run as separate invocations, often on different workers, so a step's activities
cannot share an in-process parent span. Instead each step gets a trace id derived from
(deployment id, step): every activity of that step opens its span under that trace, and the ARM calls
the SDK makes inside become its children (azure-core's OpenTelemetry tracing), so Application Insights
shows one end-to-end transaction per deployment step. Without a connection string nothing is exported
and the only change is the two attributes on log records.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

APP_LOGGER = "vmss_bluegreen"
CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
ATTRIBUTE_PREFIX = "vmssbg"

_deployment: contextvars.ContextVar[str | None] = contextvars.ContextVar("vmssbg_deployment", default=None)
_step: contextvars.ContextVar[str | None] = contextvars.ContextVar("vmssbg_step", default=None)
_tracer = trace.get_tracer(APP_LOGGER)
_configured = False


def _stamp_records() -> None:
    """Every record gets `deployment_id` and `step` (None outside a deployment). A record factory,
    not a logger filter: filters are not inherited by child loggers, and the SDK's own records (its
    HTTP and retry logs) should carry the deployment too."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_vmssbg", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.deployment_id = _deployment.get()
        record.step = _step.get()
        return record

    factory._vmssbg = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure(environ: Mapping[str, str] = os.environ) -> bool:
    """Idempotent; True when Application Insights export was switched on."""
    global _configured
    _stamp_records()
    connection_string = environ.get(CONNECTION_STRING, "").strip()
    if _configured or not connection_string:
        return _configured
    # Imported only when wanted: the exporter and its instrumentations cost start-up time.
    from azure.monitor.opentelemetry import configure_azure_monitor

    configure_azure_monitor(connection_string=connection_string, logger_name=APP_LOGGER)
    _configured = True
    return True


def step_trace_id(deployment_id: str, step: str | None) -> int:
    """The trace of one deployment step: the same for every activity of it, on any worker."""
    digest = hashlib.sha256(f"{deployment_id}\n{step or ''}".encode()).digest()
    return int.from_bytes(digest[:16], "big") or 1


def _step_parent(deployment_id: str, step: str | None) -> trace.Context:
    span_id = int.from_bytes(hashlib.sha256(f"{deployment_id}\n{step}\nroot".encode()).digest()[:8], "big") or 1
    parent = SpanContext(trace_id=step_trace_id(deployment_id, step), span_id=span_id, is_remote=True,
                         trace_flags=TraceFlags(TraceFlags.SAMPLED))
    return trace.set_span_in_context(NonRecordingSpan(parent))


@contextmanager
def activity_scope(activity: str, deployment_id: str | None, step: str | None) -> Iterator[None]:
    """Within: log records name the deployment and step; one span for the activity, in its step's trace."""
    deployment_token = _deployment.set(deployment_id)
    step_token = _step.set(step)
    attributes = {f"{ATTRIBUTE_PREFIX}.activity": activity}
    if deployment_id:
        attributes[f"{ATTRIBUTE_PREFIX}.deployment_id"] = deployment_id
    if step:
        attributes[f"{ATTRIBUTE_PREFIX}.step"] = step
    parent = _step_parent(deployment_id, step) if deployment_id else None
    try:
        with _tracer.start_as_current_span(activity, context=parent, attributes=attributes,
                                           kind=trace.SpanKind.INTERNAL):
            yield
    finally:
        _step.reset(step_token)
        _deployment.reset(deployment_token)
