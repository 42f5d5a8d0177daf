"""Conformance: every official ARM example in ../shared/arm-examples whose operation the emulator
serves is replayed through the real SDK (raw HTTPS where no SDK is installed), after creating its
prerequisites, and the answer must deserialise into the SDK model with the example response's key
fields where they are not server-generated.

The examples are read in place, never copied. Each example gets its own random subscription id
(substituted for the example's), so replays never collide with each other or with other tests.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import models as cm
from azure.mgmt.monitor import models as mm
from azure.mgmt.network import models as nm

from tests.arm_emulator.conftest import TOKEN, wait_until
from tests.support.arm import compute_client, monitor_client, network_client

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "arm-examples"

# operations the emulator serves (operationIds as the examples' README names them)
SERVED = {
    "ResourceGroups_CreateOrUpdate", "VirtualMachineScaleSets_CreateOrUpdate", "VirtualMachineScaleSets_Get",
    "VirtualMachineScaleSets_Update", "VirtualMachineScaleSets_UpdateInstances", "VirtualMachineScaleSets_Delete",
    "VirtualMachineScaleSets_GetInstanceView", "VirtualMachineScaleSets_List", "VirtualMachineScaleSetVMs_List",
    "VirtualMachineScaleSetVMs_GetInstanceView", "GalleryImageVersions_CreateOrUpdate", "GalleryImageVersions_Get",
    "GalleryImages_Get", "LoadBalancers_CreateOrUpdate", "LoadBalancers_Get", "LoadBalancerBackendAddressPools_Get",
    "LoadBalancerBackendAddressPools_List", "AutoscaleSettings_CreateOrUpdate", "AutoscaleSettings_Get",
    "AutoscaleSettings_ListByResourceGroup", "AutoscaleSettings_Delete",
}


def _operations() -> dict[str, str]:
    """Local path -> operationId, from the README table (the files do not all state it)."""
    readme = (EXAMPLES / "README.md").read_text()
    out = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].endswith(".json"):
            out[cells[0]] = re.split(r"[\s(*]", cells[1], maxsplit=1)[0]
    return out


def _example_params():
    if not EXAMPLES.is_dir():
        return [pytest.param(None, None, marks=pytest.mark.skip(
            reason=f"ARM examples folder {EXAMPLES} is absent (it lives beside the repository, in ../shared)"))]
    ops = _operations()
    params = []
    for path in sorted(EXAMPLES.glob("*/*.json")):
        rel = path.relative_to(EXAMPLES).as_posix()
        if rel.startswith("eventgrid/"):
            continue  # an Event Grid event, not a request/response example
        params.append(pytest.param(rel, ops.get(rel), id=rel))
    return params


# ----------------------------------------------------------------------------------- replay kit
class Replay:
    def __init__(self, rel: str, emulator, http):
        raw = (EXAMPLES / rel).read_text()
        original = json.loads(raw)["parameters"].get("subscriptionId")
        self.sub = str(uuid.uuid4())
        for placeholder in {original, "{subscriptionId}", "{subscription-id}"} - {None}:
            raw = raw.replace(f"/subscriptions/{placeholder}/", f"/subscriptions/{self.sub}/")
            raw = raw.replace(f'"{placeholder}"', f'"{self.sub}"')
        self.data = json.loads(raw)
        self.p = self.data["parameters"]
        self.responses = self.data["responses"]
        self.http = http
        self.compute = compute_client(emulator, self.sub)
        self.network = network_client(emulator, self.sub)
        self.monitor = monitor_client(emulator, self.sub)
        self.seen: list = []

    def hook(self, pipeline_response) -> None:
        self.seen.append(pipeline_response.http_response)

    def expected(self, *codes: str) -> dict:
        for code in codes or ("200", "201"):
            if code in self.responses and "body" in self.responses[code]:
                return self.responses[code]["body"]
        raise AssertionError(f"example has no body for {codes}")

    # prerequisites ---------------------------------------------------------------------------
    def group(self, name: str, location: str = "westus") -> None:
        r = self.http.put(f"/subscriptions/{self.sub}/resourcegroups/{name}?api-version=2025-04-01",
                          json={"location": location}, headers=TOKEN)
        assert r.status_code in (200, 201), r.text

    def refs(self, body) -> None:
        """Create whatever load-balancer pools and gallery images a body references."""
        text = json.dumps(body)
        pools: dict[tuple[str, str], set[str]] = {}
        for rg, lb, pool in re.findall(
                rf"/subscriptions/{self.sub}/resourceGroups/([^/\"]+)/providers/Microsoft\.Network/"
                rf"loadBalancers/([^/\"]+)/backendAddressPools/([^/\"]+)", text):
            pools.setdefault((rg, lb), set()).add(pool)
        for (rg, lb), names in pools.items():
            self.group(rg)
            self.network.load_balancers.begin_create_or_update(rg, lb, nm.LoadBalancer(
                location="westus", backend_address_pools=[nm.BackendAddressPool(name=n) for n in sorted(names)]
            )).result()
        for rg, gallery, image, version in re.findall(
                rf"/subscriptions/{self.sub}/resourceGroups/([^/\"]+)/providers/Microsoft\.Compute/galleries/"
                rf"([^/\"]+)/images/([^/\"]+)(?:/versions/([^/\"]+))?", text):
            self.gallery_image(rg, gallery, image)
            self.image_version(rg, gallery, image, version or "1.0.0", {"location": "westus"})

    def gallery_image(self, rg: str, gallery: str, image: str, body: dict | None = None,
                      location: str = "westus") -> None:
        self.group(rg)
        self.compute.galleries.begin_create_or_update(rg, gallery, {"location": location}).result()
        self.compute.gallery_images.begin_create_or_update(rg, gallery, image, body or {
            "location": location, "properties": {"osType": "Linux", "osState": "Generalized",
                                                 "identifier": {"publisher": "p", "offer": "o", "sku": image}}}).result()

    def image_version(self, rg, gallery, image, version, body) -> None:
        self.compute.gallery_image_versions.begin_create_or_update(rg, gallery, image, version, body).result()

    def scale_set(self, rg: str, name: str, capacity: int = 0, location: str = "westus",
                  body: dict | None = None) -> None:
        self.group(rg, location)
        body = body or {"location": location, "sku": {"name": "Standard_D1_v2", "tier": "Standard",
                                                     "capacity": capacity},
                        "properties": {"upgradePolicy": {"mode": "Manual"}, "virtualMachineProfile": {
                            "storageProfile": {"imageReference": {
                                "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                                "version": "latest"}},
                            "osProfile": {"computerNamePrefix": "vm", "adminUsername": "azureuser"}}}}
        self.refs(body)
        self.compute.virtual_machine_scale_sets.begin_create_or_update(rg, name, body).result()


def readable(body: dict) -> dict:
    """An example response turned into a request body: read-only fields dropped."""
    body = copy.deepcopy(body)
    for k in ("id", "name", "type", "etag"):
        body.pop(k, None)
    props = body.get("properties") or {}
    for k in ("provisioningState", "uniqueId", "timeCreated", "replicationStatus", "resourceGuid"):
        props.pop(k, None)
    return body


def dig(obj, path: str):
    """Value at a dotted path; `[]` maps over a list ("properties.backendAddressPools[].name")."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        items = (obj or {}).get(head[:-2]) or []
        return [dig(i, rest) if rest else i for i in items]
    value = (obj or {}).get(head) if isinstance(obj, dict) else None
    return dig(value, rest) if rest else value


def norm(value):
    if isinstance(value, str) and value.startswith("/"):
        return re.sub(r"/{2,}", "/", value).lower()
    if isinstance(value, list):
        return [norm(v) for v in value]
    return value


def present(expected: dict, *paths: str) -> list[str]:
    """The key fields this particular example shows."""
    return [p for p in paths if dig(expected, p) not in (None, [])]


def gallery_id(value: str) -> str:
    """Some gallery examples put a /locations/<region> segment before /galleries/ in ids."""
    return re.sub(r"/providers/microsoft\.compute/locations/[^/]+/galleries/", "/providers/microsoft.compute/galleries/",
                  norm(value))


def same(actual: dict, expected: dict, *paths: str) -> None:
    for path in paths:
        want = dig(expected, path)
        assert want is not None, f"example lacks {path}: fix the case"
        got = dig(actual, path)
        if path.endswith("provisioningState"):
            # ARM enums are case-insensitive; one example writes "succeeded"
            got, want = str(got).lower(), str(want).lower()
        assert norm(got) == norm(want), f"{path}: {got!r} != {want!r}"


def wire(model) -> dict:
    """The REST-shaped JSON of an SDK model (TypeSpec models and msrest models alike)."""
    if hasattr(model, "serialize"):
        return model.serialize(keep_readonly=True)
    return model.as_dict()


# ----------------------------------------------------------------------------------- the cases
def create_resource_group(x: Replay) -> None:
    # azure-mgmt-resource is not a dependency of the project: raw HTTPS with a bearer token
    r = x.http.put(f"/subscriptions/{x.sub}/resourcegroups/{x.p['resourceGroupName']}?api-version={x.p['api-version']}",
                   json=x.p["parameters"], headers=TOKEN)
    assert str(r.status_code) in x.responses
    same(r.json(), x.expected(str(r.status_code)), "id", "name", "location", "properties.provisioningState")


def create_scale_set(x: Replay) -> None:
    rg, name, body = x.p["resourceGroupName"], x.p["vmScaleSetName"], x.p["parameters"]
    x.group(rg, body["location"])
    x.refs(body)
    poller = x.compute.virtual_machine_scale_sets.begin_create_or_update(rg, name, body, raw_response_hook=x.hook)
    final = poller.result()
    initial = x.seen[0]
    assert str(initial.status_code) in x.responses
    first = cm.VirtualMachineScaleSet(initial.json())
    expected = x.expected(str(initial.status_code))
    keys = ["name", "location", "sku.name", "sku.tier", "sku.capacity", "properties.overprovision",
            "properties.upgradePolicy.mode", "properties.provisioningState",
            "properties.virtualMachineProfile.storageProfile.imageReference.id",
            "properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[].name"]
    same(wire(first), expected, *present(expected, *keys))
    pools = ("properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[].properties."
             "ipConfigurations")
    # pool ids are compared with the REQUEST: the example's response names other pools than
    # its own request does (illustrative text), and the emulator keeps what it was sent
    want = [[[p["id"] for p in (ipc["properties"].get("loadBalancerBackendAddressPools") or [])]
             for ipc in ipcs] for ipcs in dig({"properties": body["properties"]}, pools + "[]") or []]
    got = [[[p["id"] for p in (ipc["properties"].get("loadBalancerBackendAddressPools") or [])]
            for ipc in ipcs] for ipcs in dig(wire(final), pools + "[]") or []]
    assert norm(got) == norm(want)
    assert final.provisioning_state == "Succeeded"
    assert len(list(x.compute.virtual_machine_scale_set_vms.list(rg, name))) == body["sku"]["capacity"]


def get_scale_set(x: Replay) -> None:
    rg, name = x.p["resourceGroupName"], x.p["vmScaleSetName"]
    expected = x.expected()
    seed = readable(expected)
    os_profile = ((seed.get("properties") or {}).get("virtualMachineProfile") or {}).get("osProfile") or {}
    if os_profile:
        # a GET never shows the admin password that creating a password-auth scale set requires
        os_profile["adminPassword"] = "Placeholder-Passw0rd!"
    x.scale_set(rg, name, body=seed)
    got = x.compute.virtual_machine_scale_sets.get(rg, name, expand=x.p.get("$expand"))
    same(wire(got), expected, *present(
        expected, "id", "name", "location", "sku.name", "sku.tier", "sku.capacity", "properties.userData",
        "properties.virtualMachineProfile.userData", "properties.provisioningState", "properties.upgradePolicy.mode",
        "properties.virtualMachineProfile.storageProfile.imageReference.sku"))


def update_scale_set(x: Replay) -> None:
    rg, name = x.p["resourceGroupName"], x.p["vmScaleSetName"]
    expected = x.expected()
    x.scale_set(rg, name, location=expected["location"])
    got = x.compute.virtual_machine_scale_sets.begin_update(rg, name, x.p["parameters"],
                                                           raw_response_hook=x.hook).result()
    assert str(x.seen[0].status_code) in x.responses
    same(wire(got), expected, "location")


def update_instances(x: Replay) -> None:
    rg, name = x.p["resourceGroupName"], x.p["vmScaleSetName"]
    x.scale_set(rg, name, capacity=1)
    body = copy.deepcopy(x.p["vmInstanceIDs"])
    # generated filler ("aaaa...") cannot be a Uniform instance id; ARM itself refuses ids that
    # are not active instances, so the replay names the instance that exists
    body["instanceIds"] = [i if i.isdigit() else "0" for i in body["instanceIds"]]
    x.compute.virtual_machine_scale_sets.begin_update_instances(rg, name, body, raw_response_hook=x.hook).result()
    assert str(x.seen[0].status_code) in x.responses
    assert all(vm.latest_model_applied for vm in x.compute.virtual_machine_scale_set_vms.list(rg, name))


def delete_scale_set(x: Replay) -> None:
    rg, name = x.p["resourceGroupName"], x.p["vmScaleSetName"]
    x.scale_set(rg, name, capacity=1)
    x.compute.virtual_machine_scale_sets.begin_delete(
        rg, name, force_deletion=x.p.get("forceDeletion") == "true", raw_response_hook=x.hook).result()
    assert str(x.seen[0].status_code) in x.responses
    with pytest.raises(ResourceNotFoundError):
        x.compute.virtual_machine_scale_sets.get(rg, name)


def scale_set_instance_view(x: Replay) -> None:
    rg, name = x.p["resourceGroupName"], x.p["vmScaleSetName"]
    x.scale_set(rg, name, capacity=1)
    got = x.compute.virtual_machine_scale_sets.get_instance_view(rg, name)
    # statusesSummary codes and counts in the generated example are filler; the status is not
    same(wire(got), x.expected(), "statuses[].code")


def list_scale_sets(x: Replay) -> None:
    rg = x.p["resourceGroupName"]
    expected = x.expected()
    for item in expected["value"]:
        x.scale_set(rg, item["id"].rsplit("/", 1)[1], location=item["location"])
    got = [wire(s) for s in x.compute.virtual_machine_scale_sets.list(rg)]
    assert sorted({norm(s["id"]) for s in got}) == sorted({norm(i["id"]) for i in expected["value"]})
    assert {s["location"] for s in got} == {i["location"] for i in expected["value"]}


def list_vms(x: Replay) -> None:
    rg, name = x.p["resourceGroupName"], x.p["virtualMachineScaleSetName"]
    expected = x.expected()["value"]
    x.scale_set(rg, name, capacity=len(expected), location=expected[0]["location"])
    got = [wire(vm) for vm in x.compute.virtual_machine_scale_set_vms.list(rg, name)]
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        same(mine, theirs, "location")
        if "type" in theirs:
            same(mine, theirs, "type")
        # the example's ids name another group/scale set (generated filler) or Flexible-mode
        # instances; the emulator models Uniform scale sets: ids end in /virtualMachines/<n>
        assert re.search(r"/virtualMachines/\d+$", mine["id"])
        assert mine["name"] == f"{name}_{mine['instanceId']}"


def vm_instance_view(x: Replay) -> None:
    rg, name, instance = x.p["resourceGroupName"], x.p["vmScaleSetName"], x.p["instanceId"]
    x.scale_set(rg, name, capacity=int(instance) + 1)
    got = x.compute.virtual_machine_scale_set_vms.get_instance_view(rg, name, instance)
    # dedicated-host placement (assignedHost), disks and the VM agent are not modelled
    same(wire(got), x.expected(), "statuses[].code", "platformUpdateDomain", "platformFaultDomain")


def create_image_version(x: Replay) -> None:
    rg, g, i, v = (x.p[k] for k in ("resourceGroupName", "galleryName", "galleryImageName",
                                    "galleryImageVersionName"))
    body = x.p["galleryImageVersion"]
    x.gallery_image(rg, g, i, location=body["location"])
    final = x.compute.gallery_image_versions.begin_create_or_update(rg, g, i, v, body,
                                                                    raw_response_hook=x.hook).result()
    initial = x.seen[0]
    assert str(initial.status_code) in x.responses
    first = cm.GalleryImageVersion(initial.json())
    expected = x.expected(str(initial.status_code))
    same(wire(first), expected, "name", "location", "properties.provisioningState",
         "properties.publishingProfile.targetRegions[].name",
         "properties.publishingProfile.targetRegions[].regionalReplicaCount",
         "properties.storageProfile.source.id")
    # the example's ids double a slash and add /locations/westus (README note 1)
    assert gallery_id(first.id) == gallery_id(expected["id"])
    assert final.provisioning_state == "Succeeded"


def get_image_version(x: Replay) -> None:
    rg, g, i, v = (x.p[k] for k in ("resourceGroupName", "galleryName", "galleryImageName",
                                    "galleryImageVersionName"))
    expected = x.expected()
    x.gallery_image(rg, g, i, location=expected["location"])
    x.image_version(rg, g, i, v, readable(expected))
    got = wait_until(lambda: (r := x.compute.gallery_image_versions.get(rg, g, i, v, expand=x.p["$expand"]))
                     .replication_status.aggregated_state == "Completed" and r, "replication completed")
    mine = wire(got)
    same(mine, expected, "name", "location", "properties.provisioningState",
         "properties.replicationStatus.aggregatedState", "properties.replicationStatus.summary[].region",
         "properties.replicationStatus.summary[].state", "properties.publishingProfile.targetRegions[].name",
         "properties.publishingProfile.targetRegions[].storageAccountType")
    # the example's id has an extra /locations/westus segment
    assert gallery_id(mine["id"]) == gallery_id(expected["id"])


def get_image(x: Replay) -> None:
    rg, g, i = x.p["resourceGroupName"], x.p["galleryName"], x.p["galleryImageName"]
    expected = x.expected()
    x.gallery_image(rg, g, i, body=readable(expected), location=expected["location"])
    mine = wire(x.compute.gallery_images.get(rg, g, i))
    same(mine, expected, "name", "location", "properties.osType", "properties.osState",
         "properties.hyperVGeneration", "properties.identifier.publisher", "properties.identifier.offer",
         "properties.identifier.sku", "properties.provisioningState")
    # the example's id names no subscription or group, and another gallery: only the tail agrees
    assert norm(mine["id"]).endswith(f"/images/{i.lower()}")


def create_load_balancer(x: Replay) -> None:
    rg, name = x.p["resourceGroupName"], x.p["loadBalancerName"]
    x.group(rg, x.p["parameters"]["location"])
    final = x.network.load_balancers.begin_create_or_update(rg, name, x.p["parameters"],
                                                            raw_response_hook=x.hook).result()
    status = str(x.seen[0].status_code)
    assert status in x.responses
    nm.LoadBalancer(x.seen[0].json())
    _same_lb(wire(final), x.expected(status))


def _same_lb(mine: dict, expected: dict) -> None:
    same(mine, expected, "id", "name", "location", "sku.name", "properties.provisioningState",
         "properties.backendAddressPools[].name", "properties.backendAddressPools[].id",
         "properties.frontendIPConfigurations[].id", "properties.loadBalancingRules[].id",
         "properties.probes[].id", "properties.backendAddressPools[].properties.loadBalancingRules")


def get_load_balancer(x: Replay) -> None:
    rg, name = x.p["resourceGroupName"], x.p["loadBalancerName"]
    expected = x.expected()
    x.group(rg, expected["location"])
    x.network.load_balancers.begin_create_or_update(rg, name, readable(expected)).result()
    _same_lb(wire(x.network.load_balancers.get(rg, name)), expected)


def _pool_lb(x: Replay, pools: list[dict]) -> None:
    """A load balancer holding the example's pools and the rules that point at them."""
    rg, name = x.p["resourceGroupName"], x.p["loadBalancerName"]
    lb_id = f"/subscriptions/{x.sub}/resourceGroups/{rg}/providers/Microsoft.Network/loadBalancers/{name}"
    rules = []
    for pool in pools:
        for rule in pool["properties"].get("loadBalancingRules") or []:
            rules.append({"name": rule["id"].rsplit("/", 1)[1], "properties": {
                "protocol": "Tcp", "frontendPort": 80, "backendPort": 80,
                "frontendIPConfiguration": {"id": f"{lb_id}/frontendIPConfigurations/fe"},
                "backendAddressPool": {"id": pool["id"]}}})
    x.group(rg)
    x.network.load_balancers.begin_create_or_update(rg, name, {"location": "westus", "properties": {
        "frontendIPConfigurations": [{"name": "fe", "properties": {}}],
        "backendAddressPools": [{"name": p["name"]} for p in pools], "loadBalancingRules": rules}}).result()


POOL_KEYS = ("id", "name", "type", "properties.provisioningState", "properties.loadBalancingRules")
# backendIPConfigurations in these examples are standalone NICs; the emulator's pool members are
# scale-set instances (computed live), which tests/arm_emulator/network covers


def get_pool(x: Replay) -> None:
    expected = x.expected()
    _pool_lb(x, [expected])
    got = x.network.load_balancer_backend_address_pools.get(x.p["resourceGroupName"], x.p["loadBalancerName"],
                                                            x.p["backendAddressPoolName"])
    same(wire(got), expected, *POOL_KEYS)


def list_pools(x: Replay) -> None:
    expected = x.expected()["value"]
    _pool_lb(x, expected)
    got = [wire(p) for p in x.network.load_balancer_backend_address_pools.list(x.p["resourceGroupName"],
                                                                               x.p["loadBalancerName"])]
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        same(mine, theirs, *POOL_KEYS)


AUTOSCALE_KEYS = ("id", "name", "location", "tags", "properties.profiles[].name",
                  "properties.profiles[].capacity", "properties.targetResourceUri", "properties.enabled")


def _autoscale(x: Replay, name: str, body: dict):
    return x.monitor.autoscale_settings.create_or_update(
        x.p["resourceGroupName"], name, mm.AutoscaleSettingResource.deserialize(body))


def create_autoscale(x: Replay) -> None:
    x.group(x.p["resourceGroupName"])
    got = _autoscale(x, x.p["autoscaleSettingName"], x.p["parameters"])
    same(wire(got), x.expected(), *AUTOSCALE_KEYS)
    rules = "properties.profiles[].rules"
    assert len(dig(wire(got), rules)[0]) == len(dig(x.expected(), rules)[0])


def get_autoscale(x: Replay) -> None:
    expected = x.expected()
    x.group(x.p["resourceGroupName"])
    _autoscale(x, x.p["autoscaleSettingName"], readable(expected))
    got = x.monitor.autoscale_settings.get(x.p["resourceGroupName"], x.p["autoscaleSettingName"])
    same(wire(got), expected, *AUTOSCALE_KEYS)


def list_autoscale(x: Replay) -> None:
    expected = x.expected()["value"]
    x.group(x.p["resourceGroupName"])
    for item in expected:
        _autoscale(x, item["name"], readable(item))
    got = [wire(s) for s in x.monitor.autoscale_settings.list_by_resource_group(x.p["resourceGroupName"])]
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        same(mine, theirs, *AUTOSCALE_KEYS)


def delete_autoscale(x: Replay) -> None:
    rg, name = x.p["resourceGroupName"], x.p["autoscaleSettingName"]
    x.group(rg)
    target = f"/subscriptions/{x.sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachineScaleSets/s"
    _autoscale(x, name, {"location": "westus", "properties": {"targetResourceUri": target, "profiles": [
        {"name": "p", "capacity": {"minimum": "1", "maximum": "2", "default": "1"}, "rules": []}]}})
    x.monitor.autoscale_settings.delete(rg, name, raw_response_hook=x.hook)
    assert str(x.seen[-1].status_code) in x.responses
    with pytest.raises(ResourceNotFoundError):
        x.monitor.autoscale_settings.get(rg, name)


CASES: dict[str, Callable[[Replay], None]] = {
    "ResourceGroups_CreateOrUpdate": create_resource_group,
    "VirtualMachineScaleSets_CreateOrUpdate": create_scale_set,
    "VirtualMachineScaleSets_Get": get_scale_set,
    "VirtualMachineScaleSets_Update": update_scale_set,
    "VirtualMachineScaleSets_UpdateInstances": update_instances,
    "VirtualMachineScaleSets_Delete": delete_scale_set,
    "VirtualMachineScaleSets_GetInstanceView": scale_set_instance_view,
    "VirtualMachineScaleSets_List": list_scale_sets,
    "VirtualMachineScaleSetVMs_List": list_vms,
    "VirtualMachineScaleSetVMs_GetInstanceView": vm_instance_view,
    "GalleryImageVersions_CreateOrUpdate": create_image_version,
    "GalleryImageVersions_Get": get_image_version,
    "GalleryImages_Get": get_image,
    "LoadBalancers_CreateOrUpdate": create_load_balancer,
    "LoadBalancers_Get": get_load_balancer,
    "LoadBalancerBackendAddressPools_Get": get_pool,
    "LoadBalancerBackendAddressPools_List": list_pools,
    "AutoscaleSettings_CreateOrUpdate": create_autoscale,
    "AutoscaleSettings_Get": get_autoscale,
    "AutoscaleSettings_ListByResourceGroup": list_autoscale,
    "AutoscaleSettings_Delete": delete_autoscale,
}


def test_every_served_operation_has_a_replay():
    assert set(CASES) == SERVED


@pytest.mark.parametrize("rel,operation", _example_params())
def test_example_replays(rel, operation, arm_emulator, http):
    if operation is None:
        pytest.fail(f"{rel} is not in the examples README table: cannot tell its operation")
    if operation not in SERVED:
        pytest.skip(f"{operation} is not an operation the emulator serves")
    CASES[operation](Replay(rel, arm_emulator, http))
