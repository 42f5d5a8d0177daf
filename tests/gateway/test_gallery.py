"""Compute Gallery reads through the gateway, against the ARM emulator."""

from __future__ import annotations

import pytest

from gateway import gallery
from gateway.errors import InvalidResourceIdError
from tests.gateway.seed import create_image_version, wait_until


def test_image_version_with_replication_state(clients, target):
    t = target
    version_id = create_image_version(clients, t, "1.4.0", tags={"owner": "web"}, exclude_from_latest=True)
    summary = wait_until(lambda: (s := gallery.get_image_version(clients, version_id)).replication_state == "Completed"
                         and s, timeout=60, what="replication Completed")
    assert summary.id.lower() == version_id.lower()
    assert summary.name == "1.4.0"
    assert summary.provisioning_state == "Succeeded"
    assert summary.exclude_from_latest is True
    assert summary.tags == {"owner": "web"}


def test_missing_image_version_is_none_and_bad_ids_are_refused(clients, target):
    t = target
    missing = t.image_definition_id() + "/versions/9.9.9"
    assert gallery.get_image_version(clients, missing) is None
    with pytest.raises(InvalidResourceIdError):
        gallery.get_image_version(clients, t.image_definition_id())


def test_image_version_replication_in_progress_then_completed(clients, target):
    t = target
    # 300 simulated seconds: about 3 s at the tests' time scale.
    version_id = create_image_version(clients, t, "2.0.0", tags={"emulator.replicationSeconds": "300"})
    first = gallery.get_image_version(clients, version_id)
    assert first.replication_state == "InProgress"
    wait_until(lambda: gallery.get_image_version(clients, version_id).replication_state == "Completed",
               timeout=60, what="replication Completed")


def test_image_version_replication_failed(clients, target):
    t = target
    version_id = create_image_version(clients, t, "3.0.0", tags={"emulator.replication": "failed",
                                                                  "emulator.replicationSeconds": "0"})
    assert gallery.get_image_version(clients, version_id).replication_state == "Failed"
