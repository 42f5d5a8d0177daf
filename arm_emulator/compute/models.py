"""Scale sets and their instances: the state and the behaviour the deployer relies on.

An instance runs one model version; the scale set's latest model may be newer
(latestModelApplied=false) until an upgrade applies it. Everything derived from "the model an
instance runs" (image, health, backend-pool membership) reads that instance's version.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import dataclass, field

from ..core.errors import MissingRequiredProperty
from ..core.resource import (
    TRACKED_KEYS,
    Store,
    arr,
    check_properties_keys,
    check_top_level,
    merge_patch,
    norm_id,
    obj,
    parse_id,
    rg_id,
    typed,
)
from ..resources.exceptions import LocationRequired
from .exceptions import (
    ImageVersionNotFound,
    InvalidParameter,
    InvalidResourceReference,
    NotActiveInstance,
    OperationInProgress,
    ResourceNotFound,
)
from .galleries import GalleryStore, ImageVersion

# simulated seconds, roughly Azure's
CREATE_SECONDS = 30.0
INSTANCE_PROVISION_SECONDS = 60.0
MODEL_PATCH_SECONDS = 5.0
UPGRADE_SECONDS = 20.0
SCALE_IN_SECONDS = 30.0
DELETE_SECONDS = 30.0

SCALE_SET_KEYS = TRACKED_KEYS | {"placement"}
READ_ONLY_PROPS = {"provisioningState", "uniqueId", "timeCreated"}
UPGRADE_MODES = {"manual": "Manual", "automatic": "Automatic", "rolling": "Rolling"}
MAX_CAPACITY = 1000
# Set by Compute on every model with an OS profile; only subscriptions with the Agentless feature may send it.
GUEST_PROVISION_SIGNAL = "requireGuestProvisionSignal"


@dataclass
class Instance:
    instance_id: str
    model_version: int
    provisioning_state: str
    created: float
    vm_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    image_key: str | None = None
    image_exact: str | None = None
    provisioned_at: float | None = None
    # provisioning state to return to if an upgrade/delete is undone by a failed operation
    before: str | None = None

    @property
    def index(self) -> int:
        return int(self.instance_id)


@dataclass
class ScaleSet:
    subscription: str
    rg: str
    name: str
    body: dict
    created: float
    models: dict[int, dict] = field(default_factory=dict)
    model_version: int = 0
    instances: dict[str, Instance] = field(default_factory=dict)
    next_id: int = 0
    provisioning_state: str = "Creating"
    pending_ops: int = 0
    # Write operations (PUT/PATCH, manualupgrade, delete instances) still running: another write is refused.
    running: dict[str, str] = field(default_factory=dict)
    deleting: bool = False
    unique_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def id(self) -> str:
        return f"{rg_id(self.subscription, self.rg)}/providers/Microsoft.Compute/virtualMachineScaleSets/{self.name}"

    @property
    def key(self) -> str:
        return f"{self.subscription}/{self.rg}/{self.name}".lower()

    @property
    def location(self) -> str:
        return self.body.get("location", "")

    @property
    def capacity(self) -> int:
        return int((self.body.get("sku") or {}).get("capacity") or 0)

    @property
    def upgrade_mode(self) -> str:
        mode = ((self.body.get("properties") or {}).get("upgradePolicy") or {}).get("mode") or "Manual"
        return UPGRADE_MODES.get(str(mode).lower(), "Manual")

    def live_instances(self) -> list[Instance]:
        return sorted((i for i in self.instances.values() if i.provisioning_state != "Deleting"),
                      key=lambda i: i.index)

    def vm_id(self, inst: Instance) -> str:
        return f"{self.id}/virtualMachines/{inst.instance_id}"


def nic_pool_refs(profile: dict) -> list[tuple[str, str, str]]:
    """(pool id, NIC config name, IP config name) for every backend pool a model names."""
    out = []
    nics = ((profile or {}).get("networkProfile") or {}).get("networkInterfaceConfigurations") or []
    for nic in nics:
        for ipc in (nic.get("properties") or {}).get("ipConfigurations") or []:
            for pool in (ipc.get("properties") or {}).get("loadBalancerBackendAddressPools") or []:
                if isinstance(pool, dict) and pool.get("id"):
                    out.append((pool["id"], nic.get("name", ""), ipc.get("name", "")))
    return out


HEALTH_EXTENSION_PUBLISHER = "microsoft.managedservices"
HEALTH_EXTENSION_TYPES = {"applicationhealthlinux", "applicationhealthwindows"}


def health_monitoring(profile: dict | None) -> str | None:
    """The source of instance health a model configures, as Azure knows it: a load balancer probe in
    `networkProfile.healthProbe`, or the Application Health extension (publisher
    `Microsoft.ManagedServices`, type `ApplicationHealthLinux`/`ApplicationHealthWindows`). Without
    either Azure reports no `vmHealth` in instance views."""
    profile = profile if isinstance(profile, dict) else {}
    network = profile.get("networkProfile")
    probe = network.get("healthProbe") if isinstance(network, dict) else None
    if isinstance(probe, dict) and probe.get("id"):
        return "healthProbe"
    extension_profile = profile.get("extensionProfile")
    extensions = extension_profile.get("extensions") if isinstance(extension_profile, dict) else None
    for ext in extensions if isinstance(extensions, list) else []:
        props = (ext or {}).get("properties") if isinstance(ext, dict) else None
        if isinstance(props, dict) and str(props.get("publisher") or "").lower() == HEALTH_EXTENSION_PUBLISHER \
                and str(props.get("type") or "").lower() in HEALTH_EXTENSION_TYPES:
            return "extension"
    return None


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while True:
        n, r = divmod(n, 36)
        s = digits[r] + s
        if n == 0:
            return s.rjust(6, "0")


class ComputeBackend:
    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.scale_sets: Store = Store()
        self.gallery = GalleryStore()

    def reset(self) -> None:
        self.scale_sets.clear()
        self.gallery.clear()

    @property
    def clock(self):
        return self.emulator.clock

    # ------------------------------------------------------------------ lookups
    def get(self, sub: str, rg: str, name: str) -> ScaleSet:
        ss = self.scale_sets.get((sub, rg, name))
        if ss is None:
            self.emulator.resources.get(sub, rg)
            raise ResourceNotFound("Microsoft.Compute/virtualMachineScaleSets", name, rg)
        return ss

    def list(self, sub: str, rg: str | None) -> list[ScaleSet]:
        if rg is not None:
            self.emulator.resources.require(sub, rg)
        return [s for s in self.scale_sets.values() if s.subscription.lower() == sub.lower()
                and (rg is None or s.rg.lower() == rg.lower())]

    def instance(self, ss: ScaleSet, instance_id: str) -> Instance:
        inst = ss.instances.get(instance_id)
        if inst is None:
            raise ResourceNotFound("Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
                                   f"{ss.name}/{instance_id}", ss.rg)
        return inst

    def refuse_if_busy(self, ss: ScaleSet) -> None:
        """Compute runs one write operation at a time per scale set: 409 OperationNotAllowed while one runs."""
        if ss.running:
            raise OperationInProgress(ss.name, next(iter(ss.running.values())),
                                      self.clock.retry_after(MODEL_PATCH_SECONDS))

    def _start(self, ctx, ss: ScaleSet, what: str, duration: float, on_done=None, on_failed=None):
        """Start a write operation on `ss` that blocks other writes until it ends (either way)."""
        token = uuid.uuid4().hex

        def done(at: float):
            ss.running.pop(token, None)
            return on_done(at) if on_done is not None else None

        def failed(at: float, error: dict):
            ss.running.pop(token, None)
            if on_failed is not None:
                on_failed(at, error)

        op = self.emulator.lro.start(ctx, subscription=ss.subscription, provider="Microsoft.Compute",
                                     location=ss.location, duration=duration, on_done=done, on_failed=failed)
        if duration > 0:
            ss.running[token] = what
        return op

    def resolve_image(self, image_ref: dict | None) -> ImageVersion | None:
        """The gallery image version an image reference designates (latest for an image
        definition id); None for references the emulator does not model (marketplace, managed
        images). A gallery reference that designates nothing is a 400."""
        ref = (image_ref or {}).get("id")
        if not ref or "/galleries/" not in ref.lower():
            return None
        p = parse_id(ref)
        try:
            sub, rg, g, i = p["subscriptions"], p["resourcegroups"], p["galleries"], p["images"]
        except KeyError:
            raise ImageVersionNotFound(ref) from None
        try:
            if "versions" in p:
                return self.gallery.version(sub, rg, g, i, p["versions"])
            latest = self.gallery.latest(self.gallery.image(sub, rg, g, i))
        except ResourceNotFound:
            raise ImageVersionNotFound(ref) from None
        if latest is None:
            raise ImageVersionNotFound(ref)
        return latest

    # ------------------------------------------------------------------ validation
    def validate(self, body: dict, name: str, sub: str, rg: str) -> None:
        check_top_level(body, SCALE_SET_KEYS, "VirtualMachineScaleSet")
        if not body.get("location"):
            raise LocationRequired()
        sku = body.get("sku")
        if not isinstance(sku, dict):
            raise MissingRequiredProperty("sku")
        cap = sku.get("capacity", 0)
        if not isinstance(cap, int) or isinstance(cap, bool) or not 0 <= cap <= MAX_CAPACITY:
            raise InvalidParameter(f"The value {cap!r} of parameter 'sku.capacity' is out of range. "
                                   f"The value must be between 0 and {MAX_CAPACITY}, inclusive.", target="sku.capacity")
        typed(sku.get("name"), str, "sku.name")
        props = body.get("properties")
        if not isinstance(props, dict):
            raise MissingRequiredProperty("properties")
        check_properties_keys(props, "VirtualMachineScaleSet")
        profile = props.get("virtualMachineProfile")
        if profile is None:
            raise MissingRequiredProperty("virtualMachineProfile")
        profile = obj(profile, "virtualMachineProfile")
        check_properties_keys(profile, "VirtualMachineScaleSetVMProfile")
        mode = obj(props.get("upgradePolicy"), "upgradePolicy").get("mode")
        if mode is not None and str(mode).lower() not in UPGRADE_MODES:
            raise InvalidParameter(f"The value '{mode}' of parameter 'upgradePolicy.mode' is not allowed. "
                                   f"Allowed values are Automatic, Manual, Rolling.", target="upgradePolicy.mode")
        monitored = health_monitoring(profile)
        if mode is not None and str(mode).lower() == "rolling" and not monitored:
            raise InvalidParameter("Rolling Upgrade mode is not supported for this Virtual Machine Scale Set because "
                                   "a health probe or health extension was not provided.", code="BadRequest")
        auto_os = obj(obj(props.get("upgradePolicy"), "upgradePolicy").get("automaticOSUpgradePolicy"),
                      "automaticOSUpgradePolicy")
        if auto_os.get("enableAutomaticOSUpgrade") is True and not monitored:
            raise InvalidParameter("Automatic OS Upgrade is not supported for this Virtual Machine Scale Set because "
                                   "a health probe or health extension was not specified.", code="BadRequest")
        os_profile = obj(profile.get("osProfile"), "osProfile")
        typed(os_profile.get("computerNamePrefix"), str, "osProfile.computerNamePrefix")
        typed(os_profile.get("adminUsername"), str, "osProfile.adminUsername")
        storage = obj(profile.get("storageProfile"), "storageProfile")
        image_ref = obj(storage.get("imageReference"), "imageReference")
        typed(image_ref.get("id"), str, "imageReference.id")
        typed(storage.get("osDisk"), dict, "osDisk")
        vmss_id = f"{rg_id(sub, rg)}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}"
        network = obj(profile.get("networkProfile"), "networkProfile")
        probe = obj(network.get("healthProbe"), "healthProbe")
        if network.get("healthProbe") is not None:
            if not probe.get("id"):
                raise MissingRequiredProperty("healthProbe.id")
            typed(probe["id"], str, "healthProbe.id")
            if not self.emulator.network.probe_exists(probe["id"]):
                raise InvalidResourceReference(probe["id"], vmss_id)
        for nic in arr(network.get("networkInterfaceConfigurations"), "networkInterfaceConfigurations"):
            nic = obj(nic, "networkInterfaceConfigurations[]")
            if not isinstance(nic.get("name"), str) or not nic["name"]:
                raise MissingRequiredProperty("networkInterfaceConfigurations.name")
            ipcs = arr(obj(nic.get("properties"), "networkInterfaceConfigurations.properties")
                       .get("ipConfigurations"), "ipConfigurations")
            if not ipcs:
                raise MissingRequiredProperty("ipConfigurations")
            for ipc in ipcs:
                ipc = obj(ipc, "ipConfigurations[]")
                if not isinstance(ipc.get("name"), str) or not ipc["name"]:
                    raise MissingRequiredProperty("ipConfigurations.name")
                ipc_props = obj(ipc.get("properties"), "ipConfigurations.properties")
                for pool in arr(ipc_props.get("loadBalancerBackendAddressPools"), "loadBalancerBackendAddressPools"):
                    pool = obj(pool, "loadBalancerBackendAddressPools[]")
                    if not pool.get("id"):
                        raise MissingRequiredProperty("loadBalancerBackendAddressPools.id")
                    typed(pool["id"], str, "loadBalancerBackendAddressPools.id")
                    if not self.emulator.network.pool_exists(pool["id"]):
                        raise InvalidResourceReference(pool["id"], vmss_id)
        self._check_basic_load_balancers(profile, vmss_id)
        version = self.resolve_image((profile.get("storageProfile") or {}).get("imageReference"))
        location = str(body.get("location") or "").replace(" ", "").lower()
        regions = {str(r.get("name") or "").replace(" ", "").lower() for r in version.target_regions()} \
            if version is not None else set()
        if version is not None and location not in regions:
            # A scale set's disks are made from the replica in its own region: none, no scale set.
            raise InvalidParameter(
                f"The gallery image version '{version.id}' is not available in region '{body.get('location')}'. "
                f"Please contact the image owner to replicate it to this region, or change the requested region.",
                code="GalleryImageNotFound", target="imageReference")
        if version is not None and version.image.os_state.lower() == "specialized" and profile.get("osProfile"):
            # A specialized image keeps the source VM's accounts and computer name: Compute refuses to
            # provision an OS profile onto it.
            raise InvalidParameter("Parameter 'osProfile' is not allowed.", target="osProfile")

    def _check_basic_load_balancers(self, profile: dict, vmss_id: str) -> None:
        """A Basic SKU load balancer's backend pools hold the instances of ONE availability set or scale
        set: a second scale set in any of its pools is refused (Standard has no such limit)."""
        for pool_id, _, _ in nic_pool_refs(profile):
            lb = self.emulator.network.balancer_of_pool(pool_id)
            if lb is None or str((lb.body.get("sku") or {}).get("name") or "").lower() != "basic":
                continue
            lb_prefix = norm_id(lb.id) + "/backendaddresspools/"
            for other in self.scale_sets.values():
                if norm_id(other.id) == norm_id(vmss_id) or other.deleting:
                    continue
                models = [other.models.get(other.model_version)] + [
                    other.models.get(i.model_version) for i in other.live_instances()]
                if any(norm_id(ref).startswith(lb_prefix) for m in models if m for ref, _, _ in nic_pool_refs(m)):
                    raise InvalidParameter(
                        f"Load balancer '{lb.id}' has SKU Basic, whose backend pools can hold the instances of "
                        f"one availability set or virtual machine scale set only; '{other.id}' is already in "
                        f"them. Use a Standard SKU load balancer.",
                        code="VmssAndBasicLoadBalancerPoolsAcrossScaleSets", target="loadBalancerBackendAddressPools")

    # ------------------------------------------------------------------ writes
    def put(self, ctx, sub: str, rg: str, name: str, body: dict) -> tuple[ScaleSet, bool, object]:
        group = self.emulator.resources.require(sub, rg)
        body = copy.deepcopy(body)
        for k in ("id", "name", "type", "etag", "systemData"):
            body.pop(k, None)
        props = body.get("properties")
        if isinstance(props, dict):
            for k in READ_ONLY_PROPS:
                props.pop(k, None)
        body.setdefault("sku", {})
        if isinstance(body["sku"], dict):
            body["sku"].setdefault("capacity", 0)
        self.validate(body, name, sub, rg)
        ss = self.scale_sets.get((sub, rg, name))
        created = ss is None
        os_profile = body["properties"]["virtualMachineProfile"].get("osProfile")
        if created:
            if isinstance(os_profile, dict) and os_profile.get(GUEST_PROVISION_SIGNAL) is not None:
                # Every GET returns it; sending it back in a create is refused (Harness nulled it).
                raise InvalidParameter(
                    f"Parameter 'osProfile.{GUEST_PROVISION_SIGNAL}' is not valid because the "
                    f"'Microsoft.Compute/Agentless' feature is not enabled for this subscription.",
                    target=f"osProfile.{GUEST_PROVISION_SIGNAL}")
            _require_password_when_password_auth(body["properties"]["virtualMachineProfile"])
            ss = ScaleSet(sub, group.name, name, body, ctx.now)
            self.scale_sets[(sub, rg, name)] = ss
        elif ss.deleting:
            from .exceptions import ScaleSetBeingDeleted
            raise ScaleSetBeingDeleted(ss.name)
        else:
            self.refuse_if_busy(ss)
            if isinstance(os_profile, dict):
                # Server-set: an update that sends back what a GET returned changes nothing.
                os_profile.pop(GUEST_PROVISION_SIGNAL, None)
            _carry_secrets(ss.models[ss.model_version], body["properties"]["virtualMachineProfile"])
        op = self._apply(ctx, ss, body, created)
        return ss, created, op

    def patch(self, ctx, sub: str, rg: str, name: str, patch: dict) -> tuple[ScaleSet, object]:
        ss = self.get(sub, rg, name)
        if ss.deleting:
            from .exceptions import ScaleSetBeingDeleted
            raise ScaleSetBeingDeleted(ss.name)
        check_top_level(patch, SCALE_SET_KEYS, "VirtualMachineScaleSetUpdate")
        self.refuse_if_busy(ss)
        patch = copy.deepcopy(patch)
        for key in ("sku", "properties"):
            typed(patch.get(key), dict, key)
        for k in ("id", "name", "type", "etag", "systemData", "location"):
            patch.pop(k, None)
        props = patch.get("properties")
        if props is not None:
            check_properties_keys(props, "VirtualMachineScaleSetUpdate")
            for k in READ_ONLY_PROPS:
                props.pop(k, None)
        tags = patch.pop("tags", None)
        body = merge_patch(ss.body, patch)
        if tags is not None:
            body["tags"] = tags
        self.validate(body, ss.name, ss.subscription, ss.rg)
        return ss, self._apply(ctx, ss, body, False)

    def _apply(self, ctx, ss: ScaleSet, body: dict, created: bool):
        now = ctx.now
        ss.body = body
        profile = body["properties"]["virtualMachineProfile"]
        model_changed = created or json.dumps(profile, sort_keys=True) != json.dumps(
            ss.models.get(ss.model_version), sort_keys=True)
        if model_changed:
            ss.model_version += 1
            ss.models[ss.model_version] = copy.deepcopy(profile)
        live = ss.live_instances()
        duration = CREATE_SECONDS if created else MODEL_PATCH_SECONDS
        new: list[Instance] = []
        if ss.capacity > len(live):
            for _ in range(ss.capacity - len(live)):
                new.append(self._add_instance(ss, now))
            duration = max(duration, INSTANCE_PROVISION_SECONDS)
        elif ss.capacity < len(live):
            victims = live[ss.capacity:]
            for inst in victims:
                self._remove_instance(ss, inst, now + SCALE_IN_SECONDS)
            duration = max(duration, SCALE_IN_SECONDS)
        if model_changed and not created and ss.upgrade_mode != "Manual":
            stale = [i for i in ss.live_instances() if i.model_version != ss.model_version]
            if ss.upgrade_mode == "Rolling":
                self._rolling_upgrade(ss, stale, now)
            else:
                self._upgrade(ss, stale, now, schedule=True)
            duration = max(duration, UPGRADE_SECONDS)
        ss.provisioning_state = "Creating" if created else "Updating"
        ss.pending_ops += 1

        def done(at: float):
            failed = [i for i in new if i.provisioning_state == "Failed"]
            ss.pending_ops -= 1
            if failed:
                ss.provisioning_state = "Failed"
                vm = f"{ss.name}_{failed[0].instance_id}"
                return {"code": "OSProvisioningClientError",
                        "message": f"OS provisioning for VM '{vm}' did not finish successfully (the image "
                                   f"version it runs is tagged emulator.provisioning=failed)."}
            if ss.pending_ops == 0 and ss.provisioning_state != "Failed":
                ss.provisioning_state = "Succeeded"
            return None

        def failed(at: float, error: dict):
            ss.pending_ops -= 1
            ss.provisioning_state = "Failed"

        return self._start(ctx, ss, "Create" if created else "Update", duration, done, failed)

    def _resolve_for(self, inst: Instance, ss: ScaleSet) -> ImageVersion | None:
        profile = ss.models[inst.model_version]
        try:
            version = self.resolve_image((profile.get("storageProfile") or {}).get("imageReference"))
        except ImageVersionNotFound:
            version = None
        inst.image_key = norm_id(version.id) if version else None
        inst.image_exact = version.name if version else None
        return version

    def _add_instance(self, ss: ScaleSet, now: float) -> Instance:
        inst = Instance(str(ss.next_id), ss.model_version, "Creating", now)
        ss.next_id += 1
        ss.instances[inst.instance_id] = inst
        version = self._resolve_for(inst, ss)
        will_fail = bool(version and version.fails_provisioning)

        def provisioned(at: float):
            if inst.provisioning_state == "Creating":
                inst.provisioning_state = "Failed" if will_fail else "Succeeded"
                inst.provisioned_at = at

        self.emulator.scheduler.at(now + INSTANCE_PROVISION_SECONDS, provisioned)
        return inst

    def _remove_instance(self, ss: ScaleSet, inst: Instance, when: float) -> None:
        inst.before = inst.provisioning_state
        inst.provisioning_state = "Deleting"

        def gone(at: float):
            if ss.instances.get(inst.instance_id) is inst and inst.provisioning_state == "Deleting":
                del ss.instances[inst.instance_id]

        self.emulator.scheduler.at(when, gone)

    def _upgrade(self, ss: ScaleSet, instances: list[Instance], now: float, schedule: bool):
        """Mark `instances` Updating towards the latest model; the returned function applies it."""
        target = ss.model_version
        touched = []
        for inst in instances:
            inst.before = inst.provisioning_state
            if inst.provisioning_state in ("Succeeded", "Failed"):
                inst.provisioning_state = "Updating"
            touched.append(inst)

        def apply(at: float):
            for inst in touched:
                if ss.instances.get(inst.instance_id) is not inst or inst.provisioning_state == "Deleting":
                    continue
                inst.model_version = max(inst.model_version, target)
                version = self._resolve_for(inst, ss)
                if inst.provisioning_state == "Updating":
                    inst.provisioning_state = "Failed" if version and version.fails_provisioning else "Succeeded"
                    inst.provisioned_at = at
            return None

        def undo(at: float, error: dict):
            for inst in touched:
                if inst.provisioning_state == "Updating":
                    inst.provisioning_state = inst.before or "Succeeded"

        if schedule:
            self.emulator.scheduler.at(now + UPGRADE_SECONDS, apply)
        return apply, undo

    def _rolling_upgrade(self, ss: ScaleSet, stale: list[Instance], now: float) -> None:
        """Upgrade policy Rolling: batches of `maxBatchInstancePercent` (default 20) of the instances,
        each taking UPGRADE_SECONDS, `pauseTimeBetweenBatches` (ISO 8601, default none) apart."""
        policy = ((ss.body.get("properties") or {}).get("upgradePolicy") or {}).get("rollingUpgradePolicy") or {}
        try:
            percent = min(max(int(policy.get("maxBatchInstancePercent", 20)), 5), 100)
        except (TypeError, ValueError):
            percent = 20
        pause = _iso_seconds(policy.get("pauseTimeBetweenBatches"))
        size = max(1, -(-len(stale) * percent // 100))
        start = now
        for first in range(0, len(stale), size):
            batch = stale[first:first + size]
            if start == now:
                self._upgrade(ss, batch, now, schedule=True)
            else:
                self.emulator.scheduler.at(start, lambda at, batch=batch: self._upgrade(
                    ss, [i for i in batch if ss.instances.get(i.instance_id) is i], at, schedule=True))
            start += UPGRADE_SECONDS + pause

    def manual_upgrade(self, ctx, ss: ScaleSet, instance_ids: list) -> object:
        if ss.deleting:
            from .exceptions import ScaleSetBeingDeleted
            raise ScaleSetBeingDeleted(ss.name)
        self.refuse_if_busy(ss)
        live = {i.instance_id: i for i in ss.live_instances()}
        if instance_ids == ["*"]:
            chosen = list(live.values())
        else:
            chosen = []
            for raw in instance_ids:
                iid = str(raw)
                if iid not in live:
                    raise NotActiveInstance(iid)
                chosen.append(live[iid])
        # one operation whatever the instance count; a failed operation applies nothing
        apply, undo = self._upgrade(ss, chosen, ctx.now, schedule=False)
        return self._start(ctx, ss, "ManualUpgrade", UPGRADE_SECONDS, apply, undo)

    def delete_instances(self, ctx, ss: ScaleSet, instance_ids: list) -> object:
        """Delete named instances; capacity drops by as many (Compute's VMSS delete-instances)."""
        if ss.deleting:
            from .exceptions import ScaleSetBeingDeleted
            raise ScaleSetBeingDeleted(ss.name)
        self.refuse_if_busy(ss)
        live = {i.instance_id: i for i in ss.live_instances()}
        chosen = []
        for raw in instance_ids:
            iid = str(raw)
            if iid not in live:
                raise NotActiveInstance(iid)
            if live[iid] not in chosen:
                chosen.append(live[iid])
        for inst in chosen:
            self._remove_instance(ss, inst, ctx.now + SCALE_IN_SECONDS)
        ss.body["sku"]["capacity"] = len(ss.live_instances())
        return self._start(ctx, ss, "DeleteInstances", SCALE_IN_SECONDS)

    def delete(self, ctx, sub: str, rg: str, name: str):
        ss = self.scale_sets.get((sub, rg, name))
        if ss is None:
            self.emulator.resources.get(sub, rg)
            return None
        ss.deleting = True
        before = ss.provisioning_state
        ss.provisioning_state = "Deleting"
        for inst in ss.live_instances():
            inst.before = inst.provisioning_state
            inst.provisioning_state = "Deleting"

        def done(at: float):
            if self.scale_sets.get((sub, rg, name)) is ss:
                self.scale_sets.pop((sub, rg, name))

        def failed(at: float, error: dict):
            ss.deleting = False
            ss.provisioning_state = "Failed" if before != "Failed" else before
            for inst in ss.instances.values():
                if inst.provisioning_state == "Deleting":
                    inst.provisioning_state = inst.before or "Succeeded"

        return self.emulator.lro.start(ctx, subscription=ss.subscription, provider="Microsoft.Compute",
                                       location=ss.location, duration=DELETE_SECONDS, on_done=done, on_failed=failed)

    def delete_group(self, sub: str, rg: str) -> None:
        for key in [k for k, s in self.scale_sets.items()
                    if s.subscription.lower() == sub.lower() and s.rg.lower() == rg.lower()]:
            dict.pop(self.scale_sets, key)
        self.gallery.delete_group(sub, rg)

    # ------------------------------------------------------------------ health and pools
    def health_state(self, inst: Instance) -> str | None:
        """healthy / unhealthy / initializing / unknown (from the image version's `emulator.health`
        tag); None before the instance is provisioned."""
        if inst.provisioning_state not in ("Succeeded", "Updating") or inst.provisioned_at is None:
            return None
        version = self.gallery.versions.get(_version_key(inst.image_key)) if inst.image_key else None
        return version.health_state if version is not None else "healthy"

    def healthy(self, inst: Instance) -> bool:
        return self.health_state(inst) == "healthy"

    def reports_health(self, ss: ScaleSet, inst: Instance) -> bool:
        """Whether the instance view carries `vmHealth`: only once provisioned, and only when the model
        the instance runs has health monitoring (Application Health extension or healthProbe)."""
        return (inst.provisioning_state in ("Succeeded", "Updating") and inst.provisioned_at is not None
                and health_monitoring(ss.models.get(inst.model_version)) is not None)

    def pool_members(self) -> dict[str, list[tuple[str, str, bool]]]:
        """Lowercased pool id -> [(vm id, NIC ip-config id, healthy)] from the models instances run."""
        out: dict[str, list[tuple[str, str, bool]]] = {}
        for ss in self.scale_sets.values():
            for inst in ss.live_instances():
                vm = ss.vm_id(inst)
                healthy = self.healthy(inst)
                for pool_id, nic, ipc in nic_pool_refs(ss.models[inst.model_version]):
                    out.setdefault(norm_id(pool_id), []).append(
                        (vm, f"{vm}/networkInterfaces/{nic}/ipConfigurations/{ipc}", healthy))
        return out

    # ------------------------------------------------------------------ rendering
    def scale_set_json(self, ss: ScaleSet, expand_user_data: bool = False) -> dict:
        body = copy.deepcopy(ss.body)
        out = {"id": ss.id, "name": ss.name, "type": "Microsoft.Compute/virtualMachineScaleSets",
               "location": ss.location}
        for k in ("tags", "sku", "plan", "identity", "zones", "extendedLocation", "placement"):
            if k in body:
                out[k] = body[k]
        props = body.get("properties") or {}
        props["virtualMachineProfile"] = _without_secrets(ss.models[ss.model_version], expand_user_data)
        os_profile = props["virtualMachineProfile"].get("osProfile")
        if isinstance(os_profile, dict):
            os_profile[GUEST_PROVISION_SIGNAL] = True
        props.setdefault("upgradePolicy", {"mode": "Manual"})
        props.setdefault("orchestrationMode", "Uniform")
        props["provisioningState"] = ss.provisioning_state
        props["uniqueId"] = ss.unique_id
        props["timeCreated"] = self.clock.iso(ss.created)
        out["properties"] = props
        return out

    def vm_json(self, ss: ScaleSet, inst: Instance, expand: bool, expand_user_data: bool = False) -> dict:
        """An instance as Compute renders it: the model it runs (OS profile with its Linux/Windows
        configuration and never a secret, diagnostics, security and other profiles), an etag that
        changes with that model, userData only under `$expand=userData`."""
        model = _without_secrets(ss.models[inst.model_version], expand_user_data)
        vm_id = ss.vm_id(inst)
        storage = copy.deepcopy(model.get("storageProfile") or {})
        if inst.image_exact and isinstance(storage.get("imageReference"), dict):
            storage["imageReference"]["exactVersion"] = inst.image_exact
        os_disk = storage.setdefault("osDisk", {})
        os_disk.setdefault("name", f"{ss.name}_{inst.instance_id}_OsDisk_1_{inst.vm_id.replace('-', '')}")
        nic_configs = copy.deepcopy((model.get("networkProfile") or {}).get("networkInterfaceConfigurations") or [])
        nics = [{"id": f"{vm_id}/networkInterfaces/{n.get('name')}",
                 "properties": {"primary": bool((n.get("properties") or {}).get("primary", i == 0))}}
                for i, n in enumerate(nic_configs)]
        prefix = ((model.get("osProfile") or {}).get("computerNamePrefix") or ss.name)[:9]
        os_profile = None
        if isinstance(model.get("osProfile"), dict):
            source = model["osProfile"]
            os_profile = {"computerName": f"{prefix}{_base36(inst.index)}",
                          "adminUsername": source.get("adminUsername"),
                          "secrets": copy.deepcopy(source.get("secrets") or []),
                          "allowExtensionOperations": source.get("allowExtensionOperations", True),
                          GUEST_PROVISION_SIGNAL: True}
            for config in ("linuxConfiguration", "windowsConfiguration"):
                if source.get(config) is not None:
                    os_profile[config] = copy.deepcopy(source[config])
                    os_profile[config].setdefault("provisionVMAgent", True)
        props = {
            "latestModelApplied": inst.model_version == ss.model_version,
            "modelDefinitionApplied": "VirtualMachineScaleSet",
            "vmId": inst.vm_id,
            "provisioningState": inst.provisioning_state,
            "hardwareProfile": {"vmSize": (ss.body.get("sku") or {}).get("name")},
            "storageProfile": storage,
            "networkProfile": {"networkInterfaces": nics},
            "networkProfileConfiguration": {"networkInterfaceConfigurations": nic_configs},
            "timeCreated": self.clock.iso(inst.created),
        }
        if os_profile is not None:
            props["osProfile"] = os_profile
        for key in ("diagnosticsProfile", "securityProfile", "additionalCapabilities", "licenseType"):
            if model.get(key) is not None:
                props[key] = copy.deepcopy(model[key])
        if expand_user_data and model.get("userData"):
            props["userData"] = model["userData"]
        if expand:
            props["instanceView"] = self.vm_instance_view(ss, inst)
        sku = {k: v for k, v in (ss.body.get("sku") or {}).items() if k in ("name", "tier")}
        out = {"name": f"{ss.name}_{inst.instance_id}", "id": vm_id,
               "type": "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
               "location": ss.location, "instanceId": inst.instance_id, "sku": sku,
               "etag": f'"{inst.model_version}"', "properties": props}
        if ss.body.get("tags"):
            out["tags"] = ss.body["tags"]
        return out

    def vm_instance_view(self, ss: ScaleSet, inst: Instance) -> dict:
        state = inst.provisioning_state
        iso = self.clock.iso
        if state == "Failed":
            prov = {"code": "ProvisioningState/failed/OSProvisioningClientError", "level": "Error",
                    "displayStatus": "Provisioning failed",
                    "message": "OS provisioning did not finish (image tagged emulator.provisioning=failed)."}
        else:
            prov = {"code": f"ProvisioningState/{state.lower()}", "level": "Info",
                    "displayStatus": "Provisioning succeeded" if state == "Succeeded" else state}
        if inst.provisioned_at is not None:
            prov["time"] = iso(inst.provisioned_at)
        power = {"Creating": ("PowerState/starting", "VM starting"),
                 "Deleting": ("PowerState/stopping", "VM stopping")}.get(state, ("PowerState/running", "VM running"))
        view = {"platformUpdateDomain": inst.index % 5, "platformFaultDomain": inst.index % 3,
                "computerName": self.vm_json_computer_name(ss, inst),
                "statuses": [prov, {"code": power[0], "level": "Info", "displayStatus": power[1]}]}
        if self.reports_health(ss, inst):
            state = self.health_state(inst) or "unknown"
            view["vmHealth"] = {"status": {
                "code": f"HealthState/{state}",
                "level": "Info" if state == "healthy" else "Warning",
                "displayStatus": f"The VM is reporting {state}",
                "time": iso(self.clock.now())}}
        return view

    def vm_json_computer_name(self, ss: ScaleSet, inst: Instance) -> str:
        model = ss.models[inst.model_version]
        prefix = ((model.get("osProfile") or {}).get("computerNamePrefix") or ss.name)[:9]
        return f"{prefix}{_base36(inst.index)}"

    def scale_set_instance_view(self, ss: ScaleSet) -> dict:
        counts: dict[str, int] = {}
        for inst in ss.instances.values():
            code = f"ProvisioningState/{inst.provisioning_state.lower()}"
            counts[code] = counts.get(code, 0) + 1
            if self.reports_health(ss, inst):
                hcode = f"HealthState/{self.health_state(inst) or 'unknown'}"
                counts[hcode] = counts.get(hcode, 0) + 1
        state = ss.provisioning_state
        return {
            "virtualMachine": {"statusesSummary": [{"code": c, "count": n} for c, n in sorted(counts.items())]},
            "statuses": [{"code": f"ProvisioningState/{state.lower()}",
                          "level": "Error" if state == "Failed" else "Info",
                          "displayStatus": "Provisioning succeeded" if state == "Succeeded" else state,
                          "time": self.clock.iso(self.clock.now())}],
            "orchestrationServices": [],
        }


def _without_secrets(profile: dict, keep_user_data: bool) -> dict:
    """What Compute returns of a model: never the admin password, custom data or extensions'
    protected settings; userData only when asked for with $expand=userData."""
    profile = copy.deepcopy(profile)
    if not keep_user_data:
        profile.pop("userData", None)
    os_profile = profile.get("osProfile")
    if isinstance(os_profile, dict):
        os_profile.pop("adminPassword", None)
        os_profile.pop("customData", None)
    extensions = (profile.get("extensionProfile") or {}).get("extensions")
    for ext in extensions if isinstance(extensions, list) else []:
        if isinstance(ext, dict) and isinstance(ext.get("properties"), dict):
            ext["properties"].pop("protectedSettings", None)
            ext["properties"].pop("protectedSettingsFromKeyVault", None)
    return profile


def _require_password_when_password_auth(profile: dict) -> None:
    """Creating a scale set whose OS profile uses password authentication (Windows, or Linux with
    `disablePasswordAuthentication: false`) needs `adminPassword`, which a GET never returns: so a
    GET's body PUT as a new scale set fails, as in Azure. (A Linux profile that says nothing about
    password authentication is accepted, more leniently than Azure.)"""
    os_profile = profile.get("osProfile")
    if not isinstance(os_profile, dict) or os_profile.get("adminPassword"):
        return
    linux = os_profile.get("linuxConfiguration")
    if os_profile.get("windowsConfiguration") is not None or (
            isinstance(linux, dict) and linux.get("disablePasswordAuthentication") is False):
        raise InvalidParameter("Required parameter 'adminPassword' is missing (null).", target="adminPassword")


def _carry_secrets(current: dict, new: dict) -> None:
    """A PUT of what a GET returned lacks the secrets Compute never returns; like Compute, keep
    the current ones rather than treating their absence as a model change."""
    cur_os, new_os = current.get("osProfile"), new.get("osProfile")
    if isinstance(cur_os, dict) and isinstance(new_os, dict):
        for key in ("adminPassword", "customData"):
            if key in cur_os and key not in new_os:
                new_os[key] = cur_os[key]


def _iso_seconds(value) -> float:
    """Seconds of an ISO 8601 duration such as `PT2S`, `PT1M30S`, `PT0S` (0 when absent or unreadable)."""
    m = re.fullmatch(r"PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?", str(value or ""))
    if not m:
        return 0.0
    hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    return hours * 3600 + minutes * 60 + seconds


def _version_key(image_key: str) -> tuple:
    p = parse_id(image_key)
    return (p["subscriptions"], p["resourcegroups"], p["galleries"], p["images"], p["versions"])
