"""Deployment profiles end to end: HTTP API -> devhost -> Azurite (issue 5)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.conftest import profile_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def name(api):
    """A profile name of this test's own; deleted afterwards."""
    profile_name = f"e2e-{uuid.uuid4().hex[:12]}"
    yield profile_name
    api.http.delete(f"/api/profiles/{profile_name}")


def test_crud_with_etags(api, target, name):
    path = f"/api/profiles/{name}"
    assert api.http.get(path).status_code == 404

    created = api.http.put(path, json=profile_for(target))
    assert created.status_code == 201, created.text
    etag = created.headers["ETag"]
    assert etag.startswith('"') and created.headers["Location"].endswith(path)
    stored = created.json()
    assert stored["imageDefinition"] == target.image_definition_id
    assert stored["enabled"] is True and stored["name"] == "web_api_prod"

    got = api.http.get(path)
    assert got.status_code == 200 and got.headers["ETag"] == etag and got.json() == stored

    listed = api.http.get("/api/profiles").json()["value"]
    mine = [p for p in listed if p["profileName"] == name]
    assert mine == [{"profileName": name, "etag": etag, "profile": stored}]

    # What GET returns can be PUT back as is (with its ETag).
    changed = dict(stored, enabled=False)
    replaced = api.http.put(path, json=changed, headers={"If-Match": etag})
    assert replaced.status_code == 200, replaced.text
    new_etag = replaced.headers["ETag"]
    assert new_etag != etag and api.http.get(path).json()["enabled"] is False

    deleted = api.http.delete(path, headers={"If-Match": new_etag})
    assert deleted.status_code == 204
    assert api.http.get(path).status_code == 404
    assert api.http.delete(path).status_code == 404
    assert name not in [p["profileName"] for p in api.http.get("/api/profiles").json()["value"]]


def test_a_lost_update_gets_412(api, target, name):
    path = f"/api/profiles/{name}"
    etag = api.http.put(path, json=profile_for(target)).headers["ETag"]
    # Two operators read the same version; the first write wins, the second is refused.
    first = api.http.put(path, json=profile_for(target, enabled=False), headers={"If-Match": etag})
    assert first.status_code == 200
    second = api.http.put(path, json=profile_for(target, versionsToKeep=5), headers={"If-Match": etag})
    assert second.status_code == 412, second.text
    assert second.json()["error"]["code"] == "PreconditionFailed"
    assert api.http.get(path).json()["enabled"] is False
    assert api.http.delete(path, headers={"If-Match": etag}).status_code == 412
    assert api.http.get(path).status_code == 200


def test_create_only_and_if_match_on_a_missing_profile(api, target, name):
    path = f"/api/profiles/{name}"
    assert api.http.put(path, json=profile_for(target), headers={"If-Match": '"0x8D0000000000000"'}).status_code == 412
    assert api.http.put(path, json=profile_for(target), headers={"If-Match": "*"}).status_code == 412
    assert api.http.put(path, json=profile_for(target), headers={"If-None-Match": "*"}).status_code == 201
    again = api.http.put(path, json=profile_for(target), headers={"If-None-Match": "*"})
    assert again.status_code == 412, again.text
    unconditional = api.http.put(path, json=profile_for(target, versionsToKeep=4))
    assert unconditional.status_code == 200 and unconditional.json()["versionsToKeep"] == 4


INVALID = {
    "image instead of imageDefinition": (lambda p: p.update(image=p.pop("imageDefinition") + "/versions/1.0.0"),
                                         {"image", "imageDefinition"}),
    "imageDefinition is a version": (lambda p: p.update(imageDefinition=p["imageDefinition"] + "/versions/1.0.0"),
                                     {"imageDefinition"}),
    "missing subscription": (lambda p: p.pop("subscriptionId"), {"subscriptionId"}),
    "min above max": (lambda p: p.update(instances={"mode": "fixed", "min": 5, "max": 3, "desired": 4}),
                      {"instances.min"}),
    "enabled is a string": (lambda p: p.update(enabled="yes"), {"enabled"}),
    "unknown field": (lambda p: p.update(colour="blue"), {"colour"}),
    "equal pools": (lambda p: p.update(stageBackendPool=p["prodBackendPool"]), {"stageBackendPool"}),
}


@pytest.mark.parametrize("label", list(INVALID))
def test_invalid_profiles_get_400_with_field_details(api, target, name, label):
    breaks, fields = INVALID[label]
    profile = profile_for(target)
    breaks(profile)
    response = api.http.put(f"/api/profiles/{name}", json=profile)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "InvalidProfile"
    assert fields <= {d["field"] for d in error["details"]}, error
    assert api.http.get(f"/api/profiles/{name}").status_code == 404


def test_bad_bodies_names_and_conditions(api, target, name):
    path = f"/api/profiles/{name}"
    assert api.http.put(path, content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert api.http.put(path, content=b"{not json").status_code == 415
    assert api.http.put(path, content=b"").status_code == 400
    assert api.http.put(path, json=[1, 2]).status_code == 400
    for bad in ("-leading-dash", "dots.json", "x" * 64, "sp%20ace"):
        response = api.http.put(f"/api/profiles/{bad}", json=profile_for(target))
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["error"]["code"] == "InvalidProfileName"
        assert api.http.get(f"/api/profiles/{bad}").status_code == 400
    conflicting = api.http.put(path, json=profile_for(target), headers={"If-Match": "*", "If-None-Match": "*"})
    assert conflicting.status_code == 400


def test_requests_without_a_function_key_get_401(devhost, name):
    assert httpx.get(f"{devhost.url}/api/profiles").status_code == 401
    assert httpx.put(f"{devhost.url}/api/profiles/{name}", json={}).status_code == 401
