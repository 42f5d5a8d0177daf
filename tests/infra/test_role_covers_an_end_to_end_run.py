"""Least privilege, checked (issue 11): the ARM requests of real deployments, mapped to the RBAC actions
Azure checks for them, against the custom role infra/ defines.

Three deployments through devhost and the ARM emulator: the first, a second that takes over an
autoscale setting across the swap, and a third, of an image of another definition, that deletes the
first by retention. Every request the
deployer made (the emulator's request log, between the POST and the end of each deployment) must be
allowed by the role; every action of the role must be used by the run or be explained in its comment
as one the run cannot show (linked access, optional).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import NEW_NAME, autoscale_body
from tests.infra.bicep import parse_all
from tests.infra.code_facts import LINKED_ACCESS_ACTIONS, ROOT
from tests.infra.test_templates import role_actions
from tests.support.arm import monitor_client

pytestmark = pytest.mark.e2e

_VERB = {"GET": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}
# Compute answers long-running operations with Azure-AsyncOperation (operations) and Location
# (operationResults) URLs under locations/{l}; Compute publishes one action for reading them.
_OPERATION_TYPES = {"locations/operationresults": "locations/operations",
                    "locations/operationstatuses": "locations/operations"}


def rbac_action(method: str, path: str) -> str:
    """The RBAC action Azure checks for an ARM request: provider + resource types + read/write/delete,
    or `<type>/<action>/action` for a POST to a resource's action."""
    path = path.split("?", 1)[0].rstrip("/")
    provider_part = path.rsplit("/providers/", 1)[1]
    segments = provider_part.split("/")
    namespace, rest = segments[0], segments[1:]
    types = rest[0::2]
    if method == "POST" and len(rest) % 2 == 1 and len(rest) > 1:
        # .../virtualMachineScaleSets/{name}/manualupgrade: an action on the resource
        return f"{namespace}/{'/'.join(types[:-1])}/{types[-1]}/action".lower()
    kind = "/".join(types).lower()
    kind = _OPERATION_TYPES.get(kind, kind)
    return f"{namespace}/{kind}/{_VERB[method]}".lower()


def test_the_action_mapping_follows_azures_operation_names():
    sub = "/subscriptions/s/resourceGroups/rg/providers"
    assert rbac_action("GET", f"{sub}/Microsoft.Compute/virtualMachineScaleSets?api-version=1") == \
        "microsoft.compute/virtualmachinescalesets/read"
    assert rbac_action("PATCH", f"{sub}/Microsoft.Compute/virtualMachineScaleSets/x") == \
        "microsoft.compute/virtualmachinescalesets/write"
    assert rbac_action("POST", f"{sub}/Microsoft.Compute/virtualMachineScaleSets/x/manualupgrade") == \
        "microsoft.compute/virtualmachinescalesets/manualupgrade/action"
    assert rbac_action("GET", f"{sub}/Microsoft.Compute/virtualMachineScaleSets/x/virtualMachines") == \
        "microsoft.compute/virtualmachinescalesets/virtualmachines/read"
    assert rbac_action("GET", "/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/operations/1") == \
        "microsoft.compute/locations/operations/read"
    assert rbac_action("DELETE", f"{sub}/microsoft.insights/autoscalesettings/a") == \
        "microsoft.insights/autoscalesettings/delete"


def deployer_requests(emulator_admin, since: int) -> list[dict]:
    return [r for r in emulator_admin.get("/_emulator/requests").json() if r["seq"] > since]


def last_seq(emulator_admin) -> int:
    entries = emulator_admin.get("/_emulator/requests").json()
    return entries[-1]["seq"] if entries else 0


def test_every_arm_request_of_three_deployments_is_allowed_by_the_role_and_the_role_has_nothing_unused(
        api, arm_emulator, emulator_admin, target, seeded, seeder):
    # The third image is of another definition (same OS type and generation): validation then reads both
    # definitions, which it skips for a new version of the base's own.
    seeder.target = replace(target, image="web-image-rebuilt")
    try:
        seeder.gallery_image()
        images = [*seeded, seeder.image_version("2.0.0")]
    finally:
        seeder.target = target
    requests: list[dict] = []

    def run(image: str, **overrides) -> None:
        since = last_seq(emulator_admin)
        deployment = api.deploy(spec_for(target, image, **overrides))
        assert api.wait(deployment)["status"] == "Succeeded", api.log(deployment)
        requests.extend(deployer_requests(emulator_admin, since))

    run(images[0])
    monitor_client(arm_emulator, target.subscription_id).autoscale_settings.create_or_update(
        target.resource_group, f"{NEW_NAME}__1_Autoscale", autoscale_body(target, f"{NEW_NAME}__1", 1, 4, 2))
    run(images[1])
    run(images[2], versionsToKeep=2)  # keeps the live one only: deletes __1

    used = {rbac_action(r["method"], r["path"]) for r in requests}
    granted = role_actions(parse_all(ROOT / "infra"))
    granted_lower = {action.lower(): action for action in granted}

    refused = {f"{r['method']} {r['path']}" for r in requests
               if rbac_action(r["method"], r["path"]) not in granted_lower}
    assert not refused, f"the role refuses what the deployer did: {sorted(refused)}"

    # The run exercised what least privilege is about (so `unused` below means something).
    assert {"microsoft.insights/autoscalesettings/write", "microsoft.insights/autoscalesettings/delete",
            "microsoft.compute/virtualmachinescalesets/delete",
            "microsoft.compute/virtualmachinescalesets/manualupgrade/action",
            "microsoft.compute/locations/operations/read"} <= used

    unused = {granted_lower[action] for action in set(granted_lower) - used}
    unexplained = set()
    for action in unused:
        _variable, comments, guard = granted[action]
        comment = comments[-1] if comments else ""
        linked = action in LINKED_ACCESS_ACTIONS and re.search(r"linked access", comment)
        optional = guard is not None and "optional" in comment
        if not (linked or optional):
            unexplained.add(action)
    assert not unexplained, f"granted, never used by a full run, and not explained: {sorted(unexplained)}"
