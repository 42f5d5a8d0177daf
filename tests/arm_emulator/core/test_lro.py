"""Long-running operations answer like Azure's: 201/202, Azure-AsyncOperation, Location for
POST and DELETE, a pollable status moving InProgress -> Succeeded."""

from __future__ import annotations

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
