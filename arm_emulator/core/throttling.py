"""Compute's token buckets: per scale set and per subscription, refilled per simulated minute."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .errors import ArmError

# cost class -> (policy name, burst, refill per simulated minute)
PER_SCALE_SET = {
    "write": ("Microsoft.Compute/VMScaleSetCreateUpdateDelete1Min", 12, 4),
    "low": ("Microsoft.Compute/VMScaleSetLowCostGet1Min", 36, 12),
    "high": ("Microsoft.Compute/VMScaleSetHighCostGet1Min", 30, 10),
}
PER_SUBSCRIPTION = {
    "write": ("Microsoft.Compute/CreateUpdateDeleteSubscriptionMaximum", 600, 200),
    "low": ("Microsoft.Compute/LowCostGetSubscriptionMaximum", 3000, 1000),
    "high": ("Microsoft.Compute/HighCostGetSubscriptionMaximum", 1800, 600),
}


@dataclass
class Bucket:
    policy: str
    burst: float
    refill_per_min: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.refill_per_min / 60.0)
            self.stamp = now

    def seconds_until_token(self) -> float:
        return max(0.0, (1.0 - self.tokens) * 60.0 / self.refill_per_min)


class Throttler:
    def __init__(self, clock, enabled: bool = True) -> None:
        self.clock = clock
        self.enabled = enabled
        self.buckets: dict[tuple, Bucket] = {}

    def reset(self) -> None:
        self.buckets.clear()

    def _bucket(self, key: tuple, spec: tuple, now: float) -> Bucket:
        b = self.buckets.get(key)
        if b is None:
            policy, burst, refill = spec
            b = self.buckets[key] = Bucket(policy, burst, refill, burst, now)
        b.refill(now)
        return b

    def charge(self, now: float, subscription: str, scale_set: str | None, cost: str) -> dict[str, str]:
        """Take one token from each applicable bucket; raise a 429 ArmError when one is empty.

        Returns the informational headers for the answer.
        """
        sub = subscription.lower()
        buckets = [self._bucket(("sub", sub, cost), PER_SUBSCRIPTION[cost], now)]
        if scale_set:
            buckets.insert(0, self._bucket(("vmss", scale_set.lower(), cost), PER_SCALE_SET[cost], now))
        empty = [b for b in buckets if b.tokens < 1.0] if self.enabled else []
        if empty:
            wait = max(b.seconds_until_token() for b in empty)
            worst = empty[0]
            detail = {"operationGroup": worst.policy.split("/", 1)[1], "startTime": self.clock.iso(now),
                      "endTime": self.clock.iso(now + wait), "allowedRequestCount": int(worst.burst),
                      "measuredRequestCount": int(worst.burst) + 1}
            headers = self.headers(buckets)
            headers["Retry-After"] = self.clock.retry_after(wait)
            raise ArmError(
                "The server rejected the request because too many requests have been received for this "
                "subscription.", status=429, code="OperationNotAllowed",
                details=[{"code": "TooManyRequests", "target": detail["operationGroup"],
                          "message": json.dumps(detail)}],
                headers=headers)
        if self.enabled:
            for b in buckets:
                b.tokens -= 1.0
        return self.headers(buckets)

    @staticmethod
    def headers(buckets: list[Bucket]) -> dict[str, str]:
        return {"x-ms-ratelimit-remaining-resource":
                ",".join(f"{b.policy};{int(b.tokens)}" for b in buckets),
                "x-ms-request-charge": "1"}
