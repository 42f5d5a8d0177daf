"""The steady-state rule: count and provisioning always; health only where Azure reports it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.model import InstanceCounts
from domain.steady_state import (
    describe,
    health_monitored,
    is_steady,
    next_poll_seconds,
    rate_limit_remaining,
    window_seconds,
)


def counts(total=3, provisioned=3, healthy=3, failed=0, latest_model=3, health_reported=3) -> InstanceCounts:
    return InstanceCounts(total=total, provisioned=provisioned, healthy=healthy, failed=failed,
                          latest_model=latest_model, health_reported=health_reported)


def test_all_provisioned_and_healthy_is_steady():
    assert is_steady(counts(), 3)


def test_without_health_monitoring_provisioning_alone_decides():
    polled = counts(healthy=0, health_reported=0)
    assert not health_monitored(polled)
    assert is_steady(polled, 3)
    assert not is_steady(counts(provisioned=2, healthy=0, health_reported=0), 3)
    assert not is_steady(counts(total=2, provisioned=2, healthy=0, health_reported=0), 3)


def test_once_any_instance_reports_health_every_instance_must_be_healthy():
    # One instance reports (initializing/unknown/unhealthy are not healthy), the others not yet.
    assert not is_steady(counts(healthy=0, health_reported=1), 3)
    assert not is_steady(counts(healthy=2, health_reported=3), 3)
    assert not is_steady(counts(healthy=2, health_reported=2), 3)
    assert is_steady(counts(healthy=3, health_reported=3), 3)


def test_a_caller_that_knows_the_scale_set_is_monitored_waits_for_health():
    not_yet = counts(healthy=0, health_reported=0)
    assert not is_steady(not_yet, 3, health_monitored=True)
    assert is_steady(counts(), 3, health_monitored=True)
    assert is_steady(counts(healthy=1, health_reported=3), 3, health_monitored=False)


def test_latest_model_is_required_only_when_asked():
    stale = counts(latest_model=2)
    assert is_steady(stale, 3)
    assert not is_steady(stale, 3, require_latest_model=True)
    assert is_steady(counts(healthy=0, health_reported=0), 3, require_latest_model=True)


def test_zero_target_is_steady_when_empty():
    assert is_steady(counts(0, 0, 0, 0, 0, 0), 0)


def test_describe_says_when_health_is_not_monitored():
    assert describe(counts(healthy=0, health_reported=0), 3) == \
        "3/3 instances, 3 provisioned, health not monitored, 0 failed"
    assert describe(counts(healthy=2), 3) == "3/3 instances, 3 provisioned, 2 healthy, 0 failed"
    assert describe(counts(total=2, provisioned=0, healthy=0, health_reported=0), 3) == \
        "2/3 instances, 0 provisioned, 0 healthy, 0 failed"


def test_json_stays_backward_compatible():
    old = {"total": 2, "provisioned": 2, "healthy": 2, "failed": 0, "latest_model": 2}
    loaded = InstanceCounts.from_json(old)
    assert loaded.health_reported == 0
    assert InstanceCounts.from_json({**old, "health_reported": 2, "future_field": 1}).health_reported == 2
    assert InstanceCounts.from_json({}) == InstanceCounts(0, 0, 0, 0, 0, 0)
    assert InstanceCounts.from_json(counts().to_json()) == counts()


@st.composite
def polls(draw):
    total = draw(st.integers(0, 6))
    provisioned = draw(st.integers(0, total))
    reported = draw(st.integers(0, total))
    healthy = draw(st.integers(0, min(provisioned, reported)))
    failed = draw(st.integers(0, total - provisioned))
    latest = draw(st.integers(0, total))
    return InstanceCounts(total, provisioned, healthy, failed, latest, reported)


@given(polls(), st.integers(0, 6), st.booleans())
def test_steady_means_target_provisioned_and_healthy_wherever_health_is_reported(c, target, latest):
    steady = is_steady(c, target, latest)
    expected = (c.total == target and c.provisioned == target
                and (c.health_reported == 0 or c.healthy == target)
                and (not latest or c.latest_model == target))
    assert steady == expected
    if steady and c.health_reported:
        assert c.healthy == target  # no reporting instance is anything but healthy
    # Knowing that health is monitored can only make the rule stricter.
    if is_steady(c, target, latest, health_monitored=True):
        assert steady


def test_after_the_swap_more_instances_than_the_target_are_steady_when_every_one_serves():
    grown = InstanceCounts(total=5, provisioned=5, healthy=5, failed=0, latest_model=5, health_reported=5)
    assert not is_steady(grown, 3, require_latest_model=True)
    assert is_steady(grown, 3, require_latest_model=True, at_least_target=True)
    one_new_instance_still_booting = InstanceCounts(total=5, provisioned=4, healthy=4, failed=0, latest_model=5,
                                                    health_reported=4)
    assert not is_steady(one_new_instance_still_booting, 3, require_latest_model=True, at_least_target=True)
    assert not is_steady(InstanceCounts(total=2, provisioned=2, healthy=2, failed=0, latest_model=2,
                                        health_reported=2), 3, at_least_target=True)


# -- pacing the polls (steady_state_wait version 3) -----------------------------------------------------

AZURE_HEADER = "Microsoft.Compute/HighCostGet3Min;107,Microsoft.Compute/HighCostGet30Min;527"


def test_the_rate_limit_header_reads_as_requests_left_per_policy():
    assert rate_limit_remaining(AZURE_HEADER) == {"Microsoft.Compute/HighCostGet3Min": 107,
                                                  "Microsoft.Compute/HighCostGet30Min": 527}
    assert rate_limit_remaining(None) == {} and rate_limit_remaining("") == {}
    assert rate_limit_remaining("Microsoft.Compute/X1Min;nope,Microsoft.Compute/Y1Min;4") == {"Microsoft.Compute/Y1Min": 4}


def test_a_policy_counts_requests_in_the_window_its_name_says():
    assert window_seconds("Microsoft.Compute/HighCostGet3Min") == 180
    assert window_seconds("Microsoft.Compute/HighCostGet30Min") == 1800
    assert window_seconds("Microsoft.Compute/VMScaleSetHighCostGet1Min") == 60
    assert window_seconds("Microsoft.Compute/HighCostGetSubscriptionMaximum") == 60


def test_with_budget_to_spare_the_spec_interval_holds():
    assert next_poll_seconds(15) == 15
    assert next_poll_seconds(15, rate_limit_remaining(AZURE_HEADER)) == 15


def test_a_read_budget_running_low_spreads_what_is_left_over_its_window():
    assert next_poll_seconds(5, {"Microsoft.Compute/VMScaleSetHighCostGet1Min": 3}) == 20
    assert next_poll_seconds(5, {"Microsoft.Compute/HighCostGet30Min": 60}) == 30
    # nothing left: one whole window
    assert next_poll_seconds(5, {"Microsoft.Compute/HighCostGet3Min": 0}) == 180
    # the scarcest policy decides
    assert next_poll_seconds(5, {"Microsoft.Compute/A1Min": 30, "Microsoft.Compute/B1Min": 2}) == 30


@given(st.integers(1, 300),
       st.dictionaries(st.sampled_from(["Microsoft.Compute/A1Min", "Microsoft.Compute/B30Min", "X"]),
                       st.integers(0, 5000)))
def test_never_faster_than_the_spec_interval(base, remaining):
    assert next_poll_seconds(base, remaining) >= base
