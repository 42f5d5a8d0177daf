"""Resource groups (raw HTTPS: azure-mgmt-resource is not a project dependency)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError

from tests.arm_emulator.conftest import LOCATION, TOKEN, scale_set, wait_until
from tests.support.arm import SUBSCRIPTION_ID

BASE = f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups"


def test_resource_groups_put_get_head_list(http, rg):
    assert http.put(f"{BASE}/{rg}?api-version=2025-04-01", json={"location": LOCATION, "tags": {"k": "v"}},
                    headers=TOKEN).status_code == 200
    got = http.get(f"{BASE}/{rg.upper()}?api-version=2025-04-01", headers=TOKEN).json()
    assert got["tags"] == {"k": "v"} and got["properties"]["provisioningState"] == "Succeeded"
    assert http.head(f"{BASE}/{rg}?api-version=2025-04-01", headers=TOKEN).status_code == 204
    assert http.head(f"{BASE}/absent-{rg}?api-version=2025-04-01", headers=TOKEN).status_code == 404
    names = [g["name"] for g in http.get(f"{BASE}?api-version=2025-04-01", headers=TOKEN).json()["value"]]
    assert rg in names


def test_missing_group_answers_resource_group_not_found(http):
    r = http.get(f"{BASE}/never-made?api-version=2025-04-01", headers=TOKEN)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "ResourceGroupNotFound"


def test_group_without_location_is_400(http):
    r = http.put(f"{BASE}/no-location?api-version=2025-04-01", json={"tags": {}}, headers=TOKEN)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "LocationRequired"


def test_deleting_a_group_deletes_what_is_in_it(http, compute, seed):
    image = seed.version(compute, "1.0.0")
    compute.virtual_machine_scale_sets.begin_create_or_update(seed.rg, "web", scale_set(image.id, [], 0)).result()
    r = http.delete(f"{BASE}/{seed.rg}?api-version=2025-04-01", headers=TOKEN)
    assert r.status_code == 202 and "Location" in r.headers
    wait_until(lambda: http.get(f"{BASE}/{seed.rg}?api-version=2025-04-01", headers=TOKEN).status_code == 404,
               "group deleted")
    with pytest.raises(ResourceNotFoundError) as info:
        compute.virtual_machine_scale_sets.get(seed.rg, "web")
    assert info.value.error.code == "ResourceGroupNotFound"
