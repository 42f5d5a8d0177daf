"""Parsing of the few ARM resource ids the gateway needs (case-insensitive, as ARM ids are)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.errors import InvalidResourceIdError

_SEG = r"[^/]+"
_IMAGE_VERSION = re.compile(
    rf"^/subscriptions/(?P<sub>{_SEG})/resourceGroups/(?P<rg>{_SEG})/providers/Microsoft\.Compute/"
    rf"galleries/(?P<gallery>{_SEG})/images/(?P<image>{_SEG})/versions/(?P<version>{_SEG})/?$",
    re.IGNORECASE,
)
_IMAGE_DEFINITION = re.compile(
    rf"^/subscriptions/(?P<sub>{_SEG})/resourceGroups/(?P<rg>{_SEG})/providers/Microsoft\.Compute/"
    rf"galleries/(?P<gallery>{_SEG})/images/(?P<image>{_SEG})/?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class GalleryImageRef:
    subscription_id: str
    resource_group: str
    gallery: str
    image: str
    version: str | None = None


def parse_image_version_id(resource_id: str) -> GalleryImageRef:
    m = _IMAGE_VERSION.match(resource_id or "")
    if not m:
        raise InvalidResourceIdError("gallery image version", resource_id)
    return GalleryImageRef(m["sub"], m["rg"], m["gallery"], m["image"], m["version"])


def parse_image_definition_id(resource_id: str) -> GalleryImageRef:
    m = _IMAGE_DEFINITION.match(resource_id or "")
    if not m:
        raise InvalidResourceIdError("gallery image definition", resource_id)
    return GalleryImageRef(m["sub"], m["rg"], m["gallery"], m["image"])


def same_id(a: str | None, b: str | None) -> bool:
    return (a or "").rstrip("/").lower() == (b or "").rstrip("/").lower()
