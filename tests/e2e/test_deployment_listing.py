"""GET /api/deployments lists every deployment, however many pages of the Durable API they span."""

from __future__ import annotations

import uuid

import httpx
import pytest

from domain.contracts import WaitInput
from tests.e2e.conftest import spec_for

pytestmark = pytest.mark.e2e

# More than one page of the Durable API (the extension answers 100 instances at a time).
FILLERS = 150


def fill_with_sub_orchestration_like_instances(devhost, count: int) -> None:
    """Instances that are not deployments, as the steady-state waits every deployment starts are: started
    through the Durable HTTP API with an input they refuse, so each ends at once."""
    with httpx.Client(base_url=devhost.url, params={"code": devhost.durable_key}, timeout=30) as http:
        prefix = uuid.uuid4().hex[:8]
        for i in range(count):
            r = http.post(f"/runtime/webhooks/durabletask/orchestrators/{WaitInput.orchestration}/"
                          f"filler-{prefix}-{i:03d}", json=None)
            assert r.status_code == 202, r.text


def test_the_list_follows_the_durable_apis_pages_to_the_end(api, devhost, target, seeded):
    before = api.deploy(spec_for(target, seeded[0], baseVmss="missing-base"))
    api.wait(before)
    fill_with_sub_orchestration_like_instances(devhost, FILLERS)
    after = api.deploy(spec_for(target, seeded[0], baseVmss="missing-base"))
    api.wait(after)
    listed = api.http.get("/api/deployments", params={"resourceGroup": target.resource_group}).json()["value"]
    # the first page holds at most the 100 oldest instances: `after` is past it whatever else the host holds
    assert [d["id"] for d in listed] == [after, before]
    everything = api.http.get("/api/deployments").json()["value"]
    assert len({d["id"] for d in everything}) == len(everything)


def test_the_list_takes_several_statuses_pages_with_top_and_refuses_unknown_parameters(api, target, seeded):
    ids = []
    for _ in range(3):
        deployment = api.deploy(spec_for(target, seeded[0], baseVmss="missing-base"))
        api.wait(deployment)
        ids.append(deployment)
    newest_first = list(reversed(ids))
    group = {"resourceGroup": target.resource_group}

    several = api.http.get("/api/deployments", params={**group, "status": "Running,Failed"}).json()["value"]
    assert [d["id"] for d in several] == newest_first
    assert api.http.get("/api/deployments", params={**group, "status": "Succeeded,Running"}).json()["value"] == []

    pages, params = [], {**group, "top": "2"}
    while True:
        answer = api.http.get("/api/deployments", params=params)
        assert answer.status_code == 200, answer.text
        pages.append([d["id"] for d in answer.json()["value"]])
        next_link = answer.json().get("nextLink")
        if not next_link:
            break
        assert answer.headers["x-ms-continuation-token"] in next_link
        params = {**group, "top": "2", "continuationToken": answer.headers["x-ms-continuation-token"]}
    assert pages == [newest_first[:2], newest_first[2:]]

    for bad in ({"state": "Failed"}, {"status": "Done"}, {"top": "0"}, {"continuationToken": "%%"}):
        answer = api.http.get("/api/deployments", params=bad)
        assert answer.status_code == 400, (bad, answer.text)
        assert answer.json()["error"]["details"][0]["field"] == next(iter(bad)), bad
