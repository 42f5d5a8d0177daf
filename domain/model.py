"""Snapshots of Azure resources as the deployer sees them.

The gateway builds these from SDK models; activities return them (as `to_json()` dicts) to the
orchestrator, whose history stores them. They are plain data: JSON round-trips must be lossless.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Self


class _Json:
    def to_json(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class ScaleSetSummary(_Json):
    """A scale set: identity, tags, size and where its model points."""

    name: str
    id: str
    location: str
    tags: dict[str, str]
    capacity: int
    provisioning_state: str = "Succeeded"
    image_id: str | None = None
    # Backend pools named by the primary NIC's primary IP configuration of the model.
    pool_ids: list[str] = field(default_factory=list)
    # `upgradePolicy.mode`: Manual, or Automatic / Rolling, under which Azure itself rolls a model change
    # out to the instances (Rolling: in batches).
    upgrade_mode: str = "Manual"

    @property
    def platform_upgrades(self) -> bool:
        """Whether Azure, not the deployer, brings the instances to a new model (and into new pools)."""
        return self.upgrade_mode.lower() in ("automatic", "rolling")


@dataclass(frozen=True)
class InstanceCounts(_Json):
    """One poll of a scale set's instances (one list-with-instance-view call).

    Azure reports `vmHealth` in an instance view only when the scale set has health monitoring (the
    Application Health extension or a load balancer probe in `networkProfile.healthProbe`), so
    `health_reported == 0` with provisioned instances means "health not monitored", not "unhealthy".
    Every field defaults to 0 so that JSON written before a field existed still loads.
    """

    total: int = 0
    provisioned: int = 0  # provisioningState Succeeded
    healthy: int = 0  # provisioned and vmHealth HealthState/healthy
    failed: int = 0  # provisioningState Failed
    latest_model: int = 0  # latestModelApplied
    health_reported: int = 0  # instances whose instance view has a vmHealth status (any code)


@dataclass(frozen=True)
class AutoscaleSnapshot(_Json):
    """An autoscale setting targeting a scale set, enough to restore or retarget it."""

    name: str
    id: str
    location: str
    target_resource_id: str
    enabled: bool
    # The setting's profiles as REST-shaped JSON (camelCase, as the API returns them).
    profiles: list[dict[str, Any]]
    tags: dict[str, str] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    # Carried through retarget and restore as the API returned them (REST-shaped), so nothing an
    # operator configured is lost: `{"scaleMode": "Enabled", "scaleLookAheadTime": "PT5M"}`, `westus`.
    predictive_autoscale_policy: dict[str, Any] | None = None
    target_resource_location: str | None = None
    # Which profile is the default one is decided in one place: `domain.capacity.default_profile`.


@dataclass(frozen=True)
class ImageVersionSummary(_Json):
    id: str
    name: str
    provisioning_state: str
    replication_state: str | None  # replicationStatus.aggregatedState: InProgress/Completed/Failed
    exclude_from_latest: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    # replicationStatus.summary: region (as Azure writes it, e.g. "West US") -> state
    region_states: dict[str, str] = field(default_factory=dict)

    def ready_in(self, location: str) -> bool:
        """Usable by a scale set in `location`: provisioned, and replicated everywhere or at least
        to that region (a version still replicating to far regions can already be deployed here)."""
        if self.provisioning_state.lower() != "succeeded":
            return False
        wanted = _region_key(location)
        regional = [state for region, state in self.region_states.items() if _region_key(region) == wanted]
        if regional:
            return regional[0].lower() == "completed"
        if self.region_states:
            # Replicated elsewhere only: `aggregatedState` Completed says nothing about this region.
            return False
        return (self.replication_state or "completed").lower() == "completed"

    def targets_region(self, location: str) -> bool:
        """Whether the version is (being) replicated to `location`; True when the regions are unknown
        (no replication status read)."""
        wanted = _region_key(location)
        return not self.region_states or any(_region_key(region) == wanted for region in self.region_states)

    def failed_in(self, location: str) -> bool:
        if self.provisioning_state.lower() == "failed":
            return True
        wanted = _region_key(location)
        regional = [state for region, state in self.region_states.items() if _region_key(region) == wanted]
        if regional:
            return regional[0].lower() == "failed"
        return (self.replication_state or "").lower() == "failed"


def _region_key(region: str) -> str:
    return region.replace(" ", "").lower()


@dataclass(frozen=True)
class LoadBalancerSummary(_Json):
    id: str
    name: str
    location: str
    backend_pool_ids: dict[str, str]  # pool name -> pool id
    sku: str | None = None  # Basic / Standard / Gateway
    probe_ids: list[str] = field(default_factory=list)
    # Pools some load-balancing rule sends traffic to (a pool without one receives none).
    balanced_pool_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImageDefinitionSummary(_Json):
    """A gallery image definition: what any of its versions can run as."""

    id: str
    name: str
    os_type: str  # Linux / Windows
    os_state: str  # Generalized / Specialized
    hyper_v_generation: str | None = None  # V1 / V2 (V1 when Azure omits it)

    @property
    def specialized(self) -> bool:
        return self.os_state.lower() == "specialized"
