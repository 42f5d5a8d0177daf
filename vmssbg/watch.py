"""Following a deployment until it ends: redrawn in place on a terminal, one line per change otherwise."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.live import Live

from vmssbg import render
from vmssbg.client import Api

LOG_TAIL = 10


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


def follow(api: Api, deployment_id: str, console: Console, interval: float = 1.0,
           sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Poll the deployment and its log until it reaches a terminal status; returns the last view."""
    cursor = LogCursor()
    if console.is_terminal:
        tail: deque[str] = deque(maxlen=LOG_TAIL)
        view = api.get(deployment_id)
        with Live(render.deployment(view, tail), console=console, refresh_per_second=4, transient=False) as live:
            while True:
                tail.extend(cursor.new_lines(api.log(deployment_id)))
                live.update(render.deployment(view, tail))
                if render.is_terminal(view):
                    return view
                sleep(interval)
                view = api.get(deployment_id)
    plain = render.PlainProgress()
    console.print(f"following deployment {deployment_id}", highlight=False)
    while True:
        view = api.get(deployment_id)
        for line in plain.lines(view, cursor.new_lines(api.log(deployment_id))):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
        if render.is_terminal(view):
            return view
        sleep(interval)


def follow_log(api: Api, deployment_id: str, emit: Callable[[str], None], interval: float = 1.0,
               sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """`logs --follow`: print lines as they are appended, until the deployment ends."""
    cursor = LogCursor()
    while True:
        view = api.get(deployment_id)  # read before the log, so the last lines are never missed
        for line in cursor.new_lines(api.log(deployment_id)):
            emit(line)
        if render.is_terminal(view):
            return view
        sleep(interval)
