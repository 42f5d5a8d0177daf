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


def is_default_profile(profile: dict[str, Any]) -> bool:
    """Azure's default profile: the one that applies when no schedule does (neither `recurrence`
    nor `fixedDate`)."""
    return not profile.get("recurrence") and not profile.get("fixedDate")


def default_profile(autoscale: AutoscaleSnapshot | None) -> dict[str, Any] | None:
    """THE default profile of a setting (the only rule for it in the code base): the profile with
    neither `recurrence` nor `fixedDate`; among several such, the one the portal names
    (`Auto created scale condition`, `Profile1`), else the first. None when every profile is a
    schedule (or there are none): then no profile holds the setting's everyday capacity."""
    if autoscale is None:
        return None
    candidates = [p for p in autoscale.profiles if isinstance(p, dict) and is_default_profile(p)]
    named = [p for p in candidates if p.get("name") in DEFAULT_PROFILE_NAMES]
    return (named or candidates or [None])[0]


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


# min and max from the autoscale default profile, desired raised to what the live scale set runs now
RAISED_TO_LIVE = "autoscaleDefaultProfile+liveDesired"


def capacity_with_origin(
    instances: FixedInstances | SameAsRunningInstances,
    active: ScaleSetSummary | None,
    active_autoscale: AutoscaleSnapshot | None,
) -> tuple[Capacity, str]:
    """Min/max/desired of the new scale set and where they came from: `fixed` (the spec),
    `autoscaleDefaultProfile` (the live scale set's autoscale default profile), `liveCapacity` (the live
    scale set's current capacity, for all three) or `noLiveScaleSet` (Harness's fallback 0/10/6).

    sameAsRunning reads the active scale set's *enabled* autoscale setting's default profile
    (`default_profile`); desired is then raised to what the active scale set runs now when autoscale
    has it running more (capped at max): a deployment never shrinks what prod serves. A disabled
    setting, no default profile, or a capacity that does not parse or is inconsistent, count as no
    autoscale: the active scale set's current capacity for all three.
    """
    if instances.mode == "fixed":
        return Capacity(min=instances.min, max=instances.max, desired=instances.desired), "fixed"
    if active is None or active.capacity <= 0:
        return _SAME_AS_RUNNING_FALLBACK, "noLiveScaleSet"
    profile = default_profile(active_autoscale) if active_autoscale is not None and active_autoscale.enabled else None
    from_profile = _profile_capacity(profile) if profile is not None else None
    if from_profile is None:
        return Capacity(min=active.capacity, max=active.capacity, desired=active.capacity), "liveCapacity"
    running = min(active.capacity, from_profile.max)
    if running > from_profile.desired:
        return replace(from_profile, desired=running), RAISED_TO_LIVE
    return from_profile, "autoscaleDefaultProfile"


def sizing_note(active: ScaleSetSummary | None, active_autoscale: AutoscaleSnapshot | None) -> str | None:
    """A log line when sameAsRunning will size from what the active scale set runs rather than from its
    autoscale default (autoscale has it running more than the default), else None."""
    if active is None or active_autoscale is None or not active_autoscale.enabled:
        return None
    profile = default_profile(active_autoscale)
    from_profile = _profile_capacity(profile) if profile is not None else None
    if from_profile is None or active.capacity <= from_profile.desired:
        return None
    raised = min(active.capacity, from_profile.max)
    return (f"Virtual Machine Scale Set [{active.name}] runs [{active.capacity}] instances, more than its autoscale "
            f"default [{from_profile.desired}]: a sameAsRunning deployment starts the new one at [{raised}] "
            f"(max [{from_profile.max}]) so that prod does not shrink")


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
    the default profile (`default_profile`) gets the new min/max/default; the other profiles
    (schedules) are carried over unchanged but for their rules' target. Every other field (enabled,
    notifications, predictive policy, target location, tags) is kept. The setting lives beside the
    new scale set (its subscription and resource group), wherever the old one lived.
    """
    profiles = copy.deepcopy(snapshot.profiles)
    for profile in profiles:
        _retarget_rules(profile, snapshot.target_resource_id, new_vmss_id)
    default = default_profile(replace(snapshot, profiles=profiles))
    if default is None:
        # Only schedules (or nothing): outside them the new scale set keeps the tested capacity.
        default = {"name": DEFAULT_PROFILE_NAMES[1], "rules": []}
        profiles.append(default)
    default["capacity"] = {
        "minimum": str(capacity.min),
        "maximum": str(capacity.max),
        "default": str(capacity.desired),
    }
    setting_name = _setting_name(new_name, new_vmss_id)
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
