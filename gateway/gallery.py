"""Compute Gallery image versions and definitions (read only)."""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from domain.model import ImageDefinitionSummary, ImageVersionSummary
from domain.resource_ids import ImageDefinitionId
from gateway.clients import AzureClients
from gateway.ids import parse_image_definition_id, parse_image_version_id


def _rest(model: Any) -> dict[str, Any]:
    return model.as_dict() if hasattr(model, "as_dict") else dict(model)


def summarize_image_version(model: Any) -> ImageVersionSummary:
    body = _rest(model)
    props = body.get("properties") or {}
    return ImageVersionSummary(
        id=body.get("id", ""),
        name=body.get("name", ""),
        provisioning_state=props.get("provisioningState") or "Unknown",
        replication_state=(props.get("replicationStatus") or {}).get("aggregatedState"),
        exclude_from_latest=bool((props.get("publishingProfile") or {}).get("excludeFromLatest", False)),
        tags=dict(body.get("tags") or {}),
        region_states={str(item.get("region")): str(item.get("state"))
                       for item in (props.get("replicationStatus") or {}).get("summary") or []
                       if item.get("region") and item.get("state")},
    )


def get_image_version(c: AzureClients, image_version_id: str) -> ImageVersionSummary | None:
    """GET the version with `$expand=ReplicationStatus`; None when it does not exist.

    Raises `gateway.errors.InvalidResourceIdError` when the id is not an image version id.
    """
    ref = parse_image_version_id(image_version_id)
    try:
        model = c.compute(ref.subscription).gallery_image_versions.get(
            ref.resource_group, ref.gallery, ref.image, ref.version, expand="ReplicationStatus"
        )
    except ResourceNotFoundError:
        return None
    return summarize_image_version(model)


def definition_ref(image_id: str) -> ImageDefinitionId | None:
    """The image definition an image id names (a gallery image version id, or a definition id itself);
    None when it is not a gallery image (a marketplace or managed image)."""
    try:
        return parse_image_definition_id(image_id)
    except ValueError:
        try:
            return parse_image_version_id(image_id).definition
        except ValueError:
            return None


def same_definition(image_id: str, other_id: str) -> bool:
    """Whether both ids name (versions of) one gallery image definition: no read can tell them apart."""
    ref, other = definition_ref(image_id), definition_ref(other_id)
    return ref is not None and other is not None and ref.id.lower() == other.id.lower()


def get_image_definition(c: AzureClients, image_id: str) -> ImageDefinitionSummary | None:
    """The image definition of a gallery image version id (or of a definition id itself); None when it
    does not exist or `image_id` is not a gallery image (a marketplace or managed image)."""
    ref = definition_ref(image_id)
    if ref is None:
        return None
    try:
        model = c.compute(ref.subscription).gallery_images.get(ref.resource_group, ref.gallery, ref.image)
    except ResourceNotFoundError:
        return None
    body = _rest(model)
    props = body.get("properties") or {}
    return ImageDefinitionSummary(
        id=body.get("id", ""),
        name=body.get("name", ref.image),
        os_type=str(props.get("osType") or ""),
        os_state=str(props.get("osState") or "Generalized"),
        hyper_v_generation=props.get("hyperVGeneration") or "V1",
    )
