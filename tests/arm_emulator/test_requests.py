"""What ARM answers to bad or unusual requests: auth, unknown routes, malformed and invalid
bodies, missing parents, case-insensitivity, and no 500 for any bad input."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.arm_emulator.conftest import LOCATION, TOKEN, arm_url, scale_set
from tests.support.arm import SUBSCRIPTION_ID


def _vmss_url(rg: str, name: str = "x") -> str:
    return arm_url(rg, f"Microsoft.Compute/virtualMachineScaleSets/{name}")


def test_state_dir_holds_the_ca_clients_trust(arm_emulator):
    text = arm_emulator.ca_bundle.read_text()
    assert text.startswith("-----BEGIN CERTIFICATE-----")


def test_request_without_bearer_token_gets_401_in_arm_envelope(http, rg):
    r = http.get(f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{rg}?api-version=2025-04-01")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AuthenticationFailed"
    r = http.get(f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{rg}?api-version=2025-04-01",
                 headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert r.status_code == 401


def test_any_bearer_token_and_any_api_version_are_accepted(http, rg):
    r = http.get(f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{rg}?api-version=1999-01-01",
                 headers={"Authorization": "Bearer whatever"})
    assert r.status_code == 200
    assert r.json()["name"] == rg


def test_unknown_route_is_404_in_arm_envelope(http, rg):
    r = http.get(arm_url(rg, "Microsoft.Web/sites/app"), headers=TOKEN)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "InvalidResourceType"
    r = http.get("/nothing/here", headers=TOKEN)
    assert r.status_code == 404 and "error" in r.json()


def test_malformed_json_is_400(http, rg):
    r = http.put(_vmss_url(rg), content=b"{not json", headers={**TOKEN, "Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "InvalidRequestContent"


def test_unknown_top_level_key_is_400(http, seed, compute):
    image = seed.version(compute, "1.0.0")
    body = scale_set(image.id, [], 0).as_dict()
    body["virtual_machine_profile"] = {}
    r = http.put(_vmss_url(seed.rg), json=body, headers=TOKEN)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "InvalidRequestContent"


def test_snake_case_patch_is_rejected_rather_than_ignored(http, seed, compute):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(seed.rg, "x", scale_set(image.id, [], 0)).result()
    r = http.patch(_vmss_url(seed.rg), json={"properties": {"upgrade_policy": {"mode": "Automatic"}}}, headers=TOKEN)
    assert r.status_code == 400
    r = http.patch(_vmss_url(seed.rg), json={"sku_capacity": 3}, headers=TOKEN)
    assert r.status_code == 400


def test_scale_set_without_virtual_machine_profile_is_400(http, rg):
    body = {"location": LOCATION, "sku": {"name": "Standard_D2s_v3", "capacity": 1},
            "properties": {"upgradePolicy": {"mode": "Manual"}}}
    r = http.put(_vmss_url(rg), json=body, headers=TOKEN)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "InvalidParameter"
    assert "virtualMachineProfile" in r.json()["error"]["message"]


def test_pool_reference_without_id_is_400(http, seed, compute):
    image = seed.version(compute, "1.0.0")
    body = _rest_body(seed.rg, image.id, seed.prod_pool)
    ipc = body["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]
    ipc["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = [{"name": "prod"}]
    r = http.put(_vmss_url(seed.rg), json=body, headers=TOKEN)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "InvalidParameter"


def _rest_body(rg: str, image_id: str, pool: str) -> dict:
    """A REST-shaped scale-set body (what the SDK sends), built by hand to be edited."""
    return {
        "location": LOCATION, "sku": {"name": "Standard_D2s_v3", "capacity": 1},
        "properties": {"upgradePolicy": {"mode": "Manual"}, "virtualMachineProfile": {
            "storageProfile": {"imageReference": {"id": image_id}},
            "networkProfile": {"networkInterfaceConfigurations": [{"name": "nic", "properties": {
                "primary": True, "ipConfigurations": [{"name": "ipconfig", "properties": {
                    "loadBalancerBackendAddressPools": [{"id": pool}]}}]}}]}}}}


def test_reference_to_missing_pool_is_400(compute, seed):
    image = seed.version(compute, "1.0.0")
    missing = seed.prod_pool.rsplit("/", 1)[0] + "/nope"
    with pytest.raises(HttpResponseError) as info:
        compute.virtual_machine_scale_sets.begin_create_or_update(seed.rg, "x", scale_set(image.id, [missing], 1))
    assert info.value.status_code == 400
    assert info.value.error.code == "InvalidResourceReference"


def test_reference_to_missing_image_version_is_400(compute, seed):
    seed.version(compute, "1.0.0")
    missing = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{seed.rg}/providers/Microsoft.Compute/galleries/" \
              f"{seed.gallery}/images/{seed.image}/versions/9.9.9"
    with pytest.raises(HttpResponseError) as info:
        compute.virtual_machine_scale_sets.begin_create_or_update(seed.rg, "x", scale_set(missing, [], 1))
    assert info.value.status_code == 400
    assert info.value.error.code == "InvalidParameter"


def test_write_into_missing_resource_group_is_404_resource_group_not_found(compute):
    with pytest.raises(ResourceNotFoundError) as info:
        compute.galleries.begin_create_or_update("no-such-rg", "g", {"location": LOCATION})
    assert info.value.error.code == "ResourceGroupNotFound"


def test_missing_resource_is_404_resource_not_found(compute, rg):
    with pytest.raises(ResourceNotFoundError) as info:
        compute.virtual_machine_scale_sets.get(rg, "ghost")
    assert info.value.error.code == "ResourceNotFound"


def test_provider_segments_and_double_slashes_are_tolerated(http, seed, compute):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(seed.rg, "odd", scale_set(image.id, [], 0)).result()
    url = f"/subscriptions/{SUBSCRIPTION_ID}/RESOURCEGROUPS/{seed.rg}//providers/microsoft.compute/" \
          f"VIRTUALMACHINESCALESETS/ODD?api-version=2025-04-01"
    r = http.get(url, headers=TOKEN)
    assert r.status_code == 200 and r.json()["name"] == "odd"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 20) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["location", "sku", "properties", "capacity", "virtualMachineProfile", "networkProfile",
                         "networkInterfaceConfigurations", "ipConfigurations", "name", "id", "tags",
                         "loadBalancerBackendAddressPools", "storageProfile", "imageReference", "upgradePolicy",
                         "mode", "instanceIds", "profiles"]), children, max_size=4),
    max_leaves=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values, method=st.sampled_from(["PUT", "PATCH", "POST"]),
       tail=st.sampled_from(["Microsoft.Compute/virtualMachineScaleSets/fz",
                             "Microsoft.Compute/virtualMachineScaleSets/fz/manualupgrade",
                             "Microsoft.Network/loadBalancers/fz", "Microsoft.Insights/autoscalesettings/fz",
                             "Microsoft.Compute/galleries/fz", "Microsoft.Compute/galleries/fz/images/i"]))
def test_no_bad_body_ever_gets_a_500(http, rg, body, method, tail):
    r = http.request(method, arm_url(rg, tail), content=json.dumps(body).encode(),
                     headers={**TOKEN, "Content-Type": "application/json"})
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert set(r.json()["error"]) >= {"code", "message"}


def _paths(value, prefix=()):
    """Every path into a JSON document (dict keys and list indexes)."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _replace(doc, path, new):
    if not path:
        return new
    doc = json.loads(json.dumps(doc))
    cur = doc
    for part in path[:-1]:
        cur = cur[part]
    cur[path[-1]] = new
    return doc


VALID_SCALE_SET = {
    "location": LOCATION, "tags": {"a": "b"}, "sku": {"name": "Standard_D2s_v3", "capacity": 1},
    "properties": {"upgradePolicy": {"mode": "Manual"}, "virtualMachineProfile": {
        "osProfile": {"computerNamePrefix": "vm", "adminUsername": "u"},
        "storageProfile": {"imageReference": {"publisher": "p", "offer": "o", "sku": "s", "version": "latest"}},
        "networkProfile": {"networkInterfaceConfigurations": [{"name": "nic", "properties": {
            "primary": True, "ipConfigurations": [{"name": "ip", "properties": {
                "loadBalancerBackendAddressPools": []}}]}}]}}}}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), method=st.sampled_from(["PUT", "PATCH"]))
def test_a_valid_scale_set_body_with_one_wrongly_typed_part_never_gets_a_500(http, rg, data, method):
    paths = list(_paths(VALID_SCALE_SET))
    path = data.draw(st.sampled_from(paths))
    body = _replace(VALID_SCALE_SET, path, data.draw(json_values))
    url = _vmss_url(rg, "mut")
    if method == "PATCH":
        http.put(url, json=VALID_SCALE_SET, headers=TOKEN)
    r = http.request(method, url, content=json.dumps(body).encode(),
                     headers={**TOKEN, "Content-Type": "application/json"})
    assert r.status_code < 500, r.text
    listed = http.get(url.replace("/mut?", "/mut/virtualMachines?$expand=instanceView&"), headers=TOKEN)
    assert listed.status_code < 500, listed.text
