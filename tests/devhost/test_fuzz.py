"""Random (seeded) bad input against the host's own routes: Azure-style 4xx answers, never a crash."""

from __future__ import annotations

import random

import httpx

PATHS = [
    "/runtime/webhooks/durabletask/orchestrators/{name}",
    "/runtime/webhooks/durabletask/orchestrators/{name}/{id}",
    "/runtime/webhooks/durabletask/instances",
    "/runtime/webhooks/durabletask/instances/{id}",
    "/runtime/webhooks/durabletask/instances/{id}/raiseEvent/{name}",
    "/runtime/webhooks/durabletask/instances/{id}/{op}",
    "/runtime/webhooks/durabletask/{name}",
    "/runtime/webhooks/eventgrid",
    "/_rpc/durabletask/instances/{id}",
    "/admin/functions/{name}",
    "/admin/{name}",
]
WORDS = ["chain", "nope", "approval", "", "%20", "x" * 300, "a:b", "ünï", "..", "null", "0", "-1", "%2F"]
OPS = ["terminate", "suspend", "resume", "rewind", "restart", "purge", "raiseEvent", "bogus"]
BODIES = [b"", b"{", b"null", b"[]", b"[{}]", b'{"a":', b"\xff\xfe", b'"str"', b"123", b'[{"data": [1]}]',
          b'{"specversion": "1.0"}', b'[{"id": 1, "eventType": "x", "eventTime": "not a date"}]']
QUERIES = [{}, {"createdTimeFrom": "garbage"}, {"createdTimeFrom": "2020-01-01T00:00:00Z"}, {"top": "-3"},
           {"top": "abc"}, {"runtimeStatus": "Nope,,Running"}, {"showHistory": "maybe"}, {"functionName": "on_event"},
           {"functionName": ""}, {"timeout": "x", "pollingInterval": "1"}, {"instanceIdPrefix": "%"}]
HEADERS = [{}, {"x-ms-continuation-token": "!!!"}, {"x-ms-continuation-token": "bnVsbA=="},
           {"aeg-event-type": "SubscriptionValidation"}, {"aeg-event-type": "Notification"},
           {"content-type": "application/xml"}]


def test_random_bad_requests_get_client_errors_and_the_host_keeps_running(host):
    rng = random.Random(3)
    with httpx.Client(base_url=host.url, timeout=30) as http:
        for _ in range(400):
            path = rng.choice(PATHS).format(name=rng.choice(WORDS), id=rng.choice(WORDS), op=rng.choice(OPS))
            method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH"])
            params = {**rng.choice(QUERIES), **({"code": host.key["code"]} if rng.random() < 0.8 else {})}
            r = http.request(method, path, params=params, headers=rng.choice(HEADERS),
                             content=rng.choice(BODIES))
            assert r.status_code < 500 or r.status_code == 501, (method, path, params, r.status_code, r.text)
        assert http.get("/admin/host/status").json()["state"] == "Running"
