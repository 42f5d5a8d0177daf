"""Deferred state changes due at a simulated time, applied in due order.

Every request first applies whatever is due (and a background ticker does too), so each change
happens at its own simulated instant whatever the request pattern, and the timeline records
that instant rather than the time somebody happened to look.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable


class Scheduler:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[float], None]]] = []
        self._seq = itertools.count()

    def at(self, due: float, fn: Callable[[float], None]) -> None:
        heapq.heappush(self._heap, (due, next(self._seq), fn))

    def run_due(self, now: float, after_each: Callable[[float], None]) -> None:
        while self._heap and self._heap[0][0] <= now:
            due, _, fn = heapq.heappop(self._heap)
            fn(due)
            # changes due at the same instant are observed together (one timeline entry)
            if not self._heap or self._heap[0][0] != due:
                after_each(due)

    def settle(self, after_each: Callable[[float], None]) -> float:
        """Apply every pending change at its own due time (events may schedule more); returns the
        last due time applied (0 when nothing was pending)."""
        last = 0.0
        while self._heap:
            last = max(last, max(due for due, _, _ in self._heap))
            self.run_due(last, after_each)
        return last

    def clear(self) -> None:
        self._heap.clear()
