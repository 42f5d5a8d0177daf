"""Where the API is: VMSSBG_URL / VMSSBG_KEY, else the local stack's `.local/stack.env`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

STACK_ENV = Path(".local") / "stack.env"
LOCAL_DEFAULT_URL = "http://127.0.0.1:7071"
HOW_TO_CONFIGURE = ("Set VMSSBG_URL to the function app's URL (e.g. https://<app>.azurewebsites.net) and "
                    "VMSSBG_KEY to a function key, or start the local stack with `make up` "
                    "(vmssbg then reads .local/stack.env).")


@dataclass(frozen=True)
class Config:
    url: str
    key: str
    source: str  # where the URL came from, so an error can say which setting to fix


def find_stack_env(start: Path) -> Path | None:
    """`.local/stack.env` in `start` or the nearest parent holding one, as git finds `.git`."""
    for folder in (start, *start.parents):
        candidate = folder / STACK_ENV
        if candidate.is_file():
            return candidate
    return None


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            values[key.strip()] = value.strip()
    return values


def normalised_url(url: str) -> str:
    """The app's base URL; a trailing `/api` is tolerated since the routes are documented with it."""
    url = url.strip().rstrip("/")
    return url[: -len("/api")] if url.endswith("/api") else url


def resolve(url: str | None = None, key: str | None = None, environ: dict[str, str] | None = None,
            cwd: Path | None = None) -> Config:
    environ = os.environ if environ is None else environ
    url = url or environ.get("VMSSBG_URL")
    key = key if key is not None else environ.get("VMSSBG_KEY")
    if url:
        return Config(normalised_url(url), key or "", "VMSSBG_URL")
    stack_env = find_stack_env((cwd or Path.cwd()).resolve())
    if stack_env is not None:
        values = read_env_file(stack_env)
        if values.get("FUNCTIONS_URL"):
            return Config(normalised_url(values["FUNCTIONS_URL"]), key or values.get("FUNCTION_KEY", ""),
                          f"FUNCTIONS_URL in {stack_env}")
    return Config(LOCAL_DEFAULT_URL, key or "", "the default (no VMSSBG_URL, no .local/stack.env)")
