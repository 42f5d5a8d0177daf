"""A deployment with webhooks is refused (400) while the app setting WEBHOOK_SIGNING_KEY is missing."""

from __future__ import annotations

import json

from domain.spec import parse_spec
from tests.orchestrators.driver import spec
from triggers.deployments import notifications_refusal

WITH_HOOKS = parse_spec(spec(notifications={"webhooks": ["https://hooks.example.com/a"]}))


def test_webhooks_without_a_signing_key_are_refused(monkeypatch):
    monkeypatch.delenv("WEBHOOK_SIGNING_KEY", raising=False)
    response = notifications_refusal(WITH_HOOKS)
    assert response is not None and response.status_code == 400
    error = json.loads(response.get_body())["error"]
    assert error["code"] == "InvalidDeploymentSpec" and error["details"][0]["field"] == "notifications"
    monkeypatch.setenv("WEBHOOK_SIGNING_KEY", "  ")
    assert notifications_refusal(WITH_HOOKS) is not None


def test_webhooks_with_a_signing_key_and_deployments_without_webhooks_are_accepted(monkeypatch):
    monkeypatch.delenv("WEBHOOK_SIGNING_KEY", raising=False)
    assert notifications_refusal(parse_spec(spec())) is None
    monkeypatch.setenv("WEBHOOK_SIGNING_KEY", "k")
    assert notifications_refusal(WITH_HOOKS) is None
