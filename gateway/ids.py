"""ARM resource ids as the gateway needs them: parsed with `domain.resource_ids`, with errors turned
into `gateway.errors.InvalidResourceIdError` (a ValueError)."""

from __future__ import annotations

from domain.resource_ids import ImageDefinitionId, ImageVersionId, same_resource
from gateway.errors import InvalidResourceIdError


def parse_image_version_id(resource_id: str) -> ImageVersionId:
    try:
        return ImageVersionId.parse(resource_id)
    except ValueError as exc:
        raise InvalidResourceIdError("gallery image version", resource_id) from exc


def parse_image_definition_id(resource_id: str) -> ImageDefinitionId:
    try:
        return ImageDefinitionId.parse(resource_id)
    except ValueError as exc:
        raise InvalidResourceIdError("gallery image definition", resource_id) from exc


def same_id(a: str | None, b: str | None) -> bool:
    """Whether two ARM ids name the same resource (case-insensitive; two empty ids are the same)."""
    if not a and not b:
        return True
    return same_resource(a, b)
