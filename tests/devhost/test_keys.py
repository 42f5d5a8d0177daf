"""Which key opens which route, as the Functions host checks them (one case per route and key)."""

from __future__ import annotations

import httpx
import pytest

from devhost.keys import HIDDEN, redact_query

from .conftest import DURABLE_KEY, EVENTGRID_KEY, KEY, KEYS, MASTER_KEY, STATUS_FUNCTION_KEY, launch

ALL_KEYS = {"none": None, "function (http_status)": STATUS_FUNCTION_KEY, "host (FUNCTION_KEY)": KEY,
            "master": MASTER_KEY, "durable system": DURABLE_KEY, "eventgrid system": EVENTGRID_KEY}
VALIDATION = [{"id": "v1", "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "subject": "",
               "data": {"validationCode": "abc"}, "dataVersion": "1", "eventTime": "2026-01-01T00:00:00Z"}]

# route -> (method, path, query, body, the keys that open it)
ROUTES = {
    "anonymous function": ("GET", "/api/hello", {}, None, set(ALL_KEYS)),
    "function-level function": ("GET", "/api/status/x", {}, None, {"function (http_status)", "host (FUNCTION_KEY)",
                                                                    "master"}),
    "another function-level function": ("POST", "/api/client/payload", {}, {"id": "x"},
                                        {"host (FUNCTION_KEY)", "master"}),
    "admin-level function": ("GET", "/api/maintenance", {}, None, {"master"}),
    "Durable HTTP API": ("GET", "/runtime/webhooks/durabletask/instances/x", {}, None, {"durable system", "master"}),
    "Durable start": ("POST", "/runtime/webhooks/durabletask/orchestrators/nope", {}, None,
                      {"durable system", "master"}),
    "Event Grid webhook": ("POST", "/runtime/webhooks/eventgrid", {"functionName": "on_event"}, VALIDATION,
                           {"eventgrid system", "master"}),
    "admin API": ("GET", "/admin/functions", {}, None, {"master"}),
    "host status": ("GET", "/admin/host/status", {}, None, set(ALL_KEYS)),
    "the SDK's local RPC endpoint": ("GET", "/_rpc/durabletask/instances/x", {}, None, set(ALL_KEYS)),
}


def _call(host, route: str, key: str | None, header: bool = False) -> httpx.Response:
    method, path, query, body, _ = ROUTES[route]
    params = dict(query)
    headers = {"aeg-event-type": "SubscriptionValidation"} if "eventgrid" in path else {}
    if key is not None and header:
        headers["x-functions-key"] = key
    elif key is not None:
        params["code"] = key
    return host.http.request(method, path, params=params, headers=headers, json=body)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_which_keys_open_the_route(host, route):
    opened_by = ROUTES[route][4]
    for label, key in ALL_KEYS.items():
        status = _call(host, route, key).status_code
        if label in opened_by:
            assert status != 401, (route, label, status)
        else:
            assert status == 401, (route, label, status)
    wrong = _call(host, route, "not-a-key").status_code
    assert (wrong == 401) == ("none" not in opened_by), (route, wrong)


def test_the_key_may_come_in_the_x_functions_key_header(host):
    assert _call(host, "Durable HTTP API", DURABLE_KEY, header=True).status_code == 404
    assert _call(host, "Durable HTTP API", KEY, header=True).status_code == 401
    assert _call(host, "Event Grid webhook", EVENTGRID_KEY, header=True).json() == {"validationResponse": "abc"}


def test_with_no_key_configured_nothing_is_checked(tmp_path):
    host = launch(tmp_path, keys=False)
    try:
        for route, (_, _, _, _, _) in ROUTES.items():
            assert _call(host, route, None).status_code != 401, route
        assert "no key configured: every route is open" in host.log_text()
    finally:
        host.stop()


def test_the_access_log_hides_keys_as_the_hosts_sanitizer_does(tmp_path):
    host = launch(tmp_path)
    try:
        for route in ROUTES:
            _call(host, route, MASTER_KEY)
            _call(host, route, DURABLE_KEY, header=True)
        started = host.start("fan_out", ["a"])  # management URLs carry the durable key in their query
        host.http.get(started["statusQueryGetUri"])
        log = host.log_text()
        assert f"HTTP GET /runtime/webhooks/durabletask/instances/x?code={HIDDEN} -> 404" in log
        for secret in KEYS.values():
            assert secret not in log, secret
    finally:
        host.stop()


def test_redaction_keeps_the_rest_of_the_query():
    assert redact_query("taskHub=h&code=s3cret&connection=Storage") == f"taskHub=h&code={HIDDEN}&connection=Storage"
    assert redact_query("CODE=x") == f"CODE={HIDDEN}"
    assert redact_query("barcode=1") == "barcode=1"
