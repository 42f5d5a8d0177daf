"""Virtual machine scale sets: read, create from a base model, resize, pools and tags, upgrade, delete.

Every write is idempotent: it reads the current state first and does nothing when it already holds,
so an activity re-run after a crash is safe. Scale sets are changed with PATCH bodies that carry only
the fields that change (never a PUT of a model read earlier: a stale full-model write silently drops
pool memberships). The compute SDK is TypeSpec-generated and sends dict bodies as they are, so bodies
are SDK model objects (`VirtualMachineScaleSet`, `VirtualMachineScaleSetUpdate`, ...), which serialise
to the REST shape (`properties` nesting, camelCase).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from azure.core.exceptions import DecodeError, ResourceNotFoundError
from azure.mgmt.compute import models as cm

from domain.model import InstanceCounts, ScaleSetSummary
from domain.steady_state import rate_limit_remaining
from gateway import gallery, keyvault
from gateway.clients import AzureClients
from gateway.errors import GatewayError, NotFoundError
from gateway.ids import same_id
from gateway.operations import PendingOperation, Started, start

T = TypeVar("T")

SCALE_SET = "virtual machine scale set"

# Server-generated / read-only fields never copied from the base model (besides what the SDK model
# marks read-only, which `as_dict(exclude_readonly=True)` drops already).
_TOP_LEVEL_DROP = ("id", "name", "type", "etag", "systemData", "managedBy", "resources")
_PROPERTIES_DROP = ("provisioningState", "uniqueId", "timeCreated", "instanceView", "statuses")
# Set by Compute on every model with an OS profile and returned by every GET; a create that sends it is
# refused ("... not valid because the 'Microsoft.Compute/Agentless' feature is not enabled"). Harness
# nulled it too.
_OS_PROFILE_DROP = ("requireGuestProvisionSignal",)

# The Application Health extension (publisher Microsoft.ManagedServices) is one of the two sources of
# instance health in a scale set; the other is a load balancer probe in networkProfile.healthProbe.
HEALTH_EXTENSION_PUBLISHER = "microsoft.managedservices"
HEALTH_EXTENSION_TYPES = ("applicationhealthlinux", "applicationhealthwindows")


@dataclass(frozen=True)
class Begun(Generic[T]):
    """A write started without waiting (`start_only=True`): `value` is what the write's answer says (what
    will hold once the operation succeeds), `operation` the operation to follow (None: done at once)."""

    value: T
    operation: PendingOperation | None


def _begun(outcome: Any, value: Callable[[Any], T]) -> Begun[T]:
    if isinstance(outcome, Started):
        return Begun(value(outcome.accepted), outcome.operation)
    return Begun(value(outcome), None)


class BaseScaleSetNotCopyable(GatewayError, ValueError):
    """The base scale set's model cannot be copied into a new scale set (raised before any write)."""

    def __init__(self, base_name: str, reasons: list[str]) -> None:
        self.base_name = base_name
        self.reasons = list(reasons)
        super().__init__(f"the base scale set '{base_name}' cannot be used as a template: " + "; ".join(reasons))


# -- reading --------------------------------------------------------------------------------------


def _rest(model: Any) -> dict[str, Any]:
    """The REST-shaped JSON of an SDK model (camelCase, `properties` nesting)."""
    return model.as_dict() if hasattr(model, "as_dict") else dict(model)


def _nic_configs(body: dict[str, Any]) -> list[dict[str, Any]]:
    return (
        ((body.get("properties") or {}).get("virtualMachineProfile") or {}).get("networkProfile") or {}
    ).get("networkInterfaceConfigurations") or []


def _pick_primary(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The item whose properties.primary is true; else the only/first one."""
    for item in items:
        if (item.get("properties") or {}).get("primary"):
            return item
    return items[0] if items else None


def _primary_ip_config(body: dict[str, Any]) -> dict[str, Any] | None:
    nic = _pick_primary(_nic_configs(body))
    if nic is None:
        return None
    return _pick_primary((nic.get("properties") or {}).get("ipConfigurations") or [])


def _pool_ids(ip_config: dict[str, Any] | None) -> list[str]:
    if ip_config is None:
        return []
    pools = (ip_config.get("properties") or {}).get("loadBalancerBackendAddressPools") or []
    return [p["id"] for p in pools if p.get("id")]


def summarize(model: Any) -> ScaleSetSummary:
    body = _rest(model)
    props = body.get("properties") or {}
    image_ref = ((props.get("virtualMachineProfile") or {}).get("storageProfile") or {}).get(
        "imageReference"
    ) or {}
    return ScaleSetSummary(
        name=body.get("name", ""),
        id=body.get("id", ""),
        location=body.get("location", ""),
        tags=dict(body.get("tags") or {}),
        capacity=int((body.get("sku") or {}).get("capacity") or 0),
        provisioning_state=props.get("provisioningState") or "Unknown",
        image_id=image_ref.get("id"),
        pool_ids=_pool_ids(_primary_ip_config(body)),
        upgrade_mode=str((props.get("upgradePolicy") or {}).get("mode") or "Manual"),
    )


def _get_model(c: AzureClients, sub: str, rg: str, name: str, **kwargs: Any) -> Any | None:
    try:
        return c.compute(sub).virtual_machine_scale_sets.get(rg, name, **kwargs)
    except ResourceNotFoundError:
        return None


def _require_model(c: AzureClients, sub: str, rg: str, name: str, **kwargs: Any) -> Any:
    model = _get_model(c, sub, rg, name, **kwargs)
    if model is None:
        raise NotFoundError(SCALE_SET, name, f"in resource group '{rg}'")
    return model


def read_model(c: AzureClients, sub: str, rg: str, name: str) -> Any | None:
    """The scale set's model as a GET returns it (SDK model), None when it does not exist. One GET that
    callers summarise (`summarize`) and hand to the writes below, which then do not read it again."""
    return _get_model(c, sub, rg, name)


def get_scale_set(c: AzureClients, sub: str, rg: str, name: str) -> ScaleSetSummary | None:
    model = _get_model(c, sub, rg, name)
    return None if model is None else summarize(model)


def list_scale_sets(c: AzureClients, sub: str, rg: str) -> list[ScaleSetSummary]:
    return [summarize(m) for m in list_scale_set_models(c, sub, rg)]


def list_scale_set_models(c: AzureClients, sub: str, rg: str) -> list[Any]:
    """Every scale set of the resource group with its whole model, as a GET of each returns it (one list
    call, paged): what validation reads the base from and Setup reads the lineage from. A resource group
    that does not exist (404 ResourceGroupNotFound, as its GET answers) holds none."""
    try:
        return list(c.compute(sub).virtual_machine_scale_sets.list(rg))
    except ResourceNotFoundError:
        return []


def health_monitoring_of(model: Any) -> str | None:
    """How the scale set's model monitors instance health: `"healthProbe"` (a load balancer probe in
    `networkProfile.healthProbe`), the Application Health extension's type (`"ApplicationHealthLinux"`
    / `"ApplicationHealthWindows"`), or None. Only with one of them does Azure report `vmHealth` in
    the instances' instance views."""
    vm_profile = ((_rest(model).get("properties") or {}).get("virtualMachineProfile") or {})
    probe = (vm_profile.get("networkProfile") or {}).get("healthProbe") or {}
    if probe.get("id"):
        return "healthProbe"
    for ext in ((vm_profile.get("extensionProfile") or {}).get("extensions") or []):
        props = ext.get("properties") or {}
        if (str(props.get("publisher") or "").lower() == HEALTH_EXTENSION_PUBLISHER
                and str(props.get("type") or "").lower() in HEALTH_EXTENSION_TYPES):
            return str(props["type"])
    return None


def os_type_of(model: Any) -> str | None:
    """`Windows` / `Linux` as the model says it (the OS profile's configuration, else the OS disk's
    `osType`), None when it does not say (a specialized image's model has no OS profile)."""
    vm_profile = ((_rest(model).get("properties") or {}).get("virtualMachineProfile") or {})
    os_profile = vm_profile.get("osProfile") or {}
    if os_profile.get("windowsConfiguration") is not None:
        return "Windows"
    if os_profile.get("linuxConfiguration") is not None:
        return "Linux"
    disk_os = ((vm_profile.get("storageProfile") or {}).get("osDisk") or {}).get("osType")
    return str(disk_os) if disk_os else None


@dataclass(frozen=True)
class BaseInspection:
    """The base scale set as target validation needs it, from ONE GET: its summary, why it cannot be
    copied (`base_copy_problems`, empty when it can), how it monitors instance health
    (`health_monitoring_of`; None: Azure will report no instance health, steady state then rests on
    provisioning alone), the load balancer probe it monitors with, and its OS type (`os_type_of`)."""

    summary: ScaleSetSummary
    problems: list[str]
    health_monitoring: str | None
    health_probe_id: str | None = None
    os_type: str | None = None


def inspect_base(
    c: AzureClients, sub: str, rg: str, name: str, *, admin_password: bool = False
) -> BaseInspection | None:
    """`BaseInspection` of the base scale set `name`, None when it does not exist (no write).
    `admin_password`: the deployment names a Key Vault secret for a password-login base."""
    model = _get_model(c, sub, rg, name)
    return None if model is None else inspection_of(model, admin_password=admin_password)


def inspection_of(model: Any, *, admin_password: bool = False) -> BaseInspection:
    """`BaseInspection` of a scale set model already read (a GET, or an item of a list)."""
    vm_profile = ((_rest(model).get("properties") or {}).get("virtualMachineProfile") or {})
    probe = ((vm_profile.get("networkProfile") or {}).get("healthProbe") or {}).get("id")
    return BaseInspection(summarize(model), base_copy_problems(model, admin_password=admin_password),
                          health_monitoring_of(model), probe or None, os_type_of(model))


def health_monitoring(c: AzureClients, sub: str, rg: str, name: str) -> str | None:
    """`health_monitoring_of` the scale set's current model (one GET). Raises `NotFoundError`."""
    return health_monitoring_of(_require_model(c, sub, rg, name))


# -- create from the base model --------------------------------------------------------------------


def password_login(os_profile: dict[str, Any] | None) -> str | None:
    """`Windows` or `Linux` when an OS profile logs in with a password (a `windowsConfiguration`, or a
    `linuxConfiguration` whose `disablePasswordAuthentication` is not true), else None."""
    if not os_profile:
        return None
    if os_profile.get("windowsConfiguration") is not None:
        return "Windows"
    linux = os_profile.get("linuxConfiguration")
    if isinstance(linux, dict) and linux.get("disablePasswordAuthentication") is not True:
        return "Linux"
    return None


def base_copy_problems(base: Any, *, admin_password: bool = False) -> list[str]:
    """Why the base scale set's model (as a GET returns it) cannot be PUT as a new scale set; empty
    when it can. Pure: callers can validate a target before writing anything.

    - Flexible orchestration: instances are standalone VMs; the per-instance APIs this deployer uses
      (`virtualMachines` list with instance view, `manualupgrade`) are Uniform scale-set APIs.
    - Password authentication (a `windowsConfiguration`, or a `linuxConfiguration` whose
      `disablePasswordAuthentication` is not true): a GET never returns `adminPassword`, and creating a
      scale set without it fails (`InvalidParameter`: "Required parameter 'adminPassword' is missing
      (null)."), unless the deployment names the password's Key Vault secret (`admin_password`).
    """
    props = _rest(base).get("properties") or {}
    problems = []
    mode = str(props.get("orchestrationMode") or "Uniform")
    if mode.lower() == "flexible":
        problems.append("its orchestration mode is Flexible; blue/green deployments need a Uniform scale set "
                        "(per-instance views and manual upgrades)")
    os_profile = (props.get("virtualMachineProfile") or {}).get("osProfile") or {}
    login = password_login(os_profile)
    if login and not admin_password:
        if login == "Windows":
            problems.append("it uses password authentication (Windows) and Azure never returns the admin password, "
                            "so a copy cannot be created: give adminPassword.keyVaultSecretId (a Key Vault secret "
                            "the app's identity can read), or use a specialized image without an OS profile")
        else:
            problems.append("it uses password authentication (Linux with password login) and Azure never returns the "
                            "admin password, so a copy cannot be created: give adminPassword.keyVaultSecretId (a Key "
                            "Vault secret the app's identity can read), or use SSH keys only "
                            "(linuxConfiguration.disablePasswordAuthentication true)")
    return problems


def _drop_read_only(body: dict[str, Any]) -> None:
    """Read-only fields a GET returns that a create must not carry, whether or not the SDK marks them
    (a dict base, or an older/newer SDK): ids, provisioning states, creation times, identities'
    principal ids (a system-assigned identity is a new one; user-assigned identities are copied as
    references)."""
    for key in _TOP_LEVEL_DROP:
        body.pop(key, None)
    props = body.setdefault("properties", {})
    for key in _PROPERTIES_DROP:
        props.pop(key, None)
    identity = body.get("identity")
    if isinstance(identity, dict):
        identity.pop("principalId", None)
        identity.pop("tenantId", None)
        users = identity.get("userAssignedIdentities")
        if isinstance(users, dict):
            identity["userAssignedIdentities"] = {uid: {} for uid in users}
    vm_profile = props.get("virtualMachineProfile")
    if not isinstance(vm_profile, dict):
        return
    vm_profile.pop("timeCreated", None)
    os_profile = vm_profile.get("osProfile")
    if isinstance(os_profile, dict):
        for key in _OS_PROFILE_DROP:
            os_profile.pop(key, None)
    extensions = (vm_profile.get("extensionProfile") or {}).get("extensions")
    for ext in extensions if isinstance(extensions, list) else []:
        if isinstance(ext, dict):
            ext.pop("id", None)
            if isinstance(ext.get("properties"), dict):
                ext["properties"].pop("provisioningState", None)
                ext["properties"].pop("instanceView", None)


def new_scale_set_body(
    base: Any, image_id: str, tags: dict[str, str], stage_pool_id: str, user_data: str | None = None,
    *, specialized_image: bool = False,
) -> dict[str, Any]:
    """The REST body of a new scale set built from the base scale set's model (pure; see
    `create_scale_set_from_base`, which checks `base_copy_problems` first). A `specialized_image`
    keeps the accounts it was captured with: the copy gets no `osProfile` (Compute refuses one)."""
    body = copy.deepcopy(base.as_dict(exclude_readonly=True) if hasattr(base, "as_dict") else dict(base))
    _drop_read_only(body)
    props = body["properties"]

    sku = body.get("sku") or {}
    body["sku"] = {k: v for k, v in {"name": sku.get("name"), "tier": sku.get("tier")}.items() if v}
    body["sku"]["capacity"] = 0
    body["tags"] = dict(tags)

    vm_profile = props.setdefault("virtualMachineProfile", {})
    storage = vm_profile.setdefault("storageProfile", {})
    storage["imageReference"] = {"id": image_id}
    os_disk = storage.get("osDisk")
    if isinstance(os_disk, dict):
        # A managed OS disk of a scale set has no name or id of its own (each instance's disk gets a
        # generated name); only the retired unmanaged disks (vhdContainers) name the disk.
        if not os_disk.get("vhdContainers"):
            os_disk.pop("name", None)
        (os_disk.get("managedDisk") or {}).pop("id", None)
    if user_data is not None:
        vm_profile["userData"] = user_data
    if specialized_image:
        vm_profile.pop("osProfile", None)

    nics = _nic_configs(body)
    for nic in nics:
        for ip in (nic.get("properties") or {}).get("ipConfigurations") or []:
            ip_props = ip.setdefault("properties", {})
            ip_props["loadBalancerBackendAddressPools"] = []
            # An inbound NAT pool cannot be shared by two scale sets: the new one gets none.
            ip_props["loadBalancerInboundNatPools"] = []
            # Application gateway pools serve traffic too: blue/green allows only the stage pool.
            if ip_props.get("applicationGatewayBackendAddressPools"):
                ip_props["applicationGatewayBackendAddressPools"] = []
    primary_nic = _pick_primary(nics)
    if primary_nic is None:
        raise ValueError("the base scale set has no network interface configuration")
    primary_ip = _pick_primary((primary_nic.get("properties") or {}).get("ipConfigurations") or [])
    if primary_ip is None:
        raise ValueError("the base scale set's primary NIC has no IP configuration")
    primary_ip["properties"]["loadBalancerBackendAddressPools"] = [{"id": stage_pool_id}]
    return body


def create_scale_set_from_base(
    c: AzureClients,
    sub: str,
    rg: str,
    base_name: str,
    new_name: str,
    image_id: str,
    tags: dict[str, str],
    stage_pool_id: str,
    user_data: str | None = None,
    admin_password_secret_id: str | None = None,
    *,
    known_absent: bool = False,
    start_only: bool = False,
) -> ScaleSetSummary | Begun[ScaleSetSummary]:
    """Create `new_name` from the base scale set's model; return it as it is if it exists already
    (`known_absent`: the caller has just read that it does not, so it is not read again).

    `start_only=True` returns `Begun` as soon as Azure accepted the create (its summary as it will be once
    the operation succeeded, and the operation to follow) instead of waiting for the scale set.

    The image's definition is read (one GET) unless the image is a version of the base's own definition
    (`_specialized_image`): a specialized image gets no `osProfile`. For a base
    that logs in with a password, `admin_password_secret_id` names the Key Vault secret holding it;
    it is read here, just before the create, with the app's identity (`gateway.keyvault`), and goes
    nowhere but into the request body: never logged, never returned.

    The new model is the base's with: sku name/tier kept and capacity 0; location, zones, identity,
    plan, upgrade/orchestration/overprovision and every other settable field kept; server-generated and
    read-only fields dropped; the image reference set to `{"id": image_id}` only; `tags` as given; in
    every NIC IP configuration no load balancer backend pool, no inbound NAT pool (a NAT pool cannot be
    shared by two scale sets) and no application gateway pool, except the primary IP configuration of
    the primary NIC, which is in exactly `stage_pool_id`; `userData` set when given (else the base's,
    read with `$expand=userData`).

    What a GET returns and a create must not carry is dropped (ids, provisioning states, `uniqueId`,
    `timeCreated`s, the OS disk's `name`/`managedDisk.id`, extensions' ids and states, identities'
    principal/tenant ids). References are copied as they are: `networkProfile.healthProbe`, host group,
    proximity placement group, key vault `osProfile.secrets`, user-assigned identities (a system-assigned
    identity is a NEW principal: its role assignments do not follow), `plan`, `scaleInPolicy`,
    `upgradePolicy` (Automatic/Rolling: model changes then reach instances without `manualupgrade`).
    Secrets the API never returns cannot be copied: extensions' protected settings and `customData`
    are silently absent from the copy (use `userData` and Key Vault references instead).

    Raises `NotFoundError(SCALE_SET, base_name)` when the base does not exist and
    `BaseScaleSetNotCopyable` (naming the base and the reasons, see `base_copy_problems`) when its model
    cannot be copied; both before any write.
    """
    existing = None if known_absent else _get_model(c, sub, rg, new_name)
    if existing is not None:
        return Begun(summarize(existing), None) if start_only else summarize(existing)
    base = _get_model(c, sub, rg, base_name, expand="userData")
    if base is None:
        raise NotFoundError(SCALE_SET, base_name, f"(the base scale set) in resource group '{rg}'")
    problems = base_copy_problems(base, admin_password=admin_password_secret_id is not None)
    if problems:
        raise BaseScaleSetNotCopyable(base_name, problems)
    specialized = _specialized_image(c, base, image_id)
    body = new_scale_set_body(base, image_id, tags, stage_pool_id, user_data, specialized_image=specialized)
    os_profile = body["properties"]["virtualMachineProfile"].get("osProfile")
    if admin_password_secret_id is not None and isinstance(os_profile, dict) and password_login(os_profile):
        # Only where the OS logs in with a password: an SSH-only Linux profile takes none.
        os_profile["adminPassword"] = keyvault.read_secret(c, admin_password_secret_id)
    operations = c.compute(sub).virtual_machine_scale_sets
    if start_only:
        outcome = start(operations.begin_create_or_update, rg, new_name, cm.VirtualMachineScaleSet(body))
        del body, os_profile  # the password lives no longer than the request
        return _begun(outcome, lambda accepted: _created(accepted, new_name, tags))
    poller = operations.begin_create_or_update(rg, new_name, cm.VirtualMachineScaleSet(body))
    del body, os_profile  # the password lives no longer than the request
    return summarize(poller.result())


def _specialized_image(c: AzureClients, base: Any, image_id: str) -> bool:
    """Whether `image_id` is a specialized image (its copy then gets no `osProfile`). A version of the base's
    own image definition is what the base's is: Azure requires an `osProfile` with a generalized image and
    refuses one with a specialized image, so the base's model says it without reading the definition."""
    base_image = summarize(base).image_id
    if base_image and gallery.same_definition(base_image, image_id):
        return not ((_rest(base).get("properties") or {}).get("virtualMachineProfile") or {}).get("osProfile")
    definition = gallery.get_image_definition(c, image_id)
    return definition is not None and definition.specialized


def _created(accepted: Any | None, name: str, tags: dict[str, str]) -> ScaleSetSummary:
    """The new scale set as it will be once its create succeeded (Azure's first answer says `Creating`)."""
    if accepted is None:
        return ScaleSetSummary(name=name, id="", location="", tags=dict(tags), capacity=0,
                               provisioning_state="Succeeded", image_id=None, pool_ids=[])
    return replace(summarize(accepted), provisioning_state="Succeeded")


# -- changes (PATCH of the fields that change only) ----------------------------------------------


def _accepted_model(poller: Any) -> Any | None:
    """The model in the initial answer of a long-running operation not waited for (None when the
    answer had no body, e.g. a bare 202)."""
    try:
        return poller.result()
    except (ValueError, DecodeError):
        return None


def capacity_holds(current: ScaleSetSummary, capacity: int) -> bool:
    """The scale set has `capacity` and got there: a model whose last operation ended `Failed` (a scale-in
    that left instances running, a scale-out whose instances never came up) says the capacity it was asked
    for, not the one it has. Writing the same capacity again makes Compute reconcile the instances to it."""
    return current.capacity == capacity and current.provisioning_state.lower() != "failed"


def set_capacity(
    c: AzureClients, sub: str, rg: str, name: str, capacity: int, *, wait: bool = True,
    current: ScaleSetSummary | None = None, start_only: bool = False,
) -> ScaleSetSummary | Begun[ScaleSetSummary]:
    """PATCH sku.capacity only; no call when the scale set already has that capacity (`capacity_holds`).
    `current`: the scale set as the caller just read it (not read again).

    `wait=True` (default) waits for the long-running operation, which in Azure (and the emulator) ends
    when the instances are provisioned: a scale-out whose instances fail provisioning raises
    `HttpResponseError` (e.g. code `OSProvisioningClientError`). `wait=False` returns as soon as Azure
    accepted the change (provisioning state `Updating`); follow the instances with `instance_counts`.
    `start_only=True` returns `Begun` with the operation to follow (see `gateway.operations`).
    """
    if capacity < 0:
        raise ValueError(f"capacity must be >= 0, not {capacity}")
    if current is None:
        current = summarize(_require_model(c, sub, rg, name))
    if capacity_holds(current, capacity):
        return Begun(current, None) if start_only else current
    update = cm.VirtualMachineScaleSetUpdate(sku=cm.Sku(capacity=capacity))
    if start_only:
        outcome = start(c.compute(sub).virtual_machine_scale_sets.begin_update, rg, name, update)
        known = current
        return _begun(outcome, lambda accepted: replace(
            summarize(accepted) if accepted is not None else known, capacity=capacity,
            provisioning_state="Succeeded"))
    poller = c.compute(sub).virtual_machine_scale_sets.begin_update(rg, name, update, polling=wait)
    if wait:
        return summarize(poller.result())
    accepted = _accepted_model(poller)
    if accepted is not None and (_rest(accepted).get("sku") or {}).get("capacity") is not None:
        return summarize(accepted)
    return replace(current, capacity=capacity, provisioning_state="Updating")


def _merge_pools(current: list[str], remove: list[str], add: list[str]) -> list[str]:
    result = [p for p in current if not any(same_id(p, r) for r in remove)]
    for pool in add:
        if not any(same_id(pool, p) for p in result):
            result.append(pool)
    return result


def update_pools_and_tags(
    c: AzureClients,
    sub: str,
    rg: str,
    name: str,
    *,
    remove_pool_ids: list[str] | tuple[str, ...] = (),
    add_pool_ids: list[str] | tuple[str, ...] = (),
    tags: dict[str, str] | None = None,
    merge_tags: dict[str, str] | None = None,
    model: Any | None = None,
    capacity: int | None = None,
    start_only: bool = False,
) -> bool | Begun[Any | None]:
    """Change the primary IP configuration's backend pools and the tags in ONE PATCH.

    `model`: the scale set as the caller just read it (`read_model`; not read again). `capacity`: also set
    the capacity in the same PATCH (e.g. 0 for a scale set leaving every pool for good: its instances go,
    no upgrade needed). `start_only=True` returns `Begun`: its value None when nothing had to change, else
    the model Azure answered with (the caller's `model` when the answer had none), and the operation.

    One fresh GET, then one PATCH with the whole `networkInterfaceConfigurations` list (a PATCH replaces
    lists, so the other NIC and IP configurations are sent back unchanged) where the primary NIC's
    primary IP configuration's pools are the current ones minus `remove_pool_ids` plus `add_pool_ids`
    (ids compared case-insensitively), and `tags` as the complete new tag set (PATCH replaces tags;
    None leaves tags alone). `merge_tags` (optional) is laid over `tags`, or over the tags of the fresh
    GET when `tags` is None (e.g. `merge_tags={"BG_VERSION": "BLUE"}`). Returns False, with no PATCH,
    when all already hold and the model's last operation did not fail. The instances pick the change up only through `manual_upgrade` (upgrade
    policy Manual). Raises `NotFoundError` when the scale set does not exist.
    """
    if model is None:
        model = _require_model(c, sub, rg, name)
    body = model.as_dict(exclude_readonly=True)
    current_tags = dict(body.get("tags") or {})
    if merge_tags:
        tags = {**(current_tags if tags is None else tags), **merge_tags}
    primary = _primary_ip_config(body)
    current_pools = _pool_ids(primary)
    new_pools = _merge_pools(current_pools, list(remove_pool_ids), list(add_pool_ids))

    pools_hold = sorted(p.lower() for p in new_pools) == sorted(p.lower() for p in current_pools)
    tags_hold = tags is None or dict(tags) == current_tags
    capacity_holds_ = capacity is None or capacity_holds(summarize(model), capacity)
    # As for a capacity (`capacity_holds`): after an operation that ended Failed the model says the pools it
    # was asked for, not what the instances got; the same PATCH again makes Compute carry it out.
    settled = summarize(model).provisioning_state.lower() != "failed"
    if pools_hold and tags_hold and capacity_holds_ and settled:
        return Begun(None, None) if start_only else False
    if primary is None and not pools_hold:
        raise ValueError(f"scale set '{name}' has no IP configuration to put in a backend pool")

    fields: dict[str, Any] = {}
    if capacity is not None:
        fields["sku"] = cm.Sku(capacity=capacity)
    if not tags_hold:
        fields["tags"] = dict(tags or {})
    if not pools_hold:
        primary.setdefault("properties", {})["loadBalancerBackendAddressPools"] = [{"id": p} for p in new_pools]
        nics = [cm.VirtualMachineScaleSetUpdateNetworkConfiguration(nic) for nic in _nic_configs(body)]
        fields["properties"] = cm.VirtualMachineScaleSetUpdateProperties(
            virtual_machine_profile=cm.VirtualMachineScaleSetUpdateVMProfile(
                network_profile=cm.VirtualMachineScaleSetUpdateNetworkProfile(
                    network_interface_configurations=nics
                )
            )
        )
    update = cm.VirtualMachineScaleSetUpdate(**fields)
    if start_only:
        outcome = start(c.compute(sub).virtual_machine_scale_sets.begin_update, rg, name, update)
        return _begun(outcome, lambda accepted: model if accepted is None else accepted)
    c.compute(sub).virtual_machine_scale_sets.begin_update(rg, name, update).result()
    return True


def upgrade_mode_of(model: Any) -> str:
    """The model's upgrade policy mode (`Manual` when it says none, as Azure defaults it)."""
    return str(((_rest(model).get("properties") or {}).get("upgradePolicy") or {}).get("mode") or "Manual")


def manual_upgrade(
    c: AzureClients, sub: str, rg: str, name: str, *, wait: bool = True, upgrade_mode: str | None = None,
    start_only: bool = False,
) -> int | Begun[int]:
    """Bring every instance not on the latest model to it with ONE `manualupgrade` call.

    Reads one VM list; returns how many instances were named (0, and no call, when all are current).
    `wait=False` returns once Azure accepted the upgrade (follow it with `instance_counts().latest_model`).

    Only for upgrade policy Manual (one scale-set GET decides): with Automatic or Rolling, Azure applies
    a model change to the instances by itself (Rolling: in health-checked batches), and a manual upgrade
    on top would race the platform's own upgrade; then no call is made and 0 is returned, and callers
    follow `instance_counts().latest_model` as for `wait=False`. `upgrade_mode`: the mode as the caller
    knows it from a model it just read or wrote (then no GET). `start_only=True` returns `Begun` with the
    count and the operation to follow.
    """
    compute = c.compute(sub)
    mode = upgrade_mode or upgrade_mode_of(_require_model(c, sub, rg, name))
    if mode.lower() != "manual":
        return Begun(0, None) if start_only else 0
    try:
        vms = list(compute.virtual_machine_scale_set_vms.list(rg, name))
    except ResourceNotFoundError as exc:
        raise NotFoundError(SCALE_SET, name, f"in resource group '{rg}'") from exc
    stale = [
        vm.instance_id
        for vm in vms
        if vm.instance_id is not None and not ((_rest(vm).get("properties") or {}).get("latestModelApplied"))
    ]
    if not stale:
        return Begun(0, None) if start_only else 0
    if start_only:
        outcome = start(compute.virtual_machine_scale_sets.begin_update_instances, rg, name,
                        cm.VirtualMachineScaleSetVMInstanceRequiredIDs(instance_ids=stale))
        return _begun(outcome, lambda _: len(stale))
    poller = compute.virtual_machine_scale_sets.begin_update_instances(
        rg, name, cm.VirtualMachineScaleSetVMInstanceRequiredIDs(instance_ids=stale), polling=wait
    )
    if wait:
        poller.result()
    return len(stale)


def delete_scale_set(
    c: AzureClients, sub: str, rg: str, name: str, *, wait: bool = True, known_present: bool = False,
    start_only: bool = False,
) -> bool | Begun[bool]:
    """Delete the scale set; False when it did not exist (Azure answers DELETE of nothing with 204,
    so existence is read first, unless the caller just read it: `known_present`). `wait=False` returns once
    Azure accepted the deletion (the scale set may still be listed, provisioning state `Deleting`; deleting
    it again is harmless). `start_only=True` returns `Begun` with the operation to follow."""
    if not known_present and _get_model(c, sub, rg, name) is None:
        return Begun(False, None) if start_only else False
    if start_only:
        try:
            outcome = start(c.compute(sub).virtual_machine_scale_sets.begin_delete, rg, name)
        except ResourceNotFoundError:
            return Begun(False, None)
        return _begun(outcome, lambda _: True)
    try:
        poller = c.compute(sub).virtual_machine_scale_sets.begin_delete(rg, name, polling=wait)
        if wait:
            poller.result()
    except ResourceNotFoundError:
        return False
    return True


RATE_LIMIT_HEADER = "x-ms-ratelimit-remaining-resource"


@dataclass(frozen=True)
class InstancePoll:
    """One poll of a scale set's instances, and what Compute said was left of its read budget (its
    `x-ms-ratelimit-remaining-resource` header as {policy: requests left}; empty when it sent none)."""

    counts: InstanceCounts
    rate_limit_remaining: dict[str, int]


def poll_instances(c: AzureClients, sub: str, rg: str, name: str) -> InstancePoll:
    """`instance_counts`, with the rate-limit header of the list's answer (its last page's)."""
    headers: list[str] = []

    def keep_header(response: Any) -> None:
        value = response.http_response.headers.get(RATE_LIMIT_HEADER)
        if value:
            headers.append(value)

    counts = _count_instances(c, sub, rg, name, raw_response_hook=keep_header)
    return InstancePoll(counts, rate_limit_remaining(headers[-1] if headers else None))


def instance_counts(c: AzureClients, sub: str, rg: str, name: str) -> InstanceCounts:
    """One `virtualMachines?$expand=instanceView` list call (never one GET per VM).

    `health_reported` counts instances whose instance view has a `vmHealth` status at all: 0 with
    provisioned instances means the scale set does not monitor health (see `domain.steady_state`)."""
    return _count_instances(c, sub, rg, name)


def _count_instances(c: AzureClients, sub: str, rg: str, name: str, **kwargs: Any) -> InstanceCounts:
    try:
        vms = list(c.compute(sub).virtual_machine_scale_set_vms.list(rg, name, expand="instanceView", **kwargs))
    except ResourceNotFoundError as exc:
        raise NotFoundError(SCALE_SET, name, f"in resource group '{rg}'") from exc
    total = provisioned = healthy = failed = latest = reported = 0
    for vm in vms:
        props = _rest(vm).get("properties") or {}
        total += 1
        state = (props.get("provisioningState") or "").lower()
        # vmHealth exists only when the scale set monitors health (Application Health extension or
        # networkProfile.healthProbe); its codes: HealthState/healthy, unhealthy, initializing, unknown.
        code = ((((props.get("instanceView") or {}).get("vmHealth") or {}).get("status") or {}).get("code") or "")
        if code:
            reported += 1
        if props.get("latestModelApplied"):
            latest += 1
        if state == "failed":
            failed += 1
        if state == "succeeded":
            provisioned += 1
            if code.lower() == "healthstate/healthy":
                healthy += 1
    return InstanceCounts(total=total, provisioned=provisioned, healthy=healthy, failed=failed, latest_model=latest,
                          health_reported=reported)
