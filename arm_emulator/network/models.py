"""Load balancers. A backend pool's members are not stored: they are the scale-set instances whose
running model names the pool, read live from the compute backend."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ..core.resource import (
    TRACKED_KEYS,
    Store,
    check_properties_keys,
    check_top_level,
    etag,
    norm_id,
    obj,
    rg_id,
    typed,
)
from ..resources.exceptions import LocationRequired
from .exceptions import InUsePool, InvalidParameter, MissingRequiredProperty, ResourceNotFound

LB_SECONDS = 2.0
# child collections of a load balancer whose elements get ids, etags and a provisioning state
CHILDREN = ("frontendIPConfigurations", "backendAddressPools", "loadBalancingRules", "probes",
            "inboundNatRules", "inboundNatPools", "outboundRules")
CHILD_TYPES = {
    "frontendIPConfigurations": "Microsoft.Network/loadBalancers/frontendIPConfigurations",
    "backendAddressPools": "Microsoft.Network/loadBalancers/backendAddressPools",
    "loadBalancingRules": "Microsoft.Network/loadBalancers/loadBalancingRules",
    "probes": "Microsoft.Network/loadBalancers/probes",
    "inboundNatRules": "Microsoft.Network/loadBalancers/inboundNatRules",
    "inboundNatPools": "Microsoft.Network/loadBalancers/inboundNatPools",
    "outboundRules": "Microsoft.Network/loadBalancers/outboundRules",
}


@dataclass
class LoadBalancer:
    subscription: str
    rg: str
    name: str
    body: dict
    provisioning_state: str = "Updating"
    etag: str = field(default_factory=etag)

    @property
    def id(self) -> str:
        return f"{rg_id(self.subscription, self.rg)}/providers/Microsoft.Network/loadBalancers/{self.name}"

    def pools(self) -> list[dict]:
        return (self.body.get("properties") or {}).get("backendAddressPools") or []


class NetworkBackend:
    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.lbs: Store = Store()

    def reset(self) -> None:
        self.lbs.clear()

    def get(self, sub: str, rg: str, name: str) -> LoadBalancer:
        lb = self.lbs.get((sub, rg, name))
        if lb is None:
            self.emulator.resources.get(sub, rg)
            raise ResourceNotFound("Microsoft.Network/loadBalancers", name, rg)
        return lb

    def list(self, sub: str, rg: str | None) -> list[LoadBalancer]:
        if rg is not None:
            self.emulator.resources.require(sub, rg)
        return [lb for lb in self.lbs.values() if lb.subscription.lower() == sub.lower()
                and (rg is None or lb.rg.lower() == rg.lower())]

    def all_pool_ids(self) -> dict[str, str]:
        out = {}
        for lb in self.lbs.values():
            for pool in lb.pools():
                pid = f"{lb.id}/backendAddressPools/{pool.get('name')}"
                out[norm_id(pid)] = pid
        return out

    def balancer_of_pool(self, pool_id: str) -> LoadBalancer | None:
        wanted = norm_id(pool_id)
        for lb in self.lbs.values():
            if any(norm_id(f"{lb.id}/backendAddressPools/{p.get('name')}") == wanted for p in lb.pools()):
                return lb
        return None

    def pool_exists(self, pool_id: str) -> bool:
        return norm_id(pool_id) in self.all_pool_ids()

    def probe_exists(self, probe_id: str) -> bool:
        """Whether `probe_id` names a probe of a load balancer (a scale set's healthProbe)."""
        wanted = norm_id(probe_id)
        for lb in self.lbs.values():
            for probe in (lb.body.get("properties") or {}).get("probes") or []:
                if norm_id(f"{lb.id}/probes/{probe.get('name')}") == wanted:
                    return True
        return False

    def validate(self, body: dict) -> None:
        check_top_level(body, TRACKED_KEYS, "LoadBalancer")
        if not body.get("location"):
            raise LocationRequired()
        props = body.get("properties") or {}
        check_properties_keys(props, "LoadBalancer")
        for coll in CHILDREN:
            items = props.get(coll)
            if items is None:
                continue
            if not isinstance(items, list):
                raise InvalidParameter(f"'{coll}' must be an array.", target=coll)
            seen = set()
            for item in items:
                if not isinstance(item, dict) or not item.get("name"):
                    raise MissingRequiredProperty(f"{coll}.name")
                typed(item["name"], str, f"{coll}.name")
                if item["name"].lower() in seen:
                    raise InvalidParameter(f"Two elements of '{coll}' are named '{item['name']}'.",
                                           code="DuplicateResourceName", target=coll)
                seen.add(item["name"].lower())
                check_properties_keys(item.get("properties"), coll)
                for ref in ("backendAddressPool", "frontendIPConfiguration", "probe", "subnet", "publicIPAddress"):
                    ref_obj = obj((item.get("properties") or {}).get(ref), f"{coll}.{ref}")
                    typed(ref_obj.get("id"), str, f"{coll}.{ref}.id")

    def put(self, sub: str, rg: str, name: str, body: dict) -> tuple[LoadBalancer, bool]:
        group = self.emulator.resources.require(sub, rg)
        body = copy.deepcopy(body)
        for k in ("id", "name", "type", "etag", "systemData"):
            body.pop(k, None)
        self.validate(body)
        # Network's default SKU when none is given
        body.setdefault("sku", {"name": "Basic", "tier": "Regional"})
        lb = self.lbs.get((sub, rg, name))
        created = lb is None
        if not created:
            kept = {p["name"].lower() for p in (body.get("properties") or {}).get("backendAddressPools") or []}
            members = self.emulator.compute.pool_members()
            for pool in lb.pools():
                pid = f"{lb.id}/backendAddressPools/{pool['name']}"
                if pool["name"].lower() not in kept and members.get(norm_id(pid)):
                    raise InUsePool(pid, members[norm_id(pid)][0][1])
        if created:
            lb = LoadBalancer(sub, group.name, name, body)
            self.lbs[(sub, rg, name)] = lb
        else:
            lb.body = body
            lb.etag = etag()
        lb.provisioning_state = "Updating"
        return lb, created

    def delete_group(self, sub: str, rg: str) -> None:
        for key in [k for k, lb in self.lbs.items()
                    if lb.subscription.lower() == sub.lower() and lb.rg.lower() == rg.lower()]:
            dict.pop(self.lbs, key)

    # ---------------------------------------------------------------- rendering
    def pool_json(self, lb: LoadBalancer, pool: dict, members: dict | None = None) -> dict:
        if members is None:
            members = self.emulator.compute.pool_members()
        pid = f"{lb.id}/backendAddressPools/{pool['name']}"
        props = copy.deepcopy(pool.get("properties") or {})
        for k in ("backendIPConfigurations", "provisioningState", "loadBalancingRules", "outboundRules",
                  "inboundNatRules"):
            props.pop(k, None)
        ipcs = [{"id": ipc} for _, ipc, _ in members.get(norm_id(pid), [])]
        if ipcs:
            props["backendIPConfigurations"] = ipcs
        rules = self._rules_using(lb, pid)
        if rules:
            props["loadBalancingRules"] = rules
        props["provisioningState"] = lb.provisioning_state
        return {"id": pid, "name": pool["name"], "etag": lb.etag,
                "type": "Microsoft.Network/loadBalancers/backendAddressPools", "properties": props}

    def _rules_using(self, lb: LoadBalancer, pid: str) -> list[dict]:
        out = []
        for rule in (lb.body.get("properties") or {}).get("loadBalancingRules") or []:
            ref = ((rule.get("properties") or {}).get("backendAddressPool") or {}).get("id")
            if ref and norm_id(ref) == norm_id(pid):
                out.append({"id": f"{lb.id}/loadBalancingRules/{rule['name']}"})
        return out

    def lb_json(self, lb: LoadBalancer) -> dict:
        body = copy.deepcopy(lb.body)
        props = body.get("properties") or {}
        members = self.emulator.compute.pool_members()
        for coll in CHILDREN:
            if coll == "backendAddressPools":
                continue
            for item in props.get(coll) or []:
                item["id"] = f"{lb.id}/{coll}/{item['name']}"
                item["etag"] = lb.etag
                item["type"] = CHILD_TYPES[coll]
                item.setdefault("properties", {})["provisioningState"] = lb.provisioning_state
        for index, frontend in enumerate(props.get("frontendIPConfigurations") or []):
            fe_props = frontend["properties"]
            if fe_props.get("subnet") and not fe_props.get("privateIPAddress"):
                # An internal frontend gets an address of its subnet, as Network allocates it (Dynamic).
                fe_props["privateIPAddress"] = f"10.0.0.{4 + index}"
                fe_props["privateIPAllocationMethod"] = "Dynamic"
            if fe_props.get("privateIPAddress"):
                fe_props.setdefault("privateIPAllocationMethod", "Static")
                fe_props.setdefault("privateIPAddressVersion", "IPv4")
        props["backendAddressPools"] = [self.pool_json(lb, p, members) for p in lb.pools()]
        props["provisioningState"] = lb.provisioning_state
        props.setdefault("resourceGuid", _stable_guid(lb.id))
        out = {"id": lb.id, "name": lb.name, "type": "Microsoft.Network/loadBalancers",
               "location": body.get("location"), "etag": lb.etag}
        for k in ("tags", "sku", "extendedLocation"):
            if k in body:
                out[k] = body[k]
        out["properties"] = props
        return out

    def snapshot(self) -> dict[str, tuple[str, list[str], list[str]]]:
        """For the timeline: every pool -> (pool id, members, healthy members)."""
        members = self.emulator.compute.pool_members()
        out = {}
        for key, pid in self.all_pool_ids().items():
            rows = members.get(key, [])
            vms = sorted({vm for vm, _, _ in rows})
            healthy = sorted({vm for vm, _, h in rows if h})
            out[key] = (pid, vms, healthy)
        return out


def _stable_guid(seed: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed.lower()))
