"""What the app's code asks of Azure, read from its source: the settings it reads and the SDK calls it
makes, mapped to the RBAC actions Azure checks for them. Shared by the template checks and the
least-privilege check over an end-to-end run's ARM requests."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_SOURCES = ["function_app.py", "activities", "domain", "gateway", "orchestrators", "triggers"]

# (operations group of the SDK client, method) -> the RBAC action Azure checks for that call.
SDK_CALL_ACTIONS: dict[tuple[str, str], str] = {
    ("virtual_machine_scale_sets", "get"): "Microsoft.Compute/virtualMachineScaleSets/read",
    ("virtual_machine_scale_sets", "list"): "Microsoft.Compute/virtualMachineScaleSets/read",
    ("virtual_machine_scale_sets", "begin_create_or_update"): "Microsoft.Compute/virtualMachineScaleSets/write",
    ("virtual_machine_scale_sets", "begin_update"): "Microsoft.Compute/virtualMachineScaleSets/write",
    ("virtual_machine_scale_sets", "begin_delete"): "Microsoft.Compute/virtualMachineScaleSets/delete",
    ("virtual_machine_scale_sets", "begin_update_instances"):
        "Microsoft.Compute/virtualMachineScaleSets/manualUpgrade/action",
    ("virtual_machine_scale_set_vms", "list"): "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read",
    ("gallery_images", "get"): "Microsoft.Compute/galleries/images/read",
    ("gallery_image_versions", "get"): "Microsoft.Compute/galleries/images/versions/read",
    ("load_balancers", "get"): "Microsoft.Network/loadBalancers/read",
    ("load_balancer_backend_address_pools", "get"): "Microsoft.Network/loadBalancers/backendAddressPools/read",
    ("autoscale_settings", "get"): "Microsoft.Insights/autoscalesettings/read",
    ("autoscale_settings", "list_by_resource_group"): "Microsoft.Insights/autoscalesettings/read",
    ("autoscale_settings", "list_by_subscription"): "Microsoft.Insights/autoscalesettings/read",
    ("autoscale_settings", "create_or_update"): "Microsoft.Insights/autoscalesettings/write",
    ("autoscale_settings", "delete"): "Microsoft.Insights/autoscalesettings/delete",
}
OPERATION_GROUPS = {group for group, _method in SDK_CALL_ACTIONS}

# azure-core polls every long-running operation (`begin_*`) at the Azure-AsyncOperation/Location URL
# the first answer names: /subscriptions/{s}/providers/Microsoft.Compute/locations/{l}/operations/{id}.
LRO_POLL_ACTION = "Microsoft.Compute/locations/operations/read"

# Linked access: writing a scale set model that references another resource makes Azure check a
# join/read action on that resource. The deployer writes models copied from the base scale set.
LINKED_ACCESS_ACTIONS = {
    "Microsoft.Network/loadBalancers/backendAddressPools/join/action":
        "every model written names the stage or prod backend pool",
    "Microsoft.Network/virtualNetworks/subnets/join/action": "every NIC IP configuration names its subnet",
    "Microsoft.Network/loadBalancers/probes/join/action": "networkProfile.healthProbe of a health-checked base",
    "Microsoft.Network/networkSecurityGroups/join/action": "a NIC configuration with a network security group",
    "Microsoft.Network/applicationSecurityGroups/joinIpConfiguration/action":
        "an IP configuration with application security groups",
    "Microsoft.Compute/galleries/images/versions/read": "the image reference of the new scale set",
}

# Settings the code reads that must NOT be set on Azure, and why.
LOCAL_ONLY_SETTINGS = {
    "ARM_CA_BUNDLE": "trusts the local ARM emulator's CA; Azure's certificates need no bundle",
    "KEYVAULT_ENDPOINT": "the emulator's Key Vault endpoint, refused unless loopback (CONTRACT §2)",
}

# Settings of which one is enough: the storage connection string (local, Azurite) or its identity
# forms (Azure: no key).
ALTERNATIVE_SETTINGS = [
    {"AzureWebJobsStorage", "AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__accountName"},
]


def alternatives(setting: str) -> set[str]:
    """The setting and those that stand in for it."""
    for group in ALTERNATIVE_SETTINGS:
        if setting in group:
            return set(group)
    return {setting}


def app_python_files() -> list[Path]:
    files: list[Path] = []
    for entry in APP_SOURCES:
        path = ROOT / entry
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
    return constants


def _key_of(node: ast.AST, constants: dict[str, str]) -> str | None:
    """A setting name given as a literal or as a module-level string constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _is_environment(node: ast.AST) -> bool:
    """`os.environ`, `environ`, or a local named env/environ (Settings.from_env's mapping)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id in ("env", "environ", "environment")


def settings_read(files: list[Path] | None = None) -> dict[str, str]:
    """Every app setting the code reads from the environment -> where (file:line)."""
    found: dict[str, str] = {}
    for path in files or app_python_files():
        tree = ast.parse(path.read_text(), str(path))
        constants = _module_constants(tree)


        for node in ast.walk(tree):
            key = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "get" and _is_environment(func.value):
                    key = _key_of(node.args[0], constants)
                elif (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
                        isinstance(func, ast.Name) and func.id == "getenv"):
                    key = _key_of(node.args[0], constants)
            elif isinstance(node, ast.Subscript) and _is_environment(node.value):
                key = _key_of(node.slice, constants)
            if key:
                found.setdefault(key, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def reachable_gateway_functions() -> set[str]:
    """Names of gateway functions some code path of the app reaches: referenced from the app outside
    gateway/, or from a gateway function so referenced (by name; good enough for a flat module)."""
    gateway: dict[str, set[str]] = {}
    roots: set[str] = set()
    for path in app_python_files():
        tree = ast.parse(path.read_text(), str(path))
        if path.parent.name == "gateway":
            for function in _functions(tree):
                gateway.setdefault(function.name, set()).update(_names_used(function) - {function.name})
        else:
            roots |= _names_used(tree)
    reached = {name for name in gateway if name in roots}
    frontier = set(reached)
    while frontier:
        found = set().union(*(gateway[name] for name in frontier)) & set(gateway)
        frontier = found - reached
        reached |= frontier
    return reached


def sdk_calls(files: list[Path] | None = None, only_reachable: bool = True) -> dict[tuple[str, str], str]:
    """Every `<client>.<operations group>.<method>(...)` call of an Azure management SDK that a code path
    of the app reaches -> where."""
    reachable = reachable_gateway_functions() if only_reachable else None
    found: dict[tuple[str, str], str] = {}
    for path in files or app_python_files():
        tree = ast.parse(path.read_text(), str(path))
        for function in _functions(tree):
            if reachable is not None and path.parent.name == "gateway" and function.name not in reachable:
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    owner = node.func.value
                    if isinstance(owner, ast.Attribute) and re.fullmatch(r"[a-z_]+", owner.attr) and (
                            owner.attr in OPERATION_GROUPS or owner.attr.endswith(("_sets", "_vms", "_settings"))):
                        found.setdefault((owner.attr, node.func.attr), f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def actions_the_code_needs() -> dict[str, str]:
    """RBAC action -> why (the call, or the linked access), for everything the code does."""
    needed: dict[str, str] = {}
    for call, where in sdk_calls().items():
        needed.setdefault(SDK_CALL_ACTIONS[call], f"{call[0]}.{call[1]} at {where}")
        if call[1].startswith("begin_"):
            needed.setdefault(LRO_POLL_ACTION, f"polling {call[0]}.{call[1]} at {where}")
    for action, why in LINKED_ACCESS_ACTIONS.items():
        needed.setdefault(action, f"linked access: {why}")
    return needed
