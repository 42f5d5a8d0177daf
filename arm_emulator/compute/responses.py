"""Thin handlers for Microsoft.Compute: parse the request, call the backend, shape the answer."""

from __future__ import annotations

import copy

from ..core.errors import MissingRequiredProperty
from ..core.http import Context, Response
from ..core.resource import TRACKED_KEYS, arr, check_properties_keys, check_top_level, obj, typed
from ..resources.exceptions import LocationRequired
from .exceptions import InvalidParameter
from .galleries import Gallery, GalleryImage, ImageVersion, check_version_name

GALLERY_SECONDS = 5.0
IMAGE_VERSION_SECONDS = 10.0


def _p(ctx: Context) -> tuple[str, str]:
    return ctx.params["subscriptionId"], ctx.params["resourceGroupName"]


def _lro_answer(ctx: Context, status: int, body, op, *, location: bool) -> Response:
    return Response(status, body, ctx.emulator.lro.headers(ctx, op, location=location))


# ---------------------------------------------------------------------------- scale sets
def put_scale_set(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.compute
    ss, created, op = backend.put(ctx, sub, rg, ctx.params["vmScaleSetName"], ctx.json())
    return _lro_answer(ctx, 201 if created else 200, backend.scale_set_json(ss), op, location=False)


def patch_scale_set(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.compute
    ss, op = backend.patch(ctx, sub, rg, ctx.params["vmScaleSetName"], ctx.json())
    return _lro_answer(ctx, 200, backend.scale_set_json(ss), op, location=False)


def get_scale_set(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.compute
    expand = "userdata" in (ctx.q("$expand") or "").lower()
    return Response(200, backend.scale_set_json(backend.get(sub, rg, ctx.params["vmScaleSetName"]), expand))


def list_scale_sets(ctx: Context) -> Response:
    sub = ctx.params["subscriptionId"]
    backend = ctx.emulator.compute
    items = backend.list(sub, ctx.params.get("resourceGroupName"))
    return Response(200, {"value": [backend.scale_set_json(s) for s in items]})


def delete_scale_set(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    op = ctx.emulator.compute.delete(ctx, sub, rg, ctx.params["vmScaleSetName"])
    if op is None:
        return Response(204)
    return _lro_answer(ctx, 202, None, op, location=True)


def _required_instance_ids(ctx: Context) -> list:
    body = ctx.json()
    check_top_level(body, {"instanceIds"}, "VirtualMachineScaleSetVMInstanceRequiredIDs")
    ids = body.get("instanceIds")
    if not isinstance(ids, list) or not ids:
        raise MissingRequiredProperty("instanceIds")
    return ids


def manual_upgrade(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.compute
    ss = backend.get(sub, rg, ctx.params["vmScaleSetName"])
    ids = _required_instance_ids(ctx)
    op = backend.manual_upgrade(ctx, ss, ids)
    return _lro_answer(ctx, 202, None, op, location=True)


def delete_instances(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.compute
    ss = backend.get(sub, rg, ctx.params["vmScaleSetName"])
    ids = _required_instance_ids(ctx)
    return _lro_answer(ctx, 202, None, backend.delete_instances(ctx, ss, ids), location=True)


def delete_vm(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.compute
    ss = backend.get(sub, rg, ctx.params["vmScaleSetName"])
    inst = ss.instances.get(ctx.params["instanceId"])
    if inst is None or inst.provisioning_state == "Deleting":
        return Response(204)
    return _lro_answer(ctx, 202, None, backend.delete_instances(ctx, ss, [inst.instance_id]), location=True)


def scale_set_instance_view(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.compute
    return Response(200, backend.scale_set_instance_view(backend.get(sub, rg, ctx.params["vmScaleSetName"])))


# ---------------------------------------------------------------------------- scale-set VMs
def _expand_instance_view(ctx: Context) -> bool:
    return "instanceview" in (ctx.q("$expand") or "").lower()


def _expand_user_data(ctx: Context) -> bool:
    return "userdata" in (ctx.q("$expand") or "").lower()


def list_vms(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.compute
    ss = backend.get(sub, rg, ctx.params["vmScaleSetName"])
    expand = _expand_instance_view(ctx)
    vms = [backend.vm_json(ss, i, expand, _expand_user_data(ctx))
           for i in sorted(ss.instances.values(), key=lambda i: i.index)]
    return Response(200, {"value": vms})


def get_vm(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.compute
    ss = backend.get(sub, rg, ctx.params["vmScaleSetName"])
    inst = backend.instance(ss, ctx.params["instanceId"])
    return Response(200, backend.vm_json(ss, inst, _expand_instance_view(ctx), _expand_user_data(ctx)))


def vm_instance_view(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    backend = ctx.emulator.compute
    ss = backend.get(sub, rg, ctx.params["vmScaleSetName"])
    inst = backend.instance(ss, ctx.params["instanceId"])
    return Response(200, backend.vm_instance_view(ss, inst))


# ---------------------------------------------------------------------------- galleries
GALLERY_KEYS = TRACKED_KEYS


def _clean(body: dict) -> dict:
    body = copy.deepcopy(body)
    for k in ("id", "name", "type", "etag", "systemData"):
        body.pop(k, None)
    props = body.get("properties")
    if isinstance(props, dict):
        props.pop("provisioningState", None)
        props.pop("replicationStatus", None)
    return body


def _check(body: dict, what: str) -> None:
    check_top_level(body, GALLERY_KEYS, what)
    if not body.get("location"):
        raise LocationRequired()
    check_properties_keys(body.get("properties"), what)
    props = body.get("properties") or {}
    typed(props.get("identifier"), dict, "identifier")
    for key in ("osType", "osState", "description"):
        typed(props.get(key), str, key)
    prof = obj(props.get("publishingProfile"), "publishingProfile")
    for region in arr(prof.get("targetRegions"), "targetRegions"):
        region = obj(region, "targetRegions[]")
        if not isinstance(region.get("name"), str):
            raise MissingRequiredProperty("targetRegions.name")
        typed(region.get("regionalReplicaCount"), int, "targetRegions.regionalReplicaCount")
        typed(region.get("storageAccountType"), str, "targetRegions.storageAccountType")
    typed(prof.get("replicaCount"), int, "replicaCount")
    typed(prof.get("storageAccountType"), str, "storageAccountType")
    typed(prof.get("excludeFromLatest"), bool, "excludeFromLatest")
    typed(props.get("storageProfile"), dict, "storageProfile")


def _finish_creating(ctx: Context, obj, sub: str, location: str, duration: float, created: bool):
    obj.provisioning_state = "Creating" if created else "Updating"

    def done(at: float):
        obj.provisioning_state = "Succeeded"

    def failed(at: float, error: dict):
        obj.provisioning_state = "Failed"

    return ctx.emulator.lro.start(ctx, subscription=sub, provider="Microsoft.Compute", location=location,
                                  duration=duration, on_done=done, on_failed=failed)


def put_gallery(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    store = ctx.emulator.compute.gallery
    group = ctx.emulator.resources.require(sub, rg)
    body = _clean(ctx.json())
    _check(body, "Gallery")
    name = ctx.params["galleryName"]
    g = store.galleries.get((sub, rg, name))
    created = g is None
    if created:
        g = Gallery(sub, group.name, name, body)
        store.galleries[(sub, rg, name)] = g
    else:
        g.body = body
    op = _finish_creating(ctx, g, sub, body["location"], GALLERY_SECONDS, created)
    return _lro_answer(ctx, 201 if created else 200, g.to_json(), op, location=False)


def get_gallery(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    ctx.emulator.resources.get(sub, rg)
    return Response(200, ctx.emulator.compute.gallery.gallery(sub, rg, ctx.params["galleryName"]).to_json())


def list_galleries(ctx: Context) -> Response:
    sub = ctx.params["subscriptionId"]
    rg = ctx.params.get("resourceGroupName")
    if rg:
        ctx.emulator.resources.require(sub, rg)
    items = [g for g in ctx.emulator.compute.gallery.galleries.values()
             if g.subscription.lower() == sub.lower() and (rg is None or g.rg.lower() == rg.lower())]
    return Response(200, {"value": [g.to_json() for g in items]})


def delete_gallery(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    store = ctx.emulator.compute.gallery
    g = store.galleries.get((sub, rg, ctx.params["galleryName"]))
    if g is None:
        return Response(204)
    if store.images_of(g):
        raise InvalidParameter(f"The gallery '{g.name}' cannot be deleted because it contains image "
                               f"definitions.", code="CannotDeleteResource", status=409)
    g.provisioning_state = "Deleting"
    op = ctx.emulator.lro.start(ctx, subscription=sub, provider="Microsoft.Compute", location=g.body["location"],
                                duration=GALLERY_SECONDS,
                                on_done=lambda at: store.galleries.pop((sub, rg, g.name), None) and None)
    return _lro_answer(ctx, 202, None, op, location=True)


def put_image(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    store = ctx.emulator.compute.gallery
    ctx.emulator.resources.require(sub, rg)
    body = _clean(ctx.json())
    _check(body, "GalleryImage")
    props = body.get("properties")
    if not isinstance(props, dict):
        raise MissingRequiredProperty("properties")
    for req in ("osType", "osState", "identifier"):
        if props.get(req) is None:
            raise MissingRequiredProperty(req)
    for req in ("publisher", "offer", "sku"):
        if not props["identifier"].get(req):
            raise MissingRequiredProperty(f"identifier.{req}")
        typed(props["identifier"][req], str, f"identifier.{req}")
    g = store.gallery(sub, rg, ctx.params["galleryName"])
    name = ctx.params["galleryImageName"]
    key = (sub, rg, g.name, name)
    img = store.images.get(key)
    created = img is None
    if created:
        img = GalleryImage(g, name, body)
        store.images[key] = img
    else:
        img.body = body
    op = _finish_creating(ctx, img, sub, body["location"], GALLERY_SECONDS, created)
    return _lro_answer(ctx, 201 if created else 200, img.to_json(), op, location=False)


def get_image(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    ctx.emulator.resources.get(sub, rg)
    store = ctx.emulator.compute.gallery
    return Response(200, store.image(sub, rg, ctx.params["galleryName"], ctx.params["galleryImageName"]).to_json())


def list_images(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    ctx.emulator.resources.get(sub, rg)
    store = ctx.emulator.compute.gallery
    g = store.gallery(sub, rg, ctx.params["galleryName"])
    return Response(200, {"value": [i.to_json() for i in store.images_of(g)]})


def delete_image(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    store = ctx.emulator.compute.gallery
    key = (sub, rg, ctx.params["galleryName"], ctx.params["galleryImageName"])
    img = store.images.get(key)
    if img is None:
        return Response(204)
    if store.versions_of(img):
        raise InvalidParameter(f"The gallery image '{img.name}' cannot be deleted because it contains image "
                               f"versions.", code="CannotDeleteResource", status=409)
    img.provisioning_state = "Deleting"
    op = ctx.emulator.lro.start(ctx, subscription=sub, provider="Microsoft.Compute",
                                location=img.body["location"], duration=GALLERY_SECONDS,
                                on_done=lambda at: store.images.pop(key, None) and None)
    return _lro_answer(ctx, 202, None, op, location=True)


def put_image_version(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    em = ctx.emulator
    store = em.compute.gallery
    em.resources.require(sub, rg)
    body = _clean(ctx.json())
    _check(body, "GalleryImageVersion")
    name = ctx.params["galleryImageVersionName"]
    check_version_name(name)
    img = store.image(sub, rg, ctx.params["galleryName"], ctx.params["galleryImageName"])
    key = (sub, rg, img.gallery.name, img.name, name)
    version = store.versions.get(key)
    created = version is None
    if created:
        version = ImageVersion(img, name, body, ctx.now)
        store.versions[key] = version
    else:
        version.body = body
    version.provisioning_state = "Creating" if created else "Updating"

    def done(at: float):
        version.provisioning_state = "Succeeded"
        em.eventgrid.image_version_written(version, at)

    def failed(at: float, error: dict):
        version.provisioning_state = "Failed"

    op = em.lro.start(ctx, subscription=sub, provider="Microsoft.Compute", location=body["location"],
                      duration=IMAGE_VERSION_SECONDS, on_done=done, on_failed=failed)
    return _lro_answer(ctx, 201 if created else 200, version.to_json(em.clock, ctx.now, False), op, location=False)


def _expand_replication(ctx: Context) -> bool:
    return "replicationstatus" in (ctx.q("$expand") or "").lower()


def get_image_version(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    em = ctx.emulator
    em.resources.get(sub, rg)
    v = em.compute.gallery.version(sub, rg, ctx.params["galleryName"], ctx.params["galleryImageName"],
                                   ctx.params["galleryImageVersionName"])
    return Response(200, v.to_json(em.clock, ctx.now, _expand_replication(ctx)))


def list_image_versions(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    em = ctx.emulator
    em.resources.get(sub, rg)
    store = em.compute.gallery
    img = store.image(sub, rg, ctx.params["galleryName"], ctx.params["galleryImageName"])
    expand = _expand_replication(ctx)
    return Response(200, {"value": [v.to_json(em.clock, ctx.now, expand) for v in store.versions_of(img)]})


def delete_image_version(ctx: Context) -> Response:
    sub, rg = _p(ctx)
    store = ctx.emulator.compute.gallery
    key = (sub, rg, ctx.params["galleryName"], ctx.params["galleryImageName"], ctx.params["galleryImageVersionName"])
    v = store.versions.get(key)
    if v is None:
        return Response(204)
    v.provisioning_state = "Deleting"
    op = ctx.emulator.lro.start(ctx, subscription=sub, provider="Microsoft.Compute", location=v.body["location"],
                                duration=IMAGE_VERSION_SECONDS,
                                on_done=lambda at: store.versions.pop(key, None) and None)
    return _lro_answer(ctx, 202, None, op, location=True)
