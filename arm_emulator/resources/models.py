"""Resource groups: the containers every other write checks first."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.resource import Store, rg_id
from .exceptions import ResourceGroupNotFound


@dataclass
class ResourceGroup:
    subscription: str
    name: str
    location: str
    tags: dict = field(default_factory=dict)
    managed_by: str | None = None
    deleting: bool = False

    def to_json(self) -> dict:
        body = {"id": rg_id(self.subscription, self.name), "name": self.name,
                "type": "Microsoft.Resources/resourceGroups", "location": self.location,
                "properties": {"provisioningState": "Deleting" if self.deleting else "Succeeded"}}
        if self.tags:
            body["tags"] = self.tags
        if self.managed_by:
            body["managedBy"] = self.managed_by
        return body


class ResourcesBackend:
    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.groups: Store = Store()

    def reset(self) -> None:
        self.groups.clear()

    def get(self, sub: str, name: str) -> ResourceGroup:
        group = self.groups.get((sub, name))
        if group is None:
            raise ResourceGroupNotFound(name)
        return group

    def require(self, sub: str, name: str) -> ResourceGroup:
        """The group a write or list goes into; 404 ResourceGroupNotFound like ARM when missing."""
        return self.get(sub, name)

    def put(self, sub: str, name: str, location: str, tags: dict, managed_by: str | None) -> tuple[ResourceGroup, bool]:
        existing = self.groups.get((sub, name))
        if existing is not None:
            existing.tags = tags
            existing.managed_by = managed_by
            return existing, False
        group = ResourceGroup(sub, name, location, tags, managed_by)
        self.groups[(sub, name)] = group
        return group, True

    def list(self, sub: str) -> list[ResourceGroup]:
        return [g for g in self.groups.values() if g.subscription.lower() == sub.lower()]

    def delete_now(self, sub: str, name: str) -> None:
        self.groups.pop((sub, name), None)
        for backend in (self.emulator.compute, self.emulator.network, self.emulator.insights):
            backend.delete_group(sub, name)
