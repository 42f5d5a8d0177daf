"""Autoscale settings (Microsoft.Insights/autoscalesettings) targeting scale sets.

azure-mgmt-monitor is msrest-based: its models have snake_case attributes and (de)serialise REST JSON
themselves. Snapshots carry profiles and notifications REST-shaped (camelCase, as the API returns them),
so that they survive a JSON round trip through orchestration history and can be put back as they were.
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.monitor.models import AutoscaleSettingResource

from domain.model import AutoscaleSnapshot
from domain.resource_ids import ResourceId
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
        predictive_autoscale_policy=props.get("predictiveAutoscalePolicy"),
        target_resource_location=props.get("targetResourceLocation"),
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
    if snapshot.predictive_autoscale_policy is not None:
        body["properties"]["predictiveAutoscalePolicy"] = dict(snapshot.predictive_autoscale_policy)
    if snapshot.target_resource_location is not None:
        body["properties"]["targetResourceLocation"] = snapshot.target_resource_location
    return AutoscaleSettingResource.deserialize(body)


def _same_setting(a: AutoscaleSnapshot, b: AutoscaleSnapshot) -> bool:
    return (
        same_id(a.target_resource_id, b.target_resource_id)
        and a.enabled == b.enabled
        and a.profiles == b.profiles
        and (a.notifications or []) == (b.notifications or [])
        and (a.tags or {}) == (b.tags or {})
        and a.predictive_autoscale_policy == b.predictive_autoscale_policy
        and (a.target_resource_location or "") == (b.target_resource_location or "")
        and (a.location or "").replace(" ", "").lower() == (b.location or "").replace(" ", "").lower()
    )


def find_autoscale(
    c: AzureClients, sub: str, rg: str, vmss_id: str, *, enabled_only: bool = False
) -> AutoscaleSnapshot | None:
    """The autoscale setting whose targetResourceUri is `vmss_id` (case-insensitive), or None; with
    `enabled_only`, a disabled one counts as none (it scales nothing and decides nothing).

    Found anywhere in the subscription (one list call): a setting may live in another resource group
    than its target (a shared monitoring group, for example); `rg` is only a hint, looked at first.
    Azure holds at most one setting per target."""
    try:
        settings = list(c.monitor(sub).autoscale_settings.list_by_subscription())
    except HttpResponseError as exc:
        if exc.status_code != 403:
            raise
        # The app's identity may read the target's resource group only (infra/ grants roles per
        # group): settings kept elsewhere then stay invisible, as they are to that identity.
        settings = list(c.monitor(sub).autoscale_settings.list_by_resource_group(rg))
    settings.sort(key=lambda s: _resource_group(s.id or "").lower() != rg.lower())
    for setting in settings:
        if same_id(setting.target_resource_uri, vmss_id):
            found = _snapshot(setting)
            return None if enabled_only and not found.enabled else found
    return None


def _resource_group(setting_id: str) -> str:
    try:
        return ResourceId.parse(setting_id).resource_group
    except ValueError:
        return ""


def _home(snapshot: AutoscaleSnapshot, rg: str) -> str:
    """The resource group a setting lives in (from its id), else `rg`."""
    return _resource_group(snapshot.id) or rg


def get_autoscale(c: AzureClients, sub: str, rg: str, name: str) -> AutoscaleSnapshot | None:
    try:
        return _snapshot(c.monitor(sub).autoscale_settings.get(rg, name))
    except ResourceNotFoundError:
        return None


def delete_autoscale(c: AzureClients, sub: str, rg: str, name: str) -> bool:
    """Delete the setting `name` of resource group `rg` (a found setting's own group: see
    `setting_resource_group`); False (and no DELETE) when it does not exist."""
    if get_autoscale(c, sub, rg, name) is None:
        return False
    try:
        c.monitor(sub).autoscale_settings.delete(rg, name)
    except ResourceNotFoundError:
        return False
    return True


def put_autoscale(c: AzureClients, sub: str, rg: str, snapshot: AutoscaleSnapshot) -> AutoscaleSnapshot:
    """Create or replace the setting `snapshot.name` as described; no PUT when it already holds.

    It is put in the resource group its id names (a setting restored goes back where it was, even
    in another group than its target's), else in `rg`; the profiles are REST-shaped dicts.
    """
    rg = _home(snapshot, rg)
    desired = _model(snapshot)
    normalised = _snapshot(desired)
    current = get_autoscale(c, sub, rg, snapshot.name)
    if current is not None and _same_setting(current, normalised):
        return current
    return _snapshot(c.monitor(sub).autoscale_settings.create_or_update(rg, snapshot.name, desired))


def setting_resource_group(snapshot: AutoscaleSnapshot, rg: str) -> str:
    """The resource group `snapshot` lives in (from its id), else `rg`."""
    return _home(snapshot, rg)
