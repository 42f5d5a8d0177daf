"""Thin handlers for load balancers and backend pools."""

from __future__ import annotations

from ..core.http import Context, Response
from .exceptions import ResourceNotFound
from .models import LB_SECONDS


def _p(ctx: Context) -> tuple[str, str]:
    return ctx.params["subscriptionId"], ctx.params["resourceGroupName"]


def put_lb(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.network
    lb, created = backend.put(sub, rg, ctx.params["loadBalancerName"], ctx.json())

    def done(at: float):
        lb.provisioning_state = "Succeeded"

    def failed(at: float, error: dict):
        lb.provisioning_state = "Failed"

    op = ctx.emulator.lro.start(ctx, subscription=sub, provider="Microsoft.Network", location=lb.body["location"],
                                duration=LB_SECONDS, on_done=done, on_failed=failed)
    return Response(201 if created else 200, backend.lb_json(lb),
                    ctx.emulator.lro.headers(ctx, op, location=False))


def get_lb(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.network
    return Response(200, backend.lb_json(backend.get(sub, rg, ctx.params["loadBalancerName"])))


def list_lbs(ctx: Context) -> Response:
    backend = ctx.emulator.network
    items = backend.list(ctx.params["subscriptionId"], ctx.params.get("resourceGroupName"))
    return Response(200, {"value": [backend.lb_json(lb) for lb in items]})


def delete_lb(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.network
    lb = backend.lbs.get((sub, rg, ctx.params["loadBalancerName"]))
    if lb is None:
        return Response(204)
    members = ctx.emulator.compute.pool_members()
    for pool in lb.pools():
        pid = f"{lb.id}/backendAddressPools/{pool['name']}"
        from ..core.resource import norm_id
        from .exceptions import InUsePool
        if members.get(norm_id(pid)):
            raise InUsePool(pid, members[norm_id(pid)][0][1])
    lb.provisioning_state = "Deleting"
    op = ctx.emulator.lro.start(ctx, subscription=sub, provider="Microsoft.Network", location=lb.body["location"],
                                duration=LB_SECONDS,
                                on_done=lambda at: backend.lbs.pop((sub, rg, lb.name), None) and None)
    return Response(202, None, ctx.emulator.lro.headers(ctx, op, location=True))


def _pool(lb, name: str) -> dict:
    for pool in lb.pools():
        if pool["name"].lower() == name.lower():
            return pool
    raise ResourceNotFound("Microsoft.Network/loadBalancers/backendAddressPools", f"{lb.name}/{name}", lb.rg)


def get_pool(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.network
    lb = backend.get(sub, rg, ctx.params["loadBalancerName"])
    return Response(200, backend.pool_json(lb, _pool(lb, ctx.params["backendAddressPoolName"])))


def list_pools(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.network
    lb = backend.get(sub, rg, ctx.params["loadBalancerName"])
    members = ctx.emulator.compute.pool_members()
    return Response(200, {"value": [backend.pool_json(lb, p, members) for p in lb.pools()]})
