"""The steady_state_wait sub-orchestration against scripted polls (tests/orchestrators/driver.py): when it
ends, what it answers, and how it keeps its history bounded."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.contracts import BUSY_MARKER, RATE_LIMIT_KEY, WaitInput
from domain.view import iso_instant
from orchestrators.steady_state_wait import POLLS_PER_GENERATION, wait_until_steady
from orchestrators.versions import UnsupportedVersion
from tests.orchestrators.driver import FakeContext, Task, drive

START = FakeContext({}).current_utc_datetime


def counts(total: int, provisioned: int | None = None, healthy: int | None = None, failed: int = 0) -> dict[str, Any]:
    provisioned = total if provisioned is None else provisioned
    healthy = provisioned if healthy is None else healthy
    return {"total": total, "provisioned": provisioned, "healthy": healthy, "failed": failed,
            "latest_model": total, "health_reported": total}


class Polls:
    """Answers each read_instance_counts with the next scripted counts (the last one repeats)."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.reads = 0
        self.timers: list[datetime] = []

    def __call__(self, task: Task) -> Any:
        if task.kind == "timer":  # a wait of version 1 only sleeps
            self.timers.append(task.payload)
            return None
        if task.kind == "any":  # the poll timer raced with an operator's abort, which never comes here
            timer = next(t for t in task.payload if t.kind == "timer")
            self.timers.append(timer.payload)
            return timer.resolve(None)
        assert (task.kind, task.name) == ("activity", "read_instance_counts")
        self.reads += 1
        return self.answers[min(self.reads, len(self.answers)) - 1]


def wait(polls: Polls, *, timeout: timedelta = timedelta(minutes=10), interval: int = 15, polls_done: int = 0,
         target: int = 2, version: str | None = "2") -> tuple[Any, FakeContext]:
    request = WaitInput(deployment_id="dep-1", subscription_id="sub", resource_group="rg", name="web__2",
                        target=target, deadline=iso_instant(START + timeout), poll_interval_seconds=interval,
                        polls_done=polls_done)
    context = FakeContext(request.to_json(), version)
    return drive(wait_until_steady(context), context, polls), context


def test_it_answers_steady_once_every_instance_is_provisioned_and_healthy():
    polls = Polls(counts(1), counts(2, provisioned=1), counts(2))
    result, context = wait(polls)
    assert result["steady"] is True and result["reason"] is None and polls.reads == 3
    assert context.custom_status == {"capacity": {"desired": 2, "current": 2, "healthy": 2}, "polls": 3}


def test_a_failed_instance_ends_the_wait_at_once():
    polls = Polls(counts(2, provisioned=1, failed=1))
    result, _ = wait(polls)
    assert result["steady"] is False and polls.reads == 1 and polls.timers == []
    assert result["reason"].startswith("1 instance(s) of [web__2] failed provisioning")


def test_past_the_deadline_it_times_out_with_the_last_counts_and_never_sleeps_past_it():
    polls = Polls(counts(2, healthy=0))
    result, _ = wait(polls, timeout=timedelta(minutes=1), interval=25)
    assert result["steady"] is False and result["reason"].startswith("Timed out waiting for [web__2] to be steady state")
    assert result["counts"]["healthy"] == 0
    assert max(polls.timers) == START + timedelta(minutes=1)
    assert polls.reads == len(polls.timers) + 1


def test_a_long_wait_continues_as_new_after_a_generation_of_polls_carrying_the_count():
    polls = Polls(counts(2, healthy=0))
    result, context = wait(polls, interval=1, timeout=timedelta(hours=1))
    assert result is None and polls.reads == POLLS_PER_GENERATION
    assert WaitInput.from_json(context.continued_with).polls_done == POLLS_PER_GENERATION


def test_a_continued_generation_goes_on_counting_from_where_the_last_one_stopped():
    polls = Polls(counts(2, healthy=0), counts(2))
    result, context = wait(polls, polls_done=POLLS_PER_GENERATION)
    assert result["steady"] is True and context.continued_with is None
    assert context.custom_status["polls"] == POLLS_PER_GENERATION + 2


class Aborting(Polls):
    """Polls whose first poll timer loses its race with an operator's abort."""

    def __call__(self, task: Task) -> Any:
        if task.kind == "any":
            return next(t for t in task.payload if t.kind == "event" and t.name == "abort").resolve({})
        return super().__call__(task)


def test_a_wait_of_version_2_ends_at_once_when_the_operator_aborts():
    polls = Aborting(counts(2, healthy=0))
    result, _ = wait(polls)
    assert result["steady"] is False and result["reason"] == "Aborted by operator" and polls.reads == 1


class SleepingOnly(Polls):
    """Polls of a wait that must never race its timer (its recorded history has none)."""

    def __call__(self, task: Task) -> Any:
        assert task.kind != "any", "a wait of version 1 raced its poll timer"
        return super().__call__(task)


def test_a_wait_of_version_1_or_started_before_versions_only_sleeps_between_polls_as_it_recorded():
    for version in (None, "1"):
        polls = SleepingOnly(counts(2, healthy=0), counts(2))
        result, _ = wait(polls, version=version)
        assert result["steady"] is True and polls.reads == 2 and polls.timers == [START + timedelta(seconds=16)]


def test_a_wait_of_a_version_the_app_does_not_run_fails_before_any_poll():
    with pytest.raises(UnsupportedVersion):
        wait(Polls(counts(2)), version="9")


def test_a_throttled_poll_of_version_2_is_a_poll_that_saw_nothing_new_after_the_longer_retry_after():
    busy = {BUSY_MARKER: {"retryAfterSeconds": 60, "reason": "throttled (429)"}}
    polls = Polls(counts(2, provisioned=1), busy, busy, counts(2))
    result, context = wait(polls, interval=15)
    assert result["steady"] is True and polls.reads == 4
    gaps = [round((later - earlier).total_seconds()) for earlier, later in itertools.pairwise(polls.timers)]
    assert gaps == [61, 61]  # a busy answer's 60 s Retry-After (and the poll's second), not the 15 s interval
    assert context.custom_status["capacity"]["healthy"] == 2


def test_a_wait_throttled_past_its_deadline_times_out_with_the_last_counts_it_saw():
    busy = {BUSY_MARKER: {"retryAfterSeconds": 60, "reason": "throttled (429)"}}
    polls = Polls(counts(2, provisioned=1), busy)
    result, _ = wait(polls, timeout=timedelta(minutes=5))
    assert result["steady"] is False and result["timedOut"] is True
    assert result["counts"]["provisioned"] == 1 and "Timed out" in result["reason"]


def gaps_between(timers: list[datetime]) -> list[float]:
    """Seconds between poll timers: the interval the wait chose, plus the driver's second per activity."""
    return [(later - earlier).total_seconds() - 1 for earlier, later in itertools.pairwise(timers)]


def test_a_wait_of_version_3_keeps_the_spec_interval_while_polls_see_nothing_change():
    a = counts(2, provisioned=0)
    polls = Polls(a, a, a, counts(2))
    result, _ = wait(polls, interval=10, version="3")
    assert result["steady"] is True and polls.reads == 4
    assert gaps_between(polls.timers) == [10, 10]  # CONTRACT §4: poll every pollIntervalSeconds


def test_a_wait_of_version_3_polls_slower_when_the_scale_sets_read_budget_runs_low():
    low = {**counts(2, provisioned=0), RATE_LIMIT_KEY: {"Microsoft.Compute/VMScaleSetHighCostGet1Min": 2}}
    plenty = {**counts(2, provisioned=1), RATE_LIMIT_KEY: {"Microsoft.Compute/VMScaleSetHighCostGet1Min": 25}}
    polls = Polls(low, plenty, counts(2))
    result, _ = wait(polls, interval=10, version="3")
    assert result["steady"] is True
    assert polls.timers[0] == START + timedelta(seconds=1 + 30)  # 2 reads left of a 1-minute window: 30 s
    assert gaps_between(polls.timers) == [10]  # plenty left and the counts changed: back to the spec's pace


def test_a_wait_of_version_2_keeps_the_spec_interval_whatever_the_polls_or_the_budget_say():
    stuck = {**counts(2, provisioned=0), RATE_LIMIT_KEY: {"Microsoft.Compute/VMScaleSetHighCostGet1Min": 0}}
    polls = Polls(stuck, stuck, stuck, counts(2))
    wait(polls, interval=10, version="2")
    assert gaps_between(polls.timers) == [10, 10]


def test_a_continued_wait_of_version_3_carries_its_poll_count():
    polls = Polls(counts(2, healthy=0))
    result, context = wait(polls, interval=1, timeout=timedelta(hours=1), version="3")
    assert result is None and polls.reads == POLLS_PER_GENERATION
    assert WaitInput.from_json(context.continued_with).polls_done == POLLS_PER_GENERATION
