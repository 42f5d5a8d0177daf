"""Load balancers through the gateway, against the ARM emulator."""

from __future__ import annotations

import pytest

from gateway import compute, network
from gateway.errors import NotFoundError
from tests.gateway.seed import wait_until

TAGS = {"Name": "web__1"}


def test_load_balancer_summary_names_its_pools(clients, target):
    t = target
    lb = network.get_load_balancer(clients, t.sub, t.rg, t.lb)
    assert lb.name == t.lb
    assert lb.id.lower() == t.lb_id().lower()
    assert {k: v.lower() for k, v in lb.backend_pool_ids.items()} == {
        t.prod_pool: t.prod_pool_id.lower(), t.stage_pool: t.stage_pool_id.lower(),
        t.other_pool: t.other_pool_id.lower()}
    assert network.get_load_balancer(clients, t.sub, t.rg, "no-such-lb") is None


def test_pool_members_follow_the_model_after_manual_upgrade(clients, target):
    t = target
    compute.create_scale_set_from_base(clients, t.sub, t.rg, t.base, "web__1", t.versions["1.0.0"], TAGS,
                                       t.stage_pool_id)
    assert network.pool_members(clients, t.sub, t.rg, t.lb, t.stage_pool) == []
    compute.set_capacity(clients, t.sub, t.rg, "web__1", 2)
    members = wait_until(lambda: len(m := network.pool_members(clients, t.sub, t.rg, t.lb, t.stage_pool)) == 2 and m,
                         timeout=60, what="2 members in the stage pool")
    assert all("/virtualmachinescalesets/web__1/" in m.lower() for m in members)

    compute.update_pools_and_tags(clients, t.sub, t.rg, "web__1", remove_pool_ids=[t.stage_pool_id],
                                  add_pool_ids=[t.prod_pool_id], tags=TAGS)
    # The model changed, the instances did not yet (upgrade policy Manual).
    assert len(network.pool_members(clients, t.sub, t.rg, t.lb, t.stage_pool)) == 2
    assert compute.manual_upgrade(clients, t.sub, t.rg, "web__1") == 2
    wait_until(lambda: len(network.pool_members(clients, t.sub, t.rg, t.lb, t.prod_pool)) == 2,
               timeout=60, what="2 members in the prod pool")
    assert network.pool_members(clients, t.sub, t.rg, t.lb, t.stage_pool) == []


def test_pool_members_of_a_missing_pool_is_not_found(clients, target):
    t = target
    with pytest.raises(NotFoundError, match="nope"):
        network.pool_members(clients, t.sub, t.rg, t.lb, "nope")
