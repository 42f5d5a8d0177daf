"""Valid inputs to start from: each test changes only what its scenario is about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.model import AutoscaleSnapshot, ScaleSetSummary
from domain.resource_ids import autoscale_setting_id, scale_set_id

SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
RG = "rg-web"
GALLERY_IMAGE = (
    f"/subscriptions/{SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal/images/web"
)
IMAGE = f"{GALLERY_IMAGE}/versions/1.4.0"


def spec_payload(**changes: Any) -> dict[str, Any]:
    """A minimal valid DeploymentSpec payload; a change of None removes the field."""
    payload: dict[str, Any] = {
        "subscriptionId": SUB,
        "resourceGroup": RG,
        "name": "web",
        "baseVmss": "web-base",
        "image": IMAGE,
        "loadBalancer": "web-lb",
        "prodBackendPool": "prod-backend-pool",
        "stageBackendPool": "stage-backend-pool",
    }
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def profile_payload(**changes: Any) -> dict[str, Any]:
    payload = spec_payload(image=None)
    payload["imageDefinition"] = GALLERY_IMAGE
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def at(text: str) -> datetime:
    """`"2026-11-26 05:00"` -> an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def scale_set(
    name: str,
    *,
    capacity: int = 0,
    revision_tag: str | None = None,
    created: str | None = None,
    tags: dict[str, str] | None = None,
) -> ScaleSetSummary:
    all_tags = dict(tags or {})
    if revision_tag is not None:
        all_tags["HARNESS_REVISION"] = revision_tag
    if created is not None:
        all_tags["Created"] = created
    return ScaleSetSummary(
        name=name, id=scale_set_id(SUB, RG, name), location="westeurope", tags=all_tags, capacity=capacity
    )


def autoscale(vmss: str, profiles: list[dict[str, Any]]) -> AutoscaleSnapshot:
    name = f"{vmss}_Autoscale"
    return AutoscaleSnapshot(
        name=name,
        id=autoscale_setting_id(SUB, RG, name),
        location="westeurope",
        target_resource_id=scale_set_id(SUB, RG, vmss),
        enabled=True,
        profiles=profiles,
    )


def profile(name: str, minimum: str, maximum: str, default: str, rules: list | None = None,
            **schedule: Any) -> dict[str, Any]:
    """A profile; `recurrence=...` or `fixedDate=...` makes it a schedule (not a default profile)."""
    return {
        "name": name,
        "capacity": {"minimum": minimum, "maximum": maximum, "default": default},
        "rules": rules or [],
        **schedule,
    }


WEEKENDS = {"frequency": "Week", "schedule": {"timeZone": "UTC", "days": ["Saturday", "Sunday"],
                                              "hours": [0], "minutes": [0]}}
NEW_YEAR = {"timeZone": "UTC", "start": "2026-12-31T00:00:00Z", "end": "2027-01-02T00:00:00Z"}
