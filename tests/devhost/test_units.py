"""In-process unit tests of devhost's building blocks (no host started)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from devhost.clock import VirtualClock, iso_event, parse_iso
from devhost.engine import flatten_actions, input_for_context
from devhost.functions import compile_route
from devhost.timers import CronSchedule


@pytest.mark.parametrize(("template", "path", "params"), [
    ("deployments", "/deployments", {}),
    ("deployments/{id}", "/deployments/abc", {"id": "abc"}),
    ("deployments/{id}/log", "/deployments/abc/log", {"id": "abc"}),
    ("deployments/{id:guid}/approve", "/deployments/1-2/approve", {"id": "1-2"}),
    ("start/{name}/{id?}", "/start/chain", {"name": "chain", "id": None}),
    ("start/{name}/{id?}", "/start/chain/x1", {"name": "chain", "id": "x1"}),
    ("files/{*rest}", "/files/a/b/c", {"rest": "a/b/c"}),
])
def test_route_templates_match_like_aspnet(template, path, params):
    regex, _, _ = compile_route(template)
    m = regex.match(path)
    assert m is not None and m.groupdict() == params


def test_route_templates_do_not_overmatch():
    regex, _, _ = compile_route("deployments/{id}")
    assert regex.match("/deployments/a/log") is None
    assert regex.match("/deployments") is None


def test_cron_schedules_six_fields():
    start = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert CronSchedule("*/5 * * * * *").next_after(start) == datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)
    assert CronSchedule("0 30 9 * * 1-5").next_after(start) == datetime(2026, 1, 1, 9, 30, tzinfo=UTC)  # Thu
    assert CronSchedule("0 0 0 * * sun").next_after(start) == datetime(2026, 1, 4, tzinfo=UTC)
    with pytest.raises(ValueError):
        CronSchedule("* * *")


def test_virtual_clock_scales_real_time():
    clock = VirtualClock(0.01, start=1000.0)
    assert clock.now() >= 1000.0
    assert clock.real_delay(clock.now() + 100) <= 1.0


def test_event_timestamps_round_trip():
    ts = 1767225600.123456
    assert abs(parse_iso(iso_event(ts)) - ts) < 1e-6
    assert parse_iso("2026-01-01T00:00:00Z") == 1767225600.0
    assert parse_iso("2026-01-01T01:00:00.5+01:00") == 1767225600.5


def test_http_bodies_become_the_serialised_input_the_sdk_reads():
    assert input_for_context(None) is None
    assert input_for_context({"a": 1}) == json.dumps({"a": 1})
    assert input_for_context(json.dumps({"a": 1})) == json.dumps({"a": 1})  # the SDK client double-encodes
    assert input_for_context("plain text") == json.dumps("plain text")
    assert input_for_context(5) == "5"


def test_compound_actions_are_flattened_in_task_order():
    actions = [[{"actionType": 12, "compoundActions": [{"actionType": 0, "functionName": "a"},
                                                       {"actionType": 11, "compoundActions": [
                                                           {"actionType": 6, "externalEventName": "e"},
                                                           {"actionType": 5, "fireAt": "x"}]}]},
                {"actionType": 0, "functionName": "b"}]]
    assert [a["actionType"] for a in flatten_actions(actions)] == [0, 6, 5, 0]
