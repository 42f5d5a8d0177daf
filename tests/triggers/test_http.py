"""How every route reads a request body: size, media type, depth and encoding refused with a 4xx in
the error envelope, before anything is parsed (triggers/http.py)."""

from __future__ import annotations

import json

import azure.functions as func
import pytest

from triggers.http import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    is_instance_id,
    json_depth_exceeds,
    media_type_problem,
    read_json,
)


def _request(body: bytes, content_type: str | None = "application/json", **headers: str) -> func.HttpRequest:
    if content_type is not None:
        headers["Content-Type"] = content_type
    return func.HttpRequest(method="POST", url="http://127.0.0.1/api/deployments", headers=headers,
                            params={}, route_params={}, body=body)


def _refusal(req: func.HttpRequest) -> tuple[int, dict]:
    payload, problem = read_json(req)
    assert payload is None and problem is not None
    body = json.loads(problem.get_body())
    error = body["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    assert all(set(d) == {"field", "message"} for d in error["details"])
    return problem.status_code, error


def test_a_json_object_with_charset_is_read():
    payload, problem = read_json(_request(b'{"a": [1, {"b": "\xc3\xa9"}]}', "Application/JSON; charset=UTF-8"))
    assert problem is None and payload == {"a": [1, {"b": "é"}]}


def test_a_body_over_one_mebibyte_is_413_without_being_parsed():
    too_big = b"[" * (MAX_BODY_BYTES + 1)  # would also be too deep: size is judged first
    status, error = _refusal(_request(too_big))
    assert (status, error["code"]) == (413, "RequestEntityTooLarge")


def test_a_declared_content_length_over_the_limit_is_413_whatever_arrived():
    status, error = _refusal(_request(b"{}", **{"Content-Length": str(3 * MAX_BODY_BYTES)}))
    assert (status, error["code"]) == (413, "RequestEntityTooLarge")


def test_a_body_of_exactly_the_limit_is_read():
    body = json.dumps({"pad": "x" * (MAX_BODY_BYTES - 11)}).encode()
    assert len(body) == MAX_BODY_BYTES
    payload, problem = read_json(_request(body, **{"Content-Length": str(len(body))}))
    assert problem is None and len(payload["pad"]) == MAX_BODY_BYTES - 11


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/json; charset=latin-1",
                                          "application/jsonx", ""])
def test_a_body_that_is_not_declared_json_is_415(content_type):
    status, error = _refusal(_request(b'{"a": 1}', content_type))
    assert (status, error["code"]) == (415, "UnsupportedMediaType")
    assert error["details"][0]["field"] == "Content-Type"


def test_nesting_past_the_limit_is_400_not_a_parser_recursion_error():
    deep = b"[" * 100_000 + b"]" * 100_000
    status, error = _refusal(_request(deep))
    assert (status, error["code"]) == (400, "InvalidRequestContent")
    assert str(MAX_JSON_DEPTH) in error["message"]
    at_limit = b'{"a":' * (MAX_JSON_DEPTH - 1) + b"[]" + b"}" * (MAX_JSON_DEPTH - 1)
    assert read_json(_request(at_limit))[1] is None


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe{}", b'{"a": "\\ud800"}', b"   ", b"",
                                  b'{"n": ' + b"9" * 5000 + b"}", b'{"a": 1} trailing'])
def test_malformed_bodies_are_400(body):
    status, error = _refusal(_request(body))
    assert (status, error["code"]) == (400, "InvalidRequestContent")


def test_a_content_length_that_is_not_a_number_is_400():
    status, _error = _refusal(_request(b"{}", **{"Content-Length": "lots"}))
    assert status == 400


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert not json_depth_exceeds(b'{"a": "[[[[[[{{{{\\"[[["}', 2)
    assert json_depth_exceeds(b'[[["]"]]]', 2)
    # An unterminated string ends the scan instead of rescanning from every quote.
    assert not json_depth_exceeds(b'"\\"' * 200_000 + b"\\", 2)


def test_media_types():
    assert media_type_problem("application/json") is None
    assert media_type_problem("application/json;charset=utf8") is None
    assert media_type_problem('application/json; charset="UTF-8"; foo=bar') is None
    assert media_type_problem(None)
    assert media_type_problem("application/problem+json")


@pytest.mark.parametrize("value", ["0123456789abcdef0123456789abcdef", "evt-" + "a" * 32, "A_b-9", "x" * 100])
def test_ids_the_app_gives_its_instances(value):
    assert is_instance_id(value)


@pytest.mark.parametrize("value", ["", ".", "..", "%2E", "a/b", "a?b", "a#b", "a b", "é", "x" * 101, None, 7])
def test_ids_no_instance_has_never_reach_the_durable_client(value):
    assert not is_instance_id(value)
