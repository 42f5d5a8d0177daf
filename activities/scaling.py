"""Sizes and autoscale: resize, poll instances, clear/attach autoscale, retire."""

from __future__ import annotations

from activities.blueprint import bp
from activities.operations import pending
from activities.runtime import clients, follows_operations, log
from activities.setup import _clear_autoscale
from domain.contracts import (
    RATE_LIMIT_KEY,
    AutoscaleInput,
    ClearAutoscaleInput,
    InstanceCountsInput,
    ResizeInput,
    RetireScaleSetInput,
)
from domain.model import AutoscaleSnapshot, ScaleSetSummary
from domain.tags import BG_VERSION, BLUE, GREEN, with_bg_version
from gateway import autoscale, compute


@bp.activity_trigger(input_name="payload")
def clear_autoscale(payload: dict) -> dict | None:
    """Delete the autoscale setting targeting the scale set; returns it so it can be restored."""
    ref = ClearAutoscaleInput.from_json(payload)
    return _clear_autoscale(ref.deployment_id, ref.subscription_id, ref.resource_group, ref.name)


@bp.activity_trigger(input_name="payload")
def resize_scale_set(payload: dict) -> dict:
    """Set the capacity; returns the scale set with `previous_capacity`, what it had before this call."""
    request = ResizeInput.from_json(payload)
    c = clients()
    current = (ScaleSetSummary.from_json(request.known) if request.known is not None
               else compute.get_scale_set(c, request.subscription_id, request.resource_group, request.name))
    if current is None:
        raise LookupError(f"Virtual Machine Scale Set [{request.name}] was not found")
    if compute.capacity_holds(current, request.capacity):
        if request.downsizing_old:
            log(request.deployment_id, _downscaled(request))
        return {**current.to_json(), "previous_capacity": current.capacity}
    log(request.deployment_id,
        f"Setting capacity of Virtual Machine Scale Set: [{request.name}] from [{current.capacity}] "
        f"to [{request.capacity}] instances")
    if follows_operations():
        # Version 4: scale-out and scale-in alike are operations the orchestrator follows; its answer
        # once the operation succeeded is the one given here.
        begun = compute.set_capacity(c, request.subscription_id, request.resource_group, request.name,
                                     request.capacity, current=current, start_only=True)
        if request.downsizing_old:
            log(request.deployment_id, _downscaled(request))
        result = {**begun.value.to_json(), "previous_capacity": current.capacity}
        if begun.operation is None:
            return result
        return pending(begun.operation, f"the capacity change of [{request.name}] to [{request.capacity}]",
                       result=result)
    # A scale-out is not waited for here: instances take minutes, and the orchestration follows them
    # with durable timers (an activity never sleeps through them). A scale-in is short: wait for it.
    growing = request.capacity > current.capacity
    resized = compute.set_capacity(c, request.subscription_id, request.resource_group, request.name,
                                   request.capacity, wait=not growing, current=current)
    if request.downsizing_old:
        log(request.deployment_id, _downscaled(request))
    return {**resized.to_json(), "previous_capacity": current.capacity}


def _downscaled(request: ResizeInput) -> str:
    return f"Downscaled old Virtual Machine Scale Set: [{request.name}] to [{request.capacity}] instances"


@bp.activity_trigger(input_name="payload")
def read_instance_counts(payload: dict) -> dict:
    """The counts, and `rate_limit_remaining`: what Compute said is left of the scale set's read budget
    ({policy: requests left}), which the steady-state wait (version 3) paces its polls by."""
    ref = InstanceCountsInput.from_json(payload)
    poll = compute.poll_instances(clients(), ref.subscription_id, ref.resource_group, ref.name)
    counts = poll.counts
    log(ref.deployment_id,
        f"Virtual Machine Scale Set: [{ref.name}] has [{counts.total}] instances: [{counts.provisioned}] provisioned, "
        + (f"[{counts.healthy}] healthy of [{counts.health_reported}] reporting health, " if counts.health_reported
           else "health not monitored (no instance reports vmHealth), ")
        + f"[{counts.failed}] failed, [{counts.latest_model}] on the latest model")
    return {**counts.to_json(), RATE_LIMIT_KEY: poll.rate_limit_remaining}


@bp.activity_trigger(input_name="payload")
def put_autoscale(payload: dict) -> dict:
    request = AutoscaleInput.from_json(payload)
    setting = AutoscaleSnapshot.from_json(request.setting)
    log(request.deployment_id,
        f"Attaching autoscale setting [{setting.name}] to [{setting.target_resource_id.rsplit('/', 1)[-1]}]")
    return autoscale.put_autoscale(clients(), request.subscription_id, request.resource_group, setting).to_json()


@bp.activity_trigger(input_name="payload")
def retire_scale_set(payload: dict) -> bool:
    """Rollback's end for the new scale set: out of every backend pool, scaled to 0, deleted.

    Tolerates a scale set that was never (fully) created, so rollback works from any point.
    """

    ref = RetireScaleSetInput.from_json(payload)
    if follows_operations():
        return _retire_following(ref)
    c = clients()
    sub, rg = ref.subscription_id, ref.resource_group
    current = compute.get_scale_set(c, sub, rg, ref.name)
    _clear_autoscale(ref.deployment_id, sub, rg, ref.name)
    if current is None:
        log(ref.deployment_id, f"Virtual Machine Scale Set: [{ref.name}] does not exist, nothing to remove")
        return False
    if current.pool_ids:
        log(ref.deployment_id,
                  f"Sending request to detach virtual machine scale set:[{ref.name}] from every backend pool")
        # GREEN: should its deletion fail, a retired scale set must not pass for the one serving prod.
        compute.update_pools_and_tags(c, sub, rg, ref.name, remove_pool_ids=list(current.pool_ids), add_pool_ids=[],
                                      tags=with_bg_version(current.tags, GREEN))
        compute.manual_upgrade(c, sub, rg, ref.name)
    if current.capacity:
        log(ref.deployment_id, f"Setting capacity of Virtual Machine Scale Set: [{ref.name}] to [0] instances")
        compute.set_capacity(c, sub, rg, ref.name, 0)
    compute.delete_scale_set(c, sub, rg, ref.name)
    log(ref.deployment_id, f"Deleted Virtual Machine Scale Set: [{ref.name}]")
    return True


def _retire_following(ref: RetireScaleSetInput) -> bool | dict:
    """Version 4: operations the orchestrator follows, each call checking what holds first. A scale set
    tagged BLUE (it went into prod: routing to prod tags it in the same PATCH) first leaves every pool, is
    tagged GREEN (should its deletion fail, it must not pass for the one serving prod) and scaled to 0, in
    one PATCH: its instances go with it, so no upgrade is needed to take them out of the pools. Then the
    deletion, which alone takes a scale set that never served prod out of the stage pool: the model of a
    scale set whose writes keep failing need not be updated for it to go (should the deletion fail too, the
    next deployment's Setup releases it from the stage pool)."""
    c = clients()
    sub, rg, name = ref.subscription_id, ref.resource_group, ref.name
    model = compute.read_model(c, sub, rg, name)
    _clear_autoscale(ref.deployment_id, sub, rg, name)
    if model is None:
        log(ref.deployment_id, f"Virtual Machine Scale Set: [{name}] does not exist, nothing to remove")
        return False
    current = compute.summarize(model)
    if current.provisioning_state.lower() == "deleting":
        return pending(None, f"the deletion of [{name}]")
    leave = compute.update_pools_and_tags(c, sub, rg, name, remove_pool_ids=list(current.pool_ids), add_pool_ids=[],
                                          tags=with_bg_version(current.tags, GREEN), model=model, capacity=0,
                                          start_only=True) if current.tags.get(BG_VERSION) == BLUE else None
    if leave is not None and leave.value is not None:
        lines = []
        if current.pool_ids:
            lines.append(f"Sending request to detach virtual machine scale set:[{name}] from every backend pool")
        if current.capacity:
            lines.append(f"Setting capacity of Virtual Machine Scale Set: [{name}] to [0] instances")
        log(ref.deployment_id, *lines)
        if leave.operation is not None:
            return pending(leave.operation, f"the removal of [{name}] from its pools and its scale-in to [0]")
    deletion = compute.delete_scale_set(c, sub, rg, name, known_present=True, start_only=True)
    log(ref.deployment_id, f"Deleted Virtual Machine Scale Set: [{name}]")
    if deletion.operation is not None:
        return pending(deletion.operation, f"the deletion of [{name}]", result=True)
    return True
