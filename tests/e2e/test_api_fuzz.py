"""Property-based fuzzing of every /api route, from the OpenAPI document the app serves (issue 11).

For each operation of `GET /api/openapi.json`, hypothesis draws requests from a strategy built from
the document's own schemas (path and query parameters, and for routes with a body: schema-shaped
objects, the same with one field broken, any JSON value, raw bytes, truncated and deeply nested text,
under right and wrong content types) and sends them to the real app in devhost, against the ARM
emulator and Azurite. Properties: no answer is 5xx; every 4xx is the error envelope
`{"error":{"code","message","details":[{"field","message"}]}}`; and the emulator's request log shows no
ARM write to a resource group that no accepted request named (a refused request writes nothing).

The run is derandomized (the same requests every time) and sized by request count, never by time.
"""

from __future__ import annotations

import json
import string
import uuid
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import SUBSCRIPTION_ID
from triggers.http import MAX_BODY_BYTES, MAX_JSON_DEPTH
from triggers.openapi import openapi_document

pytestmark = pytest.mark.e2e

# 12 operations x 200 = 2400 requests: a few seconds' work per operation for devhost.
EXAMPLES_PER_OPERATION = 200
WRITE_METHODS = {"PUT", "PATCH", "POST", "DELETE"}
FUZZ_GROUP = "rg-fuzz"
IMAGE_DEFINITION = (f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{FUZZ_GROUP}/providers/"
                    "Microsoft.Compute/galleries/fuzzgallery/images/web")
# Strings that get a schema-shaped body past the field validators now and then, so the fuzzer also
# reaches what runs after validation (target lock, orchestration start, profile store).
PLAUSIBLE_STRINGS = [SUBSCRIPTION_ID, FUZZ_GROUP, "web", "api", "prod", "base-vmss", "bg-lb", "prod-pool",
                     "stage-pool", IMAGE_DEFINITION, f"{IMAGE_DEFINITION}/versions/1.0.0", "fixed",
                     "sameAsRunning", "percent", "count", "reject", "approve", "resizeNewFirst",
                     "d2ViCg==", "https://127.0.0.1/hook", "", " ", "a" * 300]

OPERATIONS = [(path, method.upper()) for path, item in openapi_document()["paths"].items() for method in item]


# --- strategies from the document -----------------------------------------------------------------


def any_json(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=max_leaves)


def strings() -> st.SearchStrategy[str]:
    return st.sampled_from(PLAUSIBLE_STRINGS) | st.text(max_size=60) | st.uuids().map(str)


def from_schema(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values shaped by `schema` (the subset pydantic emits); constraints the route checks beyond the
    schema are left to the route, which is what is under test."""
    if "$ref" in schema:
        return from_schema(components[schema["$ref"].rsplit("/", 1)[1]], components, depth)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema and "properties" not in schema:
            return st.one_of([from_schema(s, components, depth) for s in schema[key]])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {name: from_schema(s, components, depth + 1) for name, s in properties.items() if name in required},
            optional={name: from_schema(s, components, depth + 1)
                      for name, s in properties.items() if name not in required})
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), components, depth + 1), max_size=3)
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        edges = [v for v in (low, high) if v is not None]
        edges += [v + d for v in edges for d in (-1, 1)]
        return st.integers(low, high) | st.sampled_from(edges or [0, -1, 2**63])
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "string":
        return strings()
    return any_json(4)


def valid_spec(path: str) -> dict[str, Any]:
    """A request the route accepts (for profiles: the spec minus its image, plus imageDefinition)."""
    spec = {"subscriptionId": SUBSCRIPTION_ID, "resourceGroup": FUZZ_GROUP, "app": "web", "service": "api",
            "env": "prod", "baseVmss": "base-vmss", "instances": {"mode": "fixed", "min": 1, "max": 4, "desired": 2},
            "loadBalancer": "bg-lb", "prodBackendPool": "prod-pool", "stageBackendPool": "stage-pool"}
    if "profiles" in path:
        return {**spec, "imageDefinition": IMAGE_DEFINITION, "enabled": False}
    return {**spec, "image": f"{IMAGE_DEFINITION}/versions/1.0.0"}


def near_valid(path: str, shaped: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    """A valid request with a few of its fields (or none) taken from a schema-shaped one: most pass
    validation, so the fuzzer reaches the target lock, the orchestration start and the profile store."""
    base = valid_spec(path)
    return st.tuples(shaped, st.sets(st.sampled_from(sorted(base)), max_size=3)).map(
        lambda pair: {**base, **{k: v for k, v in pair[0].items() if k in pair[1]}} if isinstance(pair[0], dict)
        else base)


def broken(value: st.SearchStrategy[dict]) -> st.SearchStrategy[Any]:
    """A schema-shaped object with one field dropped, replaced by any JSON value, or one added."""
    @st.composite
    def mutate(draw):
        body = draw(value)
        if not isinstance(body, dict) or not body:
            return body
        key = draw(st.sampled_from(sorted(body)))
        how = draw(st.sampled_from(["drop", "replace", "add"]))
        if how == "drop":
            del body[key]
        elif how == "replace":
            body[key] = draw(any_json(6))
        else:
            body[draw(st.text(min_size=1, max_size=20))] = draw(any_json(4))
        return body
    return mutate()


def encoded(values: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return values.map(lambda v: json.dumps(v).encode())


def raw_bodies(shaped: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    nesting = st.integers(MAX_JSON_DEPTH - 2, 50_000).flatmap(
        lambda n: st.sampled_from([b"[" * n + b"]" * n, b'{"a":' * n + b"1" + b"}" * n, b"[" * n]))
    truncated = st.tuples(encoded(shaped), st.floats(0, 1)).map(lambda t: t[0][:int(len(t[0]) * t[1])])
    return st.one_of(st.binary(max_size=300), truncated, nesting,
                     st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
                     st.sampled_from([b"", b"null", b"[]", b'"x"', b"1e999", b"NaN", b'{"a":"\\ud800"}',
                                      b"\xef\xbb\xbf{}", b'{"a":1,"a":2}', b"{" + b"9" * 5000 + b"}"]))


HEADER_CHARACTERS = string.printable.strip()  # what a header value can carry on the wire
CONTENT_TYPES = ["application/json", "application/json", "application/json; charset=utf-8", "Application/JSON",
                 None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1",
                 "application/cloudevents+json", "*/*"]


def path_values(known: list[str]) -> st.SearchStrategy[str]:
    # No '/' (it selects another route) and no control character (devhost's router, Starlette, does not
    # match a path holding a newline): either way the host answers 404 without a body, not the app.
    return st.text(st.characters(blacklist_characters="/", blacklist_categories=("Cs", "Cc")), min_size=1,
                   max_size=80) | st.sampled_from(["web", uuid.uuid4().hex, "x" * 64, "..", "evt-0", "%2F", *known])


def requests(path: str, operation: dict[str, Any], components: dict[str, Any], known: list[str]
             ) -> st.SearchStrategy[dict[str, Any]]:
    """Requests for one operation. Every strategy is built once here, not per example: building them
    (the recursive JSON ones above all) costs more than drawing from them."""
    parts: dict[str, tuple[str, st.SearchStrategy]] = {}
    for parameter in operation.get("parameters", []):
        enum = parameter["schema"].get("enum") or []
        if parameter["in"] == "path":
            values = path_values(known).map(lambda v: quote(v, safe="").replace(".", "%2E"))
        elif parameter["in"] == "query":
            values = st.none() | (st.sampled_from(enum) | st.text(max_size=30) if enum else st.text(max_size=30))
        else:
            values = st.none() | st.sampled_from(["*", '"0x8DB"', 'W/"x"', '"a", "b"', *enum]) | st.text(
                HEADER_CHARACTERS, max_size=40)
        parts[parameter["name"]] = (parameter["in"], values)
    request_body = operation.get("requestBody")
    if request_body is not None:
        shaped = from_schema(request_body["content"]["application/json"]["schema"], components)
        bodies = st.one_of(encoded(near_valid(path, shaped)), encoded(shaped), encoded(broken(shaped)),
                           encoded(any_json()), raw_bodies(shaped))
    else:
        bodies = st.just(b"") | encoded(any_json(4)) | st.binary(max_size=100)

    def assemble(drawn: tuple[dict[str, Any], bytes, str | None]) -> dict[str, Any]:
        values, body, content_type = drawn
        url, params, headers = path, {}, {}
        for name, (location, _strategy) in parts.items():
            value = values[name]
            if location == "path":
                url = url.replace("{" + name + "}", value)
            elif value is not None:
                (params if location == "query" else headers)[name] = value
        if content_type is not None:
            headers["Content-Type"] = content_type
        return {"url": url, "params": params, "content": body, "headers": headers}

    values = st.fixed_dictionaries({name: strategy for name, (_location, strategy) in parts.items()})
    return st.tuples(values, bodies, st.sampled_from(CONTENT_TYPES)).map(assemble)


# --- the properties ----------------------------------------------------------------------------------


def assert_error_envelope(response, sent: str) -> None:
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} without a JSON body for {sent}: {response.text[:300]}") from None
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict) and set(error) >= {"code", "message", "details"}, (sent, body)
    assert isinstance(error["code"], str) and error["code"] and isinstance(error["message"], str), (sent, body)
    assert isinstance(error["details"], list), (sent, body)
    for detail in error["details"]:
        assert isinstance(detail, dict) and set(detail) == {"field", "message"}, (sent, body)


def arm_writes(emulator_admin, after_seq: int) -> list[dict]:
    return [r for r in emulator_admin.get("/_emulator/requests").json()
            if r["seq"] > after_seq and r["method"] in WRITE_METHODS]


def last_seq(emulator_admin) -> int:
    log = emulator_admin.get("/_emulator/requests").json()
    return log[-1]["seq"] if log else 0


def resource_group_of(arm_path: str) -> str | None:
    parts = arm_path.lower().split("/")
    return parts[parts.index("resourcegroups") + 1] if "resourcegroups" in parts else None


class FuzzTally:
    def __init__(self) -> None:
        self.sent = 0
        self.by_status: Counter[int] = Counter()
        self.accepted_groups: set[str] = set()
        self.deployment_ids: set[str] = set()
        self.by_operation: defaultdict[str, Counter[int]] = defaultdict(Counter)


@pytest.fixture(scope="module")
def tally():
    counts = FuzzTally()
    yield counts
    print(f"\nfuzz requests sent: {counts.sent}; answers by status: {dict(sorted(counts.by_status.items()))}")
    for operation, statuses in counts.by_operation.items():
        print(f"  {operation}: {dict(sorted(statuses.items()))}")


@pytest.fixture(scope="module")
def served_document(devhost) -> dict[str, Any]:
    import httpx

    response = httpx.get(f"{devhost.url}/api/openapi.json", timeout=30)  # no key: the route is anonymous
    assert response.status_code == 200, response.text
    return response.json()


def test_the_served_document_is_the_generated_one(served_document):
    assert served_document == json.loads(json.dumps(openapi_document()))


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_fuzzed_requests_get_no_5xx_and_every_4xx_in_the_error_envelope(
        api, emulator_admin, served_document, tally, path, method):
    operation = served_document["paths"][path][method.lower()]
    components = served_document["components"]["schemas"]
    before = last_seq(emulator_admin)

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), print_blob=True)
    # Ids of deployments accepted earlier in the module, so status, log and actions meet real ones.
    @given(requests(path, operation, components, sorted(tally.deployment_ids)))
    def send(request):
        response = api.http.request(method, request["url"], params=request["params"], content=request["content"],
                                    headers=request["headers"])
        tally.sent += 1
        tally.by_status[response.status_code] += 1
        sent = f"{method} {request['url']} {request['params']} {request['headers']} {request['content'][:300]!r}"
        assert response.status_code < 500, (sent, response.text[:500])
        assert response.status_code != 401, "the fuzzer sends the function key"
        if 400 <= response.status_code < 500:
            assert_error_envelope(response, sent)
        tally.by_operation[f"{method} {path}"][response.status_code] += 1
        if path == "/api/deployments" and method == "POST" and response.status_code in (200, 202):
            spec = json.loads(request["content"])
            tally.accepted_groups.add(str(spec.get("resourceGroup")).lower())
            tally.deployment_ids.add(response.json()["id"])

    send()
    unexplained = [w for w in arm_writes(emulator_admin, before)
                   if resource_group_of(w["path"]) not in tally.accepted_groups]
    assert unexplained == [], "ARM writes no accepted request asked for"


@pytest.mark.parametrize(("path", "method"), [(p, m) for p, m in OPERATIONS
                                              if "requestBody" in openapi_document()["paths"][p][m.lower()]])
def test_bodies_over_the_limit_are_413_and_non_json_415(api, path, method):
    url = path.replace("{name}", "fuzz-limits")
    oversized = b'{"pad": "' + b"x" * (3 * MAX_BODY_BYTES) + b'"}'
    response = api.http.request(method, url, content=oversized, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "RequestEntityTooLarge"
    for content_type in (None, "text/plain", "application/xml"):
        response = api.http.request(method, url, content=b"{}",
                                    headers={"Content-Type": content_type} if content_type else {})
        assert response.status_code == 415, (content_type, response.text)
        assert_error_envelope(response, f"{content_type}")
    response = api.http.request(method, url, content=b"[" * 200_000 + b"]" * 200_000,
                                headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "nests deeper" in response.json()["error"]["message"]


def test_no_route_answers_5xx_to_a_huge_or_deep_body_it_does_not_read(api):
    deep = b"[" * 200_000
    for url in ("/api/deployments", "/api/deployments/x", "/api/deployments/x/log", "/api/profiles",
                "/api/profiles/web"):
        for body in (deep, b"x" * (3 * MAX_BODY_BYTES)):
            assert api.http.request("GET", url, content=body).status_code < 500, url
    for action in ("abort", "rollback", "pause", "resume"):  # they read no body: the unknown id decides
        response = api.http.post(f"/api/deployments/{uuid.uuid4().hex}/{action}", content=deep)
        assert response.status_code == 404
        assert_error_envelope(response, action)
    for action in ("approve", "reject"):  # they read {"token","comment"}: the body is refused before parsing
        for headers, status in (({}, 415), ({"content-type": "application/json"}, 400)):
            response = api.http.post(f"/api/deployments/{uuid.uuid4().hex}/{action}", content=deep, headers=headers)
            assert response.status_code == status, (action, headers, response.text)
            assert_error_envelope(response, action)


# --- Event Grid deliveries -----------------------------------------------------------------------------


def test_malformed_events_in_a_batch_stop_neither_the_delivery_nor_the_good_event(devhost, api, target, seeded):
    from tests.e2e.conftest import profile_for
    from triggers.eventgrid import FUNCTION_NAME, IMAGE_VERSION_WRITE, WRITE_SUCCESS, deployment_instance_id

    name = f"fuzz-{uuid.uuid4().hex[:8]}"
    assert api.http.put(f"/api/profiles/{name}", json=profile_for(target)).status_code == 201
    version = seeded[1]

    def event(**changes: Any) -> dict[str, Any]:
        good = {"id": uuid.uuid4().hex, "topic": target.rg_id, "subject": version, "eventType": WRITE_SUCCESS,
                "eventTime": "2026-11-26T05:00:00Z", "dataVersion": "2", "metadataVersion": "1",
                "data": {"operationName": IMAGE_VERSION_WRITE, "status": "Succeeded"}}
        good.update(changes)
        return {k: v for k, v in good.items() if v is not ...}

    deep = "[" * 50_000 + "]" * 50_000
    batch = [
        event(id=...),  # no id: the trigger cannot bind it
        event(eventTime="not a time"),
        event(eventType=None),
        event(data=json.dumps({"operationName": IMAGE_VERSION_WRITE})[:-1] + f', "x": {deep}}}'),
        event(data=[1, {"operationName": 7}]),
        event(subject="x" * 100_000),
        event(subject=version + "/../../other"),
        event(),  # the good one, last
    ]
    response = httpx.post(f"{devhost.url}/runtime/webhooks/eventgrid", params={"functionName": FUNCTION_NAME},
                          json=batch, headers={"aeg-event-type": "Notification", "x-functions-key": devhost.eventgrid_key},
                          timeout=60)
    assert response.status_code < 500, response.text
    view = api.wait(deployment_instance_id(name, version))
    assert view["status"] == "Succeeded", api.log(view["id"])
    assert api.http.delete(f"/api/profiles/{name}").status_code == 204
