"""Setup: read and check the target, read the lineage, apply retention, create the new scale set."""

from __future__ import annotations

from activities.blueprint import bp
from activities.operations import pending
from activities.runtime import clients, follows_operations, log
from domain.capacity import sizing_note
from domain.contracts import (
    CreateScaleSetInput,
    ImageRef,
    LineageInput,
    ReleaseOrphansInput,
    RetentionInput,
    ValidateTargetInput,
)
from domain.lineage import active_member, lineage_members
from domain.model import ScaleSetSummary
from domain.resource_ids import same_resource, scale_set_id
from domain.spec import parse_spec
from gateway import autoscale, compute, gallery, validation
from gateway.clients import AzureClients


class TargetInvalid(Exception):
    """The target named in the spec is not there: nothing was created."""


@bp.activity_trigger(input_name="payload")
def validate_target(payload: dict) -> dict:
    request = ValidateTargetInput.from_json(payload)
    spec = parse_spec(request.spec)
    c = clients()
    target = validation.read_target(c, spec, with_scale_sets=request.read_lineage)
    check, inspection, image, problems = target.check, target.inspection, target.image, target.problems
    if problems:
        log(request.deployment_id, *[f"Validation failed: {p}" for p in problems])
        raise TargetInvalid("; ".join(problems))
    log(request.deployment_id,
        f"Validated target: load balancer [{spec.load_balancer}] with prod backend pool [{spec.prod_backend_pool}] "
        f"and stage backend pool [{spec.stage_backend_pool}], base VMSS [{spec.base_vmss}], image [{spec.image}]")
    if inspection.health_monitoring is None:
        log(request.deployment_id,
            f"Instance health of base VMSS [{spec.base_vmss}] is not monitored (no Application Health extension, "
            f"no load balancer health probe): steady state is judged on provisioning alone")
    answer = {
        "prod_pool_id": check.prod_pool_id,
        "stage_pool_id": check.stage_pool_id,
        "base": inspection.summary.to_json(),
        "image": image.to_json(),
        "health_monitored": inspection.health_monitoring is not None,
    }
    if request.read_lineage and target.scale_sets is not None:
        # The list the base was read from holds the lineage too: Setup needs no second read of it.
        answer["lineage"] = _lineage(c, request.deployment_id, spec.subscription_id, spec.resource_group,
                                     spec.infrastructure_id, check.prod_pool_id, target.scale_sets)
    return answer


@bp.activity_trigger(input_name="payload")
def check_image_version(payload: dict) -> dict | None:
    request = ImageRef.from_json(payload)
    image = gallery.get_image_version(clients(), request.image_version_id)
    return image.to_json() if image else None


@bp.activity_trigger(input_name="payload")
def inspect_lineage(payload: dict) -> dict:
    request = LineageInput.from_json(payload)
    c = clients()
    scale_sets = compute.list_scale_sets(c, request.subscription_id, request.resource_group)
    return _lineage(c, request.deployment_id, request.subscription_id, request.resource_group,
                    request.infrastructure_id, request.prod_pool_id, scale_sets)


def _lineage(c: AzureClients, deployment_id: str, sub: str, rg: str, infrastructure_id: str,
             prod_pool_id: str | None, scale_sets: list[ScaleSetSummary]) -> dict:
    """The lineage in the resource group's scale sets, its active member and that one's autoscale setting."""
    members = lineage_members(scale_sets, infrastructure_id)
    active = active_member(members, prod_pool_id)
    setting = None
    if active is not None:
        # Only an enabled setting sizes anything (CONTRACT §4); it may live in another resource group.
        setting = autoscale.find_autoscale(c, sub, rg, active.summary.id, enabled_only=True)
        note = sizing_note(active.summary, setting)
        if note:
            log(deployment_id, note)
    names = ", ".join(f"{m.summary.name} (capacity {m.summary.capacity})" for m in members) or "none"
    log(deployment_id,
        f"Found {len(members)} Virtual Machine Scale Set(s) for infrastructure [{infrastructure_id}]: {names}",
        f"Active Virtual Machine Scale Set: [{active.summary.name}]" if active else
        "No active Virtual Machine Scale Set was found")
    return {
        "members": [m.summary.to_json() for m in members],
        "active": active.summary.name if active else None,
        "active_autoscale": setting.to_json() if setting else None,
        # Every scale set name in the resource group, lineage or not: the new name must be free.
        "names": sorted(s.name for s in scale_sets),
    }


@bp.activity_trigger(input_name="payload")
def apply_retention(payload: dict) -> dict:
    request = RetentionInput.from_json(payload)
    if follows_operations():
        return _retention_following(request)
    c = clients()
    sub, rg = request.subscription_id, request.resource_group
    for name in request.scale_to_zero:
        _clear_autoscale(request.deployment_id, sub, rg, name)
        compute.set_capacity(c, sub, rg, name, 0)
        log(request.deployment_id, f"Downsizing inactive Virtual Machine Scale Set: [{name}] to [0] instances")
    for name in request.delete:
        _clear_autoscale(request.deployment_id, sub, rg, name)
        deleted = compute.delete_scale_set(c, sub, rg, name)
        log(request.deployment_id, f"Deleting old Virtual Machine Scale Set: [{name}]" if deleted else
            f"Old Virtual Machine Scale Set [{name}] was already deleted")
    return {"scaled_to_zero": request.scale_to_zero, "deleted": request.delete}


def _retention_following(request: RetentionInput) -> dict:
    """Version 4: each scale-in and each deletion is an operation the orchestrator follows; each call
    skips what holds already (at 0, or gone) and starts the next one."""
    c = clients()
    sub, rg = request.subscription_id, request.resource_group
    for name in request.scale_to_zero:
        current = compute.get_scale_set(c, sub, rg, name)
        if current is None or compute.capacity_holds(current, 0):
            continue
        _clear_autoscale(request.deployment_id, sub, rg, name)
        begun = compute.set_capacity(c, sub, rg, name, 0, current=current, start_only=True)
        log(request.deployment_id, f"Downsizing inactive Virtual Machine Scale Set: [{name}] to [0] instances")
        if begun.operation is not None:
            return pending(begun.operation, f"the scale-in of [{name}] to [0]")
    for name in request.delete:
        current = compute.get_scale_set(c, sub, rg, name)
        if current is None:
            continue
        if current.provisioning_state.lower() == "deleting":
            return pending(None, f"the deletion of [{name}]")
        _clear_autoscale(request.deployment_id, sub, rg, name)
        begun = compute.delete_scale_set(c, sub, rg, name, known_present=True, start_only=True)
        log(request.deployment_id, f"Deleting old Virtual Machine Scale Set: [{name}]")
        if begun.operation is not None:
            return pending(begun.operation, f"the deletion of [{name}]")
    return {"scaled_to_zero": request.scale_to_zero, "deleted": request.delete}


@bp.activity_trigger(input_name="payload")
def release_stage_orphans(payload: dict) -> list[str]:
    """Take each named scale set (left in the stage pool by a deployment that died) out of the stage
    pool and scale it to 0, its autoscale cleared; idempotent. Returns the names released."""
    request = ReleaseOrphansInput.from_json(payload)
    if follows_operations():
        return _release_following(request)
    c = clients()
    sub, rg = request.subscription_id, request.resource_group
    released = []
    for name in request.names:
        current = compute.get_scale_set(c, sub, rg, name)
        if current is None:
            continue
        _start_releasing(request, name)
        if compute.update_pools_and_tags(c, sub, rg, name, remove_pool_ids=[request.stage_pool_id]):
            compute.manual_upgrade(c, sub, rg, name)
        compute.set_capacity(c, sub, rg, name, 0)
        released.append(name)
    return released


def _start_releasing(request: ReleaseOrphansInput, name: str) -> None:
    log(request.deployment_id,
        f"Virtual Machine Scale Set [{name}] was left in the stage backend pool by a deployment that did not "
        f"finish: taking it out of the stage pool and scaling it to [0] instances")
    _clear_autoscale(request.deployment_id, request.subscription_id, request.resource_group, name)


def _release_following(request: ReleaseOrphansInput) -> list[str] | dict:
    """Version 4: one PATCH per orphan takes it out of the stage pool and scales it to 0 (its instances go
    with it: no upgrade needed), an operation the orchestrator follows; each call skips the orphans already
    released."""
    c = clients()
    sub, rg = request.subscription_id, request.resource_group
    released = []
    for name in request.names:
        model = compute.read_model(c, sub, rg, name)
        if model is None:
            continue
        current = compute.summarize(model)
        staged = any(same_resource(pool, request.stage_pool_id) for pool in current.pool_ids)
        if not staged and compute.capacity_holds(current, 0):
            released.append(name)
            continue
        _start_releasing(request, name)
        begun = compute.update_pools_and_tags(c, sub, rg, name, remove_pool_ids=[request.stage_pool_id], model=model,
                                              capacity=0, start_only=True)
        if begun.operation is not None:
            return pending(begun.operation, f"the release of [{name}] from the stage pool")
        released.append(name)
    return released


def _clear_autoscale(deployment_id: str, sub: str, rg: str, name: str) -> dict | None:
    c = clients()
    setting = autoscale.find_autoscale(c, sub, rg, scale_set_id(sub, rg, name))
    if setting is None:
        return None
    autoscale.delete_autoscale(c, sub, autoscale.setting_resource_group(setting, rg), setting.name)
    log(deployment_id, f"Clearing autoscale setting [{setting.name}] of Virtual Machine Scale Set: [{name}]")
    return setting.to_json()


@bp.activity_trigger(input_name="payload")
def create_scale_set(payload: dict) -> dict:
    request = CreateScaleSetInput.from_json(payload)
    if follows_operations():
        return _create_following(request)
    c = clients()
    sub, rg = request.subscription_id, request.resource_group
    existing = compute.get_scale_set(c, sub, rg, request.name)
    if existing is not None and existing.provisioning_state.lower() == "failed":
        # An earlier try's creation ended Failed (a re-run after a failed or crashed try): adopting it
        # would carry on with a scale set Azure never finished, and make every retry "succeed". Start over.
        log(request.deployment_id,
            f"Virtual Machine Scale Set [{request.name}] exists in provisioning state Failed; deleting it to "
            f"create it again")
        compute.delete_scale_set(c, sub, rg, request.name)
        existing = None
    if existing is not None:
        log(request.deployment_id, f"Virtual Machine Scale Set [{request.name}] already exists, reusing it")
        return existing.to_json()
    _log_creating(request)
    created = compute.create_scale_set_from_base(
        c, request.subscription_id, request.resource_group, request.base_name, request.name, request.image_id,
        request.tags, request.stage_pool_id, user_data=request.user_data,
        admin_password_secret_id=request.admin_password_secret_id,
    )
    log(request.deployment_id, f"New Virtual Machine Scale Set: [{request.name}] created successfully")
    return created.to_json()


def _log_creating(request: CreateScaleSetInput) -> None:
    log(request.deployment_id,
        f"Creating new Virtual Machine Scale Set: [{request.name}] from base [{request.base_name}] "
        f"with image [{request.image_id}]",
        f"Attaching new Virtual Machine Scale Set: [{request.name}] to stage backend pool:[{request.stage_pool_name}]")


# Provisioning states of a scale set whose own operation still runs: a create re-run waits for it.
_STILL_RUNNING = ("creating", "updating", "deleting")


def _create_following(request: CreateScaleSetInput) -> dict:
    """Version 4: the creation (and the deletion of a Failed earlier try) are operations the orchestrator
    follows. A call that finds the scale set still being created (a re-run after a crash: the operation
    is not known here) never fails and never PUTs over it: it answers a pending marker without an
    operation, and the orchestrator calls again a poll interval later, until it is Succeeded."""
    c = clients()
    sub, rg, name = request.subscription_id, request.resource_group, request.name
    existing = compute.get_scale_set(c, sub, rg, name)
    if existing is not None and existing.provisioning_state.lower() in _STILL_RUNNING:
        log(request.deployment_id, f"Virtual Machine Scale Set [{name}] is still in provisioning state "
                                   f"{existing.provisioning_state}; waiting for it")
        return pending(None, f"the {existing.provisioning_state.lower()} of [{name}]")
    if existing is not None and existing.provisioning_state.lower() == "failed":
        log(request.deployment_id,
            f"Virtual Machine Scale Set [{name}] exists in provisioning state Failed; deleting it to create it again")
        deletion = compute.delete_scale_set(c, sub, rg, name, known_present=True, start_only=True)
        if deletion.operation is not None:
            return pending(deletion.operation, f"the deletion of the failed [{name}]")
        existing = None
    if existing is not None:
        log(request.deployment_id, f"Virtual Machine Scale Set [{name}] already exists, reusing it")
        return existing.to_json()
    _log_creating(request)
    begun = compute.create_scale_set_from_base(
        c, sub, rg, request.base_name, name, request.image_id, request.tags, request.stage_pool_id,
        user_data=request.user_data, admin_password_secret_id=request.admin_password_secret_id,
        known_absent=True, start_only=True)
    if begun.operation is None:
        return begun.value.to_json()
    return pending(begun.operation, f"the creation of [{name}]", result=begun.value.to_json())
