"""The admin API: request log, timeline, reset."""

from __future__ import annotations

import ssl
import tempfile
from datetime import datetime
from pathlib import Path

import httpx

from scripts import stack
from tests.arm_emulator.conftest import TOKEN, scale_set
from tests.support.arm import SUBSCRIPTION_ID, compute_client


def test_request_log_lists_arm_requests_oldest_first_without_admin_ones(http, rg):
    url = f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{rg}"
    http.get(f"{url}?api-version=2025-04-01", headers=TOKEN)
    http.get(f"{url}/nope?api-version=1", headers=TOKEN)
    log = http.get("/_emulator/requests").json()
    assert [e["seq"] for e in log] == sorted(e["seq"] for e in log)
    mine = [e for e in log if rg in e["path"]]
    assert mine[-2]["method"] == "GET" and mine[-2]["path"] == url and mine[-2]["status"] == 200
    assert mine[-2]["query"] == "api-version=2025-04-01"
    assert mine[-1]["status"] == 404
    datetime.fromisoformat(mine[-1]["at"].replace("Z", "+00:00"))
    assert not any(e["path"].startswith("/_emulator") for e in log)


def test_timeline_entries_have_the_documented_shape(compute, http, seed):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "tl", scale_set(image.id, [seed.prod_pool], 1)).result()
    entries = [e for e in http.get("/_emulator/timeline").json() if e["pool"].lower() == seed.prod_pool.lower()]
    assert [set(e) for e in entries] == [{"at", "pool", "members", "healthy"}] * len(entries)
    assert entries[0]["healthy"] == [] and len(entries[0]["members"]) == 1
    assert entries[-1]["healthy"] == entries[-1]["members"]
    assert entries[0]["at"] < entries[-1]["at"]


def test_reset_empties_state_and_keeps_certificates():
    with tempfile.TemporaryDirectory() as tmp:
        emulator = stack.start_arm_emulator(Path(tmp) / "state", time_scale=0.01, log_path=Path(tmp) / "arm.log")
        try:
            ca_before = emulator.ca_bundle.read_bytes()
            ctx = ssl.create_default_context(cafile=str(emulator.ca_bundle))
            with httpx.Client(base_url=emulator.endpoint, verify=ctx) as client:
                group = f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/r?api-version=1"
                client.put(group, json={"location": "westeurope"}, headers=TOKEN)
                assert client.get("/_emulator/requests").json()
                assert client.post("/_emulator/reset").status_code == 200
                assert client.get("/_emulator/requests").json() == []
                assert client.get(group, headers=TOKEN).status_code == 404
                assert client.get("/_emulator/timeline").json() == []
            assert emulator.ca_bundle.read_bytes() == ca_before
            compute = compute_client(emulator)
            assert list(compute.virtual_machine_scale_sets.list_all()) == []
        finally:
            emulator.stop()


def test_restart_reuses_the_ca_in_the_state_dir():
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        first = stack.start_arm_emulator(state, time_scale=0.01, log_path=Path(tmp) / "a.log")
        ca = first.ca_bundle.read_bytes()
        first.stop()
        second = stack.start_arm_emulator(state, time_scale=0.01, log_path=Path(tmp) / "b.log")
        try:
            assert second.ca_bundle.read_bytes() == ca
        finally:
            second.stop()
