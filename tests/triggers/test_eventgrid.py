"""The Event Grid function's decisions: which events count, which version, which profiles, which id."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import azure.functions as func
import pytest

from domain.resource_ids import ImageVersionId
from triggers import eventgrid
from triggers.eventgrid import (
    deployment_instance_id,
    excluded_from_latest_note,
    handle_event,
    parse_event,
    read_event,
    select_profiles,
)

from .events import IMAGE_VERSION_WRITE, adapt, fixture_event, to_cloud_event

SUB = "8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b"
IMAGE_DEF = f"/subscriptions/{SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal/images/web"
VERSION = f"{IMAGE_DEF}/versions/1.4.0"


def profile_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "subscriptionId": SUB,
        "resourceGroup": "rg-web",
        "name": "web",
        "baseVmss": "web-base",
        "loadBalancer": "web-lb",
        "prodBackendPool": "prod-backend-pool",
        "stageBackendPool": "stage-backend-pool",
        "imageDefinition": IMAGE_DEF,
    }
    doc.update(changes)
    return doc


# --- which events count -------------------------------------------------------------------------------


def test_the_fixture_adapted_to_an_image_version_is_accepted():
    event, verdict = parse_event(adapt(fixture_event(), VERSION))
    assert verdict.accepted, verdict.reason
    assert verdict.image_version == ImageVersionId.parse(VERSION)
    assert event.schema == "EventGrid"
    assert event.operation_name == IMAGE_VERSION_WRITE
    assert event.correlation_id


def test_the_fixture_as_is_is_ignored_it_is_a_storage_account_write():
    _event, verdict = parse_event(fixture_event())
    assert verdict.outcome == "ignored"
    assert "Microsoft.Storage/storageAccounts/write" in verdict.reason


def test_a_cloud_event_is_accepted():
    event, verdict = parse_event(to_cloud_event(adapt(fixture_event(), VERSION)))
    assert verdict.accepted, verdict.reason
    assert event.schema == "CloudEvents"
    assert verdict.image_version.version == "1.4.0"


def test_a_cloud_event_whose_subject_is_relative_to_its_source():
    cloud = to_cloud_event(adapt(fixture_event(), VERSION))
    cloud["source"] = f"/subscriptions/{SUB}/resourceGroups/rg-images"
    cloud["subject"] = "/providers/Microsoft.Compute/galleries/gal/images/web/versions/1.4.0"
    _event, verdict = parse_event(cloud)
    assert verdict.accepted, verdict.reason
    assert verdict.image_version.id == VERSION


def test_the_worker_objects_are_read_like_the_json():
    adapted = adapt(fixture_event(), VERSION)
    grid = func.EventGridEvent(id=adapted["id"], data=adapted["data"], topic=adapted["topic"],
                               subject=adapted["subject"], event_type=adapted["eventType"], event_time=None,
                               data_version="2")
    assert parse_event(grid)[1].image_version.id == VERSION
    cloud = to_cloud_event(adapted)
    worker_cloud = func.CloudEvent(id=cloud["id"], source=cloud["source"], type=cloud["type"], specversion="1.0",
                                   time=None, subject=cloud["subject"], data=cloud["data"])
    event, verdict = parse_event(worker_cloud)
    assert verdict.accepted and event.schema == "CloudEvents"


def test_a_json_string_and_a_one_event_array_are_read_too():
    adapted = adapt(fixture_event(), VERSION)
    assert parse_event(json.dumps(adapted))[1].accepted
    assert parse_event([adapted])[1].accepted


def test_operation_and_event_type_compare_case_insensitively():
    adapted = adapt(fixture_event(), VERSION, operation=IMAGE_VERSION_WRITE.upper())
    adapted["eventType"] = adapted["eventType"].lower()
    assert parse_event(adapted)[1].accepted


@pytest.mark.parametrize("event_type", [
    "Microsoft.Resources.ResourceDeleteSuccess",
    "Microsoft.Resources.ResourceWriteFailure",
    "Microsoft.Resources.ResourceActionSuccess",
    "Microsoft.EventGrid.SubscriptionValidationEvent",
])
def test_other_event_types_are_ignored(event_type):
    adapted = adapt(fixture_event(), VERSION)
    adapted["eventType"] = event_type
    _event, verdict = parse_event(adapted)
    assert verdict.outcome == "ignored"
    assert event_type in verdict.reason


@pytest.mark.parametrize("operation", [
    "Microsoft.Compute/galleries/images/versions/delete",
    "Microsoft.Compute/galleries/images/write",
    "Microsoft.Compute/virtualMachineScaleSets/write",
    None,
])
def test_other_operations_are_ignored(operation):
    adapted = adapt(fixture_event(), VERSION)
    if operation is None:
        del adapted["data"]["operationName"]
    else:
        adapted["data"]["operationName"] = operation
    assert parse_event(adapted)[1].outcome == "ignored"


@pytest.mark.parametrize("subject", [
    IMAGE_DEF,  # the image definition, not a version
    f"{IMAGE_DEF}/versions/latest",
    f"{IMAGE_DEF}/versions/1.4",
    "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0",
    f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x",
    "garbage",
    "",
])
def test_a_subject_that_is_not_an_image_version_is_rejected(subject):
    _event, verdict = parse_event(adapt(fixture_event(), VERSION, subject=subject))
    assert verdict.outcome == "rejected"
    assert verdict.image_version is None
    assert "subject" in verdict.reason


def test_an_unreadable_event_is_rejected():
    assert parse_event("{not json")[1].outcome == "rejected"
    assert parse_event(42)[1].outcome in ("rejected", "ignored")


def test_data_sent_as_a_json_string_is_read():
    adapted = adapt(fixture_event(), VERSION)
    adapted["data"] = json.dumps(adapted["data"])
    assert read_event(adapted).operation_name == IMAGE_VERSION_WRITE


# --- deterministic ids --------------------------------------------------------------------------------


def test_instance_ids_are_deterministic_per_profile_and_version():
    first = deployment_instance_id("web", VERSION)
    assert first == deployment_instance_id("web", VERSION)
    assert first.startswith("evt-") and len(first) == 4 + 32
    assert first != deployment_instance_id("web", f"{IMAGE_DEF}/versions/1.5.0")
    assert first != deployment_instance_id("web-canary", VERSION)


def test_instance_ids_ignore_the_case_of_the_arm_id():
    shouted = VERSION.replace("resourceGroups", "RESOURCEGROUPS").replace("rg-images", "RG-IMAGES")
    assert deployment_instance_id("web", shouted) == deployment_instance_id("web", VERSION)
    assert deployment_instance_id("web", VERSION + "/") == deployment_instance_id("web", VERSION)


# --- which profiles -----------------------------------------------------------------------------------


def test_profiles_following_the_parent_image_are_selected_case_insensitively():
    version = ImageVersionId.parse(VERSION)
    documents = [
        ("web", profile_doc()),
        ("web-shouting", profile_doc(imageDefinition=IMAGE_DEF.upper().replace("SUBSCRIPTIONS", "subscriptions")
                                     .replace(SUB.upper(), SUB))),
        ("other-image", profile_doc(imageDefinition=IMAGE_DEF.replace("/images/web", "/images/api"))),
        ("disabled", profile_doc(enabled=False)),
        ("broken", {"imageDefinition": IMAGE_DEF}),
    ]
    chosen, notes = select_profiles(documents, version)
    assert [c.name for c in chosen] == ["web", "web-shouting"]
    assert any("[disabled]" in note and "disabled" in note for note in notes)
    assert any("[broken]" in note and "invalid" in note for note in notes)
    assert not any("other-image" in note for note in notes)


def test_no_profile_for_an_unknown_image():
    unknown = ImageVersionId.parse(VERSION.replace("/images/web/", "/images/unknown/"))
    assert select_profiles([("web", profile_doc())], unknown) == ([], [])


def test_excluded_from_latest_is_skipped_unless_the_profile_says_so():
    version = ImageVersionId.parse(VERSION)
    (default,), _ = select_profiles([("web", profile_doc())], version)
    (opted_in,), _ = select_profiles([("web", profile_doc(deployExcludedFromLatest=True))], version)
    assert "excluded from latest" in excluded_from_latest_note(default, True, "1.4.0")
    assert excluded_from_latest_note(default, False, "1.4.0") is None
    assert excluded_from_latest_note(opted_in, True, "1.4.0") is None


# --- the function's flow, with in-memory stand-ins for storage and the durable client ----------------


class FakeClient:
    def __init__(self) -> None:
        self.instances: set[str] = set()

    async def get_status(self, instance_id: str):
        await asyncio.sleep(0)
        return instance_id in self.instances


class FakeMarkers:
    def __init__(self) -> None:
        self.keys: set[str] = set()

    def mark_once(self, key: str, content: str = "") -> bool:
        if key in self.keys:
            return False
        self.keys.add(key)
        return True

    def unmark(self, key: str) -> bool:
        self.keys.discard(key)
        return True


class FakeProfiles:
    def __init__(self, docs: dict[str, dict[str, Any]]) -> None:
        self.docs = docs

    def list(self):
        return [(name, doc, '"etag"') for name, doc in sorted(self.docs.items())]


@pytest.fixture
def wired(monkeypatch):
    client, markers = FakeClient(), FakeMarkers()
    profiles = FakeProfiles({"web": profile_doc(), "web-excluded-ok": profile_doc(name="web2",
                                                                                   deployExcludedFromLatest=True)})
    started: list[tuple[str, Any, bool]] = []
    excluded = {"value": False}

    async def start(client_, spec, deployment_id, source, queue_when_busy):
        await asyncio.sleep(0)
        client_.instances.add(deployment_id)
        started.append((deployment_id, source, queue_when_busy))
        return None

    monkeypatch.setattr(eventgrid, "_profiles", lambda: profiles)
    monkeypatch.setattr(eventgrid, "_markers", lambda: markers)
    monkeypatch.setattr(eventgrid, "start_deployment", start)
    monkeypatch.setattr(eventgrid, "_exclude_from_latest", lambda _id: excluded["value"])
    return client, markers, profiles, started, excluded


def test_one_deployment_per_matching_profile_queued_when_busy(wired):
    client, _markers, _profiles, started, _excluded = wired
    ids = asyncio.run(handle_event(adapt(fixture_event(), VERSION), client))
    assert sorted(ids) == sorted([deployment_instance_id("web", VERSION),
                                  deployment_instance_id("web-excluded-ok", VERSION)])
    assert all(queue for _id, _source, queue in started)
    source = started[0][1]
    assert source.kind == "eventgrid" and source.image_version == VERSION and source.correlation_id


def test_redeliveries_start_nothing_new_sequentially_and_concurrently(wired):
    client, _markers, _profiles, started, _excluded = wired
    event = adapt(fixture_event(), VERSION)

    async def deliver_concurrently():
        return await asyncio.gather(*(handle_event(event, client) for _ in range(10)))

    results = asyncio.run(deliver_concurrently())
    assert sum(len(r) for r in results) == 2
    for _ in range(10):
        assert asyncio.run(handle_event(event, client)) == []
    assert len(started) == 2


def test_a_started_marker_without_an_instance_still_blocks_a_second_start(wired):
    # The marker is the guard against two concurrent deliveries that both saw no instance yet.
    client, markers, _profiles, started, _excluded = wired
    markers.keys.add(deployment_instance_id("web", VERSION))
    ids = asyncio.run(handle_event(adapt(fixture_event(), VERSION), client))
    assert ids == [deployment_instance_id("web-excluded-ok", VERSION)]


def test_a_failed_start_releases_the_marker_for_the_redelivery(wired, monkeypatch):
    client, markers, _profiles, _started, _excluded = wired

    async def broken(*_args, **_kwargs):
        raise RuntimeError("task hub unavailable")

    monkeypatch.setattr(eventgrid, "start_deployment", broken)
    with pytest.raises(RuntimeError):
        asyncio.run(handle_event(adapt(fixture_event(), VERSION), client))
    assert markers.keys == set()


def test_excluded_from_latest_versions_go_only_to_profiles_that_opt_in(wired):
    client, _markers, _profiles, _started, excluded = wired
    excluded["value"] = True
    ids = asyncio.run(handle_event(adapt(fixture_event(), VERSION), client))
    assert ids == [deployment_instance_id("web-excluded-ok", VERSION)]


def test_a_version_that_does_not_exist_is_not_deployed(wired):
    client, _markers, _profiles, started, excluded = wired
    excluded["value"] = None
    ids = asyncio.run(handle_event(adapt(fixture_event(), VERSION), client))
    # The opted-in profile does not read the version: the orchestration checks it exists.
    assert ids == [deployment_instance_id("web-excluded-ok", VERSION)]


def test_ignored_and_rejected_events_read_no_profile(wired, caplog):
    client, _markers, profiles, started, _excluded = wired
    profiles.docs.clear()
    caplog.set_level("INFO", logger="vmss_bluegreen.eventgrid")
    asyncio.run(handle_event(fixture_event(), client))
    asyncio.run(handle_event(adapt(fixture_event(), VERSION, subject="/subscriptions/x"), client))
    assert started == []
    assert "ignored" in caplog.text and "rejected" in caplog.text
