"""The `follow_operation` sub-orchestration (version 4): durable timers and one status read per call until
Azure's operation ends; Azure's Retry-After is honoured, never sooner than the spec's poll interval."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.contracts import BUSY_MARKER, BUSY_OK_KEY, FollowInput
from domain.view import iso_instant
from orchestrators.operation_follow import READS_PER_GENERATION, follow_until_ended
from tests.orchestrators.driver import FakeContext, Task, drive

URL = "https://arm.local/operations/1"


class Reads:
    def __init__(self, *statuses: dict[str, Any]) -> None:
        self.statuses = list(statuses)
        self.timers: list[Any] = []  # (clock when the timer was created, when it fires)
        self.reads: list[dict[str, Any]] = []
        self.context: FakeContext | None = None

    def __call__(self, task: Task) -> Any:
        if task.kind == "timer":
            self.timers.append(task.payload)
            return None
        assert task.name == "read_operation"
        self.reads.append(task.payload)
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


def follow(reads: Reads, *, url: str | None = URL, retry_after: float | None = 45, poll: int = 20,
           minutes: int = 10) -> tuple[Any, FakeContext]:
    context = FakeContext({})
    request = FollowInput("dep-1", "sub", url, "the resize of [web__2]", retry_after, poll,
                          iso_instant(context.current_utc_datetime + timedelta(minutes=minutes)), "Upgrade")
    context._payload = request.to_json()  # noqa: SLF001
    return drive(follow_until_ended(context), context, reads), context


def test_it_reads_after_azures_retry_after_never_sooner_than_the_poll_interval_until_the_operation_ended():
    reads = Reads({"status": "InProgress", "retryAfterSeconds": 10}, {"status": "InProgress", "retryAfterSeconds": 90},
                  {"status": "Succeeded"})
    result, context = follow(reads, retry_after=45, poll=20)

    assert result == {"status": "Succeeded"}
    assert len(reads.reads) == 3
    assert all(r["url"] == URL and r[BUSY_OK_KEY] is True and r["_step"] == "Upgrade" for r in reads.reads)
    start = FakeContext({}).current_utc_datetime
    # 45 s (Azure's first answer), then 20 s (a read asked 10: never sooner than the poll interval), then
    # 90 s; each read takes the driver's second.
    assert [t - start for t in reads.timers] == [timedelta(seconds=s) for s in (45, 45 + 1 + 20, 45 + 1 + 20 + 1 + 90)]


def test_a_failed_operation_ends_the_follow_with_azures_error():
    failed = {"status": "Failed", "code": "OSProvisioningClientError", "message": "did not finish"}
    result, _ = follow(Reads({"status": "InProgress"}, failed))
    assert result == failed


def test_a_throttled_read_waits_azures_retry_after_and_reads_again():
    reads = Reads({BUSY_MARKER: {"retryAfterSeconds": 120, "reason": "throttled (429)"}}, {"status": "Succeeded"})
    result, _ = follow(reads, retry_after=None, poll=5)
    assert result == {"status": "Succeeded"} and len(reads.reads) == 2
    assert reads.timers[1] - reads.timers[0] == timedelta(seconds=121)


def test_an_operation_that_never_ends_times_out_at_the_deadline():
    reads = Reads({"status": "InProgress"})
    result, _ = follow(reads, retry_after=None, poll=30, minutes=5)
    assert result == {"status": "TimedOut"}
    assert 8 <= len(reads.reads) <= 10  # every 30 s (+1 s per read) for 5 minutes


def test_without_a_status_url_it_waits_once_and_reads_nothing():
    reads = Reads({"status": "Succeeded"})
    result, _ = follow(reads, url=None, retry_after=None, poll=15)
    assert result == {"status": "Unknown"} and reads.reads == [] and len(reads.timers) == 1


def test_a_long_follow_continues_as_new_with_what_it_knows():
    reads = Reads({"status": "InProgress", "retryAfterSeconds": 60})
    result, context = follow(reads, retry_after=None, poll=5, minutes=600)
    assert result is None and len(reads.reads) == READS_PER_GENERATION
    assert context.continued_with["reads_done"] == READS_PER_GENERATION
    assert context.continued_with["retry_after_seconds"] == 60
