"""Autoscale settings: stored as given, validated for the parts a scale-set autoscaler needs."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ..core.resource import (
    TRACKED_KEYS,
    Store,
    check_properties_keys,
    check_top_level,
    merge_patch,
    rg_id,
    typed,
)
from ..resources.exceptions import LocationRequired
from .exceptions import AutoscaleNotFound, InvalidParameter, MissingRequiredProperty

MAX_PROFILES = 20


@dataclass
class AutoscaleSetting:
    subscription: str
    rg: str
    name: str
    body: dict

    @property
    def id(self) -> str:
        return f"{rg_id(self.subscription, self.rg)}/providers/microsoft.insights/autoscalesettings/{self.name}"

    def to_json(self) -> dict:
        body = copy.deepcopy(self.body)
        props = body.get("properties") or {}
        props.setdefault("name", self.name)
        props.setdefault("enabled", True)
        props.setdefault("notifications", [])
        out = {"id": self.id, "name": self.name, "type": "Microsoft.Insights/autoscaleSettings",
               "location": body.get("location"), "tags": body.get("tags") or {}, "properties": props}
        return out


def validate(body: dict) -> None:
    check_top_level(body, TRACKED_KEYS, "AutoscaleSettingResource")
    if not body.get("location"):
        raise LocationRequired()
    props = body.get("properties")
    if not isinstance(props, dict):
        raise MissingRequiredProperty("properties")
    check_properties_keys(props, "AutoscaleSetting")
    profiles = props.get("profiles")
    if not isinstance(profiles, list):
        raise MissingRequiredProperty("profiles")
    if len(profiles) > MAX_PROFILES:
        raise InvalidParameter(f"At most {MAX_PROFILES} profiles are allowed.", target="profiles")
    for prof in profiles:
        if not isinstance(prof, dict) or not prof.get("name"):
            raise MissingRequiredProperty("profiles.name")
        cap = prof.get("capacity")
        if not isinstance(cap, dict):
            raise MissingRequiredProperty("profiles.capacity")
        try:
            lo, hi, default = (int(cap[k]) for k in ("minimum", "maximum", "default"))
        except (KeyError, TypeError, ValueError):
            raise InvalidParameter("'capacity' needs integer 'minimum', 'maximum' and 'default'.",
                                   target="profiles.capacity") from None
        if not lo <= default <= hi:
            raise InvalidParameter(f"The default capacity {default} must lie between the minimum {lo} and the "
                                   f"maximum {hi}.", target="profiles.capacity")
        if not isinstance(prof.get("rules", []), list):
            raise InvalidParameter("'rules' must be an array.", target="profiles.rules")
        typed(prof["name"], str, "profiles.name")
    if not props.get("targetResourceUri"):
        raise MissingRequiredProperty("targetResourceUri")
    typed(props["targetResourceUri"], str, "targetResourceUri")
    typed(props.get("name"), str, "name")
    typed(props.get("enabled"), bool, "enabled")
    typed(props.get("notifications"), list, "notifications")


class InsightsBackend:
    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.settings: Store = Store()

    def reset(self) -> None:
        self.settings.clear()

    def get(self, sub: str, rg: str, name: str) -> AutoscaleSetting:
        s = self.settings.get((sub, rg, name))
        if s is None:
            self.emulator.resources.get(sub, rg)
            raise AutoscaleNotFound(name, rg)
        return s

    def put(self, sub: str, rg: str, name: str, body: dict) -> tuple[AutoscaleSetting, bool]:
        group = self.emulator.resources.require(sub, rg)
        body = copy.deepcopy(body)
        for k in ("id", "name", "type", "etag", "systemData"):
            body.pop(k, None)
        validate(body)
        s = self.settings.get((sub, rg, name))
        created = s is None
        if created:
            s = AutoscaleSetting(sub, group.name, name, body)
            self.settings[(sub, rg, name)] = s
        else:
            s.body = body
        return s, created

    def patch(self, sub: str, rg: str, name: str, patch: dict) -> AutoscaleSetting:
        s = self.get(sub, rg, name)
        check_top_level(patch, {"tags", "properties"}, "AutoscaleSettingResourcePatch")
        tags = patch.get("tags")
        body = merge_patch(s.body, {k: v for k, v in patch.items() if k != "tags"})
        if tags is not None:
            body["tags"] = tags
        validate(body)
        s.body = body
        return s

    def list(self, sub: str, rg: str | None) -> list[AutoscaleSetting]:
        if rg is not None:
            self.emulator.resources.require(sub, rg)
        return [s for s in self.settings.values() if s.subscription.lower() == sub.lower()
                and (rg is None or s.rg.lower() == rg.lower())]

    def delete(self, sub: str, rg: str, name: str) -> bool:
        self.emulator.resources.get(sub, rg)
        return self.settings.pop((sub, rg, name), None) is not None

    def delete_group(self, sub: str, rg: str) -> None:
        for key in [k for k, s in self.settings.items()
                    if s.subscription.lower() == sub.lower() and s.rg.lower() == rg.lower()]:
            dict.pop(self.settings, key)
