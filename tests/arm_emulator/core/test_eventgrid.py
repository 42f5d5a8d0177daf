"""Event Grid delivery: a successful image-version write POSTs ResourceWriteSuccess to a loopback URL."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.arm_emulator.conftest import wait_until


@pytest.fixture
def subscriber():
    received: list[tuple[dict, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/runtime/webhooks/eventgrid?functionName=f", received
    server.shutdown()


def test_image_version_write_delivers_resource_write_success(http, compute, seed, subscriber):
    url, received = subscriber
    assert http.post("/_emulator/eventgrid", json={"endpoint": url}).status_code == 200
    try:
        version = seed.version(compute, "4.0.0", tags={"emulator.replicationSeconds": "600"})
        wait_until(lambda: received, "event delivered")
    finally:
        http.post("/_emulator/eventgrid", json={"endpoint": None})
    headers, events = received[0]
    assert {k.lower(): v for k, v in headers.items()}["aeg-event-type"] == "Notification"
    (event,) = events
    assert event["eventType"] == "Microsoft.Resources.ResourceWriteSuccess"
    assert event["subject"] == version.id
    assert event["data"]["operationName"] == "Microsoft.Compute/galleries/images/versions/write"
    assert event["data"]["resourceUri"] == version.id
    assert event["data"]["status"] == "Succeeded"
    assert event["topic"].lower().endswith(f"/resourcegroups/{seed.rg.lower()}")
    assert {"id", "eventTime", "dataVersion", "metadataVersion"} <= set(event)
    # delivered while the version may still be replicating, as in Azure
    got = compute.gallery_image_versions.get(seed.rg, seed.gallery, seed.image, "4.0.0", expand="ReplicationStatus")
    assert got.replication_status.aggregated_state == "InProgress"


def test_only_loopback_endpoints_are_accepted(http):
    r = http.post("/_emulator/eventgrid", json={"endpoint": "https://example.com/hook"})
    assert r.status_code == 400
