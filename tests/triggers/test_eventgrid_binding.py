"""Both delivery schemas the event subscription offers (infra/: EventGridSchema, CloudEventSchemaV1_0)
reach `image_version_published` as the Python worker hands them over: the trigger's JSON decoded by
the binding registered for `eventGridTrigger` (azure-functions' own converter), then judged."""

from __future__ import annotations

import json
import typing

import azure.functions as func
import pytest
from azure.functions import meta

import triggers.eventgrid as eventgrid
from triggers.eventgrid import parse_event

from .events import adapt, fixture_event, to_cloud_event

VERSION = ("/subscriptions/8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b/resourceGroups/rg-images/providers/"
           "Microsoft.Compute/galleries/gal/images/web/versions/1.4.0")


def the_function():
    return eventgrid.image_version_published._function


def converter():
    binding = the_function().get_trigger().get_dict_repr()
    assert binding["type"] == "eventGridTrigger"
    return meta.get_binding_registry().get(binding["type"]), binding["name"]


def test_the_worker_accepts_the_functions_parameter_type():
    registered, parameter = converter()
    hints = typing.get_type_hints(the_function().get_user_function(), vars(eventgrid))
    assert registered.check_input_type_annotation(hints[parameter])


@pytest.mark.parametrize("schema", ["EventGridSchema", "CloudEventSchemaV1_0"])
def test_an_image_version_write_in_either_schema_is_accepted_through_the_binding(schema):
    event = adapt(fixture_event(), VERSION)
    body = to_cloud_event(event) if schema == "CloudEventSchemaV1_0" else event
    registered, _parameter = converter()
    delivered = registered.decode(meta.Datum(json.dumps(body), "json"), trigger_metadata={})
    expected_type = func.CloudEvent if schema == "CloudEventSchemaV1_0" else func.EventGridEvent
    assert isinstance(delivered, expected_type)
    gallery_event, verdict = parse_event(delivered)
    assert verdict.accepted, verdict.reason
    assert verdict.image_version.id == VERSION
    assert gallery_event.schema == ("CloudEvents" if schema == "CloudEventSchemaV1_0" else "EventGrid")
    assert gallery_event.correlation_id == event["data"]["correlationId"]


def test_a_cloud_event_of_another_type_is_ignored_not_rejected_through_the_binding():
    body = to_cloud_event(adapt(fixture_event(), VERSION))
    body["type"] = "Microsoft.Resources.ResourceDeleteSuccess"
    registered, _parameter = converter()
    _event, verdict = parse_event(registered.decode(meta.Datum(json.dumps(body), "json"), trigger_metadata={}))
    assert verdict.outcome == "ignored"
