"""When a scale set is steady: the judgement the polling loop applies to each poll.

Health comes from `vmHealth` in the instances' instance views, which Azure fills only when the scale
set has health monitoring (the Application Health extension, or a load balancer probe named in
`virtualMachineProfile.networkProfile.healthProbe`). Without monitoring no instance ever reports
health, so requiring "every instance healthy" would never be met and every deployment would time out
and roll back. The rule therefore is:

- exactly `target` instances, every one provisioned (Harness's own criterion), and
- when ANY instance reports health (or the caller knows the scale set is monitored), every one of the
  `target` instances must report `HealthState/healthy` (`initializing`, `unknown`, `unhealthy` and
  "not reported yet" are not healthy);
- when NONE reports health, health is not monitored and provisioning alone decides.
"""

from __future__ import annotations

import re

from domain.model import InstanceCounts


def health_monitored(counts: InstanceCounts) -> bool:
    """Whether this poll shows health monitoring: at least one instance reports a health state."""
    return counts.health_reported > 0


def is_steady(counts: InstanceCounts, target: int, require_latest_model: bool = False,
              health_monitored: bool | None = None, at_least_target: bool = False) -> bool:
    """Exactly `target` instances, every one provisioned and, when health is monitored, healthy.

    `health_monitored`: None (default) infers monitoring from the poll (some instance reports health);
    True requires every instance healthy even if none reports yet (a caller that read the scale-set
    model knows better than one poll: right after provisioning, a probe may not have reported yet);
    False ignores health. `at_least_target` accepts more instances than `target` (all of them must
    then qualify): autoscale may have raised the scale set to its minimum. Harness checked the count
    and that every instance was provisioned (`checkAllVMSSInstancesProvisioned`), not health, so it
    could swap onto instances that were not serving yet.
    """
    size = counts.total
    if (size < target if at_least_target else size != target) or counts.provisioned != size:
        return False
    monitored = (counts.health_reported > 0) if health_monitored is None else health_monitored
    if monitored and counts.healthy != size:
        return False
    return not require_latest_model or counts.latest_model == size


def describe(counts: InstanceCounts, target: int) -> str:
    health = (f"{counts.healthy} healthy" if counts.health_reported or not counts.provisioned
              else "health not monitored")
    return (f"{counts.total}/{target} instances, {counts.provisioned} provisioned, {health}, "
            f"{counts.failed} failed")


# -- how long to wait before the next poll (steady_state_wait version 3) ------------------------------

# A rate-limit policy whose name carries no window (`...SubscriptionMaximum`) is taken to refill per minute.
DEFAULT_WINDOW_SECONDS = 60.0
_WINDOW = re.compile(r"(\d+)\s*Min$", re.IGNORECASE)


def rate_limit_remaining(header: str | None) -> dict[str, int]:
    """Azure Compute's `x-ms-ratelimit-remaining-resource` as {policy: requests left}, e.g.
    `Microsoft.Compute/HighCostGet3Min;107,Microsoft.Compute/HighCostGet30Min;527`. Parts that do not
    parse are left out (an empty dict: the header said nothing usable)."""
    remaining: dict[str, int] = {}
    for part in (header or "").split(","):
        policy, _, count = part.strip().rpartition(";")
        if policy and count.strip().isdigit():
            remaining[policy] = int(count)
    return remaining


def window_seconds(policy: str) -> float:
    """The window a Compute policy counts requests in, from its name (`HighCostGet3Min`: 180 s)."""
    match = _WINDOW.search(policy)
    return float(match.group(1)) * 60.0 if match else DEFAULT_WINDOW_SECONDS


def next_poll_seconds(poll_interval_seconds: float, remaining: dict[str, int] | None = None) -> float:
    """Seconds until the next poll: the spec's `pollIntervalSeconds` (CONTRACT: poll every that many
    seconds), longer only when `remaining` (the last answer's `x-ms-ratelimit-remaining-resource`) says a
    policy has few requests left: they are spread over its window (the interval is at least window /
    remaining; one window when nothing is left), so the wait cannot be what exhausts the scale set's read
    budget. Never less than `pollIntervalSeconds`."""
    interval = float(poll_interval_seconds)
    for policy, left in (remaining or {}).items():
        window = window_seconds(policy)
        interval = max(interval, window / left if left > 0 else window)
    return interval
