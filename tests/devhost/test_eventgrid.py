"""Event Grid webhook: the subscription validation handshake and Notification delivery."""

from __future__ import annotations

import uuid

EG = "/runtime/webhooks/eventgrid"


def _event(subject: str, data: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or uuid.uuid4().hex, "topic": "/subscriptions/s/resourceGroups/rg", "subject": subject,
        "eventType": "Microsoft.Resources.ResourceWriteSuccess", "eventTime": "2026-01-01T00:00:00.123Z",
        "data": data, "dataVersion": "1",
    }


def test_eventgrid_subscription_validation_handshake(host):
    body = [{"id": "v1", "topic": "t", "subject": "", "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
             "eventTime": "2026-01-01T00:00:00Z", "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},
             "dataVersion": "1"}]
    r = host.http.post(EG, params={**host.key, "functionName": "on_event"}, json=body,
                       headers={"aeg-event-type": "SubscriptionValidation"})
    assert r.status_code == 200
    assert r.json() == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}


def test_eventgrid_notification_delivers_each_event_of_the_batch(host):
    ids = [uuid.uuid4().hex for _ in range(3)]
    batch = [_event(f"/subjects/{i}", {"n": i}, ids[i]) for i in range(3)]
    r = host.http.post(EG, params={**host.key, "functionName": "on_event"}, json=batch,
                       headers={"aeg-event-type": "Notification"})
    assert r.status_code == 200
    journal = host.journal.read_text()
    for i, event_id in enumerate(ids):
        assert f"event {event_id} Microsoft.Resources.ResourceWriteSuccess /subjects/{i}" in journal


def test_eventgrid_accepts_cloudevents(host):
    event_id = uuid.uuid4().hex
    ce = {"specversion": "1.0", "id": event_id, "source": "/subscriptions/s", "type": "Custom.Thing",
          "subject": "/things/1", "time": "2026-01-01T00:00:00Z", "data": {"a": 1}}
    r = host.http.post(EG, params={**host.key, "functionName": "on_event"}, json=ce)
    assert r.status_code == 200
    assert f"event {event_id} Custom.Thing /things/1" in host.journal.read_text()


def test_eventgrid_failure_answers_500_so_event_grid_retries(host):
    r = host.http.post(EG, params={**host.key, "functionName": "on_event"}, json=[_event("/x", {"fail": True})],
                       headers={"aeg-event-type": "Notification"})
    assert r.status_code == 500


def test_eventgrid_needs_the_key_and_a_known_function(host):
    r = host.http.post(EG, params={"functionName": "on_event"}, json=[_event("/x", {})],
                       headers={"aeg-event-type": "Notification"})
    assert r.status_code == 401
    r = host.http.post(EG, params={**host.key, "functionName": "missing"}, json=[_event("/x", {})],
                       headers={"aeg-event-type": "Notification"})
    assert r.status_code == 404
