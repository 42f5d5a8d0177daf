from __future__ import annotations

import pytest

from domain.resource_ids import (
    ImageDefinitionId,
    ImageVersionId,
    ResourceId,
    autoscale_setting_id,
    name_from_id,
    same_resource,
    scale_set_id,
)
from tests.domain.builders import GALLERY_IMAGE, IMAGE, SUB


def test_image_version_id_parses_into_its_parts():
    parsed = ImageVersionId.parse(IMAGE)
    assert parsed == ImageVersionId(SUB, "rg-images", "gal", "web", "1.4.0")
    assert parsed.image_definition_id == GALLERY_IMAGE
    assert parsed.definition == ImageDefinitionId.parse(GALLERY_IMAGE)
    assert str(parsed) == parsed.id == IMAGE


def test_image_version_id_fixed_segments_match_in_any_case_and_names_keep_theirs():
    text = IMAGE.lower().replace("/gal/", "/Gal/")
    parsed = ImageVersionId.parse(text)
    assert parsed.gallery == "Gal"
    assert parsed.id.startswith(f"/subscriptions/{SUB}/resourceGroups/")  # canonical casing rebuilt


def test_image_version_id_tolerates_a_trailing_slash():
    assert ImageVersionId.parse(IMAGE + "/").version == "1.4.0"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1.4.0",
        IMAGE[1:],
        GALLERY_IMAGE,
        f"{GALLERY_IMAGE}/versions/latest",
        f"{GALLERY_IMAGE}/versions/1.4",
        f"{GALLERY_IMAGE}/versions/1.4.0.1",
        f"{GALLERY_IMAGE}/versions/1.4.x",
        f"{GALLERY_IMAGE}/versions/99999999999.0.0",
        IMAGE.replace(SUB, "not-a-guid"),
        IMAGE.replace("Microsoft.Compute", "Microsoft.Network"),
        IMAGE.replace("/galleries/", "/gallery/"),
        IMAGE.replace("/gal/", "//"),
        IMAGE + "//",
        IMAGE.replace("/gal/", "/g?x/"),
        IMAGE + "/extra/segment",
    ],
)
def test_malformed_image_version_ids_raise_value_error(text):
    with pytest.raises(ValueError, match="gallery image version"):
        ImageVersionId.parse(text)


def test_non_string_id_raises_value_error():
    with pytest.raises(ValueError):
        ImageVersionId.parse(None)  # type: ignore[arg-type]


def test_image_definition_id_parses_and_rejects_a_version_id():
    assert ImageDefinitionId.parse(GALLERY_IMAGE).image == "web"
    assert ImageDefinitionId.parse(GALLERY_IMAGE).version("2.0.0").id == GALLERY_IMAGE + "/versions/2.0.0"
    with pytest.raises(ValueError, match="image definition"):
        ImageDefinitionId.parse(IMAGE)


def test_builders_use_azure_canonical_casing():
    prefix = f"/subscriptions/{SUB}/resourceGroups/rg/providers"
    assert scale_set_id(SUB, "rg", "web__2") == f"{prefix}/Microsoft.Compute/virtualMachineScaleSets/web__2"
    assert (
        autoscale_setting_id(SUB, "rg", "web__2_Autoscale")
        == f"{prefix}/Microsoft.Insights/autoscalesettings/web__2_Autoscale"
    )


def test_generic_resource_id_parses_nested_types():
    pool = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/prod"
    parsed = ResourceId.parse(pool)
    assert (parsed.subscription, parsed.resource_group, parsed.namespace) == (SUB, "rg", "Microsoft.Network")
    assert parsed.types == ("loadBalancers", "backendAddressPools")
    assert parsed.names == ("lb", "prod") and parsed.name == "prod"
    assert parsed.id == pool


@pytest.mark.parametrize(
    "text",
    [f"/subscriptions/{SUB}/resourceGroups/rg", f"/subscriptions/{SUB}/resourceGroups/rg/providers/X/t", "x"],
)
def test_generic_resource_id_rejects_ids_without_a_resource(text):
    with pytest.raises(ValueError):
        ResourceId.parse(text)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (scale_set_id(SUB, "rg", "web"), scale_set_id(SUB, "RG", "WEB"), True),
        (scale_set_id(SUB, "rg", "web"), scale_set_id(SUB, "rg", "web").lower() + "/", True),
        (scale_set_id(SUB, "rg", "web"), scale_set_id(SUB, "rg", "web__1"), False),
        (scale_set_id(SUB, "rg", "web"), None, False),
        (None, None, False),
        ("", "", False),
    ],
)
def test_same_resource_ignores_case_and_a_trailing_slash(a, b, same):
    assert same_resource(a, b) is same


def test_name_from_id_is_the_last_segment():
    assert name_from_id(scale_set_id(SUB, "rg", "web__3") + "/") == "web__3"
