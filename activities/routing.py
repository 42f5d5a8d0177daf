"""Routing: move a scale set between backend pools (one model change, one manual upgrade)."""

from __future__ import annotations

from activities.blueprint import bp
from activities.operations import pending
from activities.runtime import clients, follows_operations, log
from domain.contracts import RouteInput
from domain.resource_ids import name_from_id, same_resource
from domain.tags import with_bg_version
from gateway import compute


def _pool_moves(request: RouteInput) -> list[str]:
    """Harness's wording, one line per pool left or joined."""

    def pool(pool_id: str) -> str:
        role = "prod" if same_resource(pool_id, request.prod_pool_id) else "stage"
        return f"{role} backend pool:[{name_from_id(pool_id)}]"

    return ([f"Sending request to detach virtual machine scale set:[{request.name}] from {pool(p)}"
             for p in request.remove_pool_ids]
            + [f"Sending request to attach virtual machine scale set:[{request.name}] to {pool(p)}"
               for p in request.add_pool_ids])


def _routed(request: RouteInput, changed: bool, upgraded: int) -> list[str]:
    lines = [f"Tagging VMSS: [{request.name}] as [{request.bg_version}] deployment"] if request.bg_version else []
    lines.append(
        f"Updated model of Virtual Machine Scale Set: [{request.name}] and upgraded [{upgraded}] instance(s)"
        if changed or upgraded else f"Virtual Machine Scale Set: [{request.name}] already routed as requested")
    return lines


@bp.activity_trigger(input_name="payload")
def route_scale_set(payload: dict) -> dict:
    request = RouteInput.from_json(payload)
    if follows_operations():
        return _route_following(request)
    c = clients()
    sub, rg = request.subscription_id, request.resource_group
    current = compute.get_scale_set(c, sub, rg, request.name)
    if current is None:
        raise LookupError(f"Virtual Machine Scale Set [{request.name}] was not found")
    tags = with_bg_version(current.tags, request.bg_version) if request.bg_version else dict(current.tags)
    log(request.deployment_id, *_pool_moves(request))
    changed = compute.update_pools_and_tags(
        c, sub, rg, request.name, remove_pool_ids=request.remove_pool_ids, add_pool_ids=request.add_pool_ids,
        tags=tags,
    )
    # Pools are part of the model and reach instances only through an upgrade; tags are not. A tags-only
    # route upgrades nothing (instances may have a model change pending that is not ours to roll out).
    moves = bool(request.remove_pool_ids or request.add_pool_ids)
    upgraded = compute.manual_upgrade(c, sub, rg, request.name) if moves else 0
    log(request.deployment_id, *_routed(request, changed, upgraded))
    # Under Automatic or Rolling the pool change reaches the instances when Azure gets to them, after this
    # call (a re-run that finds the model routed already may still see them on their way): the orchestrator
    # follows them (orchestration version 4).
    return {"changed": changed, "upgraded": upgraded, "platform_upgrades": moves and current.platform_upgrades}


def _route_following(request: RouteInput) -> dict:
    """Version 4: the model update and the instances' upgrade are operations the orchestrator follows. The
    first call reads the scale set once and starts the model update (the PATCH's answer gives the upgrade
    policy, so the model is not read again); the next call (`upgrade_mode` set) upgrades the instances
    still on an older model; its answer is final once that upgrade succeeded."""
    c = clients()
    sub, rg, name = request.subscription_id, request.resource_group, request.name
    moves = bool(request.remove_pool_ids or request.add_pool_ids)
    if request.upgrade_mode is None:
        model = compute.read_model(c, sub, rg, name)
        if model is None:
            raise LookupError(f"Virtual Machine Scale Set [{name}] was not found")
        current = compute.summarize(model)
        tags = with_bg_version(current.tags, request.bg_version) if request.bg_version else dict(current.tags)
        update = compute.update_pools_and_tags(
            c, sub, rg, name, remove_pool_ids=request.remove_pool_ids, add_pool_ids=request.add_pool_ids,
            tags=tags, model=model, start_only=True)
        changed = update.value is not None
        mode = compute.upgrade_mode_of(update.value if changed else model)
        if changed:
            log(request.deployment_id, *_pool_moves(request))
        if update.operation is not None:
            return pending(update.operation, f"the model update of [{name}]", callAgainWith={"upgrade_mode": mode})
    else:
        changed, mode = True, request.upgrade_mode
    upgrade = compute.manual_upgrade(c, sub, rg, name, upgrade_mode=mode, start_only=True) if moves else None
    upgraded = upgrade.value if upgrade is not None else 0
    log(request.deployment_id, *_routed(request, changed, upgraded))
    # Under Automatic or Rolling the pool change reaches the instances when Azure gets to them, after this
    # call: the orchestrator follows them (orchestration version 4, `waits_platform_upgrades`).
    result = {"changed": changed, "upgraded": upgraded,
              "platform_upgrades": moves and mode.lower() in ("automatic", "rolling")}
    if upgrade is not None and upgrade.operation is not None:
        return pending(upgrade.operation, f"the upgrade of [{upgraded}] instance(s) of [{name}]", result=result)
    return result
