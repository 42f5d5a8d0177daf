"""Resource snapshots: when a gallery image version is usable in a region."""

from domain.model import ImageVersionSummary


def test_a_version_replicated_to_the_scale_sets_region_is_ready_before_the_others():
    version = ImageVersionSummary("id", "1.4.0", "Succeeded", "InProgress",
                                  region_states={"West US": "Completed", "East Asia": "Replicating"})
    assert version.ready_in("westus") and not version.failed_in("westus")
    assert not version.ready_in("eastasia")
    assert ImageVersionSummary("id", "1.4.0", "Succeeded", "Completed").ready_in("anywhere")


def test_a_failed_replication_to_the_scale_sets_region_fails_it_there():
    version = ImageVersionSummary("id", "1.4.0", "Succeeded", "Failed",
                                  region_states={"West US": "Failed", "East US": "Completed"})
    assert version.failed_in("West US") and not version.failed_in("eastus")
    assert ImageVersionSummary("id", "1.4.0", "Succeeded", "Failed").failed_in("westus")
    assert ImageVersionSummary("id", "1.4.0", "Creating", "InProgress").ready_in("westus") is False


def test_a_completed_version_not_replicated_to_the_scale_sets_region_is_never_ready_there():
    version = ImageVersionSummary("id", "1.4.0", "Succeeded", "Completed", region_states={"East US": "Completed"})
    assert not version.ready_in("westus") and not version.targets_region("westus")
    assert version.ready_in("eastus") and version.targets_region("East US")
    assert ImageVersionSummary("id", "1.4.0", "Succeeded", "Completed").targets_region("anywhere")
