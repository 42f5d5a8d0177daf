"""The activities' blueprint: every activity runs inside its deployment's telemetry scope."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import azure.durable_functions as df
from azure.functions.decorators.function_app import FunctionBuilder

from activities.runtime import following_operations
from domain.contracts import BUSY_MARKER, BUSY_OK_KEY, FOLLOWS_OPERATIONS_KEY, STEP_KEY
from gateway import telemetry
from gateway.errors import azure_busy

telemetry.configure()


def _busy_marker(exc: Exception, busy_ok: bool) -> dict[str, Any]:
    """The answer for a caller that waits Azure's "busy" out (it sent BUSY_OK_KEY); any other failure,
    or any failure of a caller that did not ask, is raised as it was."""
    busy = azure_busy(exc) if busy_ok else None
    if busy is None:
        raise exc
    return {BUSY_MARKER: {"retryAfterSeconds": busy.retry_after_seconds, "reason": busy.reason}}


def _traced(fn: Callable[..., Any], input_name: str) -> Callable[..., Any]:
    """The user function, run in its deployment's scope. The step rides along in the input under
    STEP_KEY (the orchestrator adds it) and is taken out before the typed contract reads the input, as is
    BUSY_OK_KEY: with it, Azure's throttling or an operation in progress is answered with a busy marker
    (see `_busy_marker`) for the orchestrator to wait out instead of failing the activity. And
    FOLLOWS_OPERATIONS_KEY: with it, a write activity starts its long-running operation and answers with a
    pending-operation marker at once (`activities.runtime.following_operations`)."""

    reserved = (STEP_KEY, BUSY_OK_KEY, FOLLOWS_OPERATIONS_KEY)

    def scope(args: tuple, kwargs: dict[str, Any]):
        positional = input_name not in kwargs
        payload = args[0] if positional and args else kwargs.get(input_name)
        step, busy_ok, follows = None, False, False
        if isinstance(payload, dict) and any(key in payload for key in reserved):
            step = payload.get(STEP_KEY)
            busy_ok = payload.get(BUSY_OK_KEY) is True
            follows = payload.get(FOLLOWS_OPERATIONS_KEY) is True
            payload = {key: value for key, value in payload.items() if key not in reserved}
            if positional:
                args = (payload, *args[1:])
            else:
                kwargs = {**kwargs, input_name: payload}
        deployment_id = payload.get("deployment_id") if isinstance(payload, dict) else None
        return telemetry.activity_scope(fn.__name__, deployment_id, step), busy_ok, follows, args, kwargs

    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            context, busy_ok, follows, args, kwargs = scope(args, kwargs)
            with context, following_operations(follows):
                try:
                    return await fn(*args, **kwargs)
                except Exception as exc:
                    return _busy_marker(exc, busy_ok)

        return run_async

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        context, busy_ok, follows, args, kwargs = scope(args, kwargs)
        with context, following_operations(follows):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                return _busy_marker(exc, busy_ok)

    return run


class TracedBlueprint(df.Blueprint):
    def activity_trigger(self, input_name: str, activity: str | None = None):
        register = super().activity_trigger(input_name=input_name, activity=activity)

        def decorate(fn: Any) -> Any:
            if isinstance(fn, FunctionBuilder):  # decorators below (a durable client input) came first
                function = fn._function  # noqa: SLF001 - the builder keeps the user function there
                function._func = _traced(function.get_user_function(), input_name)  # noqa: SLF001
                return register(fn)
            return register(_traced(fn, input_name))

        return decorate


bp = TracedBlueprint()
