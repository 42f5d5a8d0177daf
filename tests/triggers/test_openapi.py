"""The OpenAPI document describes exactly the routes the app registers, is valid OpenAPI 3.1, and its
schemas are the ones the routes enforce (triggers/openapi.py)."""

from __future__ import annotations

import json
from functools import lru_cache

import azure.functions as func
import jsonschema
import pytest
from openapi_spec_validator import validate

from domain.spec import SpecError, parse_spec
from triggers.openapi import ROUTE_PREFIX, get_openapi, openapi_document

SUBSCRIPTION = "8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b"
IMAGE = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/web/"
         "versions/1.0.0")


@lru_cache(maxsize=1)  # the app indexes its functions once (a second get_functions() raises)
def registered_http_routes() -> dict[tuple[str, str], str]:
    """(method, /api/route) -> auth level, for every HTTP function of function_app.py's blueprints."""
    import function_app

    routes: dict[tuple[str, str], str] = {}
    for function in function_app.app.get_functions():
        trigger = function.get_trigger()
        if trigger.get_binding_name() != "httpTrigger":
            continue
        route = trigger.route or function.get_function_name()
        for method in trigger.methods or ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]:
            routes[(str(getattr(method, "value", method)).upper(), f"{ROUTE_PREFIX}/{route}")] = \
                str(getattr(trigger.auth_level, "value", trigger.auth_level)).upper()
    return routes


def documented_operations() -> dict[tuple[str, str], dict]:
    return {(method.upper(), path): operation for path, item in openapi_document()["paths"].items()
            for method, operation in item.items()}


def test_document_lists_every_registered_route_and_no_other():
    registered = registered_http_routes()
    assert ("POST", "/api/deployments") in registered and ("GET", "/api/openapi.json") in registered
    assert set(documented_operations()) == set(registered)


def test_only_anonymous_routes_are_documented_without_a_key():
    for key, operation in documented_operations().items():
        anonymous = registered_http_routes()[key] == "ANONYMOUS"
        assert (operation.get("security") == []) == anonymous, key
        assert ("401" in operation["responses"]) == (not anonymous), key


def test_document_is_valid_openapi_3_1():
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_4xx_answer_is_the_error_envelope():
    for key, operation in documented_operations().items():
        for status, response in operation["responses"].items():
            if status.startswith("4") and status != "401":
                ref = response["content"]["application/json"]["schema"]["$ref"]
                schema = openapi_document()["components"]["schemas"][ref.rsplit("/", 1)[1]]
                assert schema["properties"]["error"]["$ref"].endswith("/ErrorBody"), (key, status)


def _request_schema(method: str, path: str) -> dict:
    document = openapi_document()
    schema = documented_operations()[(method, path)]["requestBody"]["content"]["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def _valid_spec() -> dict:
    return {"subscriptionId": SUBSCRIPTION, "resourceGroup": "rg", "app": "web", "service": "api", "env": "prod",
            "baseVmss": "base", "image": IMAGE, "instances": {"mode": "fixed", "min": 1, "max": 4, "desired": 2},
            "loadBalancer": "lb", "prodBackendPool": "prod", "stageBackendPool": "stage",
            "approval": {"required": True, "timeoutMinutes": 30, "onTimeout": "reject"}}


def test_request_schema_accepts_what_the_route_accepts():
    spec = _valid_spec()
    parse_spec(spec)
    jsonschema.validate(spec, _request_schema("POST", "/api/deployments"))


@pytest.mark.parametrize("change", [{"unknownField": 1}, {"instances": {"mode": "fixed", "min": 1}},
                                    {"pollIntervalSeconds": 0}, {"steadyStateTimeoutMinutes": "20"}])
def test_request_schema_refuses_what_the_route_refuses(change):
    spec = {**_valid_spec(), **change}
    with pytest.raises(SpecError):
        parse_spec(spec)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spec, _request_schema("POST", "/api/deployments"))


def test_served_anonymously_as_json():
    response = get_openapi(func.HttpRequest(method="GET", url="http://127.0.0.1/api/openapi.json", headers={},
                                            params={}, route_params={}, body=b""))
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert json.loads(response.get_body()) == openapi_document()
