from ..core.routing import route
from . import responses as r

GROUP = "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}"

url_paths = [
    route("PUT", GROUP, r.put_group),
    route("GET", GROUP, r.get_group),
    route("HEAD", GROUP, r.head_group),
    route("DELETE", GROUP, r.delete_group),
    route("GET", "/subscriptions/{subscriptionId}/resourcegroups", r.list_groups),
]
