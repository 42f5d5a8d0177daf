"""Following a deployment until it ends: redrawn in place on a terminal, one line per change otherwise."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.live import Live

from vmssbg import render
from vmssbg.client import Api, Unreachable

LOG_TAIL = 10
# A deployment outlives its host (a restart, a scale-out, a deployment of the app): once the API has
# answered, a follower rides out an outage this long before it gives up with exit 6.
OUTAGE_GRACE_SECONDS = 120.0


class LogCursor:
    """The log is served whole; this hands out only the lines not seen yet."""

    def __init__(self) -> None:
        self.seen = 0

    def new_lines(self, text: str) -> list[str]:
        lines = text.splitlines()
        if len(lines) < self.seen:  # a log never shrinks; if it did, show it again rather than nothing
            self.seen = 0
        fresh = lines[self.seen:]
        self.seen = len(lines)
        return fresh


class Poller:
    """One deployment's view and new log lines per poll, riding out short outages of the API."""

    def __init__(self, api: Api, deployment_id: str, interval: float, with_log: bool = True,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 grace: float = OUTAGE_GRACE_SECONDS) -> None:
        self.api, self.deployment_id, self.interval, self.with_log = api, deployment_id, interval, with_log
        self.sleep, self.clock, self.grace = sleep, clock, grace
        self.cursor = LogCursor()
        self.last_answer: float | None = None

    def poll(self) -> tuple[dict[str, Any], list[str]]:
        while True:
            try:
                view = self.api.get(self.deployment_id)  # before the log, so the last lines are never missed
                lines = self.cursor.new_lines(self.api.log(self.deployment_id)) if self.with_log else []
            except Unreachable:
                if self.last_answer is None or self.clock() - self.last_answer > self.grace:
                    raise
                self.sleep(self.interval)
                continue
            self.last_answer = self.clock()
            return view, lines

    def wait(self) -> None:
        self.sleep(self.interval)


def follow(api: Api, deployment_id: str, console: Console, interval: float = 1.0,
           sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Poll the deployment and its log until it reaches a terminal status; returns the last view."""
    poller = Poller(api, deployment_id, interval, sleep=sleep)
    if console.is_terminal:
        tail: deque[str] = deque(maxlen=LOG_TAIL)
        view, lines = poller.poll()
        tail.extend(lines)
        with Live(render.deployment(view, tail), console=console, refresh_per_second=4) as live:
            while not render.is_terminal(view):
                poller.wait()
                view, lines = poller.poll()
                tail.extend(lines)
                live.update(render.deployment(view, tail))
        return view
    plain = render.PlainProgress()
    console.print(f"following deployment {deployment_id}", highlight=False)
    while True:
        view, lines = poller.poll()
        for line in plain.lines(view, lines):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
        if render.is_terminal(view):
            return view
        poller.wait()


def follow_log(api: Api, deployment_id: str, emit: Callable[[str], None], interval: float = 1.0,
               sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """`logs --follow`: print lines as they are appended, until the deployment ends."""
    poller = Poller(api, deployment_id, interval, sleep=sleep)
    while True:
        view, lines = poller.poll()
        for line in lines:
            emit(line)
        if render.is_terminal(view):
            return view
        poller.wait()


def wait_quietly(api: Api, deployment_id: str, interval: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """For `--output json`: scripts want one document at the end, not progress."""
    poller = Poller(api, deployment_id, interval, with_log=False, sleep=sleep)
    while True:
        view, _ = poller.poll()
        if render.is_terminal(view):
            return view
        poller.wait()
