"""Compute Gallery: galleries, image definitions, versions, replication in simulated time."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import models as cm

from tests.arm_emulator.conftest import LOCATION, wait_until


def test_image_version_replicates_in_progress_then_completed(compute, seed):
    version = seed.version(compute, "1.0.0", tags={"emulator.replicationSeconds": "90"})
    assert version.provisioning_state == "Succeeded"
    got = compute.gallery_image_versions.get(seed.rg, seed.gallery, seed.image, "1.0.0", expand="ReplicationStatus")
    assert got.replication_status.aggregated_state == "InProgress"
    assert got.replication_status.summary[0].state == "Replicating"
    done = wait_until(lambda: (v := compute.gallery_image_versions.get(
        seed.rg, seed.gallery, seed.image, "1.0.0", expand="ReplicationStatus"))
        .replication_status.aggregated_state == "Completed" and v, "replication completed")
    assert done.replication_status.summary[0].state == "Completed"
    assert done.replication_status.summary[0].progress == 100


def test_replication_status_only_with_expand(compute, seed):
    seed.version(compute, "1.0.0")
    plain = compute.gallery_image_versions.get(seed.rg, seed.gallery, seed.image, "1.0.0")
    assert plain.replication_status is None


def test_replication_failure_tag_ends_failed(compute, seed):
    seed.version(compute, "1.0.0", tags={"emulator.replication": "failed", "emulator.replicationSeconds": "0"})
    got = compute.gallery_image_versions.get(seed.rg, seed.gallery, seed.image, "1.0.0", expand="ReplicationStatus")
    assert got.replication_status.aggregated_state == "Failed"


def test_versions_list_with_replication_status_and_target_regions(compute, seed):
    compute.gallery_image_versions.begin_create_or_update(seed.rg, seed.gallery, seed.image, "1.0.0",
        cm.GalleryImageVersion(location=LOCATION, publishing_profile=cm.GalleryImageVersionPublishingProfile(
            target_regions=[cm.TargetRegion(name="West Europe"), cm.TargetRegion(name="North Europe")]))).result()
    seed.version(compute, "1.1.0")
    versions = list(compute.gallery_image_versions.list_by_gallery_image(seed.rg, seed.gallery, seed.image))
    assert [v.name for v in versions] == ["1.0.0", "1.1.0"]
    got = compute.gallery_image_versions.get(seed.rg, seed.gallery, seed.image, "1.0.0", expand="ReplicationStatus")
    assert sorted(s.region for s in got.replication_status.summary) == ["North Europe", "West Europe"]


def test_galleries_and_images_get_and_list(compute, seed):
    assert compute.galleries.get(seed.rg, seed.gallery).provisioning_state == "Succeeded"
    assert [g.name for g in compute.galleries.list_by_resource_group(seed.rg)] == [seed.gallery]
    image = compute.gallery_images.get(seed.rg, seed.gallery, seed.image)
    assert image.identifier.publisher == "contoso" and image.os_type == "Linux"
    assert [i.name for i in compute.gallery_images.list_by_gallery(seed.rg, seed.gallery)] == [seed.image]


def test_version_under_missing_image_is_404_and_bad_version_name_is_400(compute, seed):
    with pytest.raises(ResourceNotFoundError):
        compute.gallery_image_versions.begin_create_or_update(
            seed.rg, seed.gallery, "nope", "1.0.0", cm.GalleryImageVersion(location=LOCATION))
    with pytest.raises(HttpResponseError) as info:
        compute.gallery_image_versions.begin_create_or_update(
            seed.rg, seed.gallery, seed.image, "v1", cm.GalleryImageVersion(location=LOCATION))
    assert info.value.status_code == 400


def test_image_definition_requires_identifier(compute, seed):
    with pytest.raises(HttpResponseError) as info:
        compute.gallery_images.begin_create_or_update(
            seed.rg, seed.gallery, "bad", {"location": LOCATION, "properties": {"osType": "Linux",
                                                                                "osState": "Generalized"}})
    assert info.value.status_code == 400


def test_image_version_delete(compute, seed):
    seed.version(compute, "1.0.0")
    compute.gallery_image_versions.begin_delete(seed.rg, seed.gallery, seed.image, "1.0.0").result()
    with pytest.raises(ResourceNotFoundError):
        compute.gallery_image_versions.get(seed.rg, seed.gallery, seed.image, "1.0.0")
