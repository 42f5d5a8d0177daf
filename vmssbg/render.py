"""What the CLI shows: pure functions from the API's JSON to rich renderables or plain lines.

Durations come from the deployment's own timestamps (the orchestration clock), so they read the
same on the local stack's fast clock as in Azure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

TERMINAL = ("Succeeded", "Failed", "RolledBack", "Terminated")
# CONTRACT §8: what scripts and CI pipelines read from a deployment's final status.
EXIT_CODES = {"Succeeded": 0, "Failed": 3, "RolledBack": 4, "Terminated": 5}
STATUS_STYLE = {"Pending": "dim", "Running": "bold yellow", "AwaitingApproval": "bold magenta",
                "Paused": "bold cyan", "Succeeded": "bold green", "Failed": "bold red", "RolledBack": "bold red",
                "Terminated": "bold red", "Skipped": "dim"}
STEP_ICON = {"Pending": "○", "Running": "●", "Succeeded": "✔", "Failed": "✖", "Skipped": "–",
             "AwaitingApproval": "◆", "Paused": "‖"}
BAR_WIDTH = 32


def exit_code(view: dict[str, Any]) -> int:
    return EXIT_CODES.get(view.get("status", ""), 0)


def is_terminal(view: dict[str, Any]) -> bool:
    return view.get("status") in TERMINAL


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def step_seconds(step: dict[str, Any], view: dict[str, Any], now: datetime | None = None) -> float | None:
    """How long a step took, or has run so far. A running step is measured up to now, or up to the
    deployment's last update when the orchestration clock runs ahead of this machine's (the local
    stack's scaled time)."""
    started = parse_time(step.get("startedAt"))
    if started is None:
        return None
    ended = parse_time(step.get("endedAt"))
    if ended is None:
        now = now or datetime.now(UTC)
        updated = parse_time(view.get("updatedAt"))
        ended = now if now >= started else (updated or started)
    return (ended - started).total_seconds()


def capacity_counts(view: dict[str, Any]) -> tuple[int, int, int]:
    capacity = view.get("capacity") or {}
    return tuple(int(capacity.get(k) or 0) for k in ("desired", "current", "healthy"))  # type: ignore[return-value]


def capacity_bar(view: dict[str, Any], width: int = BAR_WIDTH) -> Text:
    """Healthy instances in green, created but not yet healthy in yellow, still missing dimmed."""
    desired, current, healthy = capacity_counts(view)
    total = max(desired, current, 1)
    healthy_cells = round(width * min(healthy, total) / total)
    current_cells = max(round(width * min(current, total) / total) - healthy_cells, 0)
    bar = Text()
    bar.append("█" * healthy_cells, style="green")
    bar.append("▓" * current_cells, style="yellow")
    bar.append("░" * (width - healthy_cells - current_cells), style="grey50")
    bar.append(f"  healthy {healthy} · current {current} · desired {desired}")
    return bar


def status_text(status: str | None) -> Text:
    status = status or "Unknown"
    return Text(status, style=STATUS_STYLE.get(status, ""))


def pipeline(view: dict[str, Any], now: datetime | None = None) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(width=1)
    table.add_column(min_width=14)
    table.add_column(min_width=10)
    table.add_column(justify="right")
    for step in view.get("steps") or []:
        status = step.get("status", "Pending")
        if status == "Running" and step.get("name") == "Approval" and view.get("status") == "AwaitingApproval":
            status = "AwaitingApproval"
        if status == "Running" and view.get("status") == "Paused":
            status = "Paused"
        if status == "Pending" and is_terminal(view):  # it will never run now
            status = "Skipped"
        style = STATUS_STYLE.get(status, "")
        table.add_row(Text(STEP_ICON.get(status, "?"), style=style), Text(step.get("name", "?"), style="bold"),
                      Text(status, style=style), Text(format_duration(step_seconds(step, view, now)), style="cyan"))
    return table


def scale_sets_line(view: dict[str, Any]) -> Text:
    line = Text()
    line.append("old ", style="dim")
    line.append(view.get("oldVmss") or "(none)", style="bold")
    line.append("  →  ", style="dim")
    line.append("new ", style="dim")
    line.append(view.get("newVmss") or "(not created yet)", style="bold")
    if view.get("revision") is not None:
        line.append(f"  (revision {view['revision']})", style="dim")
    return line


def approval_text(approval: dict[str, Any] | None) -> Text | None:
    if not approval:
        return None
    text = Text("approval: ", style="dim")
    decision = approval.get("decision")
    if decision:
        text.append(f"{decision} by {approval.get('decidedBy') or '?'} at {approval.get('decidedAt') or '?'}",
                    style="bold")
        if approval.get("comment"):
            text.append(f" — “{approval['comment']}”")
    else:
        text.append(f"requested {approval.get('requestedAt') or '?'}, times out {approval.get('timeoutAt') or '?'}",
                    style="magenta")
    return text


def header(view: dict[str, Any]) -> Text:
    text = Text()
    text.append(f"Deployment {view.get('id')}", style="bold")
    kind = view.get("kind")
    if kind and kind != "deploy":
        text.append(f" ({kind})")
    text.append("  ")
    text.append_text(status_text(view.get("status")))
    if view.get("phase") and view.get("phase") != view.get("status"):
        text.append(f"  phase {view['phase']}", style="cyan")
    if view.get("resourceGroup"):
        text.append(f"  in {view['resourceGroup']}", style="dim")
    return text


_LOG_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z ")


def compact_log_line(line: str) -> str:
    """`2026-01-01T10:00:07.123Z text` -> `10:00:07 text`: the date is the deployment's, the same for all."""
    return _LOG_STAMP.sub(r"\1 ", line, count=1)


def deployment(view: dict[str, Any], log_tail: Iterable[str] = (), now: datetime | None = None,
               log_lines: int = 10, crop_log: bool = True) -> RenderableType:
    """The whole picture of one deployment: what `status --watch` and `deploy --wait` redraw."""
    parts: list[RenderableType] = [header(view), scale_sets_line(view), pipeline(view, now), capacity_bar(view)]
    approval = approval_text(view.get("approval"))
    if approval is not None:
        parts.append(approval)
    if view.get("error"):
        parts.append(Text(f"error: {view['error']}", style="bold red"))
    for warning in view.get("warnings") or []:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    tail = [compact_log_line(line) for line in list(log_tail)[-log_lines:]]
    if tail:
        # one screen line per log line, so the picture keeps its height while it is redrawn in place
        parts.append(Panel(Text("\n".join(tail), no_wrap=crop_log, overflow="ellipsis" if crop_log else "fold"), title="log", title_align="left",
                           border_style="grey50"))
    return Group(*parts)


@dataclass
class PlainProgress:
    """Line-by-line progress when stdout is not a terminal (CI logs, pipes): one line per change."""

    steps: dict[str, str] = field(default_factory=dict)
    status: str | None = None
    phase: str | None = None
    capacity: tuple[int, int, int] | None = None
    new_vmss: str | None = None

    def lines(self, view: dict[str, Any], new_log_lines: Iterable[str] = (), now: datetime | None = None
              ) -> list[str]:
        out: list[str] = []
        if (view.get("status"), view.get("phase")) != (self.status, self.phase):
            self.status, self.phase = view.get("status"), view.get("phase")
            out.append(f"status {self.status} (phase {self.phase})")
        if view.get("newVmss") and view.get("newVmss") != self.new_vmss:
            self.new_vmss = view["newVmss"]
            out.append(f"scale sets: old {view.get('oldVmss') or '(none)'} -> new {self.new_vmss}")
        for step in view.get("steps") or []:
            name, status = step.get("name", "?"), step.get("status", "Pending")
            if self.steps.get(name) != status:
                self.steps[name] = status
                if status != "Pending":
                    took = format_duration(step_seconds(step, view, now)) if status != "Running" else ""
                    out.append(f"step {name} {status}" + (f" in {took}" if took else ""))
        counts = capacity_counts(view)
        if counts != self.capacity and any(counts):
            self.capacity = counts
            desired, current, healthy = counts
            out.append(f"instances healthy {healthy}/{desired} (current {current})")
        out.extend(f"log  {line}" for line in new_log_lines)
        return out


def final_line(view: dict[str, Any]) -> Text:
    text = Text()
    text.append_text(status_text(view.get("status")))
    text.append(f"  deployment {view.get('id')}")
    if view.get("newVmss"):
        text.append(f"  new {view['newVmss']}")
    if view.get("error"):
        text.append(f"  ({view['error']})", style="red")
    return text


def short_time(value: str | None) -> str:
    moment = parse_time(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def deployments_table(views: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{len(views)} deployment(s), newest first", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("resource group")
    table.add_column("scale sets (old → new)")
    table.add_column("created (UTC)", no_wrap=True)
    for view in views:
        scale_sets = f"{view.get('oldVmss') or '-'} → {view.get('newVmss') or '-'}"
        table.add_row(view.get("id") or "", status_text(view.get("status")), view.get("resourceGroup") or "",
                      scale_sets, short_time(view.get("createdAt")))
    return table


def targets_table(targets: list[dict[str, Any]]) -> RenderableType:
    parts: list[RenderableType] = []
    for target in targets:
        title = (f"[bold]{escape(str(target.get('infrastructureId')))}[/]: live "
                 f"[bold green]{escape(str(target.get('liveVmss') or '(none)'))}[/]")
        if target.get("runningDeployment"):
            title += f", deployment [yellow]{escape(str(target['runningDeployment']))}[/] running"
        table = Table(title=title, title_justify="left")
        for column in ("scale set", "revision", "capacity", "BG_VERSION", "pools", "image", "created"):
            table.add_column(column)
        for member in target.get("members") or []:
            image = str(member.get("image") or "")
            table.add_row(str(member.get("name") or ""), str(member.get("revision") or ""),
                          str(member.get("capacity") if member.get("capacity") is not None else ""),
                          str(member.get("bgVersion") or ""), ", ".join(member.get("pools") or []) or "-",
                          image.rsplit("/images/", 1)[-1], str(member.get("created") or ""))
        parts.append(table)
    return Group(*parts) if parts else Text("No lineage in this resource group.")


def mapping(value: Any, title: str | None = None) -> Table:
    """Any JSON object as a two-column table (the dry-run plan, a profile): nested values inline."""
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for key, item in (value or {}).items():
        table.add_row(str(key), _inline(item))
    return table


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_inline(v)}" for k, v in value.items()) or "{}"
    if isinstance(value, list):
        return "; ".join(_inline(v) for v in value) or "-"
    return "-" if value is None else str(value)
