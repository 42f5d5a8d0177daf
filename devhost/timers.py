"""Timer triggers: six-field NCRONTAB schedules ({second} {minute} {hour} {day} {month} {day-of-week})."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from .functions import FunctionRegistry, Invoker

log = logging.getLogger("devhost.timers")

RANGES = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]
NAMES = {
    4: {n: i + 1 for i, n in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())},
    5: {n: i for i, n in enumerate("sun mon tue wed thu fri sat".split())},
}


def _field(text: str, index: int) -> set[int]:
    lo, hi = RANGES[index]
    names = NAMES.get(index, {})
    values: set[int] = set()
    for part in text.lower().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(names.get(a, a)), int(names.get(b, b))
        else:
            start = int(names.get(part, part))
            end = hi if step > 1 else start
        if index == 5:
            start, end = start % 7 if start == 7 else start, end % 7 if end == 7 and start != 0 else end
        values.update(range(start, end + 1, step))
    return {v for v in values if lo <= v <= hi}


class CronSchedule:
    def __init__(self, expression: str):
        parts = expression.split()
        if len(parts) == 5:
            parts = ["0", *parts]
        if len(parts) != 6:
            raise ValueError(f"invalid NCRONTAB expression: {expression!r}")
        self.sec, self.min, self.hour, self.day, self.month, self.dow = (_field(p, i) for i, p in enumerate(parts))

    def next_after(self, when: datetime) -> datetime:
        t = when.replace(microsecond=0) + timedelta(seconds=1)
        limit = t + timedelta(days=366 * 4)
        while t < limit:
            if t.month not in self.month:
                t = (t.replace(day=1, hour=0, minute=0, second=0) + timedelta(days=32)).replace(day=1)
                continue
            if t.day not in self.day or (t.isoweekday() % 7) not in self.dow:
                t = t.replace(hour=0, minute=0, second=0) + timedelta(days=1)
                continue
            if t.hour not in self.hour:
                t = t.replace(minute=0, second=0) + timedelta(hours=1)
                continue
            if t.minute not in self.min:
                t = t.replace(second=0) + timedelta(minutes=1)
                continue
            if t.second not in self.sec:
                t += timedelta(seconds=1)
                continue
            return t
        raise ValueError("schedule never fires")


class TimerScheduler:
    def __init__(self, registry: FunctionRegistry, invoker: Invoker):
        self.registry = registry
        self.invoker = invoker
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        for info in self.registry.functions.values():
            if info.kind == "timer" and info.schedule:
                try:
                    schedule = CronSchedule(info.schedule)
                except ValueError as exc:
                    log.error("timer function %s disabled: %s", info.name, exc)
                    continue
                self.tasks.append(asyncio.create_task(self._run(info, schedule)))

    def stop(self) -> None:
        for t in self.tasks:
            t.cancel()

    async def _run(self, info, schedule: CronSchedule) -> None:
        from azure.functions.timer import TimerRequest

        if info.run_on_startup:
            await self._fire(info, TimerRequest(past_due=False))
        while True:
            now = datetime.now(UTC)
            nxt = schedule.next_after(now)
            await asyncio.sleep(max(0.0, (nxt - datetime.now(UTC)).total_seconds()))
            await self._fire(info, TimerRequest(past_due=False))

    async def _fire(self, info, request) -> None:
        try:
            await self.invoker.invoke(info, {info.trigger_param: request},
                                      f"Timer fired at {datetime.now(UTC).isoformat()}")
        except Exception:  # noqa: BLE001
            log.exception("timer function %s failed", info.name)
