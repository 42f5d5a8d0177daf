"""Notifications end to end: a webhook receiver on loopback gets one signed CloudEvents event per status
change of a deployment, in order; a failing or unreachable webhook is retried and never fails the
deployment."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from domain.notifications import signature_matches
from tests.e2e.conftest import WEBHOOK_SIGNING_KEY, spec_for
from tests.e2e.test_bluegreen_deployments import NEW_NAME
from tests.support.api import DeployerApi

pytestmark = pytest.mark.e2e


class Receiver:
    """A webhook on 127.0.0.1 that records every request and answers `status` (or 200)."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/deployments"

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.requests]

    def wait_for(self, predicate, timeout: float = 60.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = self.events()
            if predicate(events):
                return events
            time.sleep(0.1)
        raise AssertionError(f"the receiver did not get the expected events in {timeout}s: {self.events()}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    served = Receiver()
    yield served
    served.close()


@pytest.fixture
def failing_receiver():
    served = Receiver(status=503)
    yield served
    served.close()


def history(devhost, instance_id: str) -> str:
    """An orchestration's whole history, inputs and outputs included, from the Durable HTTP API."""
    response = httpx.get(f"{devhost.url}/runtime/webhooks/durabletask/instances/{instance_id}", params={
        "showHistory": "true", "showHistoryOutput": "true", "showInput": "true", "code": devhost.durable_key})
    assert response.status_code == 200, response.text
    return response.text


def ordered(events: list[dict]) -> list[dict]:
    """Deliveries run side by side; the `sequence` attribute gives each deployment's order (`N`, or `N.M`
    for an operator's change after the orchestrator's N-th)."""
    return sorted(events, key=lambda event: tuple(int(part) for part in event["sequence"].split(".")))


def test_each_status_change_is_posted_once_signed_as_a_cloud_event(api: DeployerApi, devhost, target, seeded,
                                                                   receiver):
    spec = spec_for(target, seeded[0], notifications={"webhooks": [receiver.url]},
                    approval={"required": True, "timeoutMinutes": 1, "onTimeout": "approve"})
    deployment = api.deploy(spec)
    assert api.wait(deployment)["status"] == "Succeeded", api.log(deployment)
    # Deliveries run side by side: wait for all four, whatever order they arrive in.
    events = ordered(receiver.wait_for(lambda got: len(got) >= 4))

    assert [e["type"] for e in events] == [f"vmss-bluegreen.deployment.{status}" for status in
                                           ("Running", "AwaitingApproval", "Running", "Succeeded")]
    for (headers, body) in receiver.requests:
        assert signature_matches(WEBHOOK_SIGNING_KEY, body, headers["x-signature-256"]), headers
        assert headers["content-type"].startswith("application/cloudevents+json")
    assert len({e["id"] for e in events}) == len(events)
    assert [e["sequence"] for e in events] == ["1", "2", "3", "4"]
    for event in events:
        assert (event["specversion"], event["source"], event["datacontenttype"]) == (
            "1.0", f"/deployments/{deployment}", "application/json")
        assert event["data"]["id"] == deployment and "steps" not in event["data"]
        assert event["type"] == f"vmss-bluegreen.deployment.{event['data']['status']}"
        assert event["time"].endswith("Z")
    final = events[-1]["data"]
    assert (final["kind"], final["newVmss"], final["revision"], final["error"]) == ("deploy", f"{NEW_NAME}__1", 1, None)
    # Not one event more once it has ended (a replay rebuilds the same events and starts none again).
    time.sleep(1)
    assert len(receiver.requests) == 4
    wait_for_log(api, deployment, "Notification [vmss-bluegreen.deployment.Succeeded] to [http://127.0.0.1:")
    log = api.log(deployment)
    assert WEBHOOK_SIGNING_KEY not in log
    deliveries = [f"{deployment}-notify-{sequence}-0" for sequence in range(1, 5)]
    for instance_id in (deployment, *deliveries):
        text = history(devhost, instance_id)
        assert "post_webhook" in text or "start_notification_delivery" in text
        assert WEBHOOK_SIGNING_KEY not in text


def test_a_failing_or_unreachable_webhook_is_retried_and_never_fails_the_deployment(
        api: DeployerApi, target, seeded, receiver, failing_receiver):
    closed = Receiver()
    unreachable = closed.url
    closed.close()
    spec = spec_for(target, seeded[0], notifications={"webhooks": [failing_receiver.url, unreachable, receiver.url]})
    deployment = api.deploy(spec)
    view = api.wait(deployment)
    assert view["status"] == "Succeeded" and view["error"] is None, api.log(deployment)
    receiver.wait_for(lambda got: any(e["type"].endswith(".Succeeded") for e in got))
    # 30 s later (virtual time) the same event comes again, with the same id: receivers can deduplicate.
    retried = failing_receiver.wait_for(
        lambda got: any(sum(1 for e in got if e["id"] == event["id"]) > 1 for event in got))
    assert {e["type"] for e in retried} <= {"vmss-bluegreen.deployment.Running", "vmss-bluegreen.deployment.Succeeded"}
    wait_for_log(api, deployment, "failed, will retry (attempt 1, HTTP 503)")
    wait_for_log(api, deployment, "failed, will retry (attempt 1, URLError")


def wait_for_log(api: DeployerApi, deployment: str, text: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in api.log(deployment):
        assert time.monotonic() < deadline, f"{text!r} never appeared in the log:\n{api.log(deployment)}"
        time.sleep(0.2)


def test_a_deployment_with_an_invalid_webhook_is_refused(api: DeployerApi, target, seeded):
    response = api.start(spec_for(target, seeded[0], notifications={"webhooks": ["http://hooks.example.com/x"]}))
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [
        {"field": "notifications.webhooks.0",
         "message": "must use https (plain http is allowed for a loopback address only)"}]


def test_a_pause_and_a_resume_are_posted_as_paused_then_running_signed(api: DeployerApi, target, seeded, receiver):
    """A paused deployment's orchestrator does not run: the pause and resume routes send these two."""
    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"  # an old scale set, for a scale-down delay to pause in
    deployment = api.deploy(spec_for(target, seeded[1], scaleDownDelaySeconds=300,
                                     notifications={"webhooks": [receiver.url]}))
    api.wait(deployment, phase="ScaleDownDelay", timeout=90)
    assert api.act(deployment, "pause").status_code == 202
    paused = receiver.wait_for(lambda got: any(e["type"].endswith(".Paused") for e in got))
    assert api.act(deployment, "resume").status_code == 202
    assert api.wait(deployment)["status"] == "Succeeded", api.log(deployment)
    events = ordered(receiver.wait_for(lambda got: any(e["type"].endswith(".Succeeded") for e in got)))

    statuses = [e["data"]["status"] for e in events]
    assert statuses == ["Running", "Paused", "Running", "Succeeded"], [(e["sequence"], e["type"]) for e in events]
    pause_event, resume_event = events[1], events[2]
    assert pause_event == next(e for e in paused if e["type"].endswith(".Paused"))
    assert [pause_event["sequence"], resume_event["sequence"]] == ["1.1", "1.2"]  # after the orchestrator's 1st
    assert events[-1]["sequence"] == "2"
    assert len({e["id"] for e in events}) == len(events)
    for event in (pause_event, resume_event):
        assert (event["specversion"], event["source"], event["subject"]) == (
            "1.0", f"/deployments/{deployment}", event["data"]["status"])
        assert event["data"]["id"] == deployment and "steps" not in event["data"]
        assert event["data"]["phase"] == "ScaleDownDelay"
    for headers, body in receiver.requests:
        assert signature_matches(WEBHOOK_SIGNING_KEY, body, headers["x-signature-256"]), headers
    time.sleep(1)
    assert len(receiver.requests) == 4  # one each: the resume's Running is not sent again by the orchestrator
