from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.capacity import (
    Capacity,
    default_profile,
    percent_of,
    retarget_autoscale,
    sizing_note,
    target_capacity,
    upgrade_target,
)
from domain.model import AutoscaleSnapshot
from domain.resource_ids import autoscale_setting_id, scale_set_id
from domain.spec import FixedInstances, SameAsRunningInstances, UpgradeSpec
from tests.domain.builders import NEW_YEAR, RG, SUB, WEEKENDS, autoscale, profile, scale_set


def round_half_up(x: int | float | Fraction) -> int:
    """The rule by hand: nearest integer, halves going up (2.5 -> 3), unlike `round` (banker's); floats
    read through their shortest repr ("0.35", not 0.34999...). The oracle percent_of must agree with."""
    if isinstance(x, bool):
        raise TypeError("round_half_up takes a number, not a bool")
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"cannot round {x}")
        x = Fraction(repr(x))
    return math.floor(Fraction(x) + Fraction(1, 2))


percent = lambda value: UpgradeSpec(unit="percent", value=value)  # noqa: E731
count = lambda value: UpgradeSpec(unit="count", value=value)  # noqa: E731


# --- rounding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "rounded"),
    [
        (2.5, 3),
        (1.5, 2),
        (0.5, 1),
        (2.4999, 2),
        (2.5001, 3),
        (3, 3),
        (0, 0),
        (Fraction(5, 2), 3),
        (Decimal("2.5"), 3),
        (Decimal("0.49"), 0),
        (0.35 * 10, 4),  # 3.5 however the float came out
        (-0.5, 0),
    ],
)
def test_round_half_up_rounds_halves_up_unlike_bankers_rounding(x, rounded):
    assert round_half_up(x) == rounded


def test_round_half_up_refuses_booleans_and_infinities():
    with pytest.raises(TypeError):
        round_half_up(True)
    with pytest.raises(ValueError):
        round_half_up(float("inf"))


@given(st.integers(0, 100), st.integers(0, 1000))
def test_percent_of_is_exactly_round_half_up_of_the_fraction(pct, desired):
    assert percent_of(pct, desired) == round_half_up(Fraction(pct * desired, 100))
    assert percent_of(pct, desired) == round_half_up(pct * desired / 100)


# --- upgrade target ------------------------------------------------------------------------------


def test_percent_upgrade_of_50_with_desired_5_gives_3():
    assert upgrade_target(percent(50), 5) == 3


def test_percent_upgrade_of_50_with_desired_3_gives_2():
    assert upgrade_target(percent(50), 3) == 2


def test_percent_upgrade_of_25_with_desired_2_gives_1():
    assert upgrade_target(percent(25), 2) == 1


def test_percent_upgrade_of_1_with_desired_10_still_gives_1():
    assert upgrade_target(percent(1), 10) == 1


def test_percent_upgrade_of_100_gives_desired():
    assert upgrade_target(percent(100), 7) == 7


def test_count_upgrade_below_desired_gives_the_count():
    assert upgrade_target(count(2), 5) == 2


def test_count_upgrade_above_desired_gives_desired():
    assert upgrade_target(count(9), 5) == 5


def test_any_upgrade_of_desired_0_gives_0():
    assert upgrade_target(percent(50), 0) == 0
    assert upgrade_target(percent(100), 0) == 0
    assert upgrade_target(count(3), 0) == 0


@given(st.integers(1, 100), st.integers(1, 1000))
def test_percent_target_is_between_1_and_desired(pct, desired):
    assert 1 <= upgrade_target(percent(pct), desired) <= desired


@given(st.integers(1, 99), st.integers(0, 1000))
def test_percent_target_grows_with_the_percentage(pct, desired):
    assert upgrade_target(percent(pct), desired) <= upgrade_target(percent(pct + 1), desired)


@given(st.integers(1, 100), st.integers(0, 999))
def test_percent_target_grows_with_desired(pct, desired):
    assert upgrade_target(percent(pct), desired) <= upgrade_target(percent(pct), desired + 1)


@given(st.integers(1, 100), st.integers(1, 1000))
def test_percent_target_is_the_nearest_integer_with_halves_up(pct, desired):
    exact = Fraction(pct * desired, 100)
    target = upgrade_target(percent(pct), desired)
    if exact >= 1:
        assert exact - Fraction(1, 2) < target <= exact + Fraction(1, 2)
    else:
        assert target == 1


@given(st.integers(1, 1000), st.integers(0, 1000))
def test_count_target_is_min_of_count_and_desired(value, desired):
    target = upgrade_target(count(value), desired)
    assert target == min(value, desired)
    assert 0 <= target <= desired


@given(st.integers(1, 999), st.integers(0, 1000))
def test_count_target_grows_with_the_count(value, desired):
    assert upgrade_target(count(value), desired) <= upgrade_target(count(value + 1), desired)


# --- target capacity -----------------------------------------------------------------------------

ACTIVE = scale_set("web__1", capacity=4)


def test_fixed_instances_are_used_as_given_whatever_runs():
    fixed = FixedInstances(min=1, max=8, desired=3)
    assert target_capacity(
        fixed, ACTIVE, autoscale("web__1", [profile("Profile1", "2", "9", "5")])
    ) == Capacity(1, 8, 3)
    assert target_capacity(fixed, None, None) == Capacity(1, 8, 3)


@pytest.mark.parametrize("name", ["Profile1", "Auto created scale condition"])
def test_same_as_running_copies_the_default_autoscale_profile(name):
    setting = autoscale("web__1", [profile(name, "2", "9", "5")])
    assert target_capacity(SameAsRunningInstances(), ACTIVE, setting) == Capacity(min=2, max=9, desired=5)


def test_same_as_running_finds_the_default_profile_among_scheduled_ones():
    setting = autoscale("web__1", [profile("weekend", "0", "2", "1"), profile("Profile1", "2", "9", "5")])
    assert target_capacity(SameAsRunningInstances(), ACTIVE, setting) == Capacity(2, 9, 5)


def test_same_as_running_reads_the_profile_without_a_schedule_whatever_its_name():
    setting = autoscale("web__1", [profile("weekend", "0", "2", "1", recurrence=WEEKENDS),
                                   profile("new year", "0", "1", "1", fixedDate=NEW_YEAR),
                                   profile("everyday", "2", "9", "5")])
    assert target_capacity(SameAsRunningInstances(), ACTIVE, setting) == Capacity(2, 9, 5)


def test_the_default_profile_is_never_a_schedule_even_one_named_as_the_portal_names_it():
    weekend = profile("Profile1", "0", "2", "1", recurrence=WEEKENDS)
    everyday = profile("everyday", "2", "9", "5")
    assert default_profile(autoscale("web__1", [weekend, everyday])) is everyday


def test_portal_names_only_break_a_tie_between_profiles_without_schedules():
    first, named = profile("custom", "1", "3", "2"), profile("Auto created scale condition", "2", "9", "5")
    assert default_profile(autoscale("web__1", [first, named])) is named
    assert default_profile(autoscale("web__1", [first, profile("other", "1", "1", "1")])) is first


def test_same_as_running_with_only_schedules_uses_the_running_capacity():
    setting = autoscale("web__1", [profile("business hours", "2", "9", "5", recurrence=WEEKENDS)])
    assert default_profile(setting) is None
    assert target_capacity(SameAsRunningInstances(), ACTIVE, setting) == Capacity(4, 4, 4)


def test_a_disabled_autoscale_setting_decides_nothing():
    from dataclasses import replace

    setting = replace(autoscale("web__1", [profile("Profile1", "2", "9", "5")]), enabled=False)
    assert target_capacity(SameAsRunningInstances(), ACTIVE, setting) == Capacity(4, 4, 4)
    assert sizing_note(ACTIVE, setting) is None


def test_same_as_running_never_shrinks_what_autoscale_runs_now():
    busy = scale_set("web__1", capacity=7)
    setting = autoscale("web__1", [profile("Profile1", "2", "9", "3")])
    assert target_capacity(SameAsRunningInstances(), busy, setting) == Capacity(2, 9, 7)
    assert "runs [7] instances, more than its autoscale default [3]" in sizing_note(busy, setting)


def test_same_as_running_raises_desired_at_most_to_the_profile_max():
    overfull = scale_set("web__1", capacity=12)
    setting = autoscale("web__1", [profile("Profile1", "2", "9", "3")])
    assert target_capacity(SameAsRunningInstances(), overfull, setting) == Capacity(2, 9, 9)


def test_no_sizing_note_when_the_running_capacity_is_the_default_or_less():
    assert sizing_note(ACTIVE, autoscale("web__1", [profile("Profile1", "2", "9", "5")])) is None
    assert sizing_note(None, None) is None


def test_same_as_running_without_autoscale_uses_the_running_capacity_for_all_three():
    assert target_capacity(SameAsRunningInstances(), ACTIVE, None) == Capacity(4, 4, 4)


def test_same_as_running_with_nothing_running_gives_0_10_6():
    assert target_capacity(SameAsRunningInstances(), None, None) == Capacity(min=0, max=10, desired=6)


@pytest.mark.parametrize(
    "capacity",
    [
        {"minimum": "x", "maximum": "9", "default": "5"},
        {"minimum": "2", "maximum": "9"},
        {"minimum": "6", "maximum": "9", "default": "5"},
        {"minimum": "0", "maximum": "0", "default": "0"},
        "2-9",
    ],
    ids=["not a number", "no default", "default below minimum", "max 0", "not an object"],
)
def test_unusable_autoscale_capacity_falls_back_to_the_running_capacity(capacity):
    setting = autoscale("web__1", [{"name": "Profile1", "capacity": capacity, "rules": []}])
    assert target_capacity(SameAsRunningInstances(), ACTIVE, setting) == Capacity(4, 4, 4)


def test_autoscale_capacity_given_as_numbers_is_read_too():
    setting = autoscale(
        "web__1", [{"name": "Profile1", "capacity": {"minimum": 1, "maximum": 3, "default": 2}}]
    )
    assert target_capacity(SameAsRunningInstances(), scale_set("web__1", capacity=2), setting) == Capacity(1, 3, 2)


def test_capacity_json_round_trip():
    capacity = Capacity(min=1, max=10, desired=3)
    assert capacity.to_json() == {"min": 1, "max": 10, "desired": 3}
    assert Capacity.from_json(capacity.to_json()) == capacity


# --- retargeted autoscale ------------------------------------------------------------------------

OLD_ID = scale_set_id(SUB, RG, "web__1")
NEW_ID = scale_set_id(SUB, RG, "web__2")
OTHER_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ServiceBus/namespaces/bus"


def rule(resource: str) -> dict:
    return {
        "metricTrigger": {"metricName": "Percentage CPU", "metricResourceUri": resource, "threshold": 70},
        "scaleAction": {"direction": "Increase", "type": "ChangeCount", "value": "1", "cooldown": "PT5M"},
    }


def old_setting() -> AutoscaleSnapshot:
    return autoscale(
        "web__1",
        [
            profile("Profile1", "2", "9", "5", rules=[rule(OLD_ID.lower()), rule(OTHER_ID)]),
            profile("nights", "1", "2", "1", rules=[rule(OLD_ID)]),
        ],
    )


def test_retargeted_autoscale_is_named_and_placed_for_the_new_scale_set():
    new = retarget_autoscale(old_setting(), "web__2", NEW_ID, Capacity(3, 8, 4))
    assert new.name == "web__2_Autoscale"
    assert new.id == autoscale_setting_id(SUB, RG, "web__2_Autoscale")
    assert new.target_resource_id == NEW_ID
    assert new.location == "westeurope" and new.enabled


def test_retargeted_rules_measure_the_new_scale_set_and_leave_other_resources():
    new = retarget_autoscale(old_setting(), "web__2", NEW_ID, Capacity(3, 8, 4))
    default, nights = new.profiles
    assert [r["metricTrigger"]["metricResourceUri"] for r in default["rules"]] == [NEW_ID, OTHER_ID]
    assert nights["rules"][0]["metricTrigger"]["metricResourceUri"] == NEW_ID


def test_retargeted_default_profile_gets_the_new_capacity_as_strings_and_others_keep_theirs():
    new = retarget_autoscale(old_setting(), "web__2", NEW_ID, Capacity(3, 8, 4))
    assert new.profiles[0]["capacity"] == {"minimum": "3", "maximum": "8", "default": "4"}
    assert new.profiles[1]["capacity"] == {"minimum": "1", "maximum": "2", "default": "1"}


def test_retargeting_leaves_the_old_snapshot_untouched():
    old = old_setting()
    before = old.to_json()
    retarget_autoscale(old, "web__2", NEW_ID, Capacity(3, 8, 4))
    assert old.to_json() == before


def test_retargeting_given_the_setting_name_does_not_suffix_it_twice():
    assert (
        retarget_autoscale(old_setting(), "web__2_Autoscale", NEW_ID, Capacity(1, 2, 1)).name
        == "web__2_Autoscale"
    )


def test_retargeting_sets_the_profile_without_a_schedule_and_carries_schedules_over_unchanged():
    weekend = profile("Profile1", "0", "2", "1", rules=[rule(OLD_ID)], recurrence=WEEKENDS)
    new_year = profile("new year", "5", "20", "10", fixedDate=NEW_YEAR)
    setting = autoscale("web__1", [weekend, new_year, profile("everyday", "2", "9", "5")])
    new = retarget_autoscale(setting, "web__2", NEW_ID, Capacity(1, 4, 2))
    assert new.profiles[2]["capacity"] == {"minimum": "1", "maximum": "4", "default": "2"}
    assert new.profiles[0]["capacity"] == weekend["capacity"] and new.profiles[0]["recurrence"] == WEEKENDS
    assert new.profiles[0]["rules"][0]["metricTrigger"]["metricResourceUri"] == NEW_ID
    assert new.profiles[1] == new_year


def test_retargeting_only_schedules_adds_a_default_profile_at_the_new_capacity():
    weekend = profile("weekend", "0", "2", "1", recurrence=WEEKENDS)
    new = retarget_autoscale(autoscale("web__1", [weekend]), "web__2", NEW_ID, Capacity(1, 4, 2))
    assert new.profiles[0] == weekend
    assert new.profiles[1] == {"name": "Profile1", "rules": [],
                               "capacity": {"minimum": "1", "maximum": "4", "default": "2"}}


def test_retargeting_keeps_every_other_field_of_the_setting():
    from dataclasses import replace

    notifications = [{"operation": "Scale", "email": {"sendToSubscriptionAdministrator": True,
                                                      "customEmails": ["ops@contoso.com"]}, "webhooks": []}]
    setting = replace(old_setting(), enabled=False, tags={"team": "web"}, notifications=notifications,
                      predictive_autoscale_policy={"scaleMode": "Enabled", "scaleLookAheadTime": "PT5M"},
                      target_resource_location="westeurope")
    new = retarget_autoscale(setting, "web__2", NEW_ID, Capacity(1, 4, 2))
    assert (new.enabled, new.tags, new.notifications, new.predictive_autoscale_policy,
            new.target_resource_location) == (False, {"team": "web"}, notifications,
                                              {"scaleMode": "Enabled", "scaleLookAheadTime": "PT5M"}, "westeurope")


def test_a_setting_in_another_resource_group_is_retargeted_beside_the_new_scale_set():
    from dataclasses import replace

    elsewhere = replace(old_setting(), id=autoscale_setting_id(SUB, "rg-monitoring", "web__1_Autoscale"))
    assert retarget_autoscale(elsewhere, "web__2", NEW_ID, Capacity(1, 4, 2)).id == \
        autoscale_setting_id(SUB, RG, "web__2_Autoscale")


def test_retargeting_a_setting_without_profiles_gives_it_a_default_one():
    setting = autoscale("web__1", [])
    new = retarget_autoscale(setting, "web__2", NEW_ID, Capacity(1, 4, 2))
    assert new.profiles == [
        {"name": "Profile1", "rules": [], "capacity": {"minimum": "1", "maximum": "4", "default": "2"}}
    ]


def test_retargeted_snapshot_round_trips_through_json():
    new = retarget_autoscale(old_setting(), "web__2", NEW_ID, Capacity(3, 8, 4))
    assert AutoscaleSnapshot.from_json(new.to_json()) == new
