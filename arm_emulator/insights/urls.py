from ..core.routing import route
from . import responses as r

RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights"
SETTING = RG + "/autoscalesettings/{autoscaleSettingName}"

url_paths = [
    route("PUT", SETTING, r.put_setting),
    route("PATCH", SETTING, r.patch_setting),
    route("GET", SETTING, r.get_setting),
    route("DELETE", SETTING, r.delete_setting),
    route("GET", RG + "/autoscalesettings", r.list_settings),
    route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Insights/autoscalesettings", r.list_settings),
]
