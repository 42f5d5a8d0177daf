"""The Azure wiring in infra/ names what triggers/eventgrid.py expects (read with tests/infra/bicep.py)."""

from __future__ import annotations

from pathlib import Path

from tests.infra.bicep import parse
from triggers.eventgrid import FUNCTION_NAME, IMAGE_VERSION_WRITE, WRITE_SUCCESS

EVENTS = parse(Path(__file__).resolve().parents[2] / "infra" / "modules" / "image-events.bicep")


def test_the_event_subscription_filters_on_the_event_type_and_operation_the_function_judges():
    event_filter = EVENTS.variables["delivery"].objects()[0].entries["filter"].objects()[0]
    assert [i.value.literal() for i in event_filter.entries["includedEventTypes"].parts[0].items] == [WRITE_SUCCESS]
    advanced = event_filter.entries["advancedFilters"].parts[0].items[0].value.objects()[0]
    assert advanced.entries["operatorType"].literal() == "StringIn"
    assert advanced.entries["key"].literal() == "data.operationName"
    assert [i.value.literal() for i in advanced.entries["values"].parts[0].items] == [IMAGE_VERSION_WRITE]


def test_both_endpoint_types_reach_the_function_by_its_name():
    assert EVENTS.variables["functionName"].literal() == FUNCTION_NAME
    to_function = EVENTS.resources["toFunction"].body.entries["properties"].text()
    assert "/functions/${functionName}" in to_function
    to_webhook = EVENTS.resources["toWebhook"].body.entries["properties"].text()
    assert "/runtime/webhooks/eventgrid?functionName=${functionName}&code=" in to_webhook
    assert "systemKeys.eventgrid_extension" in to_webhook


def test_the_system_topic_is_the_resource_groups_or_the_subscriptions():
    properties = EVENTS.resources["topic"].body.entries["properties"].objects()
    assert {o.entries["topicType"].literal() for o in properties} == {
        "Microsoft.Resources.ResourceGroups", "Microsoft.Resources.Subscriptions"}
