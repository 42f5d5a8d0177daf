from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.lineage import (
    LineageMember,
    RetentionPlan,
    active_member,
    lineage_members,
    next_revision,
    retention_plan,
    stage_orphans,
)
from tests.domain.builders import at, scale_set


def member(
    revision: int, *, capacity: int = 0, created: str | None = "auto", infra: str = "web",
    pools: tuple[str, ...] = (),
) -> LineageMember:
    from dataclasses import replace

    stamp = f"202611{revision:02d}T050000Z" if created == "auto" else created
    found = lineage_members(
        [
            scale_set(
                f"web__{revision}", capacity=capacity, revision_tag=f"{infra}__{revision}", created=stamp
            )
        ],
        infra,
    )[0]
    return replace(found, summary=replace(found.summary, pool_ids=list(pools)))


LB = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools"
PROD, STAGE = f"{LB}/prod", f"{LB}/stage"


def names(members) -> list[str]:
    return [m.name for m in members]


# --- membership ----------------------------------------------------------------------------------


def test_lineage_holds_the_scale_sets_tagged_with_this_infrastructure_id():
    scale_sets = [
        scale_set("web__1", revision_tag="web__1", created="20261101T000000Z"),
        scale_set("web__2", revision_tag="web__2", created="20261102T000000Z", capacity=2),
        scale_set("web-base"),  # the template: no revision tag
        scale_set("api__1", revision_tag="api__1"),
        scale_set("webx__1", revision_tag="webx__1"),
        scale_set("weird", revision_tag="web__x__3"),  # revision 3 of lineage web__x
        scale_set("upper", revision_tag="WEB__4"),  # Harness compares case-sensitively
    ]
    members = lineage_members(scale_sets, "web")
    assert names(members) == ["web__2", "web__1"]  # newest first
    assert [m.revision for m in members] == [2, 1]
    assert members[0].created == at("2026-11-02 00:00")
    assert members[0].capacity == 2


def test_a_longer_infrastructure_id_owns_the_values_that_look_nested():
    [only] = lineage_members([scale_set("weird", revision_tag="web__x__3")], "web__x")
    assert only.revision == 3


def test_revision_tag_name_is_matched_in_any_case_as_azure_tags_are():
    [only] = lineage_members(
        [scale_set("web__1", tags={"harness_revision": "web__1", "created": "20261101T000000Z"})], "web"
    )
    assert only.revision == 1 and only.created is not None


def test_member_without_a_readable_created_tag_is_kept_with_created_none():
    [only] = lineage_members([scale_set("web__1", revision_tag="web__1", created="yesterday")], "web")
    assert only.created is None


def test_lineage_member_round_trips_through_json():
    original = member(3, capacity=2)
    assert LineageMember.from_json(original.to_json()) == original
    undated = member(4, created=None)
    assert LineageMember.from_json(undated.to_json()) == undated


# --- active member and next revision -------------------------------------------------------------


def test_first_deployment_has_no_active_member_and_revision_1():
    assert active_member([]) is None
    assert next_revision([]) == 1


def test_active_is_the_newest_by_created_with_capacity():
    members = [member(1, capacity=2), member(2, capacity=3), member(3, capacity=0)]
    assert active_member(members).name == "web__2"


def test_active_follows_created_not_revision():
    newer_by_date = member(1, capacity=1, created="20261201T000000Z")
    assert active_member([newer_by_date, member(2, capacity=1)]).name == "web__1"


def test_nothing_running_means_no_active_member():
    assert active_member([member(1), member(2)]) is None


def test_equal_created_breaks_ties_by_higher_revision():
    same = "20261101T000000Z"
    members = [
        member(5, capacity=1, created=same),
        member(7, capacity=1, created=same),
        member(6, capacity=1, created=same),
    ]
    assert active_member(members).name == "web__7"


def test_missing_created_counts_as_oldest():
    members = [member(9, capacity=1, created=None), member(2, capacity=1)]
    assert active_member(members).name == "web__2"


def test_among_members_without_created_the_higher_revision_wins():
    assert (
        active_member([member(3, capacity=1, created=None), member(4, capacity=1, created=None)]).name
        == "web__4"
    )


@given(st.permutations(list(range(6))))
def test_active_member_does_not_depend_on_listing_order(order):
    members = [member(r + 1, capacity=r % 2, created="20261101T000000Z" if r < 3 else None) for r in range(6)]
    shuffled = [members[i] for i in order]
    assert active_member(shuffled) == active_member(members)


def test_next_revision_is_the_highest_plus_one_even_with_gaps_and_idle_members():
    assert next_revision([member(1), member(4), member(2)]) == 5


# --- retention -----------------------------------------------------------------------------------


def test_fourth_deployment_with_default_retention_deletes_1_and_keeps_2_and_3():
    members = [member(1), member(2, capacity=0), member(3, capacity=3)]
    plan = retention_plan(members, active_member(members), 3)
    assert plan == RetentionPlan(keep=["web__3", "web__2"], scale_to_zero=[], delete=["web__1"])


def test_kept_inactive_members_still_sized_are_scaled_to_zero():
    members = [member(1, capacity=2), member(2, capacity=2), member(3, capacity=3)]
    plan = retention_plan(members, active_member(members), 3)
    assert plan.keep == ["web__3", "web__2"]
    assert plan.scale_to_zero == ["web__2"]
    assert plan.delete == ["web__1"]


def test_the_active_member_is_kept_even_when_it_is_not_the_newest():
    members = [member(1, capacity=3), member(2), member(3), member(4)]
    plan = retention_plan(members, active_member(members), 3)
    assert plan.keep == ["web__4", "web__1"]
    assert plan.delete == ["web__3", "web__2"]
    assert plan.scale_to_zero == []


def test_versions_to_keep_2_keeps_only_the_active_member():
    members = [member(1), member(2), member(3, capacity=1)]
    plan = retention_plan(members, active_member(members), 2)
    assert plan.keep == ["web__3"] and plan.delete == ["web__2", "web__1"]


def test_small_lineage_is_kept_whole():
    members = [member(1, capacity=1)]
    assert retention_plan(members, members[0], 3) == RetentionPlan(keep=["web__1"])


def test_without_an_active_member_the_new_scale_set_replaces_nothing():
    members = [member(1), member(2), member(3)]
    plan = retention_plan(members, None, 3)
    assert plan.keep == ["web__3", "web__2"] and plan.delete == ["web__1"]


def test_first_deployment_plan_is_empty():
    assert retention_plan([], None, 3) == RetentionPlan()


def test_members_without_created_are_retired_first():
    members = [member(5, created=None), member(1), member(2, capacity=1)]
    plan = retention_plan(members, active_member(members), 3)
    assert plan.keep == ["web__2", "web__1"] and plan.delete == ["web__5"]


def test_versions_to_keep_below_2_is_refused():
    with pytest.raises(ValueError):
        retention_plan([], None, 1)


def test_retention_plan_round_trips_through_json():
    plan = RetentionPlan(keep=["a"], scale_to_zero=["b"], delete=["c"])
    assert plan.to_json() == {"keep": ["a"], "scaleToZero": ["b"], "delete": ["c"]}
    assert RetentionPlan.from_json(plan.to_json()) == plan


@given(
    st.lists(st.tuples(st.integers(0, 3), st.booleans()), min_size=0, max_size=12),
    st.integers(2, 10),
    st.randoms(use_true_random=False),
)
def test_retention_keeps_at_most_versions_to_keep_minus_one_and_partitions_the_lineage(
    specs, keep, rnd: random.Random
):
    members = [
        member(i + 1, capacity=cap, created=None if undated else "auto")
        for i, (cap, undated) in enumerate(specs)
    ]
    rnd.shuffle(members)
    active = active_member(members)
    plan = retention_plan(members, active, keep)
    every = plan.keep + plan.delete
    assert sorted(every) == sorted(m.name for m in members)  # each member in exactly one of keep/delete
    assert len(plan.keep) <= keep - 1  # room for the new scale set
    assert set(plan.scale_to_zero) <= set(plan.keep)
    if active is not None:
        assert active.name in plan.keep and active.name not in plan.scale_to_zero
    sized = {m.name for m in members if m.capacity > 0}
    assert set(plan.scale_to_zero) == (set(plan.keep) & sized) - ({active.name} if active else set())
    assert len(plan.keep) == min(len(members), keep - 1)


# --- the live scale set read from the load balancer ---------------------------------------------------


def test_the_member_in_the_prod_pool_is_active_even_when_a_dead_deployment_left_a_newer_one():
    serving = member(1, capacity=4, pools=(PROD,))
    orphan = member(2, capacity=2, pools=(STAGE,))
    assert active_member([orphan, serving], PROD.upper()) is serving
    # Harness's rule alone would have taken the orphan:
    assert active_member([orphan, serving]) is orphan


def test_a_member_in_prod_is_active_whatever_its_capacity():
    idle_in_prod = member(1, capacity=0, pools=(PROD,))
    assert active_member([member(2, capacity=3, pools=(STAGE,)), idle_in_prod], PROD) is idle_in_prod


def test_without_a_member_in_prod_the_newest_with_capacity_is_active():
    older, newer = member(1, capacity=2), member(2, capacity=2)
    assert active_member([older, newer], PROD) is newer
    assert active_member([member(1)], PROD) is None


def test_retention_never_scales_to_zero_or_deletes_a_member_in_the_prod_pool():
    # An operator routed __1 back into prod by hand beside __3: both serve, neither may go.
    lineage = [member(1, capacity=2, pools=(PROD,)), member(2, capacity=2), member(3, capacity=4, pools=(PROD,)),
               member(4, capacity=1, pools=(STAGE,))]
    active = active_member(lineage, PROD)
    assert active.name == "web__3"
    plan = retention_plan(lineage, active, 3, PROD)
    assert "web__1" in plan.keep and "web__3" in plan.keep
    assert not {"web__1", "web__3"} & set(plan.scale_to_zero + plan.delete)
    assert plan.delete == ["web__4", "web__2"] and plan.scale_to_zero == []  # no slot left beside the two


def test_retention_without_the_prod_pool_keeps_harness_behaviour():
    lineage = [member(1, capacity=2), member(2, capacity=2), member(3, capacity=4)]
    assert retention_plan(lineage, lineage[2], 3) == retention_plan(lineage, lineage[2], 3, PROD)


def test_stage_only_members_left_by_a_dead_deployment_are_orphans():
    serving = member(1, capacity=4, pools=(PROD,))
    dead = member(3, capacity=2, pools=(STAGE,))
    idle_in_stage = member(2, capacity=0, pools=(STAGE,))
    both = member(4, capacity=1, pools=(PROD, STAGE))
    lineage = [serving, dead, idle_in_stage, both, member(5)]
    active = active_member(lineage, PROD)
    assert names(stage_orphans(lineage, active, STAGE, PROD)) == ["web__3", "web__2"]


def test_the_active_member_is_never_an_orphan():
    only = member(1, capacity=2, pools=(STAGE,))
    assert stage_orphans([only], active_member([only], PROD), STAGE, PROD) == []
