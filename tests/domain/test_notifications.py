"""Webhook notifications' pure parts: allowed URLs, the CloudEvents event, its signature, the retry schedule."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from domain.notifications import (
    DeliveryOutcome,
    cloud_event,
    event_body,
    event_id,
    next_attempt_at,
    signature,
    signature_matches,
    webhook_url_problem,
)

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("url", ["https://hooks.slack.com/services/T/B/x", "https://example.com:8443/a?b=c",
                                 "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9/x"])
def test_https_anywhere_and_plain_http_on_loopback_are_allowed(url):
    assert webhook_url_problem(url) is None


@pytest.mark.parametrize(("url", "problem"), [
    ("http://hooks.example.com/x", "must use https"),
    ("http://10.0.0.1/x", "must use https"),
    ("ftp://example.com/x", "absolute https URL"),
    ("example.com/x", "absolute https URL"),
    ("https://user:secret@example.com/x", "credentials"),
])
def test_other_urls_are_refused_with_the_reason(url, problem):
    assert problem in (webhook_url_problem(url) or "")


def test_the_event_is_a_cloud_event_of_the_view_without_its_steps():
    view = {"id": None, "kind": "deploy", "status": "Succeeded", "steps": [{"name": "Setup"}], "newVmss": "x__2"}
    event = cloud_event(view, deployment_id="dep-1", sequence=3, time="2026-11-30T02:00:00.000000Z")
    assert event == {
        "specversion": "1.0", "type": "vmss-bluegreen.deployment.Succeeded", "source": "/deployments/dep-1",
        "id": event_id("dep-1", 3, "Succeeded"), "time": "2026-11-30T02:00:00.000000Z", "subject": "Succeeded",
        "sequence": "3", "datacontenttype": "application/json",
        "data": {"id": "dep-1", "kind": "deploy", "status": "Succeeded", "newVmss": "x__2"}}


def test_event_ids_are_the_same_on_replay_and_differ_between_changes_and_deployments():
    assert event_id("dep-1", 1, "Running") == event_id("dep-1", 1, "Running")
    assert len({event_id("dep-1", 1, "Running"), event_id("dep-1", 2, "Running"), event_id("dep-2", 1, "Running"),
                event_id("dep-1", 1, "Failed")}) == 4


def test_the_signature_is_the_hex_hmac_sha256_of_the_exact_body():
    body = event_body({"b": 1, "a": "é"})
    assert body == b'{"a":"\\u00e9","b":1}'  # compact, sorted, ASCII: the bytes are what is signed
    expected = hmac.new(b"key", body, hashlib.sha256).hexdigest()
    assert signature("key", body) == f"sha256={expected}"
    assert signature_matches("key", body, f"sha256={expected}")
    assert not signature_matches("other", body, f"sha256={expected}")
    assert not signature_matches("key", body + b" ", f"sha256={expected}")
    assert not signature_matches("key", body, None)


@pytest.mark.parametrize(("status", "delivered", "retryable"), [
    (200, True, False), (204, True, False), (400, False, False), (401, False, False), (404, False, False),
    (408, False, True), (429, False, True), (500, False, True), (503, False, True), (301, False, False)])
def test_a_receivers_answer_says_whether_trying_again_can_help(status, delivered, retryable):
    outcome = DeliveryOutcome.of_status(status)
    assert (outcome.delivered, outcome.retryable) == (delivered, retryable)
    assert DeliveryOutcome.from_json(outcome.to_json()) == outcome


def test_retries_back_off_to_ten_minutes_and_stop_an_hour_after_the_first_attempt():
    now, attempts, pauses = T0, 0, []
    while True:
        attempts += 1
        at = next_attempt_at(T0, now, attempts)
        if at is None:
            break
        pauses.append(at - now)
        now = at
    assert pauses[:5] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4),
                          timedelta(minutes=8)]
    assert max(pauses) == timedelta(minutes=10)
    assert now == T0 + timedelta(hours=1)


def test_the_documented_verification_snippet_accepts_our_signatures_and_nothing_else():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "notifications.md").read_text()
    snippet = re.search(r"## Verifying a signature.*?```python\n(.*?)```", doc, re.S).group(1)
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 - the repository's own documentation
    body = event_body(cloud_event({"status": "Running"}, deployment_id="d", sequence=1, time="t"))
    assert namespace["signature_is_valid"](body, signature("key", body), "key")
    assert not namespace["signature_is_valid"](body, signature("other", body), "key")
    assert not namespace["signature_is_valid"](body, None, "key")


def test_loopback_means_only_this_machine_can_answer():
    from domain.urls import is_loopback_url

    assert all(is_loopback_url(u) for u in ("http://127.0.0.1:9/x", "https://localhost/", "http://[::1]:80/",
                                            "http://127.8.9.10/"))
    assert not any(is_loopback_url(u) for u in ("http://10.0.0.1/", "https://example.com/", "http://0.0.0.0/",
                                                "not a url"))
