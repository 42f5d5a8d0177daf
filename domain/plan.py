"""What Setup decides, as one pure function: the real deployment and the dry run both call it.

`check_target` turns the reads of target validation into problems (any problem: nothing may be
written) and the two pool ids; `plan_setup` turns the lineage into the revision, the new name, the
capacity (and where each number came from), the upgrade target, retention and the autoscale setting
to carry over. Setup (orchestrators/bluegreen.py) acts on exactly this plan, and
`POST /api/deployments?dryRun=true` answers it, so the plan shown cannot drift from what happens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from domain.capacity import RAISED_TO_LIVE, Capacity, capacity_with_origin, upgrade_target
from domain.lineage import (
    LineageMember,
    RetentionPlan,
    active_member,
    lineage_members,
    next_revision,
    retention_plan,
    stage_orphans,
)
from domain.model import AutoscaleSnapshot, ImageVersionSummary, LoadBalancerSummary, ScaleSetSummary
from domain.naming import autoscale_name, vmss_name
from domain.rollout import version_order_skip

if TYPE_CHECKING:
    from domain.spec import DeploymentSpec


@dataclass(frozen=True)
class TargetCheck:
    """What target validation found: `problems` (empty when the target is usable) and the pool ids."""

    problems: list[str]
    prod_pool_id: str | None = None
    stage_pool_id: str | None = None


def check_target(spec: DeploymentSpec, balancer: LoadBalancerSummary | None, base: ScaleSetSummary | None,
                 base_problems: Iterable[str], image: ImageVersionSummary | None) -> TargetCheck:
    """The target of `spec` as read from Azure (None: not found) -> why it cannot be deployed to."""
    rg = spec.resource_group
    problems: list[str] = []
    pool_ids: dict[str, str] = {}
    if balancer is None:
        problems.append(f"Load balancer [{spec.load_balancer}] was not found in resource group [{rg}]")
    else:
        by_lower = {name.lower(): pool_id for name, pool_id in balancer.backend_pool_ids.items()}
        for role, pool in (("prod", spec.prod_backend_pool), ("stage", spec.stage_backend_pool)):
            if pool.lower() in by_lower:
                pool_ids[role] = by_lower[pool.lower()]
            else:
                problems.append(f"The {role} backend pool [{pool}] was not found on load balancer [{spec.load_balancer}]")
    if base is None:
        problems.append(f"Base Virtual Machine Scale Set [{spec.base_vmss}] was not found in resource group [{rg}]")
    else:
        # Checked before retention scales down or deletes anything, not when creating the copy.
        problems += [f"Base Virtual Machine Scale Set [{spec.base_vmss}] cannot be used as a template: {p}"
                     for p in base_problems]
    if image is None:
        problems.append(f"Gallery image version [{spec.image}] was not found")
    elif image.provisioning_state.lower() == "failed":
        problems.append(f"Gallery image version [{spec.image}] is in provisioning state Failed")
    return TargetCheck(problems, pool_ids.get("prod"), pool_ids.get("stage"))


@dataclass(frozen=True)
class SetupPlan:
    """Setup's decisions. `skip`: why an event deploys nothing; `refusal`: why Setup must stop before
    any write (checked in this order, after `skip`); `empties_prod`: the new scale set would have 0
    instances while an old one serves prod (refused once the names are published)."""

    revision: int
    new_name: str
    members: list[LineageMember]
    active: LineageMember | None
    capacity: Capacity
    capacity_origin: str  # fixed | autoscaleDefaultProfile | RAISED_TO_LIVE | liveCapacity | noLiveScaleSet
    upgrade_target: int
    retention: RetentionPlan
    autoscale: AutoscaleSnapshot | None  # the live scale set's setting the new one inherits
    orphans: list[LineageMember] = field(default_factory=list)  # left in the stage pool by a dead deployment
    skip: str | None = None
    refusal: str | None = None
    empties_prod: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def old(self) -> ScaleSetSummary | None:
        return self.active.summary if self.active else None


def plan_setup(spec: DeploymentSpec, lineage_scale_sets: Iterable[ScaleSetSummary],
               active_autoscale: AutoscaleSnapshot | None, names_in_group: Iterable[str],
               source_kind: str, prod_pool_id: str | None = None, stage_pool_id: str | None = None) -> SetupPlan:
    """Setup's decisions from the lineage read (the scale sets of the lineage, the live one's autoscale
    setting, every scale set name in the resource group). With the pool ids, the live scale set is the
    one Azure routes prod to (a dead deployment's scale set may be newer, running in the stage pool),
    and members left in the stage pool are orphans to release."""
    members = lineage_members(lineage_scale_sets, spec.infrastructure_id)
    active = active_member(members, prod_pool_id)
    autoscale = active_autoscale if active is not None else None
    skip = version_order_skip(source_kind, spec.image, active.summary) if active is not None else None
    revision = next_revision(members)
    new_name = vmss_name(spec.name, revision)
    refusal = None
    if new_name.lower() in {name.lower() for name in names_in_group}:
        # Another lineage (another infrastructureId with the same name) or a hand-made scale set owns
        # the name: creating "it" would take that scale set over, resize and route it, and a rollback
        # would delete it.
        refusal = (f"A Virtual Machine Scale Set named [{new_name}] already exists in resource group "
                   f"[{spec.resource_group}] and is not revision {revision} of infrastructure "
                   f"[{spec.infrastructure_id}]; refusing to take it over")
    capacity, origin = capacity_with_origin(spec.instances, active.summary if active else None, autoscale)
    target = upgrade_target(spec.upgrade, capacity.desired)
    empties_prod = None
    if active is not None and target == 0:
        # The swap would take the old scale set's instances out of prod for none: the pool left empty.
        empties_prod = (f"The new Virtual Machine Scale Set [{new_name}] would have 0 instances: swapping it in "
                        f"would leave prod backend pool [{spec.prod_backend_pool}], served by [{active.name}], "
                        f"without instances")
    return SetupPlan(
        revision=revision, new_name=new_name, members=members, active=active, capacity=capacity,
        capacity_origin=origin, upgrade_target=target,
        retention=retention_plan(members, active, spec.versions_to_keep, prod_pool_id), autoscale=autoscale,
        orphans=stage_orphans(members, active, stage_pool_id, prod_pool_id) if stage_pool_id else [], skip=skip, refusal=refusal, empties_prod=empties_prod)


def plan_warnings(spec: DeploymentSpec, base_health_monitoring: str | None, balancer: LoadBalancerSummary,
                  stage_pool_id: str | None, image: ImageVersionSummary, location: str) -> list[str]:
    """What an operator should know before deploying, though nothing stops the deployment."""
    warnings = []
    if base_health_monitoring is None:
        warnings.append(f"Instance health of base VMSS [{spec.base_vmss}] is not monitored (no Application Health "
                        f"extension, no load balancer health probe): steady state is judged on provisioning alone")
    balanced = {pool_id.lower() for pool_id in balancer.balanced_pool_ids}
    if stage_pool_id and stage_pool_id.lower() not in balanced:
        warnings.append(f"No load-balancing rule sends traffic to stage backend pool [{spec.stage_backend_pool}]: "
                        f"the new scale set cannot be tried there before the swap")
    if not image.ready_in(location):
        warnings.append(f"Image version [{image.name}] is still replicating (provisioning {image.provisioning_state}, "
                        f"replication {image.replication_state}): the deployment waits for it in Setup")
    return warnings


def capacity_origins(origin: str) -> dict[str, str]:
    """Where min, max and desired each came from."""
    if origin == RAISED_TO_LIVE:
        return {"min": "autoscaleDefaultProfile", "max": "autoscaleDefaultProfile", "desired": "liveCapacity"}
    return {"min": origin, "max": origin, "desired": origin}


def plan_document(spec: DeploymentSpec, plan: SetupPlan, warnings: list[str]) -> dict[str, Any]:
    """The dry run's answer (CONTRACT §5), camelCase."""
    carried = None
    if plan.autoscale is not None:
        carried = {"from": plan.autoscale.name, "name": autoscale_name(plan.new_name),
                   "enabled": plan.autoscale.enabled}
    live = plan.active
    return {
        "dryRun": True,
        "infrastructureId": spec.infrastructure_id,
        "revision": plan.revision,
        "newVmss": plan.new_name,
        "liveVmss": live.name if live else None,
        "liveCapacity": live.capacity if live else None,
        "capacity": {**plan.capacity.to_json(), "from": capacity_origins(plan.capacity_origin)},
        "upgradeTarget": plan.upgrade_target,
        "retention": {"scaleToZero": list(plan.retention.scale_to_zero), "delete": list(plan.retention.delete),
                      "keep": list(plan.retention.keep)},
        "autoscale": carried,
        "members": [{"name": m.name, "revision": m.revision, "capacity": m.capacity} for m in plan.members],
        "skip": plan.skip,
        "warnings": list(warnings),
    }
