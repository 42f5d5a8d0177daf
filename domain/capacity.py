"""Capacity math: how big the new scale set gets, and the autoscale setting it inherits (CONTRACT §4)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from domain.model import AutoscaleSnapshot, ScaleSetSummary
from domain.naming import autoscale_name
from domain.resource_ids import ResourceId, autoscale_setting_id, same_resource

if TYPE_CHECKING:
    from domain.spec import FixedInstances, SameAsRunningInstances, UpgradeSpec

# Profiles Azure's portal names the default profile (Harness read only these).
DEFAULT_PROFILE_NAMES = ("Auto created scale condition", "Profile1")


@dataclass(frozen=True)
class Capacity:
    min: int
    max: int
    desired: int

    def to_json(self) -> dict[str, int]:
        return {"min": self.min, "max": self.max, "desired": self.desired}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Capacity:
        return cls(min=int(data["min"]), max=int(data["max"]), desired=int(data["desired"]))

    def is_consistent(self) -> bool:
        return 0 <= self.min <= self.desired <= self.max and self.max >= 1


# sameAsRunning with no active scale set in the lineage (Harness's own fallback).
_SAME_AS_RUNNING_FALLBACK = Capacity(min=0, max=10, desired=6)


def percent_of(percent: int, desired: int) -> int:
    """round_half_up(percent * desired / 100) in integer arithmetic."""
    return (2 * percent * desired + 100) // 200


def upgrade_target(upgrade: UpgradeSpec, desired: int) -> int:
    """Instances to bring the new scale set to in the Upgrade step.

    count: min(count, desired); percent: max(round_half_up(pct * desired / 100), 1). A desired of 0
    gives 0 either way: the "at least one" floor exists so a small percentage still tests something,
    not to create an instance nobody asked for.
    """
    if desired <= 0:
        return 0
    if upgrade.unit == "count":
        return min(upgrade.value, desired)
    return max(percent_of(upgrade.value, desired), 1)


def find_default_profile(autoscale: AutoscaleSnapshot | None) -> dict[str, Any] | None:
    """The profile named as Azure's portal names the default one, or None (no fallback to others)."""
    if autoscale is None:
        return None
    for profile in autoscale.profiles:
        if profile.get("name") in DEFAULT_PROFILE_NAMES:
            return profile
    return None


def _profile_capacity(profile: dict[str, Any]) -> Capacity | None:
    """The REST shape `{"capacity": {"minimum": "1", "maximum": "10", "default": "2"}}` (strings)."""
    raw = profile.get("capacity")
    if not isinstance(raw, dict):
        return None
    try:
        values = [int(str(raw[key]).strip()) for key in ("minimum", "maximum", "default")]
    except (KeyError, ValueError):
        return None
    capacity = Capacity(min=values[0], max=values[1], desired=values[2])
    return capacity if capacity.is_consistent() else None


def target_capacity(
    instances: FixedInstances | SameAsRunningInstances,
    active: ScaleSetSummary | None,
    active_autoscale: AutoscaleSnapshot | None,
) -> Capacity:
    """Min/max/desired of the new scale set (CONTRACT §4); see `capacity_with_origin`."""
    return capacity_with_origin(instances, active, active_autoscale)[0]


def capacity_with_origin(
    instances: FixedInstances | SameAsRunningInstances,
    active: ScaleSetSummary | None,
    active_autoscale: AutoscaleSnapshot | None,
) -> tuple[Capacity, str]:
    """Min/max/desired of the new scale set and where they came from: `fixed` (the spec),
    `autoscaleDefaultProfile` (the live scale set's autoscale default profile), `liveCapacity` (the live
    scale set's current capacity, for all three) or `noLiveScaleSet` (Harness's fallback 0/10/6).

    sameAsRunning reads the active scale set's autoscale default profile; an autoscale setting
    with no such profile, or one whose capacity does not parse or is inconsistent, falls back to
    the active scale set's current capacity for all three, as if it had none.
    """
    if instances.mode == "fixed":
        return Capacity(min=instances.min, max=instances.max, desired=instances.desired), "fixed"
    if active is None or active.capacity <= 0:
        return _SAME_AS_RUNNING_FALLBACK, "noLiveScaleSet"
    profile = find_default_profile(active_autoscale)
    from_profile = _profile_capacity(profile) if profile is not None else None
    if from_profile is not None:
        return from_profile, "autoscaleDefaultProfile"
    return Capacity(min=active.capacity, max=active.capacity, desired=active.capacity), "liveCapacity"


def _retarget_rules(profile: dict[str, Any], old_vmss_id: str, new_vmss_id: str) -> None:
    for rule in profile.get("rules") or []:
        trigger = rule.get("metricTrigger") if isinstance(rule, dict) else None
        if isinstance(trigger, dict) and same_resource(trigger.get("metricResourceUri"), old_vmss_id):
            trigger["metricResourceUri"] = new_vmss_id


def _setting_name(new_name: str, new_vmss_id: str) -> str:
    """`<new scale set>_Autoscale`. Callers pass either the scale set's name or the setting's
    name already; either way the setting is named once, never `x_Autoscale_Autoscale`."""
    try:
        vmss = ResourceId.parse(new_vmss_id).name
    except ValueError:
        vmss = new_name.removesuffix("_Autoscale")
    return autoscale_name(vmss)


def retarget_autoscale(
    snapshot: AutoscaleSnapshot, new_name: str, new_vmss_id: str, capacity: Capacity
) -> AutoscaleSnapshot:
    """The active scale set's autoscale setting, made for the new scale set `new_vmss_id`.

    It is named `<new scale set name>_Autoscale` (`new_name` is that scale set's name).

    Rules measuring the old scale set now measure the new one (rules on other resources stay);
    the default profile (by name, else the first) gets the new min/max/default, other profiles keep
    theirs. The setting lives where the old one did (same subscription and resource group).
    """
    profiles = copy.deepcopy(snapshot.profiles)
    for profile in profiles:
        _retarget_rules(profile, snapshot.target_resource_id, new_vmss_id)
    named = next((p for p in profiles if p.get("name") in DEFAULT_PROFILE_NAMES), None)
    default = named if named is not None else (profiles[0] if profiles else None)
    if default is None:
        # Azure rejects a setting without profiles; give it the one the portal would create.
        default = {"name": DEFAULT_PROFILE_NAMES[1], "rules": []}
        profiles.append(default)
    default["capacity"] = {
        "minimum": str(capacity.min),
        "maximum": str(capacity.max),
        "default": str(capacity.desired),
    }
    setting_name = _setting_name(new_name, new_vmss_id)
    try:
        scope = ResourceId.parse(snapshot.id)
    except ValueError:
        scope = ResourceId.parse(new_vmss_id)
    return replace(
        snapshot,
        name=setting_name,
        id=autoscale_setting_id(scope.subscription, scope.resource_group, setting_name),
        target_resource_id=new_vmss_id,
        profiles=profiles,
        tags=dict(snapshot.tags),
        notifications=copy.deepcopy(snapshot.notifications),
    )
