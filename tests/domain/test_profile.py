from __future__ import annotations

import pytest

from domain.spec import ProfileSpec, SpecError, parse_profile, parse_spec
from tests.domain.builders import GALLERY_IMAGE, IMAGE, SUB, profile_payload


def profile_problems(payload) -> set[str]:
    with pytest.raises(SpecError) as caught:
        parse_profile(payload)
    return {d["field"] for d in caught.value.details}


def test_profile_defaults_to_enabled_and_skipping_versions_excluded_from_latest():
    profile = parse_profile(profile_payload())
    assert profile.enabled is True
    assert profile.deploy_excluded_from_latest is False
    assert profile.image_definition == GALLERY_IMAGE


def test_profile_validates_like_a_spec():
    assert profile_problems(profile_payload(stageBackendPool="prod-backend-pool", versionsToKeep=1)) == {
        "stageBackendPool",
        "versionsToKeep",
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (profile_payload(imageDefinition=None), "imageDefinition"),
        (profile_payload(imageDefinition=IMAGE), "imageDefinition"),
        (profile_payload(imageDefinition="gal/web"), "imageDefinition"),
        (profile_payload(image=IMAGE), "image"),
        (profile_payload(enabled="yes"), "enabled"),
        (profile_payload(deployExcludedFromLatest=1), "deployExcludedFromLatest"),
        ([], ""),
    ],
    ids=[
        "missing definition",
        "version id",
        "not an id",
        "image given",
        "enabled string",
        "flag number",
        "array",
    ],
)
def test_malformed_profile_names_the_bad_field(payload, field):
    assert profile_problems(payload) == {field}


def test_profile_round_trips_through_json():
    profile = parse_profile(profile_payload(enabled=False, deployExcludedFromLatest=True, approval={}))
    document = profile.to_json()
    assert document["imageDefinition"] == GALLERY_IMAGE and document["enabled"] is False
    assert parse_profile(document) == profile


def test_profile_becomes_a_deployment_spec_for_a_version_of_its_image():
    profile = parse_profile(profile_payload(approval={"timeoutMinutes": 5}))
    spec = profile.to_deployment_spec(IMAGE)
    assert spec.image == IMAGE
    assert spec.approval.timeout_minutes == 5
    assert spec.name == profile.name and spec.infrastructure_id == profile.infrastructure_id
    assert parse_spec(spec.to_json()) == spec


def test_version_matches_its_definition_case_insensitively():
    profile = parse_profile(profile_payload())
    version = IMAGE.replace("Microsoft.Compute", "microsoft.compute").replace(
        "/galleries/gal/", "/galleries/GAL/"
    )
    assert profile.matches_image_version(version)
    assert profile.to_deployment_spec(version).image == version


def test_version_of_another_image_definition_is_refused_on_the_image_field():
    profile = parse_profile(profile_payload())
    other = f"/subscriptions/{SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal/images/api/versions/1.4.0"
    assert not profile.matches_image_version(other)
    with pytest.raises(SpecError) as caught:
        profile.to_deployment_spec(other)
    assert [d["field"] for d in caught.value.details] == ["image"]


def test_malformed_version_id_is_refused_on_the_image_field():
    profile = parse_profile(profile_payload())
    assert not profile.matches_image_version("1.4.0")
    with pytest.raises(SpecError) as caught:
        profile.to_deployment_spec(f"{GALLERY_IMAGE}/versions/latest")
    assert [d["field"] for d in caught.value.details] == ["image"]


def test_profile_is_a_spec_without_image():
    assert "image" not in ProfileSpec.model_fields
    assert "image" not in parse_profile(profile_payload()).to_json()
