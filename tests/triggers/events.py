"""The Event Grid event fixture of `../shared/arm-examples/eventgrid/`, adapted to a gallery image version.

The fixture (read in place, never copied) is a `Microsoft.Resources.ResourceWriteSuccess` for a storage
account; `adapt` turns it into the event Azure raises when an image version is written, keeping every
other field as Azure sends it. Tests skip with a reason when `../shared` is absent.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT.parent / "shared" / "arm-examples" / "eventgrid" / "event-schema-resource-groups_ResourceWriteSuccess.json"
IMAGE_VERSION_WRITE = "Microsoft.Compute/galleries/images/versions/write"


def fixture_events() -> list[dict[str, Any]]:
    """The fixture as delivered: a JSON array of Event Grid-schema events."""
    if not FIXTURE.exists():
        pytest.skip(f"the shared Event Grid fixture is absent ({FIXTURE}): ../shared is not mounted")
    return json.loads(FIXTURE.read_text())


def fixture_event() -> dict[str, Any]:
    return fixture_events()[0]


def adapt(event: dict[str, Any], image_version_id: str, *, operation: str = IMAGE_VERSION_WRITE,
          event_id: str | None = None, subject: str | None = None) -> dict[str, Any]:
    """The fixture event as Azure raises it for a write of `image_version_id`."""
    adapted = copy.deepcopy(event)
    parts = image_version_id.split("/")
    subscription, group = parts[2], parts[4]
    topic = f"/subscriptions/{subscription}/resourceGroups/{group}"
    adapted["id"] = event_id or str(uuid.uuid4())
    adapted["subject"] = subject if subject is not None else image_version_id
    adapted["topic"] = topic
    data = adapted["data"]
    data["authorization"]["scope"] = image_version_id
    data["authorization"]["action"] = operation
    data["correlationId"] = str(uuid.uuid4())
    data["resourceProvider"] = "Microsoft.Compute"
    data["resourceUri"] = image_version_id
    data["operationName"] = operation
    data["subscriptionId"] = subscription
    return adapted


def to_cloud_event(event: dict[str, Any]) -> dict[str, Any]:
    """The same event in the CloudEvents 1.0 schema (how Event Grid maps it)."""
    return {
        "specversion": "1.0",
        "id": event["id"],
        "source": event["topic"],
        "subject": event["subject"],
        "type": event["eventType"],
        "time": event["eventTime"],
        "datacontenttype": "application/json",
        "data": event["data"],
    }
