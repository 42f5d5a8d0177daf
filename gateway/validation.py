"""Target checks that need more than existence, run at validation before anything is written.

Each is something Azure would refuse (or silently get wrong) only later, after retention has already
scaled down or deleted scale sets: better a clear 'no' with nothing touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import ImageVersionSummary, LoadBalancerSummary, ScaleSetSummary
from domain.plan import TargetCheck, check_target
from domain.resource_ids import same_resource
from domain.spec import DeploymentSpec
from gateway import compute, gallery, network
from gateway.clients import AzureClients
from gateway.compute import BaseInspection


def target_problems(
    c: AzureClients,
    balancer: LoadBalancerSummary | None,
    pool_ids: dict[str, str],
    base: BaseInspection | None,
    image: ImageVersionSummary | None,
) -> list[str]:
    """Why the deployment cannot go ahead, given what validation already read (empty: it can).

    - A Basic SKU load balancer: its backend pools hold one scale set only (the new one could never
      join the stage pool beside the old one in prod), and Basic was retired on 2025-09-30.
    - Prod and stage pools on different load balancers (a swap moves a scale set between two pools
      of ONE load balancer; a health probe belongs to one).
    - A base health probe that is not on the deployment's load balancer: the copy would be monitored
      by a probe of another load balancer, which does not see its pools.
    - An image version never replicated to the scale set's region (`aggregatedState` Completed for
      other regions says nothing about this one).
    - An image definition of another OS type, or another Hyper-V generation, than the base's image.
    """
    problems: list[str] = []
    if balancer is not None:
        if (balancer.sku or "").lower() == "basic":
            problems.append(f"Load balancer [{balancer.name}] has SKU Basic: its backend pools can hold one "
                            f"scale set only, so blue/green needs a Standard load balancer (Basic was retired "
                            f"on 2025-09-30)")
        owners = {role: pool_id.lower().split("/backendaddresspools/")[0] for role, pool_id in pool_ids.items()}
        if len(set(owners.values())) > 1:
            problems.append("The prod and stage backend pools are on different load balancers")
        probe = base.health_probe_id if base is not None else None
        if probe and not any(same_resource(probe, p) for p in balancer.probe_ids):
            problems.append(f"The base scale set's health probe [{probe}] is not a probe of load balancer "
                            f"[{balancer.name}]: copies would be monitored by a probe that does not see "
                            f"the deployment's backend pools")
    if base is None or image is None:
        return problems
    location = base.summary.location
    if not image.targets_region(location):
        regions = ", ".join(sorted(image.region_states)) or "none"
        problems.append(f"Gallery image version [{image.name}] is not replicated to region [{location}] of "
                        f"the base scale set (its regions: {regions}); add the region to its target regions")
    problems += _image_compatibility_problems(c, base, image)
    return problems


def _image_compatibility_problems(c: AzureClients, base: BaseInspection, image: ImageVersionSummary) -> list[str]:
    if base.summary.image_id and gallery.same_definition(base.summary.image_id, image.id):
        # A new version of the base's own image definition: same OS type, same generation, nothing to read.
        return []
    new = gallery.get_image_definition(c, image.id)
    if new is None:
        return []
    problems = []
    base_definition = gallery.get_image_definition(c, base.summary.image_id) if base.summary.image_id else None
    base_os = (base_definition.os_type if base_definition is not None else None) or base.os_type
    if base_os and new.os_type and base_os.lower() != new.os_type.lower():
        problems.append(f"Gallery image [{new.name}] is a {new.os_type} image but the base scale set runs "
                        f"{base_os}: its model (OS profile, extensions) cannot run the new image")
    if base_definition is not None and new.hyper_v_generation and base_definition.hyper_v_generation and \
            new.hyper_v_generation.lower() != base_definition.hyper_v_generation.lower():
        problems.append(f"Gallery image [{new.name}] is Hyper-V generation {new.hyper_v_generation} but the base "
                        f"scale set's image [{base_definition.name}] is {base_definition.hyper_v_generation}: "
                        f"the VM size and security profile chosen for one generation do not boot the other")
    return problems


@dataclass(frozen=True)
class TargetReads:
    """What target validation read, and every reason the target cannot be deployed to (empty: it can).
    The `validate_target` activity and the dry run both read the target through `read_target`, so the
    plan refuses exactly what the deployment would."""

    balancer: LoadBalancerSummary | None
    inspection: BaseInspection | None
    image: ImageVersionSummary | None
    check: TargetCheck
    problems: list[str]
    # `read_target(..., with_scale_sets=True)`: every scale set of the resource group, lineage or not.
    scale_sets: list[ScaleSetSummary] | None = None


def read_target(c: AzureClients, spec: DeploymentSpec, *, with_scale_sets: bool = False) -> TargetReads:
    """One read of each resource validation needs. `with_scale_sets`: the base is read from one list of
    the resource group's scale sets instead of a GET, and the list is kept (`scale_sets`) for the
    lineage: as many requests as the GET alone."""
    sub, rg = spec.subscription_id, spec.resource_group
    balancer = network.get_load_balancer(c, sub, rg, spec.load_balancer)
    admin_password = spec.admin_password is not None
    scale_sets = None
    if with_scale_sets:
        models = compute.list_scale_set_models(c, sub, rg)
        base = next((m for m in models if str(m.name or "").lower() == spec.base_vmss.lower()), None)
        inspection = None if base is None else compute.inspection_of(base, admin_password=admin_password)
        scale_sets = [compute.summarize(m) for m in models]
    else:
        inspection = compute.inspect_base(c, sub, rg, spec.base_vmss, admin_password=admin_password)
    image = gallery.get_image_version(c, spec.image)
    check = check_target(spec, balancer, inspection.summary if inspection else None,
                         inspection.problems if inspection else [], image)
    pool_ids = {role: pool_id for role, pool_id in (("prod", check.prod_pool_id), ("stage", check.stage_pool_id))
                if pool_id}
    problems = check.problems + target_problems(c, balancer, pool_ids, inspection, image)
    return TargetReads(balancer, inspection, image, check, problems, scale_sets)
