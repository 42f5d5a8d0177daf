"""Load (issue 11): many deployments at once, and many copies of one request at once.

Over a devhost of its own (host.json's concurrency limits, as deployed), the ARM emulator with its
Compute throttling on, and Azurite:
- 20 deployments to 20 targets in one subscription at once all succeed, though each scale set
  creation may meet a 429 (a neighbour has used up the subscription's Compute write budget);
- 50 simultaneous POSTs for one target: one is accepted, 49 are refused naming it, one deployment runs;
- 50 simultaneous deliveries of one image version write event: one deployment.

Waits are bounded and generous and only ever end on a deployment's own terminal state; nothing here
asserts how long anything took.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import os
import ssl
import threading
import time
import uuid

import httpx
import pytest

from gateway.credentials import StaticTokenCredential
from scripts import stack
from scripts.seed import Seeder, Target
from tests.e2e.conftest import SUBSCRIPTION_ID, devhost_settings, profile_for, spec_for, start_test_devhost
from tests.support.api import TERMINAL, DeployerApi
from tests.support.arm import compute_client
from tests.triggers.events import adapt, fixture_event
from triggers.eventgrid import FUNCTION_NAME, deployment_instance_id

pytestmark = pytest.mark.e2e

EVENTGRID_PATH = "/runtime/webhooks/eventgrid"
SMALL = {"mode": "fixed", "min": 1, "max": 2, "desired": 1}
# Bounded, generous: far above what a loaded 2-core machine needs (a hang shows up here, naming the
# stragglers, before pytest-timeout's 300 s).
DEPLOYMENTS_DEADLINE_SECONDS = 240.0
_counter = itertools.count(1)


@pytest.fixture(scope="module")
def load_devhost(arm_emulator, azurite, tmp_path_factory):
    """A devhost of this module's own: the load here must not slow the shared one's tests."""
    host = start_test_devhost(tmp_path_factory.mktemp("load-devhost"),
                              devhost_settings(arm_emulator, azurite, **stack.new_keys()))
    yield host
    host.stop()


@pytest.fixture(scope="module")
def load_api(load_devhost) -> DeployerApi:
    return DeployerApi(load_devhost.url, load_devhost.function_key)


@pytest.fixture(scope="module")
def emulator_http(arm_emulator) -> httpx.Client:
    return httpx.Client(base_url=arm_emulator.endpoint, timeout=30,
                        verify=ssl.create_default_context(cafile=str(arm_emulator.ca_bundle)))


def new_target() -> Target:
    return Target(SUBSCRIPTION_ID, f"rg-load-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:6]}")


def seed(arm_emulator, target: Target) -> list[str]:
    seeder = Seeder(StaticTokenCredential(), target, arm_emulator.endpoint, str(arm_emulator.ca_bundle),
                    polling_interval=0.02)
    return seeder.everything(("1.0.0", "1.1.0"))


def all_at_once(count: int, call) -> list:
    """`count` calls of `call(i)`, released together by a barrier so they really overlap."""
    barrier = threading.Barrier(count)

    def released(i: int):
        barrier.wait()
        return call(i)

    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(released, range(count)))


def wait_all(api: DeployerApi, deployment_ids: list[str], timeout: float = DEPLOYMENTS_DEADLINE_SECONDS) -> dict:
    """Poll until every deployment is terminal; returns id -> final view. Fails naming the stragglers."""
    deadline = time.monotonic() + timeout
    views: dict[str, dict] = {}
    while time.monotonic() < deadline:
        for deployment_id in deployment_ids:
            if deployment_id not in views or views[deployment_id]["status"] not in TERMINAL:
                views[deployment_id] = api.get(deployment_id)
        if all(v["status"] in TERMINAL for v in views.values()):
            return views
        time.sleep(0.5)
    stragglers = {i: (v["status"], v["phase"]) for i, v in views.items() if v["status"] not in TERMINAL}
    raise AssertionError(f"{len(stragglers)} deployments not terminal after {timeout}s: {stragglers}")


def deployments_in(api: DeployerApi, target: Target) -> list[dict]:
    response = api.http.get("/api/deployments", params={"resourceGroup": target.resource_group})
    response.raise_for_status()
    return response.json()["value"]


def compute_traffic(emulator_http: httpx.Client, after_seq: int) -> tuple[int, int, int]:
    """Compute requests since `after_seq`: (all, writes, answered 429)."""
    compute = [r for r in emulator_http.get("/_emulator/requests").json()
               if r["seq"] > after_seq and "/providers/microsoft.compute/" in r["path"].lower()]
    writes = sum(1 for r in compute if r["method"] != "GET")
    return len(compute), writes, sum(1 for r in compute if r["status"] == 429)


def last_seq(emulator_http: httpx.Client) -> int:
    requests = emulator_http.get("/_emulator/requests").json()
    return requests[-1]["seq"] if requests else 0


def test_twenty_deployments_to_twenty_targets_in_one_subscription_at_once_all_succeed(
        load_api, arm_emulator, emulator_http):
    targets = [new_target() for _ in range(20)]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        images = list(pool.map(lambda t: seed(arm_emulator, t), targets))
    before = last_seq(emulator_http)
    # Loads this size stay far inside Compute's budgets (the throttler stays quiet), so a neighbour
    # is made to exhaust the subscription's write budget as the deployments begin: the first 20
    # scale set creations are answered 429 with a Retry-After, as the throttler would.
    exhausted = {"method": "PUT", "status": 429, "retryAfter": "1", "times": 20, "code": "OperationNotAllowed",
                 "path": rf"(?i)/resourcegroups/rg-load-{os.getpid()}-[^/]+/providers/microsoft\.compute/"
                         r"virtualmachinescalesets/web_api_prod__1$"}
    assert emulator_http.post("/_emulator/faults", json=exhausted).status_code in (200, 201)
    try:
        answers = all_at_once(20, lambda i: load_api.start(
            spec_for(targets[i], images[i][1], instances=SMALL)))
        assert [a.status_code for a in answers] == [202] * 20, [a.text for a in answers if a.status_code != 202]
        deployment_ids = [a.json()["id"] for a in answers]
        assert len(set(deployment_ids)) == 20
        views = wait_all(load_api, deployment_ids)
    finally:
        emulator_http.delete("/_emulator/faults")
    failed = {i: (v["status"], v.get("error")) for i, v in views.items() if v["status"] != "Succeeded"}
    assert not failed, failed
    for target, image in zip(targets, images, strict=True):
        scale_set = compute_client(arm_emulator, target.subscription_id).virtual_machine_scale_sets.get(
            target.resource_group, "web_api_prod__1")
        assert scale_set.sku.capacity == 1
        assert scale_set.virtual_machine_profile.storage_profile.image_reference.id.lower() == image[1].lower()
    requests, writes, throttled = compute_traffic(emulator_http, before)
    print(f"\n20 targets: 20 x 202, 20 Succeeded; {requests} Compute requests ({writes} writes), {throttled} x 429")
    assert throttled >= 20  # every injected 429 was met, and the deployments got past it


def test_fifty_simultaneous_posts_for_one_target_get_one_202_and_forty_nine_409s(
        load_api, arm_emulator):
    target = new_target()
    images = seed(arm_emulator, target)
    # The accepted deployment holds at its approval until every answer is in: a slow request can
    # never arrive after it has finished (when a new POST rightly gets a 202).
    spec = spec_for(target, images[1], instances=SMALL, approval={"required": True, "timeoutMinutes": 600})

    answers = all_at_once(50, lambda _: load_api.start(spec))
    codes = [a.status_code for a in answers]
    print(f"\n50 POSTs: {codes.count(202)} x 202, {codes.count(409)} x 409, others {sorted(set(codes) - {202, 409})}")
    assert codes.count(202) == 1 and codes.count(409) == 49, [a.text for a in answers if a.status_code not in (202, 409)]
    accepted = next(a for a in answers if a.status_code == 202).json()["id"]
    for refused in (a.json() for a in answers if a.status_code == 409):
        assert refused["id"] == accepted and accepted in refused["error"]["message"], refused

    assert [d["id"] for d in deployments_in(load_api, target)] == [accepted]
    load_api.wait(accepted, statuses={"AwaitingApproval"}, timeout=DEPLOYMENTS_DEADLINE_SECONDS)
    assert load_api.decide(accepted, "approve").status_code == 202
    assert wait_all(load_api, [accepted])[accepted]["status"] == "Succeeded", load_api.log(accepted)
    assert [d["id"] for d in deployments_in(load_api, target)] == [accepted]


def test_fifty_simultaneous_deliveries_of_one_image_version_event_start_one_deployment(
        load_devhost, load_api, arm_emulator):
    target = new_target()
    images = seed(arm_emulator, target)
    profile = f"load-{uuid.uuid4().hex[:8]}"
    created = load_api.http.put(f"/api/profiles/{profile}", json=profile_for(target, instances=SMALL))
    assert created.status_code == 201, created.text
    try:
        version = images[1]
        event = [adapt(fixture_event(), version)]
        with httpx.Client(base_url=load_devhost.url, timeout=60) as http:
            answers = all_at_once(50, lambda _: http.post(
                EVENTGRID_PATH, params={"functionName": FUNCTION_NAME}, json=event,
                headers={"aeg-event-type": "Notification", "x-functions-key": load_devhost.eventgrid_key}))
        codes = [a.status_code for a in answers]
        print(f"\n50 deliveries: {codes.count(200)} x 200")
        assert codes == [200] * 50, [a.text for a in answers if a.status_code != 200]

        expected = deployment_instance_id(profile, version)
        deadline = time.monotonic() + 60
        while load_api.http.get(f"/api/deployments/{expected}").status_code == 404:
            assert time.monotonic() < deadline, "the event started no deployment"
            time.sleep(0.2)
        assert wait_all(load_api, [expected])[expected]["status"] == "Succeeded", load_api.log(expected)
        started = deployments_in(load_api, target)
        print(f"deployments started: {len(started)}")
        assert [d["id"] for d in started] == [expected]
        assert load_api.get(expected)["revision"] == 1
    finally:
        load_api.http.delete(f"/api/profiles/{profile}")
