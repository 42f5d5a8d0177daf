"""Thin handlers for load balancers and backend pools."""

from __future__ import annotations

import copy

from ..core.http import Context, Response
from ..core.resource import check_properties_keys, check_top_level, etag, norm_id
from .exceptions import InUsePool, ResourceNotFound
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


def put_pool(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.network
    lb = backend.get(sub, rg, ctx.params["loadBalancerName"])
    name = ctx.params["backendAddressPoolName"]
    body = ctx.json()
    check_top_level(body, {"id", "name", "type", "etag", "properties"}, "BackendAddressPool")
    check_properties_keys(body.get("properties"), "BackendAddressPool")
    pool = {"name": name, "properties": copy.deepcopy(body.get("properties") or {})}
    pools = lb.body.setdefault("properties", {}).setdefault("backendAddressPools", [])
    existing = [i for i, p in enumerate(pools) if p["name"].lower() == name.lower()]
    if existing:
        pool["name"] = pools[existing[0]]["name"]
        pools[existing[0]] = pool
    else:
        pools.append(pool)
    lb.etag = etag()
    op = _settle(ctx, lb)
    return Response(200 if existing else 201, backend.pool_json(lb, pool),
                    ctx.emulator.lro.headers(ctx, op, location=False))


def delete_pool(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.network
    lb = backend.get(sub, rg, ctx.params["loadBalancerName"])
    name = ctx.params["backendAddressPoolName"]
    pools = lb.pools()
    match = [p for p in pools if p["name"].lower() == name.lower()]
    if not match:
        return Response(204)
    pid = f"{lb.id}/backendAddressPools/{match[0]['name']}"
    members = ctx.emulator.compute.pool_members().get(norm_id(pid))
    if members:
        raise InUsePool(pid, members[0][1])
    pools.remove(match[0])
    lb.etag = etag()
    return Response(202, None, ctx.emulator.lro.headers(ctx, _settle(ctx, lb), location=True))


def _settle(ctx: Context, lb):
    lb.provisioning_state = "Updating"

    def done(at: float):
        lb.provisioning_state = "Succeeded"

    def failed(at: float, error: dict):
        lb.provisioning_state = "Failed"

    return ctx.emulator.lro.start(ctx, subscription=lb.subscription, provider="Microsoft.Network",
                                  location=lb.body["location"], duration=LB_SECONDS, on_done=done, on_failed=failed)


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
