"""Thin handlers for autoscale settings (synchronous, like the real service)."""

from __future__ import annotations

from ..core.http import Context, Response


def _p(ctx: Context) -> tuple[str, str]:
    return ctx.params["subscriptionId"], ctx.params["resourceGroupName"]


def put_setting(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    s, created = ctx.emulator.insights.put(sub, rg, ctx.params["autoscaleSettingName"], ctx.json())
    return Response(201 if created else 200, s.to_json())


def patch_setting(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    s = ctx.emulator.insights.patch(sub, rg, ctx.params["autoscaleSettingName"], ctx.json())
    return Response(200, s.to_json())


def get_setting(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    return Response(200, ctx.emulator.insights.get(sub, rg, ctx.params["autoscaleSettingName"]).to_json())


def list_settings(ctx: Context) -> Response:
    items = ctx.emulator.insights.list(ctx.params["subscriptionId"], ctx.params.get("resourceGroupName"))
    return Response(200, {"value": [s.to_json() for s in items]})


def delete_setting(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    existed = ctx.emulator.insights.delete(sub, rg, ctx.params["autoscaleSettingName"])
    return Response(200 if existed else 204)
