"""Target validation's reads (gateway/validation.py) against the ARM emulator: each resource once, and
no read whose answer cannot change a check."""

from __future__ import annotations

import pytest
from azure.mgmt.compute import models as cm

from domain.spec import parse_spec
from gateway import validation
from tests.gateway.seed import LOCATION, Target, create_image_version


def spec_of(t: Target, image_id: str, base: str | None = None):
    return parse_spec({"subscriptionId": t.sub, "resourceGroup": t.rg, "name": "web", "baseVmss": base or t.base,
                       "image": image_id, "loadBalancer": t.lb, "prodBackendPool": t.prod_pool,
                       "stageBackendPool": t.stage_pool})


def reads(emulator_admin, since: int) -> list[str]:
    return [f"{e['method']} {e['path'].split('/providers/', 1)[1]}" for e in emulator_admin.requests_since(since)]


@pytest.mark.parametrize("with_scale_sets", [False, True], ids=["base GET", "scale-set list"])
def test_a_new_version_of_the_base_s_own_image_definition_is_validated_in_three_reads(
        clients, target, emulator_admin, with_scale_sets):
    t = target
    image = create_image_version(clients, t, "1.1.0")
    since = emulator_admin.last_seq()
    read = validation.read_target(clients, spec_of(t, image), with_scale_sets=with_scale_sets)
    assert read.problems == [] and read.inspection is not None and read.inspection.summary.name == t.base
    base_read = ("GET Microsoft.Compute/virtualMachineScaleSets" if with_scale_sets
                 else f"GET Microsoft.Compute/virtualMachineScaleSets/{t.base}")
    # no image definition: a version of the base's own definition has its OS type and generation
    assert reads(emulator_admin, since) == [f"GET Microsoft.Network/loadBalancers/{t.lb}", base_read,
                                            f"GET Microsoft.Compute/galleries/{t.gallery}/images/{t.image}/versions/1.1.0"]
    if with_scale_sets:
        assert [s.name for s in read.scale_sets] == [t.base]
    else:
        assert read.scale_sets is None


def test_an_image_of_another_definition_is_still_checked_against_the_base_s(clients, target, emulator_admin):
    t = target
    compute = clients.compute(t.sub)
    compute.gallery_images.begin_create_or_update(t.rg, t.gallery, "web-image-gen1", cm.GalleryImage({
        "location": LOCATION,
        "properties": {"osType": "Linux", "osState": "Generalized", "hyperVGeneration": "V1",
                       "identifier": {"publisher": "contoso", "offer": "web", "sku": "v1"}},
    })).result()
    other = Target(t.sub, t.rg, image="web-image-gen1")
    image = create_image_version(clients, other, "1.0.0")
    since = emulator_admin.last_seq()
    read = validation.read_target(clients, spec_of(t, image), with_scale_sets=True)
    assert any("Hyper-V generation V1" in p for p in read.problems), read.problems
    definitions = [r for r in reads(emulator_admin, since) if r.rsplit("/", 2)[-2] == "images"]
    assert sorted(definitions) == [f"GET Microsoft.Compute/galleries/{t.gallery}/images/{t.image}",
                                   f"GET Microsoft.Compute/galleries/{t.gallery}/images/web-image-gen1"]


def test_a_missing_base_is_refused_alike_whether_read_by_get_or_from_the_list(clients, target):
    t = target
    spec = spec_of(t, t.versions["1.0.0"], base="not-there")
    by_get = validation.read_target(clients, spec)
    by_list = validation.read_target(clients, spec, with_scale_sets=True)
    assert by_get.problems and by_list.problems == by_get.problems
    assert by_list.inspection is None and [s.name for s in by_list.scale_sets] == [t.base]


@pytest.mark.parametrize("with_scale_sets", [False, True], ids=["base GET", "scale-set list"])
def test_a_resource_group_that_does_not_exist_is_a_problem_not_an_error(clients, target, with_scale_sets):
    """Azure answers a list in a missing resource group 404 ResourceGroupNotFound, as it answers the GET."""
    missing = Target(target.sub, "rg-that-does-not-exist")
    read = validation.read_target(clients, spec_of(missing, f"/subscriptions/{missing.sub}/resourceGroups/{missing.rg}/providers/Microsoft.Compute/"
                                           f"galleries/g/images/web/versions/1.0.0"),
                                  with_scale_sets=with_scale_sets)
    assert read.inspection is None and read.problems
    assert read.scale_sets in (None, [])
