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

    def clear(self) -> None:
        self._heap.clear()
