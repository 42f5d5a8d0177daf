"""Telemetry, checked locally with OpenTelemetry's in-memory exporter: log records name their deployment
and step, each activity is a span in its step's trace, and the ARM calls made inside are its children."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from azure.core.settings import settings as azure_settings
from azure.core.tracing.ext.opentelemetry_span import OpenTelemetrySpan
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from activities.blueprint import TracedBlueprint
from domain.contracts import STEP_KEY
from gateway import telemetry
from tests.support.arm import compute_client

ROOT_LOGGER = logging.getLogger(telemetry.APP_LOGGER)


@pytest.fixture(scope="module")
def spans():
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the global provider can be set once per process
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.configure({})
    yield exporter
    exporter.shutdown()


@pytest.fixture
def finished(spans):
    spans.clear()
    return spans.get_finished_spans


def test_log_records_name_the_deployment_and_step_inside_an_activity_and_none_outside(spans, caplog):
    caplog.set_level(logging.INFO, logger=telemetry.APP_LOGGER)
    with telemetry.activity_scope("resize_scale_set", "dep-1", "Upgrade"):
        logging.getLogger("vmss_bluegreen.activities").info("resizing")
    logging.getLogger("vmss_bluegreen.api").info("outside")
    inside, outside = caplog.records[-2:]
    assert (inside.deployment_id, inside.step) == ("dep-1", "Upgrade")
    assert (outside.deployment_id, outside.step) == (None, None)


def test_each_activity_is_a_span_in_the_trace_of_its_deployment_step(finished):
    for activity, step in (("clear_autoscale", "Upgrade"), ("resize_scale_set", "Upgrade"),
                           ("route_scale_set", "Swap")):
        with telemetry.activity_scope(activity, "dep-2", step):
            pass
    clear, resize, route = finished()
    assert clear.context.trace_id == resize.context.trace_id == telemetry.step_trace_id("dep-2", "Upgrade")
    assert route.context.trace_id == telemetry.step_trace_id("dep-2", "Swap") != clear.context.trace_id
    assert clear.parent is not None and clear.parent.span_id == resize.parent.span_id  # one root per step
    assert dict(route.attributes) == {"vmssbg.activity": "route_scale_set", "vmssbg.deployment_id": "dep-2",
                                      "vmssbg.step": "Swap"}


def test_the_arm_calls_of_an_activity_are_its_children(finished, arm_emulator):
    previous = azure_settings.tracing_implementation()
    azure_settings.tracing_implementation = OpenTelemetrySpan  # what configure_azure_monitor switches on
    try:
        with telemetry.activity_scope("inspect_lineage", "dep-3", "Setup"):
            list(compute_client(arm_emulator).virtual_machine_scale_sets.list_all())
    finally:
        azure_settings.tracing_implementation = previous
    by_name = {span.name: span for span in finished()}
    activity = by_name["inspect_lineage"]
    children = [s for s in by_name.values() if s.parent is not None and s.parent.span_id == activity.context.span_id]
    assert children, sorted(by_name)
    arm = [s for s in finished() if s.kind == trace.SpanKind.CLIENT]
    assert arm and all(s.context.trace_id == telemetry.step_trace_id("dep-3", "Setup") for s in arm)
    assert any("virtualMachineScaleSets" in str(s.attributes.get("url.full", s.attributes.get("http.url", "")))
               for s in arm)


def test_an_activity_gets_its_input_without_the_step_and_logs_inside_its_scope(finished, caplog):
    caplog.set_level(logging.INFO, logger=telemetry.APP_LOGGER)
    bp = TracedBlueprint()
    received = []

    @bp.activity_trigger(input_name="payload")
    def echo_activity(payload: dict) -> dict:
        received.append(payload)
        logging.getLogger("vmss_bluegreen.activities").info("working")
        return payload

    assert echo_activity(payload={"deployment_id": "dep-4", "name": "x", STEP_KEY: "Downsize"}) == \
        {"deployment_id": "dep-4", "name": "x"}
    assert received == [{"deployment_id": "dep-4", "name": "x"}]
    assert (caplog.records[-1].deployment_id, caplog.records[-1].step) == ("dep-4", "Downsize")
    (span,) = finished()
    assert span.name == "echo_activity" and span.context.trace_id == telemetry.step_trace_id("dep-4", "Downsize")


def test_without_a_connection_string_nothing_is_exported_nor_the_exporter_loaded():
    probe = ("import sys; from gateway import telemetry; "
             "assert telemetry.configure({}) is False; "
             "assert 'azure.monitor.opentelemetry' not in sys.modules; print('ok')")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                            cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert result.stdout.strip() == "ok", result.stderr
