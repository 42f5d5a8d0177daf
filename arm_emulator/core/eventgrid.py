"""Optional Event Grid delivery: a successful image-version write POSTs
`Microsoft.Resources.ResourceWriteSuccess` (Event Grid schema) to a loopback endpoint."""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import urllib.request
import uuid
from urllib.parse import urlparse

from .errors import ArmError

log = logging.getLogger("arm_emulator.eventgrid")


def is_loopback_url(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        return False
    host = parsed.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EventGrid:
    def __init__(self, clock, endpoint: str | None = None) -> None:
        self.clock = clock
        self.endpoint: str | None = None
        self.delivered: list[dict] = []
        if endpoint:
            self.set_endpoint(endpoint)

    def set_endpoint(self, endpoint: str | None) -> None:
        if endpoint and not is_loopback_url(endpoint):
            raise ArmError("The Event Grid endpoint must be an http(s) URL on a loopback address.")
        self.endpoint = endpoint or None

    def image_version_written(self, version, at: float) -> None:
        if not self.endpoint:
            return
        rid = version.id
        sub = version.image.gallery.subscription
        rg = version.image.gallery.rg
        op = "Microsoft.Compute/galleries/images/versions/write"
        event = {
            "subject": rid,
            "eventType": "Microsoft.Resources.ResourceWriteSuccess",
            "eventTime": self.clock.iso(at),
            "id": str(uuid.uuid4()),
            "data": {
                "authorization": {"scope": rid, "action": op, "evidence": {"role": "Subscription Admin"}},
                "claims": {},
                "correlationId": str(uuid.uuid4()),
                "resourceProvider": "Microsoft.Compute",
                "resourceUri": rid,
                "operationName": op,
                "status": "Succeeded",
                "subscriptionId": sub,
                "tenantId": "00000000-0000-0000-0000-000000000000",
            },
            "dataVersion": "2",
            "metadataVersion": "1",
            "topic": f"/subscriptions/{sub}/resourceGroups/{rg}",
        }
        self.delivered.append(event)
        endpoint = self.endpoint
        # delivered off the request path, as Event Grid does, so a slow subscriber never blocks ARM
        threading.Thread(target=self._post, args=(endpoint, [event]), daemon=True).start()

    @staticmethod
    def _post(endpoint: str, events: list[dict]) -> None:
        req = urllib.request.Request(endpoint, data=json.dumps(events).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "aeg-event-type": "Notification"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                resp.read()
        except Exception as exc:  # noqa: BLE001 - delivery is best effort; the log says what happened
            log.warning("Event Grid delivery to %s failed: %s", endpoint, exc)
