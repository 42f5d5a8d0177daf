"""Helpers shared by the providers: body validation, JSON merge patch, ids, case-insensitive stores."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from .errors import InvalidRequestContent, MissingRequiredProperty

# Keys ARM accepts at the top level of a tracked resource body; read-only ones (id, name, type,
# etag, systemData...) come back when a client PUTs what it GOT, and ARM ignores them.
TRACKED_KEYS = {"id", "name", "type", "location", "tags", "properties", "etag", "systemData",
                "managedBy", "kind", "identity", "sku", "plan", "zones", "extendedLocation"}


_ENVELOPE_TYPES = {"location": str, "tags": dict, "sku": dict, "properties": dict, "identity": dict,
                   "plan": dict, "extendedLocation": dict, "zones": list, "placement": dict, "kind": str,
                   "managedBy": str}
_TYPE_NAMES = {str: "a string", dict: "a JSON object", list: "an array", int: "an integer", bool: "a boolean"}


def check_top_level(body: dict, allowed: set[str], what: str) -> None:
    unknown = sorted(k for k in body if k not in allowed)
    if unknown:
        raise InvalidRequestContent(
            f"The request content was invalid and could not be deserialized: could not find member "
            f"'{unknown[0]}' on object of type '{what}'. Unknown top-level properties: {unknown}.",
            target=unknown[0])
    for key, kind in _ENVELOPE_TYPES.items():
        typed(body.get(key), kind, key)
    tags = body.get("tags") or {}
    for k, v in tags.items():
        if not isinstance(v, str):
            raise InvalidRequestContent(f"The value of tag '{k}' must be a string.", target="tags")


def typed(value: Any, kind: type, where: str) -> Any:
    """`value` unless it is present with the wrong JSON type (a 400 like ARM's deserializer gives)."""
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if value is not None and not ok:
        raise InvalidRequestContent(
            f"The request content was invalid and could not be deserialized: '{where}' must be "
            f"{_TYPE_NAMES.get(kind, kind.__name__)}.", target=where)
    return value


def obj(value: Any, where: str) -> dict:
    return typed(value, dict, where) or {}


def arr(value: Any, where: str) -> list:
    return typed(value, list, where) or []


def check_properties_keys(props: Any, what: str) -> None:
    """Resource properties are camelCase on the wire; a snake_case key is a client bug
    (a dict passed where a model was meant) that ARM would silently ignore."""
    if not isinstance(props, dict):
        if props is None:
            return
        raise InvalidRequestContent(f"'properties' of {what} must be a JSON object.", target="properties")
    bad = sorted(k for k in props if "_" in k)
    if bad:
        raise InvalidRequestContent(
            f"The request content was invalid and could not be deserialized: could not find member "
            f"'{bad[0]}' on object of type '{what}Properties'.", target=f"properties.{bad[0]}")


def require(obj: dict, path: str) -> Any:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or cur.get(part) is None:
            raise MissingRequiredProperty(path.rsplit(".", 1)[-1] if "." in path else path)
        cur = cur[part]
    return cur


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge, null deletes, everything else (lists included) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def norm_id(resource_id: str) -> str:
    """Comparable form of a resource id: lower case, single slashes, no trailing slash."""
    return re.sub(r"/{2,}", "/", resource_id.strip()).rstrip("/").lower()


def parse_id(resource_id: str) -> dict[str, str]:
    """Map of lowercased segment names to values, e.g. {'subscriptions': s, 'resourcegroups': rg,
    'providers': 'Microsoft.Compute', 'virtualmachinescalesets': name, ...}."""
    parts = [p for p in resource_id.split("/") if p]
    out: dict[str, str] = {}
    for i in range(0, len(parts) - 1, 2):
        out[parts[i].lower()] = parts[i + 1]
    return out


def etag() -> str:
    return f'W/"{uuid.uuid4()}"'


def rg_id(sub: str, rg: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


class Store(dict):
    """A dict keyed case-insensitively (ARM names are case-insensitive, case-preserving)."""

    def __getitem__(self, key):
        return super().__getitem__(_k(key))

    def __setitem__(self, key, value):
        super().__setitem__(_k(key), value)

    def __delitem__(self, key):
        super().__delitem__(_k(key))

    def __contains__(self, key):
        return super().__contains__(_k(key))

    def get(self, key, default=None):
        return super().get(_k(key), default)

    def pop(self, key, *default):
        return super().pop(_k(key), *default)


def _k(key):
    if isinstance(key, tuple):
        return tuple(x.lower() if isinstance(x, str) else x for x in key)
    return key.lower() if isinstance(key, str) else key
