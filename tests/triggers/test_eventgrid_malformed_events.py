"""A malformed Event Grid event is that event's problem: it is rejected or ignored, never raised (which
would fail the delivery, and Event Grid would redeliver it and its batch), and it stops no other event."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import azure.functions as func
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triggers import eventgrid
from triggers.eventgrid import (
    IMAGE_VERSION_WRITE,
    MAX_SUBJECT_LENGTH,
    WRITE_SUCCESS,
    handle_event,
    parse_event,
)

SUB = "8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b"
IMAGE_DEF = f"/subscriptions/{SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal/images/web"
VERSION = f"{IMAGE_DEF}/versions/1.4.0"
PROFILE = {"subscriptionId": SUB, "resourceGroup": "rg-web", "name": "web", "baseVmss": "web-base",
           "loadBalancer": "web-lb", "prodBackendPool": "prod", "stageBackendPool": "stage", "imageDefinition": IMAGE_DEF}


def image_version_event(**changes: Any) -> dict[str, Any]:
    event = {"id": "e-1", "topic": f"/subscriptions/{SUB}/resourceGroups/rg-images", "subject": VERSION,
             "eventType": WRITE_SUCCESS, "eventTime": "2026-11-26T05:00:00Z", "dataVersion": "2",
             "data": {"operationName": IMAGE_VERSION_WRITE, "correlationId": "c-1", "status": "Succeeded"}}
    event.update(changes)
    return event


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                        max_size=3),
                           max_leaves=10)


@st.composite
def malformed_events(draw) -> Any:
    kind = draw(st.sampled_from(["any", "field", "data", "text", "deep", "worker"]))
    if kind == "any":
        return draw(json_values)
    if kind == "field":
        key = draw(st.sampled_from(["id", "subject", "eventType", "topic", "data", "specversion", "type"]))
        return image_version_event(**{key: draw(json_values)})
    if kind == "data":
        return image_version_event(data={"operationName": draw(json_values), "correlationId": draw(json_values)})
    if kind == "text":
        return draw(st.text(max_size=100) | json_values.map(json.dumps))
    if kind == "deep":
        depth = draw(st.integers(500, 20_000))
        return image_version_event(data=json.dumps({"operationName": IMAGE_VERSION_WRITE})[:-1] + ', "x": '
                                   + "[" * depth + "]" * depth + "}")
    body = draw(json_values)
    return func.EventGridEvent(id=str(draw(json_values)), data=body, topic=None, subject=draw(st.text(max_size=50)),
                               event_type=WRITE_SUCCESS, event_time=None, data_version="1")


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(malformed_events())
def test_no_event_makes_the_parser_raise(event):
    _gallery_event, verdict = parse_event(event)
    assert verdict.outcome in ("accepted", "ignored", "rejected")
    assert verdict.accepted == (verdict.image_version is not None)


def test_a_subject_past_the_limit_is_rejected_unparsed():
    _event, verdict = parse_event(image_version_event(subject=VERSION + "x" * MAX_SUBJECT_LENGTH))
    assert verdict.outcome == "rejected" and str(MAX_SUBJECT_LENGTH) in verdict.reason


class _Client:
    def __init__(self) -> None:
        self.instances: set[str] = set()

    async def get_status(self, instance_id: str):
        return instance_id in self.instances


class _Markers:
    def mark_once(self, key: str, content: str = "") -> bool:
        return True

    def unmark(self, key: str) -> bool:
        return True


class _Profiles:
    def list(self):
        return [("web", dict(PROFILE), '"etag"')]


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(malformed_events(), min_size=1, max_size=5))
def test_malformed_events_before_a_good_one_never_stop_it(monkeypatch, batch):
    started: list[str] = []

    async def start(client, spec, deployment_id, source, queue_when_busy):
        client.instances.add(deployment_id)
        started.append(deployment_id)

    monkeypatch.setattr(eventgrid, "_profiles", _Profiles)
    monkeypatch.setattr(eventgrid, "_markers", _Markers)
    monkeypatch.setattr(eventgrid, "start_deployment", start)
    monkeypatch.setattr(eventgrid, "_exclude_from_latest", lambda _id: False)
    client = _Client()

    async def deliver() -> None:
        for event in [*batch, image_version_event(id="the-good-one")]:
            await handle_event(event, client)

    asyncio.run(deliver())
    assert eventgrid.deployment_instance_id("web", VERSION) in started
