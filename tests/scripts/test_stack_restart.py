"""make down / make up in the middle of an end-to-end flow: the local Azure, Azurite and devhost agree
afterwards (CONTRACT §1). The stack runs from scripts/stack.py in a temporary directory on free ports."""

from __future__ import annotations

import pytest

from scripts import stack
from scripts.seed import demo_target, seed_demo
from tests.support.api import DeployerApi

pytestmark = pytest.mark.e2e

TIME_SCALE = 0.01


def demo_spec(image: str, **extra) -> dict:
    t = demo_target()
    return {"subscriptionId": t.subscription_id, "resourceGroup": t.resource_group, "name": "web",
            "baseVmss": t.base_vmss, "image": image, "loadBalancer": t.load_balancer,
            "prodBackendPool": t.prod_pool, "stageBackendPool": t.stage_pool,
            "instances": {"mode": "fixed", "min": 1, "max": 3, "desired": 2}, "pollIntervalSeconds": 5, **extra}


@pytest.fixture
def local_stack(tmp_path):
    def up() -> dict[str, str]:
        # Fresh free ports each time: ports just released could be taken by a test running beside this
        # one before the restart binds them again. What must survive lives in the state directory.
        return stack.up(TIME_SCALE, local=tmp_path, arm_port=stack.free_port(), devhost_port=stack.free_port(),
                        azurite_ports=(stack.free_port(), stack.free_port(), stack.free_port()))

    yield up
    stack.down(quiet=True, local=tmp_path)


def scale_sets(api: DeployerApi) -> dict[str, int]:
    t = demo_target()
    answer = api.http.get("/api/targets", params={"subscriptionId": t.subscription_id,
                                                   "resourceGroup": t.resource_group})
    assert answer.status_code == 200, answer.text
    return {m["name"]: m["capacity"] for lineage in answer.json()["value"] for m in lineage["members"]}


def test_down_and_up_mid_deployment_keeps_every_scale_set_and_deployment(local_stack, tmp_path):
    settings = local_stack()
    first_image, second_image = seed_demo(settings)
    api = DeployerApi(settings["FUNCTIONS_URL"], settings["FUNCTION_KEY"])
    first = api.deploy(demo_spec(first_image))
    assert api.wait(first)["status"] == "Succeeded", api.log(first)
    second = api.deploy(demo_spec(second_image, approval={"required": True, "timeoutMinutes": 600}))
    api.wait(second, statuses={"AwaitingApproval"})
    before = scale_sets(api)
    assert before == {"web__2": 2, "web__1": 2}

    stack.down(quiet=True, local=tmp_path)
    assert stack.running(tmp_path) is None
    settings = local_stack()

    api = DeployerApi(settings["FUNCTIONS_URL"], settings["FUNCTION_KEY"])
    assert scale_sets(api) == before
    listed = {d["id"]: d["status"] for d in api.http.get("/api/deployments").json()["value"]}
    assert listed == {first: "Succeeded", second: "AwaitingApproval"}
    assert api.decide(second, "approve").status_code == 202
    view = api.wait(second)
    assert view["status"] == "Succeeded", api.log(second)
    assert scale_sets(api) == {"web__2": 2, "web__1": 0}
