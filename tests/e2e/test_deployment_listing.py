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
