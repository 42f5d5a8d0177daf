"""Compute Gallery state: galleries, image definitions, image versions and their replication."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from ..core.resource import Store, rg_id
from .exceptions import InvalidParameter, ResourceNotFound

DEFAULT_REPLICATION_SECONDS = 60.0
VERSION_NAME = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass
class Gallery:
    subscription: str
    rg: str
    name: str
    body: dict
    provisioning_state: str = "Creating"

    @property
    def id(self) -> str:
        return f"{rg_id(self.subscription, self.rg)}/providers/Microsoft.Compute/galleries/{self.name}"

    def to_json(self) -> dict:
        props = copy.deepcopy(self.body.get("properties") or {})
        props.setdefault("identifier", {"uniqueName": f"{self.subscription}-{self.name.upper()}"})
        props["provisioningState"] = self.provisioning_state
        return _tracked(self.id, self.name, "Microsoft.Compute/galleries", self.body, props)


@dataclass
class GalleryImage:
    gallery: Gallery
    name: str
    body: dict
    provisioning_state: str = "Creating"

    @property
    def id(self) -> str:
        return f"{self.gallery.id}/images/{self.name}"

    @property
    def os_state(self) -> str:
        return str((self.body.get("properties") or {}).get("osState") or "Generalized")

    def to_json(self) -> dict:
        props = copy.deepcopy(self.body.get("properties") or {})
        props["provisioningState"] = self.provisioning_state
        return _tracked(self.id, self.name, "Microsoft.Compute/galleries/images", self.body, props)


@dataclass
class ImageVersion:
    image: GalleryImage
    name: str
    body: dict
    created: float
    provisioning_state: str = "Creating"
    published: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.image.id}/versions/{self.name}"

    @property
    def tags(self) -> dict:
        return self.body.get("tags") or {}

    def tag(self, name: str) -> str | None:
        for k, v in self.tags.items():
            if k.lower() == name.lower():
                return str(v)
        return None

    @property
    def health_state(self) -> str:
        """What monitored instances running this version report: tag `emulator.health` =
        `unhealthy`, `initializing` or `unknown` (the Application Health extension's rich states),
        anything else `healthy`."""
        state = (self.tag("emulator.health") or "healthy").lower()
        return state if state in ("unhealthy", "initializing", "unknown") else "healthy"

    @property
    def healthy(self) -> bool:
        return self.health_state == "healthy"

    @property
    def fails_provisioning(self) -> bool:
        return (self.tag("emulator.provisioning") or "").lower() == "failed"

    @property
    def replication_seconds(self) -> float:
        raw = self.tag("emulator.replicationSeconds")
        try:
            return max(0.0, float(raw)) if raw is not None else DEFAULT_REPLICATION_SECONDS
        except ValueError:
            return DEFAULT_REPLICATION_SECONDS

    @property
    def sort_key(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.name.split("."))

    @property
    def exclude_from_latest(self) -> bool:
        prof = (self.body.get("properties") or {}).get("publishingProfile") or {}
        return bool(prof.get("excludeFromLatest"))

    def target_regions(self) -> list[dict]:
        prof = (self.body.get("properties") or {}).get("publishingProfile") or {}
        regions = copy.deepcopy(prof.get("targetRegions") or [])
        if not regions:
            regions = [{"name": self.body.get("location", "westus")}]
        for r in regions:
            r.setdefault("regionalReplicaCount", prof.get("replicaCount", 1))
            r.setdefault("storageAccountType", prof.get("storageAccountType", "Standard_LRS"))
        return regions

    def replication_status(self, now: float) -> dict:
        secs = self.replication_seconds
        done = now >= self.created + secs
        failed = (self.tag("emulator.replication") or "").lower() == "failed"
        progress = 100 if done or secs <= 0 else int(100 * (now - self.created) / secs)
        summary = []
        for r in self.target_regions():
            if not done:
                summary.append({"region": r["name"], "state": "Replicating", "details": "", "progress": progress})
            elif failed:
                summary.append({"region": r["name"], "state": "Failed",
                                "details": "Replication failed (emulator.replication=failed).", "progress": progress})
            else:
                summary.append({"region": r["name"], "state": "Completed", "details": "", "progress": 100})
        aggregated = "InProgress" if not done else ("Failed" if failed else "Completed")
        return {"aggregatedState": aggregated, "summary": summary}

    def to_json(self, clock, now: float, expand_replication: bool) -> dict:
        props = copy.deepcopy(self.body.get("properties") or {})
        prof = props.setdefault("publishingProfile", {})
        prof["targetRegions"] = self.target_regions()
        prof.setdefault("replicaCount", 1)
        prof.setdefault("storageAccountType", "Standard_LRS")
        prof.setdefault("excludeFromLatest", False)
        prof["publishedDate"] = clock.iso(self.created)
        props.setdefault("storageProfile", {})
        props["provisioningState"] = self.provisioning_state
        if expand_replication:
            props["replicationStatus"] = self.replication_status(now)
        return _tracked(self.id, self.name, "Microsoft.Compute/galleries/images/versions", self.body, props)


def _tracked(rid: str, name: str, rtype: str, body: dict, props: dict) -> dict:
    out = {"id": rid, "name": name, "type": rtype, "location": body.get("location")}
    if body.get("tags"):
        out["tags"] = body["tags"]
    out["properties"] = props
    return out


class GalleryStore:
    """Galleries keyed by (subscription, rg, name); children nested under their parents."""

    def __init__(self) -> None:
        self.galleries: Store = Store()
        self.images: Store = Store()
        self.versions: Store = Store()

    def clear(self) -> None:
        self.galleries.clear()
        self.images.clear()
        self.versions.clear()

    def gallery(self, sub: str, rg: str, name: str) -> Gallery:
        g = self.galleries.get((sub, rg, name))
        if g is None:
            raise ResourceNotFound("Microsoft.Compute/galleries", name, rg)
        return g

    def image(self, sub: str, rg: str, gallery: str, name: str) -> GalleryImage:
        i = self.images.get((sub, rg, gallery, name))
        if i is None:
            raise ResourceNotFound("Microsoft.Compute/galleries/images", f"{gallery}/{name}", rg)
        return i

    def version(self, sub: str, rg: str, gallery: str, image: str, name: str) -> ImageVersion:
        v = self.versions.get((sub, rg, gallery, image, name))
        if v is None:
            raise ResourceNotFound("Microsoft.Compute/galleries/images/versions", f"{gallery}/{image}/{name}", rg)
        return v

    def images_of(self, g: Gallery) -> list[GalleryImage]:
        return [i for i in self.images.values() if i.gallery is g]

    def versions_of(self, i: GalleryImage) -> list[ImageVersion]:
        return sorted((v for v in self.versions.values() if v.image is i), key=lambda v: v.sort_key)

    def latest(self, i: GalleryImage) -> ImageVersion | None:
        usable = [v for v in self.versions_of(i) if not v.exclude_from_latest]
        return usable[-1] if usable else None

    def delete_group(self, sub: str, rg: str) -> None:
        for store in (self.versions, self.images, self.galleries):
            for key in [k for k in store if k[0] == sub.lower() and k[1] == rg.lower()]:
                dict.pop(store, key)


def check_version_name(name: str) -> None:
    if not VERSION_NAME.match(name):
        raise InvalidParameter(
            f"The gallery image version name '{name}' is invalid. It must be in the format "
            f"<MajorVersion>.<MinorVersion>.<Patch>, each an integer.", target="galleryImageVersionName")
