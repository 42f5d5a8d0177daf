"""Long-running operations answer like Azure's: 201/202, Azure-AsyncOperation, Location for
POST and DELETE, a pollable status moving InProgress -> Succeeded."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.arm_emulator.conftest import TOKEN, arm_url, scale_set, wait_until


def test_put_answers_201_with_async_operation_then_succeeds(http, compute, seed):
    image = seed.version(compute, "1.0.0")
    url = arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/raw")
    r = http.put(url, json=scale_set(image.id, [], 1).as_dict(), headers=TOKEN)
    assert r.status_code == 201
    assert r.json()["properties"]["provisioningState"] == "Creating"
    op_url = r.headers["Azure-AsyncOperation"]
    status = http.get(op_url, headers=TOKEN)
    assert status.json()["status"] == "InProgress"
    assert float(status.headers["Retry-After"]) > 0
    wait_until(lambda: http.get(op_url, headers=TOKEN).json()["status"] == "Succeeded", "operation succeeded")
    assert http.get(url, headers=TOKEN).json()["properties"]["provisioningState"] == "Succeeded"
    again = http.put(url, json=scale_set(image.id, [], 1).as_dict(), headers=TOKEN)
    assert again.status_code == 200
    assert again.json()["properties"]["provisioningState"] == "Updating"


def test_post_and_delete_answer_202_with_location(http, compute, seed):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(seed.rg, "raw", scale_set(image.id, [], 1)).result()
    url = arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/raw")
    up = http.post(url.replace("/raw?", "/raw/manualupgrade?"), json={"instanceIds": ["0"]}, headers=TOKEN)
    assert up.status_code == 202
    assert "Azure-AsyncOperation" in up.headers
    location = up.headers["Location"]
    assert http.get(location, headers=TOKEN).status_code == 202
    wait_until(lambda: http.get(location, headers=TOKEN).status_code == 200, "upgrade done")
    gone = http.delete(url, headers=TOKEN)
    assert gone.status_code == 202 and "Location" in gone.headers
    assert http.get(url, headers=TOKEN).json()["properties"]["provisioningState"] == "Deleting"
    wait_until(lambda: http.get(url, headers=TOKEN).status_code == 404, "deleted")
    assert http.delete(url, headers=TOKEN).status_code == 204


def test_unknown_operation_is_404(http):
    url = "/subscriptions/s/providers/Microsoft.Compute/locations/westus/operations/nope?api-version=1"
    assert http.get(url, headers=TOKEN).status_code == 404


def test_a_slow_operation_keeps_the_scale_set_creating_and_refuses_other_writes_until_it_ends(http, compute, seed):
    """`lroSeconds` (a slow Azure): the create's operation lasts that long in simulated time, the scale set
    stays `Creating` meanwhile and another write gets 409 OperationNotAllowed, as Compute does."""
    image = seed.version(compute, "1.0.0")
    url = arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/slow")
    fault = {"method": "PUT", "path": f"{seed.rg}/.*/virtualMachineScaleSets/slow$", "lroSeconds": 300, "times": 1}
    assert http.post("/_emulator/faults", json=fault).status_code == 201
    try:
        created = http.put(url, json=scale_set(image.id, [], 0).as_dict(), headers=TOKEN)
    finally:
        http.delete("/_emulator/faults")
    assert created.status_code == 201
    op_url = created.headers["Azure-AsyncOperation"]
    assert http.get(url, headers=TOKEN).json()["properties"]["provisioningState"] == "Creating"
    again = http.put(url, json=scale_set(image.id, [], 0).as_dict(), headers=TOKEN)
    assert again.status_code == 409 and again.json()["error"]["code"] == "OperationNotAllowed"
    done = wait_until(lambda: (body := http.get(op_url, headers=TOKEN).json())["status"] == "Succeeded" and body,
                      "the slow create ended", attempts=2000)
    lasted = datetime.fromisoformat(done["endTime"].replace("Z", "+00:00")) - \
        datetime.fromisoformat(done["startTime"].replace("Z", "+00:00"))
    assert lasted >= timedelta(seconds=300)
    assert http.get(url, headers=TOKEN).json()["properties"]["provisioningState"] == "Succeeded"


def test_a_slow_fault_needs_a_number_of_seconds(http):
    bad = http.post("/_emulator/faults", json={"method": "PUT", "path": "x", "lroSeconds": "long"})
    assert bad.status_code == 400
    both = http.post("/_emulator/faults", json={"method": "PUT", "path": "x", "lroSeconds": 5, "status": 500})
    assert both.status_code == 400


def test_a_lost_answer_carries_the_write_out_then_answers_the_error(http, compute, seed):
    """`answerLost`: the create is accepted (the scale set exists, its operation runs) though the client
    got a 504; a client that PUTs again meets the creation in progress."""
    image = seed.version(compute, "1.0.0")
    url = arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/lost")
    faults = [{"method": "PUT", "path": f"{seed.rg}/.*/virtualMachineScaleSets/lost$", "lroSeconds": 300},
              {"method": "PUT", "path": f"{seed.rg}/.*/virtualMachineScaleSets/lost$", "status": 504,
               "answerLost": True}]
    assert http.post("/_emulator/faults", json=faults).status_code == 201
    try:
        first = http.put(url, json=scale_set(image.id, [], 0).as_dict(), headers=TOKEN)
    finally:
        http.delete("/_emulator/faults")
    assert first.status_code == 504 and first.json()["error"]["code"] == "GatewayTimeout"
    assert http.get(url, headers=TOKEN).json()["properties"]["provisioningState"] == "Creating"
    assert http.put(url, json=scale_set(image.id, [], 0).as_dict(), headers=TOKEN).status_code == 409
    assert http.post("/_emulator/faults", json={"method": "PUT", "path": "x", "answerLost": True,
                                                "lroSeconds": 1}).status_code == 400
