"""Notifications in the orchestrations, against a scripted Azure (tests/orchestrators/driver.py): one
started delivery per status change, none without webhooks, never a failed or delayed deployment; and the
delivery orchestration's retries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.contracts import DeliveryInput, DeploymentInput, Source
from orchestrators.bluegreen import BlueGreenDeployment
from orchestrators.notifications import deliver_until_accepted, notifying
from tests.orchestrators.driver import NEWEST_VERSION, Azure, FakeContext, Task, drive, spec

HOOKS = ["https://hooks.example.com/a", "http://127.0.0.1:9/b"]


def run_notifying(azure: Azure, **overrides: Any) -> tuple[Any, FakeContext]:
    payload = DeploymentInput("dep-1", spec(**overrides), "key", Source().to_json()).to_json()
    context = FakeContext(payload, NEWEST_VERSION)
    deployment = BlueGreenDeployment(context)
    return drive(notifying(context, deployment.run(), lambda: deployment.view, deployment.spec), context, azure), \
        context


def started(azure: Azure) -> list[tuple[int, str]]:
    return [(t.payload["sequence"], t.payload["event"]["type"].rsplit(".", 1)[-1])
            for t in azure.activities("start_notification_delivery")]


def test_each_status_change_starts_one_delivery_to_every_webhook():
    azure = Azure(events={"approval": {"decision": "approve", "token": "token-1"}})
    outcome, _ = run_notifying(azure, notifications={"webhooks": HOOKS}, approval={"required": True})
    assert outcome["status"] == "Succeeded"
    assert started(azure) == [(1, "Running"), (2, "AwaitingApproval"), (3, "Running"), (4, "Succeeded")]
    first = azure.activities("start_notification_delivery")[0].payload
    assert first["webhooks"] == HOOKS and first["deployment_id"] == "dep-1"
    assert first["event"]["source"] == "/deployments/dep-1" and "steps" not in first["event"]["data"]
    # The approval is raced with its timer only after AwaitingApproval has been announced.
    announced = [i for i, t in enumerate(azure.calls) if t.name == "start_notification_delivery"]
    approval_race = next(i for i, t in enumerate(azure.calls) if waits_for_approval(t))
    assert announced[0] < announced[1] < approval_race < announced[2]


def waits_for_approval(task: Task) -> bool:
    """A race (perhaps within the race with the operator's signals) that the approval event is in."""
    return task.kind == "any" and any(t.name == "approval" or waits_for_approval(t) for t in task.payload)


def test_a_failure_still_reaches_the_deployment_which_rolls_back_and_announces_it():
    azure = Azure(answers={"clear_autoscale": Exception("refused")},
                  autoscale={"name": "a", "id": "/a", "location": "westus", "target_resource_id": "/x/web__1",
                             "enabled": True, "profiles": []})
    outcome, _ = run_notifying(azure, notifications={"webhooks": HOOKS})
    assert outcome["status"] == "RolledBack"
    assert started(azure) == [(1, "Running"), (2, "RolledBack")]


def test_a_delivery_that_cannot_be_started_does_not_fail_the_deployment():
    azure = Azure(answers={"start_notification_delivery": Exception("storage unavailable")})
    outcome, _ = run_notifying(azure, notifications={"webhooks": HOOKS})
    assert outcome["status"] == "Succeeded" and len(started(azure)) == 2


def test_without_webhooks_the_history_is_the_same_as_without_notifications():
    with_wrapper, without = Azure(), Azure()
    run_notifying(with_wrapper)
    payload = DeploymentInput("dep-1", spec(), "key", Source().to_json()).to_json()
    context = FakeContext(payload, NEWEST_VERSION)
    drive(BlueGreenDeployment(context).run(), context, without)
    assert [(t.kind, t.name) for t in with_wrapper.calls] == [(t.kind, t.name) for t in without.calls]


class Receiver:
    """Answers post_webhook with scripted outcomes (the last one repeats) and records the timers."""

    def __init__(self, *outcomes: dict[str, Any]) -> None:
        self.outcomes = list(outcomes)
        self.posts: list[dict[str, Any]] = []
        self.timers: list[Any] = []

    def __call__(self, task) -> Any:
        if task.kind == "timer":
            self.timers.append(task.payload)
            return None
        assert task.name == "post_webhook"
        self.posts.append(task.payload)
        answer = self.outcomes[min(len(self.posts), len(self.outcomes)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


FAILED = {"delivered": False, "retryable": True, "detail": "HTTP 503"}
DELIVERED = {"delivered": True, "retryable": False, "detail": "HTTP 200"}
REFUSED = {"delivered": False, "retryable": False, "detail": "HTTP 401"}


def deliver(receiver: Receiver) -> tuple[Any, FakeContext]:
    context = FakeContext(DeliveryInput("dep-1", HOOKS[0], {"id": "e1", "type": "t"}).to_json())
    return drive(deliver_until_accepted(context), context, receiver), context


def test_a_failing_webhook_is_retried_with_durable_timers_until_it_accepts():
    receiver = Receiver(FAILED, Exception("timed out"), FAILED, DELIVERED)
    result, _ = deliver(receiver)
    assert result == {"delivered": True, "attempts": 4, "detail": "HTTP 200"}
    assert [p["attempt"] for p in receiver.posts] == [1, 2, 3, 4] and len(receiver.timers) == 3


def test_a_refusing_webhook_is_not_retried_and_a_failing_one_is_given_up_after_an_hour():
    receiver = Receiver(REFUSED)
    assert deliver(receiver)[0]["delivered"] is False and len(receiver.posts) == 1
    receiver = Receiver(FAILED)
    result, context = deliver(receiver)
    assert result["delivered"] is False and receiver.timers[-1] - receiver.timers[0] < timedelta(hours=1)
    assert FakeContext({}).current_utc_datetime + timedelta(hours=1) <= context.current_utc_datetime
