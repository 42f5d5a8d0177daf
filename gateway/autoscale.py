"""Autoscale settings (Microsoft.Insights/autoscalesettings) targeting scale sets.

azure-mgmt-monitor is msrest-based: its models have snake_case attributes and (de)serialise REST JSON
themselves. Snapshots carry profiles and notifications REST-shaped (camelCase, as the API returns them),
so that they survive a JSON round trip through orchestration history and can be put back as they were.
"""

from __future__ import annotations

import copy
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.monitor.models import AutoscaleSettingResource

from domain.model import AutoscaleSnapshot
from gateway.clients import AzureClients
from gateway.ids import same_id


def _snapshot(model: AutoscaleSettingResource) -> AutoscaleSnapshot:
    body = model.serialize(keep_readonly=True)
    props = body.get("properties") or {}
    return AutoscaleSnapshot(
        name=body.get("name") or props.get("name") or "",
        id=body.get("id") or "",
        location=body.get("location") or "",
        target_resource_id=props.get("targetResourceUri") or "",
        enabled=bool(props.get("enabled", False)),
        profiles=list(props.get("profiles") or []),
        tags=dict(body.get("tags") or {}),
        notifications=list(props.get("notifications") or []),
    )


def _model(snapshot: AutoscaleSnapshot) -> AutoscaleSettingResource:
    body: dict[str, Any] = {
        "location": snapshot.location,
        "tags": dict(snapshot.tags),
        "properties": {
            "name": snapshot.name,
            "enabled": snapshot.enabled,
            "targetResourceUri": snapshot.target_resource_id,
            "profiles": list(snapshot.profiles),
            "notifications": list(snapshot.notifications),
        },
    }
    return AutoscaleSettingResource.deserialize(body)


def _same_setting(a: AutoscaleSnapshot, b: AutoscaleSnapshot) -> bool:
    return (
        same_id(a.target_resource_id, b.target_resource_id)
        and a.enabled == b.enabled
        and a.profiles == b.profiles
        and (a.notifications or []) == (b.notifications or [])
        and (a.tags or {}) == (b.tags or {})
        and (a.location or "").replace(" ", "").lower() == (b.location or "").replace(" ", "").lower()
    )


def find_autoscale(c: AzureClients, sub: str, rg: str, vmss_id: str) -> AutoscaleSnapshot | None:
    """The autoscale setting of the resource group whose targetResourceUri is `vmss_id`
    (case-insensitive), or None. One list call."""
    for setting in c.monitor(sub).autoscale_settings.list_by_resource_group(rg):
        if same_id(setting.target_resource_uri, vmss_id):
            return _snapshot(setting)
    return None


def get_autoscale(c: AzureClients, sub: str, rg: str, name: str) -> AutoscaleSnapshot | None:
    try:
        return _snapshot(c.monitor(sub).autoscale_settings.get(rg, name))
    except ResourceNotFoundError:
        return None


def delete_autoscale(c: AzureClients, sub: str, rg: str, name: str) -> bool:
    """Delete the setting; False (and no DELETE) when it does not exist."""
    if get_autoscale(c, sub, rg, name) is None:
        return False
    try:
        c.monitor(sub).autoscale_settings.delete(rg, name)
    except ResourceNotFoundError:
        return False
    return True


def put_autoscale(c: AzureClients, sub: str, rg: str, snapshot: AutoscaleSnapshot) -> AutoscaleSnapshot:
    """Create or replace the setting `snapshot.name` as described; no PUT when it already holds.

    `snapshot.id` is ignored (the id follows from sub/rg/name); the profiles are REST-shaped dicts.
    """
    desired = _model(snapshot)
    normalised = _snapshot(desired)
    current = get_autoscale(c, sub, rg, snapshot.name)
    if current is not None and _same_setting(current, normalised):
        return current
    return _snapshot(c.monitor(sub).autoscale_settings.create_or_update(rg, snapshot.name, desired))


def retarget_autoscale(
    snapshot: AutoscaleSnapshot,
    new_name: str,
    new_vmss_id: str,
    minimum: int,
    maximum: int,
    default: int,
) -> AutoscaleSnapshot:
    """A copy of `snapshot` for another scale set (pure, no call): named `new_name`, targeting
    `new_vmss_id`, every rule's `metricResourceUri` that named the old target now naming the new one,
    and the default profile's (`AutoscaleSnapshot.default_profile`) capacity set to minimum/maximum/default
    (as strings, like the API). Other profiles keep their capacity."""

    profiles = copy.deepcopy(snapshot.profiles)
    old_target = snapshot.target_resource_id
    for profile in profiles:
        for rule in profile.get("rules") or []:
            trigger = rule.get("metricTrigger") or {}
            if same_id(trigger.get("metricResourceUri"), old_target):
                trigger["metricResourceUri"] = new_vmss_id
    retargeted = AutoscaleSnapshot(
        name=new_name,
        id="",
        location=snapshot.location,
        target_resource_id=new_vmss_id,
        enabled=snapshot.enabled,
        profiles=profiles,
        tags=dict(snapshot.tags),
        notifications=copy.deepcopy(snapshot.notifications),
    )
    default_profile = retargeted.default_profile()
    if default_profile is not None:
        default_profile["capacity"] = {"minimum": str(minimum), "maximum": str(maximum), "default": str(default)}
    return retargeted
