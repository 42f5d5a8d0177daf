"""The activities' blueprint: every activity runs inside its deployment's telemetry scope."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import azure.durable_functions as df
from azure.functions.decorators.function_app import FunctionBuilder

from domain.contracts import STEP_KEY
from gateway import telemetry

telemetry.configure()


def _traced(fn: Callable[..., Any], input_name: str) -> Callable[..., Any]:
    """The user function, run in its deployment's scope. The step rides along in the input under
    STEP_KEY (the orchestrator adds it) and is taken out before the typed contract reads the input."""

    def scope(args: tuple, kwargs: dict[str, Any]):
        positional = input_name not in kwargs
        payload = args[0] if positional and args else kwargs.get(input_name)
        step = None
        if isinstance(payload, dict) and STEP_KEY in payload:
            step = payload[STEP_KEY]
            payload = {key: value for key, value in payload.items() if key != STEP_KEY}
            if positional:
                args = (payload, *args[1:])
            else:
                kwargs = {**kwargs, input_name: payload}
        deployment_id = payload.get("deployment_id") if isinstance(payload, dict) else None
        return telemetry.activity_scope(fn.__name__, deployment_id, step), args, kwargs

    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            context, args, kwargs = scope(args, kwargs)
            with context:
                return await fn(*args, **kwargs)

        return run_async

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        context, args, kwargs = scope(args, kwargs)
        with context:
            return fn(*args, **kwargs)

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
