"""Simulated time: runs 1/time_scale times faster than real time, starting at the real wall clock."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime


class SimClock:
    def __init__(self, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time scale must be positive")
        self.time_scale = time_scale
        self._epoch = time.time()
        self._mono0 = time.monotonic()

    def now(self) -> float:
        """Simulated seconds since the Unix epoch."""
        return self._epoch + (time.monotonic() - self._mono0) / self.time_scale

    def resume_at(self, sim_time: float) -> None:
        """Go on from `sim_time` (a restart): simulated time never goes backwards, and never runs
        behind the wall clock either."""
        self._epoch = max(sim_time, self.now())
        self._mono0 = time.monotonic()

    def real_seconds(self, sim_seconds: float) -> float:
        return max(sim_seconds, 0.0) * self.time_scale

    def retry_after(self, sim_seconds: float) -> str:
        """A Retry-After value in REAL seconds for a wait of `sim_seconds` simulated seconds.

        azure-core reads it with float(); a value of 0 makes it fall back to its own polling
        interval, so never send 0.
        """
        real = self.real_seconds(sim_seconds)
        if self.time_scale >= 1:
            return str(max(1, math.ceil(real)))
        real = max(real, 0.001)
        return f"{real:.3f}".rstrip("0").rstrip(".")

    @staticmethod
    def iso(sim_time: float) -> str:
        return datetime.fromtimestamp(sim_time, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
