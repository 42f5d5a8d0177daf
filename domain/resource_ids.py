"""Parse and build the ARM resource ids the deployer handles.

ARM ids are case-insensitive: fixed segments (`subscriptions`, `providers/Microsoft.Compute`, ...)
match in any case, and the names keep the case they were given (Azure echoes them that way).
Builders emit Azure's canonical casing. Every parser raises ValueError saying what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.versions import is_valid_version

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE | re.ASCII)
# Characters that would change the meaning of an ARM URL if they sat inside a name.
_UNSAFE_NAME_CHARS = frozenset("/\\?#%")

IMAGE_VERSION_ID_SHAPE = (
    "/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Compute/galleries/<gallery>"
    "/images/<image>/versions/<major.minor.patch>"
)
IMAGE_DEFINITION_ID_SHAPE = (
    "/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Compute/galleries/<gallery>/images/<image>"
)


def is_guid(value: object) -> bool:
    return isinstance(value, str) and _GUID.fullmatch(value) is not None


def name_problem(name: object) -> str | None:
    """Why `name` cannot be an Azure resource name inside an id, or None when it can."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if name != name.strip():
        return "must not start or end with whitespace"
    bad = sorted({c for c in name if c in _UNSAFE_NAME_CHARS or ord(c) < 32 or ord(c) == 127})
    if bad:
        return "must not contain " + " ".join(repr(c) for c in bad)
    return None


def _segments(resource_id: object, what: str, shape: str) -> list[str]:
    if not isinstance(resource_id, str):
        raise ValueError(f"{what} id must be a string like {shape}")
    text = resource_id[:-1] if resource_id.endswith("/") else resource_id
    if not text.startswith("/"):
        raise ValueError(f"{what} id {resource_id!r} must start with '/': expected {shape}")
    parts = text[1:].split("/")
    if any(not part for part in parts):
        raise ValueError(f"{what} id {resource_id!r} has an empty segment: expected {shape}")
    return parts


def _match(parts: list[str], keywords: tuple[str, ...], resource_id: str, what: str, shape: str) -> list[str]:
    """Check `parts` alternate keyword/name as `keywords` says (None = a name); return the names."""
    if len(parts) != len(keywords):
        raise ValueError(f"{what} id {resource_id!r} does not have the shape {shape}")
    names: list[str] = []
    for part, keyword in zip(parts, keywords, strict=True):
        if keyword == "":
            problem = name_problem(part)
            if problem:
                raise ValueError(f"{what} id {resource_id!r}: name {part!r} {problem}")
            names.append(part)
        elif part.lower() != keyword.lower():
            raise ValueError(
                f"{what} id {resource_id!r}: expected {keyword!r} where it has {part!r} ({shape})"
            )
    return names


_SUB_RG = ("subscriptions", "", "resourceGroups", "")
_GALLERY_IMAGE = (*_SUB_RG, "providers", "Microsoft.Compute", "galleries", "", "images", "")


def _check_subscription(subscription: str, resource_id: str, what: str) -> None:
    if not is_guid(subscription):
        raise ValueError(f"{what} id {resource_id!r}: subscription {subscription!r} is not a GUID")


@dataclass(frozen=True)
class ImageDefinitionId:
    """A Compute Gallery image definition (the parent of its versions)."""

    subscription: str
    resource_group: str
    gallery: str
    image: str

    @classmethod
    def parse(cls, resource_id: str) -> ImageDefinitionId:
        what = "gallery image definition"
        parts = _segments(resource_id, what, IMAGE_DEFINITION_ID_SHAPE)
        sub, rg, gallery, image = _match(parts, _GALLERY_IMAGE, resource_id, what, IMAGE_DEFINITION_ID_SHAPE)
        _check_subscription(sub, resource_id, what)
        return cls(sub, rg, gallery, image)

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.Compute/galleries/{self.gallery}/images/{self.image}"
        )

    def version(self, version: str) -> ImageVersionId:
        return ImageVersionId(self.subscription, self.resource_group, self.gallery, self.image, version)

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class ImageVersionId:
    """A Compute Gallery image version: `.../images/<image>/versions/<major.minor.patch>`."""

    subscription: str
    resource_group: str
    gallery: str
    image: str
    version: str

    @classmethod
    def parse(cls, resource_id: str) -> ImageVersionId:
        what = "gallery image version"
        parts = _segments(resource_id, what, IMAGE_VERSION_ID_SHAPE)
        keywords = (*_GALLERY_IMAGE, "versions", "")
        sub, rg, gallery, image, version = _match(parts, keywords, resource_id, what, IMAGE_VERSION_ID_SHAPE)
        _check_subscription(sub, resource_id, what)
        if not is_valid_version(version):
            raise ValueError(
                f"{what} id {resource_id!r}: version {version!r} is not major.minor.patch "
                "(a gallery image version, not 'latest' or an image definition)"
            )
        return cls(sub, rg, gallery, image, version)

    @property
    def definition(self) -> ImageDefinitionId:
        return ImageDefinitionId(self.subscription, self.resource_group, self.gallery, self.image)

    @property
    def image_definition_id(self) -> str:
        return self.definition.id

    @property
    def id(self) -> str:
        return f"{self.image_definition_id}/versions/{self.version}"

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class ResourceId:
    """Any resource-group-scoped ARM id: `/subscriptions/s/resourceGroups/g/providers/ns/t1/n1[/t2/n2...]`."""

    subscription: str
    resource_group: str
    namespace: str
    types: tuple[str, ...]
    names: tuple[str, ...]

    @classmethod
    def parse(cls, resource_id: str) -> ResourceId:
        what, shape = (
            "resource",
            "/subscriptions/<guid>/resourceGroups/<rg>/providers/<namespace>/<type>/<name>",
        )
        parts = _segments(resource_id, what, shape)
        if len(parts) < 8 or len(parts) % 2:
            raise ValueError(f"{what} id {resource_id!r} does not have the shape {shape}")
        sub, rg = _match(parts[:5], (*_SUB_RG, "providers"), resource_id, what, shape)
        _check_subscription(sub, resource_id, what)
        namespace, rest = parts[5], parts[6:]
        types, names = tuple(rest[0::2]), tuple(rest[1::2])
        for name in names:
            problem = name_problem(name)
            if problem:
                raise ValueError(f"{what} id {resource_id!r}: name {name!r} {problem}")
        return cls(sub, rg, namespace, types, names)

    @property
    def name(self) -> str:
        return self.names[-1]

    @property
    def id(self) -> str:
        path = "/".join(f"{t}/{n}" for t, n in zip(self.types, self.names, strict=True))
        return f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/{self.namespace}/{path}"

    def __str__(self) -> str:
        return self.id


def _group_scope(subscription: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers"


def scale_set_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{_group_scope(subscription, resource_group)}/Microsoft.Compute/virtualMachineScaleSets/{name}"


def autoscale_setting_id(subscription: str, resource_group: str, name: str) -> str:
    return f"{_group_scope(subscription, resource_group)}/Microsoft.Insights/autoscalesettings/{name}"


def _comparable(resource_id: str) -> str:
    return resource_id.rstrip("/").casefold()


def same_resource(a: str | None, b: str | None) -> bool:
    """Whether two ids name the same resource (ARM ids are case-insensitive; a trailing '/' is noise)."""
    if not a or not b:
        return False
    return _comparable(a) == _comparable(b)


def name_from_id(resource_id: str) -> str:
    """The last segment of an id (the resource's own name)."""
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def backend_pool_id(subscription: str, resource_group: str, load_balancer: str, pool: str) -> str:
    return (f"{_group_scope(subscription, resource_group)}/Microsoft.Network/loadBalancers/"
            f"{load_balancer}/backendAddressPools/{pool}")
