"""Injected faults hit exactly the requests they match, `times` times."""

from __future__ import annotations

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ServiceResponseError
from azure.mgmt.compute import models as cm

from tests.arm_emulator.conftest import TOKEN, arm_url, scale_set


@pytest.fixture
def faults(http):
    yield lambda spec: http.post("/_emulator/faults", json=spec)
    http.delete("/_emulator/faults")


def test_status_fault_hits_matching_requests_times_times(http, rg, faults):
    url = arm_url(rg, "Microsoft.Network/loadBalancers/flaky")
    other = arm_url(rg, "Microsoft.Network/loadBalancers/steady")
    assert faults({"method": "GET", "path": f"{rg}/.*/loadBalancers/flaky$", "status": 503, "times": 2,
                   "retryAfter": "0.01"}).status_code == 201
    first, second = http.get(url, headers=TOKEN), http.get(url, headers=TOKEN)
    assert (first.status_code, second.status_code) == (503, 503)
    assert first.json()["error"]["code"] == "ServiceUnavailable"
    assert first.headers["Retry-After"] == "0.01"
    assert http.get(other, headers=TOKEN).status_code == 404
    assert http.put(url, json={}, headers=TOKEN).status_code == 400  # other method, body invalid
    assert http.get(url, headers=TOKEN).status_code == 404  # the fault is used up


def test_clearing_faults(http, rg, faults):
    url = arm_url(rg, "Microsoft.Network/loadBalancers/x")
    faults({"method": "GET", "path": "loadBalancers/x", "status": 500, "times": 5})
    assert len(http.get("/_emulator/faults").json()) == 1
    http.delete("/_emulator/faults")
    assert http.get(url, headers=TOKEN).status_code == 404


def test_injected_lro_failure_fails_the_upgrade_and_applies_nothing(compute, network, seed, faults):
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "web", scale_set(image.id, [seed.stage_pool], 2)).result()
    vmss.begin_create_or_update(seed.rg, "web", scale_set(image.id, [seed.prod_pool], 2)).result()
    faults({"method": "POST", "path": f"{seed.rg}/.*/web/manualupgrade", "lroStatus": "Failed", "times": 1})
    ids = cm.VirtualMachineScaleSetVMInstanceRequiredIDs(instance_ids=["0", "1"])
    with pytest.raises(HttpResponseError) as info:
        vmss.begin_update_instances(seed.rg, "web", ids).result()
    assert "InternalExecutionError" in str(info.value)
    vms = list(compute.virtual_machine_scale_set_vms.list(seed.rg, "web"))
    assert {vm.latest_model_applied for vm in vms} == {False}
    assert {vm.provisioning_state for vm in vms} == {"Succeeded"}
    vmss.begin_update_instances(seed.rg, "web", ids).result()
    assert {vm.latest_model_applied for vm in compute.virtual_machine_scale_set_vms.list(seed.rg, "web")} == {True}


def test_injected_lro_failure_on_create_leaves_the_resource_failed(compute, seed, faults):
    image = seed.version(compute, "1.0.0")
    faults({"method": "PUT", "path": "virtualMachineScaleSets/doomed$", "lroStatus": "Failed", "times": 1})
    with pytest.raises(HttpResponseError):
        compute.virtual_machine_scale_sets.begin_create_or_update(
            seed.rg, "doomed", scale_set(image.id, [], 0)).result()
    assert compute.virtual_machine_scale_sets.get(seed.rg, "doomed").provisioning_state == "Failed"
    # only once: the next write succeeds
    again = compute.virtual_machine_scale_sets.begin_create_or_update(
        seed.rg, "doomed", scale_set(image.id, [], 0)).result()
    assert again.provisioning_state == "Succeeded"


def test_status_fault_on_a_write_changes_no_state(compute, http, seed, faults):
    image = seed.version(compute, "1.0.0")
    faults({"method": "PUT", "path": "virtualMachineScaleSets/never$", "status": 409, "times": 1})
    r = http.put(arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/never"),
                 json=scale_set(image.id, [], 0).as_dict(), headers=TOKEN)
    assert r.status_code == 409 and r.json()["error"]["code"] == "Conflict"
    assert http.get(arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/never"),
                    headers=TOKEN).status_code == 404


def dropped_entries(http, rg) -> list[dict]:
    return [e for e in http.get("/_emulator/requests").json() if rg in e["path"] and "dropped" in e]


def test_a_dropped_request_closes_the_connection_without_an_answer_and_applies_nothing(compute, http, seed, faults):
    image = seed.version(compute, "1.0.0")
    url = arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/unheard")
    faults({"method": "PUT", "path": f"{seed.rg}/.*/unheard$", "drop": "request", "times": 1})
    with pytest.raises(httpx.TransportError):
        http.put(url, json=scale_set(image.id, [], 0).as_dict(), headers=TOKEN)
    assert http.get(url, headers=TOKEN).status_code == 404
    assert [(e["method"], e["status"], e["dropped"]) for e in dropped_entries(http, seed.rg)] == [("PUT", 0, "request")]


def test_a_dropped_response_applies_the_write_and_the_client_never_hears_of_it(compute, http, seed, faults):
    image = seed.version(compute, "1.0.0")
    url = arm_url(seed.rg, "Microsoft.Compute/virtualMachineScaleSets/unanswered")
    faults({"method": "PUT", "path": f"{seed.rg}/.*/unanswered$", "drop": "response", "times": 1})
    with pytest.raises(httpx.TransportError):
        http.put(url, json=scale_set(image.id, [], 0).as_dict(), headers=TOKEN)
    assert http.get(url, headers=TOKEN).status_code == 200
    assert [(e["method"], e["status"], e["dropped"]) for e in dropped_entries(http, seed.rg)] == [
        ("PUT", 201, "response")]


def test_the_sdk_sees_a_dropped_post_as_a_response_error_and_does_not_resend_it(compute, seed, faults):
    """The SDK retries a dropped GET on its own, not a POST (not idempotent): the caller
    gets `ServiceResponseError` and decides."""
    image = seed.version(compute, "1.0.0")
    vmss = compute.virtual_machine_scale_sets
    vmss.begin_create_or_update(seed.rg, "web", scale_set(image.id, [seed.stage_pool], 1)).result()
    faults({"method": "GET", "path": f"{seed.rg}/.*/virtualMachineScaleSets/web$", "drop": "request", "times": 2})
    assert vmss.get(seed.rg, "web").name == "web"  # retried past both drops
    faults({"method": "POST", "path": f"{seed.rg}/.*/web/manualupgrade$", "drop": "request", "times": 1})
    ids = cm.VirtualMachineScaleSetVMInstanceRequiredIDs(instance_ids=["0"])
    with pytest.raises(ServiceResponseError):
        vmss.begin_update_instances(seed.rg, "web", ids).result()
    vmss.begin_update_instances(seed.rg, "web", ids).result()


def test_invalid_fault_specs_are_rejected(http):
    assert http.post("/_emulator/faults", json={"method": "GET", "path": "x"}).status_code == 400
    assert http.post("/_emulator/faults", json={"method": "GET", "path": "(", "status": 500}).status_code == 400
    assert http.post("/_emulator/faults", json={"path": "x", "status": 200}).status_code == 400
    assert http.post("/_emulator/faults", json={"path": "x", "drop": "sometimes"}).status_code == 400
    assert http.post("/_emulator/faults", json={"path": "x", "drop": "request", "status": 503}).status_code == 400
