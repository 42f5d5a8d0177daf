"""Loading the function app and invoking its functions the way the Functions host does."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

host_log = logging.getLogger("Host.Function")

KIND_BY_TRIGGER = {
    "httpTrigger": "http",
    "orchestrationTrigger": "orchestrator",
    "activityTrigger": "activity",
    "entityTrigger": "entity",
    "eventGridTrigger": "eventgrid",
    "timerTrigger": "timer",
}


@dataclass
class FunctionInfo:
    name: str
    kind: str
    trigger_type: str
    trigger_param: str
    func: Callable[..., Any]
    binding_names: list[str]
    client_param: str | None = None
    extra_inputs: list[str] = field(default_factory=list)
    durable_name: str | None = None
    # http
    route: str | None = None
    methods: list[str] = field(default_factory=list)
    auth_level: str = "FUNCTION"
    route_regex: re.Pattern | None = None
    route_literals: int = 0
    route_params: int = 0
    # timer
    schedule: str | None = None
    run_on_startup: bool = False

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.func)

    def accepts(self, param: str) -> bool:
        try:
            return param in inspect.signature(self.func).parameters
        except (TypeError, ValueError):
            return False


class InvocationContext:
    """The `context` argument the Python worker passes to functions that declare it."""

    def __init__(self, invocation_id: str, function_name: str, function_directory: str):
        self.invocation_id = invocation_id
        self.function_name = function_name
        self.function_directory = function_directory
        self.trace_context = None
        self.retry_context = None
        self.thread_local_storage = None


def _enum_name(value: Any) -> str:
    name = getattr(value, "name", None) or getattr(value, "value", None) or value
    return str(name).upper()


_PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}?=]*)?(\?)?(?:=[^}]*)?\}")


def compile_route(route: str) -> tuple[re.Pattern, int, int]:
    """Translate an ASP.NET-style route template into a regex (`{id}`, `{id:int}`, `{id?}`, `{*rest}`)."""
    route = route.strip("/")
    parts = route.split("/") if route else []
    pattern = ""
    literals = params = 0
    for part in parts:
        m = _PARAM.fullmatch(part)
        if m:
            params += 1
            catch_all, pname, optional = m.group(1), m.group(2), m.group(3)
            if catch_all:
                pattern += f"(?:/(?P<{pname}>.*))?"
            elif optional:
                pattern += f"(?:/(?P<{pname}>[^/]+))?"
            else:
                pattern += f"/(?P<{pname}>[^/]+)"
        elif "{" in part:
            params += 1
            seg = ""
            pos = 0
            for m2 in _PARAM.finditer(part):
                seg += re.escape(part[pos:m2.start()]) + f"(?P<{m2.group(2)}>[^/]+?)"
                pos = m2.end()
            seg += re.escape(part[pos:])
            pattern += "/" + seg
        else:
            literals += 1
            pattern += "/" + re.escape(part)
    return re.compile("^" + pattern + "/?$", re.IGNORECASE), literals, params


class FunctionRegistry:
    def __init__(self) -> None:
        self.functions: dict[str, FunctionInfo] = {}
        self.orchestrators: dict[str, FunctionInfo] = {}
        self.activities: dict[str, FunctionInfo] = {}
        self.http: list[FunctionInfo] = []
        self.app_dir: Path = Path(".")

    def add(self, info: FunctionInfo) -> None:
        self.functions[info.name] = info
        if info.kind == "orchestrator":
            self.orchestrators[info.durable_name or info.name] = info
        elif info.kind == "activity":
            self.activities[info.durable_name or info.name] = info
        elif info.kind == "http":
            self.http.append(info)
            self.http.sort(key=lambda f: (-f.route_literals, f.route_params))

    def match_http(self, path: str, method: str) -> tuple[FunctionInfo | None, dict[str, str]]:
        for info in self.http:
            m = info.route_regex.match(path) if info.route_regex else None
            if not m:
                continue
            if info.methods and method.upper() not in info.methods:
                continue
            return info, {k: v for k, v in m.groupdict().items() if v is not None}
        return None, {}


def _json_binding(raw: Any) -> dict[str, Any]:
    import json

    if isinstance(raw, str):
        return json.loads(raw)
    return dict(raw)


def load_app(app_dir: Path, script: str = "function_app.py") -> FunctionRegistry:
    """Import the app module and index its functions (get_functions() is called exactly once)."""
    import azure.functions as func

    app_dir = app_dir.resolve()
    if str(app_dir) not in sys.path:
        sys.path.insert(0, str(app_dir))
    module_name = Path(script).stem
    if module_name in sys.modules:
        del sys.modules[module_name]
    module = importlib.import_module(module_name)
    apps = [v for v in vars(module).values() if isinstance(v, func.FunctionRegister)]
    if not apps:
        raise RuntimeError(f"{script} defines no FunctionApp/DFApp instance")
    registry = FunctionRegistry()
    registry.app_dir = app_dir
    for app in apps:
        for fn in app.get_functions():
            registry.add(_describe(fn))
    return registry


def _describe(fn: Any) -> FunctionInfo:
    name = fn.get_function_name()
    trigger = fn.get_trigger()
    bindings = [_json_binding(b) for b in fn.get_raw_bindings()]
    trigger_binding = next(b for b in bindings if b.get("type", "").endswith("Trigger"))
    ttype = trigger_binding["type"]
    kind = KIND_BY_TRIGGER.get(ttype, "other")
    user = fn.get_user_function()
    client = next((b["name"] for b in bindings if b.get("type") == "durableClient"), None)
    info = FunctionInfo(
        name=name, kind=kind, trigger_type=ttype, trigger_param=trigger_binding["name"], func=user,
        binding_names=[b["name"] for b in bindings if b.get("direction") != "OUT" or b["name"] != "$return"],
        client_param=client,
        extra_inputs=[b["name"] for b in bindings if b is not trigger_binding and b.get("type") != "durableClient"
                      and str(b.get("direction", "")).upper().endswith("IN") and b["name"] != "$return"],
    )
    if kind == "orchestrator":
        info.durable_name = trigger_binding.get("orchestration") or name
    elif kind == "activity":
        info.durable_name = trigger_binding.get("activity") or name
    elif kind == "http":
        info.route = trigger_binding.get("route") or name
        info.methods = [str(m).upper() for m in (trigger_binding.get("methods") or [])]
        info.auth_level = _enum_name(trigger_binding.get("authLevel") or getattr(trigger, "auth_level", "FUNCTION"))
        info.route_regex, info.route_literals, info.route_params = compile_route(info.route)
    elif kind == "timer":
        info.schedule = trigger_binding.get("schedule")
        info.run_on_startup = bool(trigger_binding.get("runOnStartup"))
    return info


class Invoker:
    """Calls user functions with host-style invocation logging."""

    def __init__(self, registry: FunctionRegistry, loop: asyncio.AbstractEventLoop, pool,
                 client_binding: Callable[[], str] | None = None):
        self.registry = registry
        self.loop = loop
        self.pool = pool
        self.client_binding = client_binding
        self._warned: set[str] = set()
        self.timeout: float | None = None
        self.timeout_text = ""

    def set_timeout(self, text: str | None) -> None:
        """host.json functionTimeout ("hh:mm:ss", "-1" for none)."""
        seconds = parse_timespan(text) if text else None
        self.timeout = seconds if seconds and seconds > 0 else None
        self.timeout_text = text or ""

    def context_for(self, info: FunctionInfo, invocation_id: str) -> InvocationContext:
        return InvocationContext(invocation_id, info.name, str(self.registry.app_dir))

    async def invoke(self, info: FunctionInfo, kwargs: dict[str, Any], reason: str,
                     pool=None, invocation_id: str | None = None) -> Any:
        """Run the function (async on the loop, sync in a thread pool); log Executing/Executed."""
        inv_id = invocation_id or str(uuid.uuid4())
        if info.client_param and info.client_param not in kwargs and self.client_binding:
            # any function type may take a durable client binding (activities included)
            kwargs[info.client_param] = self.client_binding()
        for extra in info.extra_inputs:
            if extra not in kwargs:
                if extra not in self._warned:
                    self._warned.add(extra)
                    logging.getLogger("devhost").warning(
                        "function %s: binding '%s' is not supported by devhost; passing None", info.name, extra)
                kwargs[extra] = None
        if info.accepts("context") and "context" not in kwargs:
            kwargs["context"] = self.context_for(info, inv_id)
        log_executing(info.name, reason, inv_id)
        started = time.perf_counter()
        ok = False
        try:
            if info.is_async:
                call = info.func(**kwargs)
            else:
                call = self.loop.run_in_executor(pool or self.pool, _call, info.func, kwargs)
            if self.timeout:
                try:
                    result = await asyncio.wait_for(call, self.timeout)
                except TimeoutError:
                    # As the host does (functionTimeout); a thread cannot be stopped, its result is dropped.
                    raise FunctionTimeoutError(
                        f"Timeout value of {self.timeout_text} exceeded by function 'Functions.{info.name}' "
                        f"(Id: '{inv_id}'). Initiating cancellation.") from None
            else:
                result = await call
            ok = True
            return result
        finally:
            log_executed(info.name, ok, inv_id, (time.perf_counter() - started) * 1000)


class FunctionTimeoutError(Exception):
    pass


def parse_timespan(text: str) -> float | None:
    """.NET TimeSpan text ("[d.]hh:mm:ss[.fff]") to seconds; None when it is not one (e.g. "-1")."""
    text = text.strip()
    if not text or text.startswith("-"):
        return None
    days = 0.0
    if "." in text.split(":")[0]:
        d, _, text = text.partition(".")
        days = float(d)
    parts = text.split(":")
    if len(parts) != 3:
        return None
    try:
        h, m, sec = float(parts[0]), float(parts[1]), float(parts[2])
    except ValueError:
        return None
    return days * 86400 + h * 3600 + m * 60 + sec


def _call(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    return fn(**kwargs)


def log_executing(name: str, reason: str, inv_id: str) -> None:
    host_log.info("Executing 'Functions.%s' (Reason='%s', Id=%s)", name, reason, inv_id)


def log_executed(name: str, ok: bool, inv_id: str, duration_ms: float) -> None:
    level = logging.INFO if ok else logging.ERROR
    host_log.log(level, "Executed 'Functions.%s' (%s, Id=%s, Duration=%dms)",
                 name, "Succeeded" if ok else "Failed", inv_id, round(duration_ms))


def apply_app_settings(app_dir: Path) -> dict[str, str]:
    """Put local.settings.json Values into the environment; variables already set win."""
    import json

    path = app_dir / "local.settings.json"
    applied: dict[str, str] = {}
    if not path.exists():
        return applied
    try:
        values = json.loads(path.read_text()).get("Values") or {}
    except (OSError, ValueError) as exc:
        logging.getLogger("devhost").warning("ignoring unreadable %s: %s", path, exc)
        return applied
    for key, value in values.items():
        if key not in os.environ and value is not None:
            os.environ[key] = str(value)
            applied[key] = str(value)
    return applied
