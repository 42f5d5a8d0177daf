"""Load balancers and their backend pools (read only: pool membership of a scale set lives in the
scale set's model, see `gateway.compute.update_pools_and_tags`)."""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from domain.model import LoadBalancerSummary
from gateway.clients import AzureClients
from gateway.errors import NotFoundError


def _rest(model: Any) -> dict[str, Any]:
    return model.as_dict() if hasattr(model, "as_dict") else dict(model)


def get_load_balancer(c: AzureClients, sub: str, rg: str, name: str) -> LoadBalancerSummary | None:
    try:
        lb = c.network(sub).load_balancers.get(rg, name)
    except ResourceNotFoundError:
        return None
    body = _rest(lb)
    props = body.get("properties") or {}
    pools = props.get("backendAddressPools") or []
    balanced: list[str] = []
    for rule in props.get("loadBalancingRules") or []:
        rule_props = rule.get("properties") or {}
        targets = [rule_props.get("backendAddressPool")] + list(rule_props.get("backendAddressPools") or [])
        balanced += [t["id"] for t in targets if isinstance(t, dict) and t.get("id")]
    return LoadBalancerSummary(
        id=body.get("id", ""),
        name=body.get("name", name),
        location=body.get("location", ""),
        backend_pool_ids={p["name"]: p["id"] for p in pools if p.get("name") and p.get("id")},
        sku=(body.get("sku") or {}).get("name"),
        probe_ids=[p["id"] for p in props.get("probes") or [] if p.get("id")],
        balanced_pool_ids=balanced,
    )


def pool_members(c: AzureClients, sub: str, rg: str, lb: str, pool: str) -> list[str]:
    """Ids of the IP configurations in the backend pool (`backendIPConfigurations`).

    Raises `NotFoundError("backend pool", "<lb>/<pool>")` when the load balancer or the pool does not exist.
    """
    try:
        model = c.network(sub).load_balancer_backend_address_pools.get(rg, lb, pool)
    except ResourceNotFoundError as exc:
        raise NotFoundError("backend pool", f"{lb}/{pool}", f"in resource group '{rg}'") from exc
    configs = (_rest(model).get("properties") or {}).get("backendIPConfigurations") or []
    return [cfg["id"] for cfg in configs if cfg.get("id")]
