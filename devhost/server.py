"""devhost's process: configuration, lifecycle, and the table of what each path serves.

The handlers live by what they serve: the app's routes (app_routes.py), the Durable HTTP API
(durable_api.py), Event Grid (eventgrid.py) and the admin API (admin.py); keys.py checks keys.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import __version__
from .admin import STATUS_PATHS, AdminApi
from .app_routes import AppRoutes
from .clock import VirtualClock
from .durable_api import DURABLE_PREFIX, RPC_PREFIX, DurableHttpApi, ManagementUrls
from .engine import Engine
from .eventgrid import EVENTGRID_PATH, EventGridWebhook
from .functions import FunctionRegistry, Invoker, apply_app_settings, load_app
from .keys import HostKeys, Scope, redact_query, supplied_key
from .responses import error_json
from .store import Store
from .timers import TimerScheduler
from .versioning import Versioning

log = logging.getLogger("devhost")
access_log = logging.getLogger("devhost.access")

LOG_LEVELS = {"trace": logging.DEBUG, "debug": logging.DEBUG, "information": logging.INFO,
              "warning": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL,
              "none": logging.CRITICAL + 10}


def _resolve_setting(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 2 and value.startswith("%") and value.endswith("%"):
        return os.environ.get(value[1:-1], value)
    return value


class DevHost:
    def __init__(self, app_dir: Path, port: int, time_scale: float, state_dir: Path | None = None,
                 bind: str = "127.0.0.1", script: str = "function_app.py"):
        self.app_dir = app_dir.resolve()
        self.port = port
        self.bind = bind
        self.time_scale = time_scale
        self.state_dir = (state_dir or self.app_dir / ".local" / "devhost").resolve()
        self.script = script
        self.host_json: dict[str, Any] = {}
        self.keys = HostKeys()
        self.versioning = Versioning()
        self.started_at = time.time()
        self.host_id = uuid.uuid4().hex[:32]
        self.registry: FunctionRegistry | None = None
        self.engine: Engine | None = None
        self.store: Store | None = None
        self.timers: TimerScheduler | None = None
        self.route_prefix = "api"
        self.hub_name = "TestHubName"
        self.state = "Initializing"
        self.admin = AdminApi(self)
        self.app = Starlette(
            routes=[Route("/{path:path}", self.dispatch,
                          methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])],
            lifespan=self._lifespan,
        )

    # ------------------------------------------------------------------ startup
    def _lifespan(self, app):
        host = self

        class _Ctx:
            async def __aenter__(self_inner):
                await host.startup()

            async def __aexit__(self_inner, *exc):
                await host.shutdown()

        return _Ctx()

    def load_configuration(self) -> None:
        os.chdir(self.app_dir)
        apply_app_settings(self.app_dir)
        host_json_path = self.app_dir / "host.json"
        if host_json_path.exists():
            self.host_json = json.loads(host_json_path.read_text())
        extensions = self.host_json.get("extensions") or {}
        durable = extensions.get("durableTask") or {}
        http = extensions.get("http") or {}
        self.route_prefix = str(http.get("routePrefix", "api")).strip("/")
        self.hub_name = str(_resolve_setting(durable.get("hubName")) or "TestHubName")
        self.max_activities = int(durable.get("maxConcurrentActivityFunctions") or 10)
        self.max_orchestrators = int(durable.get("maxConcurrentOrchestratorFunctions") or 10)
        # The extension's default is NonRunningStates: starting an id that is still running fails.
        self.overridable = str(durable.get("overridableExistingInstanceStates") or "NonRunningStates")
        self.versioning = Versioning.from_host_json(durable)
        self.keys = HostKeys.from_environment()
        level = ((self.host_json.get("logging") or {}).get("logLevel") or {}).get("default")
        root = logging.getLogger()
        if isinstance(level, str) and level.lower() in LOG_LEVELS and root.level != logging.DEBUG:
            root.setLevel(LOG_LEVELS[level.lower()])
            # the host's own invocation lines follow the same rule
            logging.getLogger("Host.Function").setLevel(LOG_LEVELS[level.lower()])

    async def startup(self) -> None:
        self.load_configuration()
        loop = asyncio.get_running_loop()
        self._lock_state_dir()
        self.store = Store(self.state_dir / "durable.sqlite")
        # The virtual clock never runs backwards across restarts: resume from the latest time the
        # state has seen (the periodically saved clock, or any instance's last update).
        saved = self.store.get_meta("virtual_now")
        row = self.store.db.execute("SELECT MAX(updated) FROM instances").fetchone()
        known = [float(saved)] if saved else []
        if row and row[0] is not None:
            known.append(float(row[0]))
        start = max([time.time(), *known]) if known else None
        clock = VirtualClock(self.time_scale, start)
        self.clock = clock
        self.registry = load_app(self.app_dir, self.script)
        self.urls = ManagementUrls(self.hub_name, self.port, self.keys)
        self.http_pool = ThreadPoolExecutor(16, thread_name_prefix="function")
        self.invoker = Invoker(self.registry, loop, self.http_pool, self.urls.client_binding)
        self.invoker.set_timeout(self.host_json.get("functionTimeout"))
        self.engine = Engine(self.store, clock, self.registry, self.invoker, self.hub_name,
                             self.max_activities, self.max_orchestrators, versioning=self.versioning)
        self.durable = DurableHttpApi(self.engine, self.urls, self.overridable)
        self.app_routes = AppRoutes(self.registry, self.invoker, self.keys, self.urls.client_binding)
        self.eventgrid = EventGridWebhook(self.registry, self.invoker, self.keys)
        await self.engine.start()
        self.timers = TimerScheduler(self.registry, self.invoker)
        self.timers.start()
        self._print_functions()
        self.state = "Running"

    def _lock_state_dir(self) -> None:
        """One host per state directory: a second one would corrupt the other's work queues."""
        import fcntl

        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.state_dir / "host.lock", "a+")  # noqa: SIM115 - held for the host's life
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise RuntimeError(f"another devhost is using the state directory {self.state_dir}") from exc
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(f"{os.getpid()}\n")
        self._lock_file.flush()

    async def shutdown(self) -> None:
        self.state = "Stopping"
        if self.timers:
            self.timers.stop()
        if self.engine:
            await self.engine.stop()
        if self.store:
            self.store.close()

    def _print_functions(self) -> None:
        assert self.registry is not None
        lines = ["", "Functions:", ""]
        for info in self.registry.functions.values():
            if info.kind == "http":
                methods = ",".join(info.methods) if info.methods else "GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS"
                lines.append(f"        {info.name}: [{methods}] http://{self.bind}:{self.port}/"
                             f"{self.route_prefix + '/' if self.route_prefix else ''}{info.route}")
            else:
                lines.append(f"        {info.name}: {info.trigger_type}")
        lines.append("")
        log.info("\n".join(lines))
        v = self.versioning
        log.info("devhost %s listening on http://%s:%d (task hub %s, time scale %s, state %s, defaultVersion %s, "
                 "versionMatchStrategy %s, versionFailureStrategy %s)", __version__, self.bind, self.port,
                 self.hub_name, self.time_scale, self.state_dir, v.default_version, v.match_strategy,
                 v.failure_strategy)
        if not self.keys.enabled:
            log.info("no key configured: every route is open (as with func start)")
        elif missing := self.keys.missing():
            log.warning("keys not configured: %s (their routes open only with the master key)", ", ".join(missing))

    # ------------------------------------------------------------------ dispatch
    async def dispatch(self, request: Request) -> Response:
        path = "/" + request.path_params.get("path", "")
        started = time.monotonic()
        response = await self._serve(request, path)
        if path not in STATUS_PATHS:
            query = request.url.query
            # as the host's sanitizer does: never a key in a log line
            access_log.info("HTTP %s %s%s -> %d (%dms)", request.method, path,
                            f"?{redact_query(query)}" if query else "", response.status_code,
                            (time.monotonic() - started) * 1000)
        return response

    async def _serve(self, request: Request, path: str) -> Response:
        try:
            if path in STATUS_PATHS:
                return self.admin.host_status()
            if path.startswith(RPC_PREFIX + "/") or path == RPC_PREFIX:
                return await self.durable.handle(request, path[len(RPC_PREFIX):])
            if path.startswith(DURABLE_PREFIX + "/") or path == DURABLE_PREFIX:
                if not self.keys.allows(supplied_key(request.headers, request.query_params), Scope.DURABLE):
                    return Response(status_code=401)
                return await self.durable.handle(request, path[len(DURABLE_PREFIX):])
            if path.rstrip("/") == EVENTGRID_PATH:
                return await self.eventgrid.handle(request)
            if path.startswith("/admin/"):
                return await self.admin.handle(request, path)
            prefix = "/" + self.route_prefix if self.route_prefix else ""
            if path == prefix or path.startswith(prefix + "/") or not prefix:
                return await self.app_routes.handle(request, path[len(prefix):] or "/")
            if path == "/":
                return Response("devhost: Azure Functions host stand-in is running", media_type="text/plain")
            return Response(status_code=404)
        except Exception:  # noqa: BLE001 - bad input never crashes the host
            log.exception("unhandled error serving %s %s", request.method, path)
            return error_json(500, "Something went wrong while processing your request")
