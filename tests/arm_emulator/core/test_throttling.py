"""Compute's token buckets: a burst on one scale set gets 429s with Retry-After, the SDK's own
retry gets through once the bucket refills, other scale sets are unaffected.

Buckets refill per simulated minute. At the suite's time scale (0.01) a simulated minute is 0.6 real
seconds, so on a loaded machine a burst can be slow enough to be refilled as it goes and never be
throttled. These tests run on their own emulator at time scale 0.1: a bucket then refills 10 tokens
per 6 real seconds, and a burst of BURST requests is throttled unless it takes over a minute.
"""

from __future__ import annotations

import re
import ssl
import tempfile
from pathlib import Path

import httpx
import pytest  # noqa: E402  (kept beside the fixtures that need it)

from scripts import stack
from tests.arm_emulator.conftest import TOKEN, arm_url, scale_set
from tests.support.arm import compute_client, network_client

BURST = 60  # twice the high-cost bucket (30): throttled unless the burst takes a minute
SDK_BURST = 45  # the SDK waits out each 429 (0.6 s here), so a shorter burst keeps the test short


@pytest.fixture(scope="module")
def arm_emulator(tmp_path_factory):
    """This module's own emulator, with a clock slow enough that a burst outruns the refill."""
    base = tmp_path_factory.mktemp("arm-throttling")
    emulator = stack.start_arm_emulator(base / "state", time_scale=0.1, log_path=base / "arm.log")
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def compute(arm_emulator):
    return compute_client(arm_emulator)


@pytest.fixture(scope="module")
def network(arm_emulator):
    return network_client(arm_emulator)


@pytest.fixture(scope="module")
def http(arm_emulator):
    verify = ssl.create_default_context(cafile=str(arm_emulator.ca_bundle))
    with httpx.Client(base_url=arm_emulator.endpoint, verify=verify, timeout=30) as client:
        yield client

HEADER = re.compile(r"^Microsoft\.Compute/\w+;\d+(,Microsoft\.Compute/\w+;\d+)*$")


def _make(compute, seed, name: str) -> str:
    image_id = seed.image_version_id(compute)
    compute.virtual_machine_scale_sets.begin_create_or_update(seed.rg, name, scale_set(image_id, [], 0)).result()
    return arm_url(seed.rg, f"Microsoft.Compute/virtualMachineScaleSets/{name}/instanceView")


def test_raw_burst_of_instance_view_reads_gets_429_with_retry_after(http, compute, seed):
    url = _make(compute, seed, "hot")
    answers = [http.get(url, headers=TOKEN) for _ in range(BURST)]
    throttled = [r for r in answers if r.status_code == 429]
    assert throttled, [r.status_code for r in answers]
    assert answers[0].status_code == 200
    first = throttled[0]
    assert float(first.headers["Retry-After"]) > 0
    assert first.json()["error"]["code"] == "OperationNotAllowed"
    assert first.json()["error"]["details"][0]["code"] == "TooManyRequests"
    assert HEADER.match(first.headers["x-ms-ratelimit-remaining-resource"])
    # the bucket is per scale set: a cold one answers at once
    cold = _make(compute, seed, "cold")
    assert http.get(cold, headers=TOKEN).status_code == 200


def test_sdk_retry_gets_through_a_burst(http, compute, seed):
    url = _make(compute, seed, "burst")
    path = url.split("?")[0]
    views = [compute.virtual_machine_scale_sets.get_instance_view(seed.rg, "burst") for _ in range(SDK_BURST)]
    assert len(views) == SDK_BURST and all(v.statuses for v in views)
    log = [e for e in http.get("/_emulator/requests").json() if e["path"] == path]
    statuses = [e["status"] for e in log]
    assert statuses.count(200) == SDK_BURST
    assert 429 in statuses


def test_every_compute_answer_carries_the_remaining_count_header(http, compute, seed):
    url = _make(compute, seed, "hdr")
    r = http.get(url.replace("/instanceView", ""), headers=TOKEN)
    assert HEADER.match(r.headers["x-ms-ratelimit-remaining-resource"]), r.headers
    missing = http.get(url.replace("/hdr/instanceView", "/none"), headers=TOKEN)
    assert missing.status_code == 404
    assert HEADER.match(missing.headers["x-ms-ratelimit-remaining-resource"])


def test_an_instance_list_says_what_is_left_of_the_buckets_it_drew_on_and_zero_when_throttled(http, compute, seed):
    """As Compute does (`Microsoft.Compute/HighCostGet3Min;107,...`): one `policy;remaining` per bucket the
    request counted against, here the scale set's high-cost GET bucket and the subscription's."""
    from arm_emulator.core.throttling import PER_SCALE_SET, PER_SUBSCRIPTION
    from domain.steady_state import rate_limit_remaining

    url = _make(compute, seed, "listed").replace("/instanceView", "/virtualMachines")
    scale_set_policy, burst, _ = PER_SCALE_SET["high"]
    first = rate_limit_remaining(http.get(url, headers=TOKEN).headers["x-ms-ratelimit-remaining-resource"])
    assert set(first) == {scale_set_policy, PER_SUBSCRIPTION["high"][0]}
    assert first[scale_set_policy] == burst - 1  # a fresh bucket, less this request
    answers = [http.get(url, headers=TOKEN) for _ in range(BURST)]
    left = [rate_limit_remaining(r.headers["x-ms-ratelimit-remaining-resource"])[scale_set_policy]
            for r in answers]
    throttled = [n for r, n in zip(answers, left, strict=True) if r.status_code == 429]
    assert throttled and set(throttled) == {0}


def test_no_throttling_flag_turns_buckets_off():
    with tempfile.TemporaryDirectory() as tmp:
        emulator = stack.start_arm_emulator(Path(tmp) / "state", time_scale=0.01, throttling=False,
                                            log_path=Path(tmp) / "arm.log")
        try:
            ctx = ssl.create_default_context(cafile=str(emulator.ca_bundle))
            with httpx.Client(base_url=emulator.endpoint, verify=ctx) as client:
                sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
                client.put(f"{sub}/resourcegroups/rg?api-version=1", json={"location": "x"}, headers=TOKEN)
                client.put(f"{sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/s?api-version=1",
                           json={"location": "x", "sku": {"name": "a", "capacity": 0},
                                 "properties": {"virtualMachineProfile": {}}}, headers=TOKEN)
                url = f"{sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/s/instanceView"
                codes = {client.get(url, headers=TOKEN).status_code for _ in range(45)}
            assert codes == {200}
        finally:
            emulator.stop()
