"""Blob Storage parts of the gateway, against a private Azurite."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from gateway.errors import PreconditionFailed
from gateway.storage import (
    CLAIM_START_DEADLINE,
    DeploymentLogs,
    EventMarkers,
    ProfileStore,
    TargetLocks,
    claim_target,
)

HOST_JSON = Path(__file__).resolve().parents[2] / "host.json"

# -- deployment logs -------------------------------------------------------------------------------


def test_log_append_then_read_gives_timestamped_lines_in_order(blob_service, unique):
    logs = DeploymentLogs(blob_service)
    dep = f"dep-{unique}"
    assert logs.read(dep) is None
    t0 = datetime(2026, 11, 26, 5, 0, 1, 250000, tzinfo=UTC)
    logs.append(dep, "Starting setup", now=t0)
    logs.append(dep, "Sending request to attach virtual machine scale set:[x__2] to prod backend pool:[prod]",
                "Tagging VMSS: [x__2] as [BLUE] deployment", now=t0)
    text = logs.read(dep)
    assert text.splitlines() == [
        "2026-11-26T05:00:01.250Z Starting setup",
        "2026-11-26T05:00:01.250Z Sending request to attach virtual machine scale set:[x__2] to prod backend pool:[prod]",
        "2026-11-26T05:00:01.250Z Tagging VMSS: [x__2] as [BLUE] deployment",
    ]


def test_log_multiline_entry_gets_a_timestamp_per_line_and_default_now_is_utc(blob_service, unique):
    logs = DeploymentLogs(blob_service)
    dep = f"dep-{unique}"
    logs.append(dep, "first\nsecond")
    lines = logs.read(dep).splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["first", "second"]
    stamp = datetime.strptime(lines[0].split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60


def test_log_concurrent_appends_lose_nothing(blob_service, unique):
    logs = DeploymentLogs(blob_service)
    dep = f"dep-{unique}"

    def writer(n: int) -> None:
        for i in range(5):
            logs.append(dep, f"writer {n} line {i}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = logs.read(dep).splitlines()
    assert sorted(line.split(" ", 1)[1] for line in lines) == sorted(
        f"writer {n} line {i}" for n in range(4) for i in range(5)
    )


# -- locks -----------------------------------------------------------------------------------------


def _alive(*ids):
    return lambda holder: holder in ids


def test_lock_acquire_is_idempotent_for_the_owner_and_refused_to_others(blob_service, unique):
    locks = TargetLocks(blob_service)
    key = TargetLocks.target_key("SUB", "RG", f"app_{unique}")
    assert locks.holder(key) is None
    assert locks.acquire(key, "dep-a", _alive("dep-a")) is None
    assert locks.acquire(key, "dep-a", _alive("dep-a")) is None
    assert locks.acquire(key, "dep-b", _alive("dep-a")) == "dep-a"
    assert locks.holder(key) == "dep-a"


def test_lock_concurrent_acquire_from_threads_exactly_one_wins(blob_service, unique):
    locks = TargetLocks(blob_service)
    key = f"sub/rg/race-{unique}"
    owners = [f"dep-{i}" for i in range(8)]
    barrier = threading.Barrier(len(owners))
    results: dict[str, str | None] = {}

    def contender(owner: str) -> None:
        barrier.wait()
        results[owner] = locks.acquire(key, owner, lambda holder: True)

    threads = [threading.Thread(target=contender, args=(o,)) for o in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o, r in results.items() if r is None]
    assert len(winners) == 1
    assert all(r == winners[0] for o, r in results.items() if o != winners[0])
    assert locks.holder(key) == winners[0]


def test_lock_concurrent_takeover_of_a_dead_holder_exactly_one_wins(blob_service, unique):
    locks = TargetLocks(blob_service, start_deadline=timedelta(0))
    key = f"sub/rg/takeover-{unique}"
    assert locks.acquire(key, "dead", _alive()) is None
    owners = [f"dep-{i}" for i in range(6)]
    barrier = threading.Barrier(len(owners))
    results: dict[str, str | None] = {}

    def contender(owner: str) -> None:
        barrier.wait()
        # Only "dead" is dead; every contender counts as alive once it holds the lock.
        results[owner] = locks.acquire(key, owner, lambda holder: holder != "dead")

    threads = [threading.Thread(target=contender, args=(o,)) for o in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o, r in results.items() if r is None]
    assert len(winners) == 1
    assert locks.holder(key) == winners[0]


def test_lock_dead_holder_is_taken_over(blob_service, unique):
    locks = TargetLocks(blob_service, start_deadline=timedelta(0))
    key = f"sub/rg/dead-{unique}"
    assert locks.acquire(key, "crashed", _alive("crashed")) is None
    assert locks.acquire(key, "next", _alive("next")) is None
    assert locks.holder(key) == "next"


class ManualClock:
    """The lock's clock, moved by the test: no test waits for a deadline in real time."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class Orchestrations:
    """The Durable client as the claim sees it: an instance's runtime status, or None (not found)."""

    def __init__(self) -> None:
        self.runtime: dict[str, str] = {}

    async def get_status(self, instance_id: str):
        runtime = self.runtime.get(instance_id)
        return SimpleNamespace(runtime_status=runtime) if runtime else None


def test_lock_a_holder_still_starting_counts_as_alive_until_its_start_deadline(blob_service, unique):
    clock = ManualClock()
    locks = TargetLocks(blob_service, start_deadline=timedelta(seconds=30), clock=clock)
    key = f"sub/rg/young-{unique}"
    assert locks.acquire(key, "starting", _alive()) is None
    # Its orchestration is not visible yet (is_alive False), but the lock was just taken.
    clock.now += timedelta(seconds=29)
    assert locks.acquire(key, "other", _alive()) == "starting"
    clock.now += timedelta(seconds=2)
    assert locks.acquire(key, "other", _alive()) is None


def test_a_claim_whose_orchestration_starts_slowly_is_not_taken_over_by_a_second_post(blob_service, unique):
    # Two POSTs for one target on a loaded host: the first claimed the lock and its start_new has not
    # returned yet, whatever the time that takes (it once lost the lock after 5 s and both got 202).
    clock = ManualClock()
    locks = TargetLocks(blob_service, clock=clock)
    orchestrations = Orchestrations()
    key = f"sub/rg/slow-{unique}"
    assert asyncio.run(claim_target(orchestrations, locks, key, "first")) is None
    clock.now += CLAIM_START_DEADLINE - timedelta(seconds=1)
    assert asyncio.run(claim_target(orchestrations, locks, key, "second")) == "first"
    orchestrations.runtime["first"] = "Running"  # started at last: live for as long as it runs
    clock.now += timedelta(hours=6)
    assert asyncio.run(claim_target(orchestrations, locks, key, "second")) == "first"
    orchestrations.runtime["first"] = "Completed"  # ended without releasing: taken over at once
    assert asyncio.run(claim_target(orchestrations, locks, key, "second")) is None
    assert locks.holder(key) == "second"


def test_a_claim_whose_post_died_before_starting_frees_the_target_at_its_start_deadline(blob_service, unique):
    clock = ManualClock()
    locks = TargetLocks(blob_service, clock=clock)
    orchestrations = Orchestrations()
    key = f"sub/rg/crashed-{unique}"
    assert asyncio.run(claim_target(orchestrations, locks, key, "crashed")) is None
    clock.now += CLAIM_START_DEADLINE + timedelta(seconds=1)
    assert asyncio.run(claim_target(orchestrations, locks, key, "next")) is None
    assert locks.holder(key) == "next"


def test_a_claim_outlives_every_post_that_could_still_start_its_orchestration():
    # No invocation outlives host.json's functionTimeout: past it, the claimer cannot start any more.
    hours, minutes, seconds = json.loads(HOST_JSON.read_text())["functionTimeout"].split(":")
    function_timeout = timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds))
    assert CLAIM_START_DEADLINE >= function_timeout


def test_lock_release_by_non_owner_is_ignored_and_by_owner_frees_it(blob_service, unique):
    locks = TargetLocks(blob_service)
    key = f"sub/rg/release-{unique}"
    locks.acquire(key, "owner", _alive("owner"))
    assert locks.release(key, "intruder") is False
    assert locks.holder(key) == "owner"
    assert locks.release(key, "owner") is True
    assert locks.holder(key) is None
    assert locks.release(key, "owner") is False
    assert locks.acquire(key, "intruder", _alive("owner")) is None


# -- profiles --------------------------------------------------------------------------------------


def test_profile_put_get_list_delete(blob_service, unique):
    store = ProfileStore(blob_service)
    name = f"web-{unique}"
    assert store.get(name) is None
    etag = store.put(name, {"baseVmss": "base", "enabled": True})
    doc, got_etag = store.get(name)
    assert doc == {"baseVmss": "base", "enabled": True}
    assert got_etag == etag
    assert (name, doc, etag) in store.list()
    assert store.delete(name) is True
    assert store.delete(name) is False
    assert store.get(name) is None


def test_profile_etag_mismatch_is_412(blob_service, unique):
    store = ProfileStore(blob_service)
    name = f"web-{unique}"
    first = store.put(name, {"v": 1})
    second = store.put(name, {"v": 2}, if_match=first)
    assert second != first
    with pytest.raises(PreconditionFailed):
        store.put(name, {"v": 3}, if_match=first)  # lost update
    assert store.get(name)[0] == {"v": 2}
    # An ETag given without its quotes matches too.
    third = store.put(name, {"v": 3}, if_match=second.strip('"'))
    with pytest.raises(PreconditionFailed):
        store.delete(name, if_match=second)
    assert store.delete(name, if_match=third) is True


def test_profile_if_none_match_only_creates(blob_service, unique):
    store = ProfileStore(blob_service)
    name = f"web-{unique}"
    store.put(name, {"v": 1}, if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put(name, {"v": 2}, if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put(f"missing-{unique}", {"v": 1}, if_match='"0x1"')
    assert store.get(name)[0] == {"v": 1}


# -- event markers ---------------------------------------------------------------------------------


def test_event_marker_is_true_only_the_first_time_even_concurrently(blob_service, unique):
    markers = EventMarkers(blob_service)
    key = f"profile/version-{unique}"
    barrier = threading.Barrier(6)
    results: list[bool] = []

    def mark() -> None:
        barrier.wait()
        results.append(markers.mark_once(key))

    threads = [threading.Thread(target=mark) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    assert markers.is_marked(key)
    assert markers.mark_once(key) is False
