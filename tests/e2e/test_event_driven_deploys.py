"""Deploy by itself when a gallery image version appears (issue 5), end to end.

Events go through devhost's Event Grid endpoint (`/runtime/webhooks/eventgrid`) exactly as Event Grid
posts them; the event is the fixture of `../shared/arm-examples/eventgrid/` adapted to an emulator
image version (tests skip with a reason where `../shared` is absent). Profiles live in Azurite, the
deployments run in devhost against the ARM emulator.
"""

from __future__ import annotations

import concurrent.futures
import time
import uuid

import httpx
import pytest
from azure.mgmt.compute import models as cm

from tests.e2e.conftest import profile_for, spec_for
from tests.support.arm import compute_client
from tests.triggers.events import IMAGE_VERSION_WRITE, adapt, fixture_event, to_cloud_event
from triggers.eventgrid import FUNCTION_NAME, deployment_instance_id

pytestmark = pytest.mark.e2e

EVENTGRID_PATH = "/runtime/webhooks/eventgrid"


# --- helpers -------------------------------------------------------------------------------------------


def deliver(devhost, events, kind: str = "Notification", key: str | None = None) -> httpx.Response:
    """POST events the way Event Grid does (an array for the Event Grid schema, an object for CloudEvents)."""
    content_type = "application/cloudevents+json" if isinstance(events, dict) else "application/json"
    return httpx.post(f"{devhost.url}{EVENTGRID_PATH}", params={"functionName": FUNCTION_NAME},
                      json=events, timeout=30,
                      headers={"aeg-event-type": kind, "Content-Type": content_type,
                               "x-functions-key": devhost.eventgrid_key if key is None else key})


def deliver_ok(devhost, events) -> None:
    response = deliver(devhost, events)
    assert response.status_code == 200, response.text


def event_for(version_id: str, **changes) -> list[dict]:
    return [adapt(fixture_event(), version_id, **changes)]


@pytest.fixture
def profiles(api):
    """Create profiles (name -> document); all of them are deleted after the test."""
    created: list[str] = []

    def put(**documents: dict) -> dict[str, str]:
        names = {}
        for label, document in documents.items():
            name = f"{label}-{uuid.uuid4().hex[:8]}"
            response = api.http.put(f"/api/profiles/{name}", json=document)
            assert response.status_code == 201, response.text
            created.append(name)
            names[label] = name
        return names

    yield put
    for name in created:
        api.http.delete(f"/api/profiles/{name}")


def deployments_in(api, target) -> list[dict]:
    response = api.http.get("/api/deployments", params={"resourceGroup": target.resource_group})
    response.raise_for_status()
    return response.json()["value"]


def settle(seconds: float = 1.5) -> None:
    """Time for anything a wrongly accepted event would have started to show up."""
    time.sleep(seconds)


def scale_set_names(arm_emulator, target) -> set[str]:
    client = compute_client(arm_emulator, target.subscription_id)
    return {v.name for v in client.virtual_machine_scale_sets.list(target.resource_group)}


def devhost_log(devhost) -> str:
    return devhost.log_path.read_text(errors="replace")


def wait_for_log(devhost, text: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = devhost_log(devhost)
        if text in log:
            return log
        time.sleep(0.1)
    raise AssertionError(f"devhost log never said {text!r}")


def wait_started(api, deployment_id: str, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = api.http.get(f"/api/deployments/{deployment_id}")
        if response.status_code == 200:
            return response.json()
        time.sleep(0.1)
    raise AssertionError(f"deployment {deployment_id} was never started")


# --- acceptance ----------------------------------------------------------------------------------------


def test_subscription_validation_handshake_is_answered(devhost):
    validation = [{
        "id": str(uuid.uuid4()), "topic": "/subscriptions/x/resourceGroups/y", "subject": "",
        "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
                 "validationUrl": "https://rp-eastus2.eventgrid.azure.net/eventsubscriptions/x/validate?id=1"},
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": "2026-11-26T05:00:00Z", "metadataVersion": "1", "dataVersion": "2",
    }]
    response = deliver(devhost, validation, kind="SubscriptionValidation")
    assert response.status_code == 200, response.text
    assert response.json() == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
    # CloudEvents 1.0 abuse protection: an OPTIONS handshake.
    options = httpx.options(f"{devhost.url}{EVENTGRID_PATH}",
                            params={"functionName": FUNCTION_NAME, "code": devhost.eventgrid_key},
                            headers={"WebHook-Request-Origin": "eventgrid.azure.net"})
    assert options.status_code == 200 and options.headers["WebHook-Allowed-Origin"] == "eventgrid.azure.net"
    # The endpoint takes the eventgrid_extension system key, as on Azure: not the function key.
    assert deliver(devhost, validation, kind="SubscriptionValidation", key="wrong").status_code == 401
    assert deliver(devhost, validation, kind="SubscriptionValidation", key=devhost.function_key).status_code == 401


def test_the_fixture_event_starts_one_deployment_per_matching_profile_which_completes(
        devhost, api, arm_emulator, target, seeded, profiles):
    names = profiles(
        web=profile_for(target),
        canary=profile_for(target, env="canary", instances={"mode": "fixed", "min": 1, "max": 2, "desired": 1}),
        off=profile_for(target, env="off", enabled=False),
    )
    version = seeded[1]
    deliver_ok(devhost, event_for(version))

    expected = {deployment_instance_id(names[label], version) for label in ("web", "canary")}
    for deployment_id in expected:
        view = api.wait(deployment_id)
        assert view["status"] == "Succeeded", api.log(deployment_id)
        assert view["source"]["kind"] == "eventgrid" and view["source"]["image_version"] == version
    assert {d["id"] for d in deployments_in(api, target)} == expected
    assert {"web_api_prod__1", "web_api_canary__1"} <= scale_set_names(arm_emulator, target)
    assert "web_api_off__1" not in scale_set_names(arm_emulator, target)
    image = compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.get(
        target.resource_group, "web_api_prod__1").virtual_machine_profile.storage_profile.image_reference.id
    assert image.lower() == version.lower()


def test_a_cloud_event_starts_the_deployment_too(devhost, api, target, seeded, profiles):
    names = profiles(web=profile_for(target))
    version = seeded[1]
    deliver_ok(devhost, to_cloud_event(event_for(version)[0]))
    deployment_id = deployment_instance_id(names["web"], version)
    assert api.wait(deployment_id)["status"] == "Succeeded", api.log(deployment_id)
    assert [d["id"] for d in deployments_in(api, target)] == [deployment_id]


def test_the_same_event_ten_times_and_concurrently_makes_one_deployment(devhost, api, target, seeded, profiles):
    names = profiles(web=profile_for(target))
    version = seeded[1]
    event = event_for(version)
    # One write can raise several events: same version, other ids and correlation ids.
    siblings = [event_for(version) for _ in range(3)]
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda e: deliver(devhost, e), [event] * 10 + siblings))
    assert [a.status_code for a in answers] == [200] * 13, [a.text for a in answers if a.status_code != 200]
    for _ in range(10):
        deliver_ok(devhost, event)
    deployment_id = deployment_instance_id(names["web"], version)
    assert api.wait(deployment_id)["status"] == "Succeeded", api.log(deployment_id)
    # After completion too: Event Grid may redeliver long after.
    for _ in range(3):
        deliver_ok(devhost, event)
    settle()
    assert [d["id"] for d in deployments_in(api, target)] == [deployment_id]
    assert api.get(deployment_id)["revision"] == 1


def test_a_replicating_version_is_waited_for_then_deployed(devhost, api, seeder, target, seeded, profiles):
    names = profiles(web=profile_for(target))
    # 20 simulated minutes of replication: the write has finished, the version is not usable yet.
    version = seeder.image_version("1.2.0", tags={"emulator.replicationSeconds": "1200"}, wait=True)
    deliver_ok(devhost, event_for(version))
    deployment_id = deployment_instance_id(names["web"], version)
    waiting = api.wait(deployment_id, phase="WaitingForImage", timeout=30)
    assert waiting["revision"] is None and waiting["newVmss"] is None
    view = api.wait(deployment_id, timeout=120)
    assert view["status"] == "Succeeded", api.log(deployment_id)
    assert "Waiting for image version [1.2.0] to replicate" in api.log(deployment_id)


def test_a_failed_replication_fails_the_deployment_and_creates_nothing(
        devhost, api, arm_emulator, seeder, target, seeded, profiles):
    names = profiles(web=profile_for(target))
    version = seeder.image_version("1.2.0", tags={"emulator.replication": "failed",
                                                  "emulator.replicationSeconds": "120"}, wait=True)
    before = scale_set_names(arm_emulator, target)
    deliver_ok(devhost, event_for(version))
    deployment_id = deployment_instance_id(names["web"], version)
    view = api.wait(deployment_id, timeout=60)
    assert view["status"] == "Failed", view
    assert "1.2.0" in view["error"] and "replicat" in view["error"].lower()
    assert scale_set_names(arm_emulator, target) == before == {target.base_vmss}


def test_unknown_image_other_operations_and_malformed_subjects_start_nothing(
        devhost, api, arm_emulator, target, seeded, profiles):
    names = profiles(web=profile_for(target))
    version = seeded[1]
    other_image = version.replace(f"/images/{target.image}/", "/images/no-profile-names-this/")
    deleted = event_for(version)[0]
    deleted["eventType"] = "Microsoft.Resources.ResourceDeleteSuccess"
    cases = {
        "unknown image": event_for(other_image),
        "the fixture as is (a storage account write)": [fixture_event()],
        "an image version delete": event_for(version, operation="Microsoft.Compute/galleries/images/versions/delete"),
        "an image definition write": event_for(version, operation="Microsoft.Compute/galleries/images/write"),
        "a delete event": [deleted],
        "malformed subject": event_for(version, subject=f"{target.image_definition_id}/versions/not-a-version"),
        "subject of another resource": event_for(
            version, subject=f"{target.rg_id}/providers/Microsoft.Compute/virtualMachineScaleSets/base-vmss"),
    }
    for label, events in cases.items():
        response = deliver(devhost, events)
        assert response.status_code == 200, (label, response.text)
    log = wait_for_log(devhost, "not-a-version")
    assert "rejected" in log and "is not an image version resource id" in log
    assert f"no enabled profile follows image definition [{other_image.rsplit('/versions/', 1)[0]}]" in log
    settle()
    assert deployments_in(api, target) == []
    assert api.http.get(f"/api/deployments/{deployment_instance_id(names['web'], version)}").status_code == 404
    assert scale_set_names(arm_emulator, target) == {target.base_vmss}


def test_an_older_version_after_a_newer_one_is_skipped_with_a_log_line(
        devhost, api, arm_emulator, target, seeded, profiles):
    names = profiles(web=profile_for(target))
    older, newer = seeded
    deliver_ok(devhost, event_for(newer))
    first = deployment_instance_id(names["web"], newer)
    assert api.wait(first)["status"] == "Succeeded", api.log(first)

    deliver_ok(devhost, event_for(older))
    second = deployment_instance_id(names["web"], older)
    view = api.wait(second)
    assert view["phase"] == "Skipped" and view["newVmss"] is None, view
    log = api.log(second)
    assert "Deployment skipped: image version [1.0.0] is older than version [1.1.0]" in log, log
    assert {n for n in scale_set_names(arm_emulator, target) if n.startswith("web_api_prod__")} == {"web_api_prod__1"}


def test_an_event_for_the_version_already_running_is_skipped(devhost, api, arm_emulator, target, seeded, profiles):
    names = profiles(web=profile_for(target))
    first = api.deploy(spec_for(target, seeded[1]))
    assert api.wait(first)["status"] == "Succeeded", api.log(first)

    deliver_ok(devhost, event_for(seeded[1]))
    repeated = deployment_instance_id(names["web"], seeded[1])
    view = api.wait(repeated)
    assert view["phase"] == "Skipped", view
    assert "is already running on [web_api_prod__1]" in api.log(repeated)
    assert {n for n in scale_set_names(arm_emulator, target) if n.startswith("web_api_prod__")} == {"web_api_prod__1"}


def test_excluded_from_latest_is_deployed_only_where_the_profile_says_so(
        devhost, api, seeder, target, seeded, profiles):
    names = profiles(web=profile_for(target),
                     preview=profile_for(target, env="preview", deployExcludedFromLatest=True))
    t = target
    seeder.compute.gallery_image_versions.begin_create_or_update(
        t.resource_group, t.gallery, t.image, "1.2.0", cm.GalleryImageVersion(
            location=t.location, tags={"emulator.replicationSeconds": "0"},
            publishing_profile=cm.GalleryImageVersionPublishingProfile(
                exclude_from_latest=True, target_regions=[cm.TargetRegion(name=t.location)]),
            storage_profile=cm.GalleryImageVersionStorageProfile(source=cm.GalleryArtifactVersionFullSource(
                id=f"{t.rg_id}/providers/Microsoft.Compute/images/web-build-1-2-0")))).result()
    version = t.image_version_id("1.2.0")
    deliver_ok(devhost, event_for(version))
    preview = deployment_instance_id(names["preview"], version)
    assert api.wait(preview)["status"] == "Succeeded", api.log(preview)
    wait_for_log(devhost, "image version [1.2.0] is excluded from latest")
    assert [d["id"] for d in deployments_in(api, target)] == [preview]


def test_a_busy_target_queues_the_new_version_behind_the_running_deployment(
        devhost, api, seeder, target, seeded, profiles):
    names = profiles(web=profile_for(target, approval={"required": True, "timeoutMinutes": 60}))
    first_version = seeded[1]
    deliver_ok(devhost, event_for(first_version))
    first = deployment_instance_id(names["web"], first_version)
    api.wait(first, statuses={"AwaitingApproval"})

    second_version = seeder.image_version("1.2.0", tags={"emulator.replicationSeconds": "0"})
    deliver_ok(devhost, event_for(second_version))
    second = deployment_instance_id(names["web"], second_version)
    queued = api.wait(second, phase="Queued", timeout=30)
    assert queued["status"] == "Pending"
    settle(1.0)
    assert api.get(second)["phase"] == "Queued" and api.get(first)["status"] == "AwaitingApproval"

    assert api.decide(first, "approve").status_code == 202
    assert api.wait(first)["status"] == "Succeeded", api.log(first)
    api.wait(second, statuses={"AwaitingApproval"}, timeout=60)
    assert api.decide(second, "approve").status_code == 202
    view = api.wait(second)
    assert view["status"] == "Succeeded" and view["revision"] == 2, api.log(second)


def test_publishing_a_version_deploys_it_with_nobody_calling_anything(
        devhost, api, arm_emulator, emulator_admin, seeder, target, seeded, profiles):
    """The emulator raises ResourceWriteSuccess itself when the version's write completes."""
    names = profiles(web=profile_for(target))
    endpoint = (f"{devhost.url}{EVENTGRID_PATH}?functionName={FUNCTION_NAME}&code={devhost.eventgrid_key}")
    assert emulator_admin.post("/_emulator/eventgrid", json={"endpoint": endpoint}).status_code == 200
    try:
        version = seeder.image_version("1.2.0")
        deployment_id = deployment_instance_id(names["web"], version)
        view = wait_started(api, deployment_id)
        assert view["source"]["kind"] == "eventgrid"
        assert api.wait(deployment_id, timeout=120)["status"] == "Succeeded", api.log(deployment_id)
        delivered = emulator_admin.get("/_emulator/eventgrid").json()["delivered"]
        assert any(e["subject"] == version and e["data"]["operationName"] == IMAGE_VERSION_WRITE for e in delivered)
    finally:
        emulator_admin.post("/_emulator/eventgrid", json={"endpoint": None})
