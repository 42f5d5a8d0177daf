from ..core.routing import route
from . import responses as r

RG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
LB = RG + "/loadBalancers/{loadBalancerName}"

url_paths = [
    route("PUT", LB, r.put_lb),
    route("GET", LB, r.get_lb),
    route("DELETE", LB, r.delete_lb),
    route("GET", RG + "/loadBalancers", r.list_lbs),
    route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Network/loadBalancers", r.list_lbs),
    route("GET", LB + "/backendAddressPools", r.list_pools),
    route("GET", LB + "/backendAddressPools/{backendAddressPoolName}", r.get_pool),
    route("PUT", LB + "/backendAddressPools/{backendAddressPoolName}", r.put_pool),
    route("DELETE", LB + "/backendAddressPools/{backendAddressPoolName}", r.delete_pool),
]
