"""Autoscale settings through the real (msrest-based) azure-mgmt-monitor client."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.monitor import models as mm

from tests.arm_emulator.conftest import LOCATION
from tests.support.arm import SUBSCRIPTION_ID


def _setting(rg: str, lo: str = "1", hi: str = "5", default: str = "2") -> mm.AutoscaleSettingResource:
    target = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/Microsoft.Compute/" \
             f"virtualMachineScaleSets/web"
    rule = mm.ScaleRule(
        metric_trigger=mm.MetricTrigger(metric_name="Percentage CPU", metric_resource_uri=target,
                                        time_grain="PT1M", statistic="Average", time_window="PT5M",
                                        time_aggregation="Average", operator="GreaterThan", threshold=70),
        scale_action=mm.ScaleAction(direction="Increase", type="ChangeCount", value="1", cooldown="PT5M"))
    return mm.AutoscaleSettingResource(
        location=LOCATION, target_resource_uri=target, enabled=True,
        profiles=[mm.AutoscaleProfile(name="Auto created scale condition",
                                      capacity=mm.ScaleCapacity(minimum=lo, maximum=hi, default=default),
                                      rules=[rule])])


def test_put_get_list_delete(monitor, rg):
    put = monitor.autoscale_settings.create_or_update(rg, "web_Autoscale", _setting(rg))
    assert put.name == "web_Autoscale"
    got = monitor.autoscale_settings.get(rg, "web_autoscale")
    profile = got.profiles[0]
    assert (profile.name, profile.capacity.minimum, profile.capacity.maximum, profile.capacity.default) == \
        ("Auto created scale condition", "1", "5", "2")
    assert profile.rules[0].metric_trigger.metric_name == "Percentage CPU"
    assert [s.name for s in monitor.autoscale_settings.list_by_resource_group(rg)] == ["web_Autoscale"]
    monitor.autoscale_settings.delete(rg, "web_Autoscale")
    with pytest.raises(ResourceNotFoundError):
        monitor.autoscale_settings.get(rg, "web_Autoscale")
    assert list(monitor.autoscale_settings.list_by_resource_group(rg)) == []


def test_patch_updates_capacity(monitor, rg):
    monitor.autoscale_settings.create_or_update(rg, "s", _setting(rg))
    patched = monitor.autoscale_settings.update(rg, "s", mm.AutoscaleSettingResourcePatch(
        profiles=_setting(rg, "2", "8", "4").profiles))
    assert patched.profiles[0].capacity.maximum == "8"


def test_default_outside_min_max_is_400(monitor, rg):
    with pytest.raises(HttpResponseError) as info:
        monitor.autoscale_settings.create_or_update(rg, "bad", _setting(rg, "3", "5", "9"))
    assert info.value.status_code == 400


def test_autoscale_answers_carry_no_compute_throttling_headers(http, monitor, rg):
    from tests.arm_emulator.conftest import TOKEN, arm_url

    monitor.autoscale_settings.create_or_update(rg, "s", _setting(rg))
    r = http.get(arm_url(rg, "Microsoft.Insights/autoscalesettings/s", "2022-10-01"), headers=TOKEN)
    assert r.status_code == 200
    assert "x-ms-ratelimit-remaining-resource" not in r.headers
