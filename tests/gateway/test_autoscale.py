"""Autoscale settings through the gateway, against the ARM emulator."""

from __future__ import annotations

from dataclasses import replace

from domain.capacity import default_profile
from domain.model import AutoscaleSnapshot
from gateway import autoscale, compute
from tests.gateway.seed import LOCATION, create_resource_group


def _profile(vmss_id: str, minimum: int, maximum: int, default: int) -> dict:
    return {
        "name": "Profile1",
        "capacity": {"minimum": str(minimum), "maximum": str(maximum), "default": str(default)},
        "rules": [{
            "metricTrigger": {"metricName": "Percentage CPU", "metricResourceUri": vmss_id, "timeGrain": "PT1M",
                              "statistic": "Average", "timeWindow": "PT5M", "timeAggregation": "Average",
                              "operator": "GreaterThan", "threshold": 70.0},
            "scaleAction": {"direction": "Increase", "type": "ChangeCount", "value": "1", "cooldown": "PT5M"},
        }],
    }


def _snapshot(t, name: str, vmss_name: str, **kw) -> AutoscaleSnapshot:
    vmss_id = t.vmss_id(vmss_name)
    return AutoscaleSnapshot(name=name, id="", location=LOCATION, target_resource_id=vmss_id, enabled=True,
                             profiles=[_profile(vmss_id, 1, 5, 2)], **kw)


def _writes(admin, seq):
    return [(e["method"], e["path"]) for e in admin.requests_since(seq) if e["method"] in ("PUT", "PATCH", "DELETE")]


def test_autoscale_put_find_delete(clients, target, emulator_admin):
    t = target
    compute.create_scale_set_from_base(clients, t.sub, t.rg, t.base, "web__1", t.versions["1.0.0"], {},
                                       t.stage_pool_id)
    assert autoscale.find_autoscale(clients, t.sub, t.rg, t.vmss_id("web__1")) is None

    wanted = _snapshot(t, "web__1_Autoscale", "web__1", tags={"team": "web"})
    put = autoscale.put_autoscale(clients, t.sub, t.rg, wanted)
    assert put.name == "web__1_Autoscale"
    assert put.id.lower().endswith("/providers/microsoft.insights/autoscalesettings/web__1_autoscale")

    # Found by target, whatever the id's case; profiles come back REST-shaped (camelCase).
    found = autoscale.find_autoscale(clients, t.sub, t.rg, t.vmss_id("web__1").upper())
    assert found is not None and found.name == "web__1_Autoscale"
    assert found.enabled is True
    assert found.tags == {"team": "web"}
    profile = default_profile(found)
    assert profile["capacity"] == {"minimum": "1", "maximum": "5", "default": "2"}
    assert profile["rules"][0]["metricTrigger"]["metricName"] == "Percentage CPU"
    assert profile["rules"][0]["scaleAction"]["cooldown"] == "PT5M"
    assert AutoscaleSnapshot.from_json(found.to_json()) == found

    # Putting the same again writes nothing; a change is written.
    seq = emulator_admin.last_seq()
    autoscale.put_autoscale(clients, t.sub, t.rg, found)
    autoscale.put_autoscale(clients, t.sub, t.rg, wanted)
    assert _writes(emulator_admin, seq) == []
    bigger = replace(found, profiles=[_profile(t.vmss_id("web__1"), 2, 8, 4)])
    assert default_profile(autoscale.put_autoscale(clients, t.sub, t.rg, bigger))["capacity"]["maximum"] == "8"
    assert [m for m, _ in _writes(emulator_admin, seq)] == ["PUT"]

    # Delete is idempotent.
    assert autoscale.delete_autoscale(clients, t.sub, t.rg, "web__1_Autoscale") is True
    assert autoscale.find_autoscale(clients, t.sub, t.rg, t.vmss_id("web__1")) is None
    seq = emulator_admin.last_seq()
    assert autoscale.delete_autoscale(clients, t.sub, t.rg, "web__1_Autoscale") is False
    assert _writes(emulator_admin, seq) == []


def test_find_autoscale_matches_only_its_target(clients, target):
    t = target
    autoscale.put_autoscale(clients, t.sub, t.rg, _snapshot(t, "a_Autoscale", "web__a"))
    autoscale.put_autoscale(clients, t.sub, t.rg, _snapshot(t, "b_Autoscale", "web__b"))
    assert autoscale.find_autoscale(clients, t.sub, t.rg, t.vmss_id("web__b")).name == "b_Autoscale"
    assert autoscale.find_autoscale(clients, t.sub, t.rg, t.vmss_id("web__c")) is None


def test_a_setting_in_another_resource_group_is_found_cleared_and_restored_where_it_was(
        clients, target, emulator_admin):
    """Settings are found by target anywhere in the subscription; every field survives a restore."""
    t = target
    monitoring_rg = f"{t.rg}-monitoring"
    create_resource_group(clients, t.sub, monitoring_rg)
    elsewhere = replace(_snapshot(t, "shared_Autoscale", "web__1"),
                        predictive_autoscale_policy={"scaleMode": "ForecastOnly"},
                        target_resource_location=LOCATION,
                        notifications=[{"operation": "Scale", "email": {"sendToSubscriptionAdministrator": False,
                                                                         "sendToSubscriptionCoAdministrators": False,
                                                                         "customEmails": ["ops@contoso.com"]},
                                        "webhooks": []}])
    autoscale.put_autoscale(clients, t.sub, monitoring_rg, elsewhere)
    found = autoscale.find_autoscale(clients, t.sub, t.rg, t.vmss_id("web__1"))
    assert found is not None and autoscale.setting_resource_group(found, t.rg).lower() == monitoring_rg.lower()
    assert found.predictive_autoscale_policy == {"scaleMode": "ForecastOnly"}
    assert found.target_resource_location == LOCATION
    assert found.notifications[0]["email"]["customEmails"] == ["ops@contoso.com"]

    assert autoscale.delete_autoscale(clients, t.sub, autoscale.setting_resource_group(found, t.rg), found.name)
    assert autoscale.find_autoscale(clients, t.sub, t.rg, t.vmss_id("web__1")) is None
    restored = autoscale.put_autoscale(clients, t.sub, t.rg, found)  # back where it was, not in t.rg
    assert autoscale.setting_resource_group(restored, t.rg).lower() == monitoring_rg.lower()
    assert autoscale._same_setting(restored, found)


def test_a_disabled_setting_is_found_but_counts_as_none_when_only_enabled_ones_count(clients, target):
    t = target
    autoscale.put_autoscale(clients, t.sub, t.rg, replace(_snapshot(t, "off_Autoscale", "web__1"), enabled=False))
    assert autoscale.find_autoscale(clients, t.sub, t.rg, t.vmss_id("web__1")).enabled is False
    assert autoscale.find_autoscale(clients, t.sub, t.rg, t.vmss_id("web__1"), enabled_only=True) is None
