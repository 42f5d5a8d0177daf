"""Routes as data: (method, path template, handler, throttle class) tuples compiled to regexes.

ARM treats provider namespaces, resource types and names case-insensitively, so the regexes do too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable
    # None: not throttled; else (bucket scope, cost class) with scope "vmss" or "subscription"
    throttle: tuple[str, str] | None
    regex: re.Pattern

    def match(self, method: str, path: str) -> dict | None:
        if method != self.method:
            return None
        m = self.regex.fullmatch(path)
        if not m:
            return None
        return {k: unquote(v) for k, v in m.groupdict().items()}


def compile_template(template: str) -> re.Pattern:
    out, pos = [], 0
    for m in _PARAM.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        out.append(f"(?P<{m.group(1)}>[^/]+)")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.IGNORECASE)


def route(method: str, template: str, handler: Callable, throttle: tuple[str, str] | None = None) -> Route:
    return Route(method.upper(), template, handler, throttle, compile_template(template))


def normalise_path(path: str) -> str:
    """ARM tolerates doubled slashes (some official examples have them) and a trailing slash."""
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = list(routes)

    def resolve(self, method: str, path: str) -> tuple[Route, dict] | tuple[None, bool]:
        """The matching route and its parameters, else (None, path_known_for_another_method)."""
        path_known = False
        for r in self.routes:
            params = r.match(method, path)
            if params is not None:
                return r, params
            if not path_known and r.regex.fullmatch(path):
                path_known = True
        return None, path_known
