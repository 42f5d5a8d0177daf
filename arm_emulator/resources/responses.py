"""Thin handlers for resource groups."""

from __future__ import annotations

from ..core.http import Context, Response
from ..core.resource import check_top_level
from .exceptions import LocationRequired, ResourceGroupNotFound

GROUP_KEYS = {"id", "name", "type", "location", "tags", "properties", "managedBy"}

DELETE_SECONDS = 30.0


def put_group(ctx: Context) -> Response:
    body = ctx.json()
    check_top_level(body, GROUP_KEYS, "ResourceGroup")
    if not body.get("location"):
        raise LocationRequired()
    group, created = ctx.emulator.resources.put(
        ctx.params["subscriptionId"], ctx.params["resourceGroupName"], body["location"],
        dict(body.get("tags") or {}), body.get("managedBy"))
    return Response(201 if created else 200, group.to_json())


def get_group(ctx: Context) -> Response:
    group = ctx.emulator.resources.get(ctx.params["subscriptionId"], ctx.params["resourceGroupName"])
    return Response(200, group.to_json())


def head_group(ctx: Context) -> Response:
    try:
        ctx.emulator.resources.get(ctx.params["subscriptionId"], ctx.params["resourceGroupName"])
    except ResourceGroupNotFound:
        return Response(404)
    return Response(204)


def list_groups(ctx: Context) -> Response:
    groups = ctx.emulator.resources.list(ctx.params["subscriptionId"])
    return Response(200, {"value": [g.to_json() for g in groups]})


def delete_group(ctx: Context) -> Response:
    sub, name = ctx.params["subscriptionId"], ctx.params["resourceGroupName"]
    backend = ctx.emulator.resources
    group = backend.groups.get((sub, name))
    if group is None:
        raise ResourceGroupNotFound(name)
    group.deleting = True

    def done(at: float):
        backend.delete_now(sub, name)

    def failed(at: float, error: dict):
        group.deleting = False

    op = ctx.emulator.lro.start(ctx, subscription=sub, provider="Microsoft.Resources", location=group.location,
                                duration=DELETE_SECONDS, on_done=done, on_failed=failed)
    return Response(202, None, ctx.emulator.lro.headers(ctx, op, location=True))
