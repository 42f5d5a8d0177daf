"""`make demo`: two blue/green deployments through the HTTP API, live in the terminal.

Reuses the stack `make up` started (and leaves it running), else starts its own (ARM emulator,
Azurite, devhost running the real function_app.py) and stops it at the end; seeds the demo Azure
(resource group, load balancer with prod and stage pools, base scale set, a gallery image with two
versions), deploys version 1.0.0 then 1.1.0 and shows which scale set serves prod.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from datetime import datetime

import httpx
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from gateway.credentials import StaticTokenCredential
from scripts import stack
from scripts.seed import DEMO_VERSIONS, Seeder, Target, demo_target

DEMO_TIME_SCALE = float(os.environ.get("DEMO_TIME_SCALE", "0.05"))
TERMINAL = {"Succeeded", "Failed", "RolledBack", "Terminated"}
STEP_STYLE = {"Pending": "dim", "Running": "bold yellow", "Succeeded": "green", "Failed": "bold red",
              "Skipped": "dim"}
console = Console()


def spec(target: Target, image_id: str) -> dict:
    return {
        "subscriptionId": target.subscription_id, "resourceGroup": target.resource_group,
        "app": "web", "service": "api", "env": "prod",
        "baseVmss": target.base_vmss, "image": image_id,
        "instances": {"mode": "fixed", "min": 2, "max": 6, "desired": 4},
        "loadBalancer": target.load_balancer, "prodBackendPool": target.prod_pool,
        "stageBackendPool": target.stage_pool, "pollIntervalSeconds": 15, "steadyStateTimeoutMinutes": 20,
    }


def took(step: dict) -> str:
    """How long a step took in Azure's time (the orchestration clock), e.g. `2m05s`."""
    if not step.get("startedAt") or not step.get("endedAt"):
        return ""
    start, end = (datetime.fromisoformat(step[k].replace("Z", "+00:00")) for k in ("startedAt", "endedAt"))
    seconds = int((end - start).total_seconds())
    return f"{seconds // 60}m{seconds % 60:02d}s (simulated)"


def render(view: dict, log_tail: deque[str], progress: Progress, task_id) -> Group:
    steps = Table.grid(padding=(0, 2))
    for step in view.get("steps", []):
        steps.add_row(f"[{STEP_STYLE.get(step['status'], '')}]{step['status']:<9}[/]", step["name"],
                      f"[dim]{took(step)}[/]")
    capacity = view.get("capacity") or {}
    desired = capacity.get("desired") or 0
    progress.update(task_id, total=max(desired, 1), completed=capacity.get("healthy") or 0,
                    description=f"{view.get('newVmss') or '...'} healthy")
    header = (f"[bold]{view['id'][:12]}[/]  status [bold]{view['status']}[/]  phase [cyan]{view['phase']}[/]  "
              f"new {escape(str(view.get('newVmss')))}  old {escape(str(view.get('oldVmss')))}")
    logs = escape("\n".join(log_tail)) or "..."
    return Group(header, steps, progress, Panel(logs, title="deployment log", border_style="dim"))


def follow(http: httpx.Client, deployment_id: str) -> dict:
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    task_id = progress.add_task("instances", total=1)
    log_tail: deque[str] = deque(maxlen=8)
    view = http.get(f"/api/deployments/{deployment_id}").json()
    with Live(render(view, log_tail, progress, task_id), console=console, refresh_per_second=8) as live:
        while True:
            view = http.get(f"/api/deployments/{deployment_id}").json()
            lines = http.get(f"/api/deployments/{deployment_id}/log").text.splitlines()
            log_tail.clear()
            log_tail.extend(line.split(" ", 1)[-1] for line in lines[-8:])
            live.update(render(view, log_tail, progress, task_id))
            if view["status"] in TERMINAL:
                return view
            time.sleep(0.25)


def summary(seeder: Seeder) -> Table:
    t = seeder.target
    table = Table(title=f"Scale sets in {t.resource_group}")
    for column in ("scale set", "capacity", "BG_VERSION", "backend pools"):
        table.add_column(column)
    for vmss in sorted(seeder.compute.virtual_machine_scale_sets.list(t.resource_group), key=lambda v: v.name):
        pools = []
        for nic in vmss.virtual_machine_profile.network_profile.network_interface_configurations:
            for ip in nic.ip_configurations:
                pools += [p.id.rsplit("/", 1)[-1] for p in ip.load_balancer_backend_address_pools or []]
        table.add_row(vmss.name, str(vmss.sku.capacity), (vmss.tags or {}).get("BG_VERSION", "-"),
                      ", ".join(pools) or "-")
    return table


def prod_members(seeder: Seeder) -> list[str]:
    t = seeder.target
    pool = seeder.network.load_balancer_backend_address_pools.get(t.resource_group, t.load_balancer, t.prod_pool)
    return sorted({c.id.split("/virtualMachines/")[0].rsplit("/", 1)[-1] for c in pool.backend_ip_configurations or []})


def main() -> int:
    started = time.monotonic()
    console.rule("[bold]vmss-bluegreen demo")
    settings = stack.running()
    own_stack = settings is None
    if own_stack:
        console.print(f"Starting the local stack (time scale {DEMO_TIME_SCALE}: Azure's minutes pass in seconds)...")
        settings = stack.up(DEMO_TIME_SCALE)
    else:
        console.print(f"Using the running local stack (time scale {settings.get('TIME_SCALE')}); it stays up")
    try:
        target = demo_target()
        seeder = Seeder(StaticTokenCredential(), target, settings["ARM_ENDPOINT"], settings["ARM_CA_BUNDLE"],
                        polling_interval=0.05)
        console.print("Seeding demo Azure: resource group, load balancer (prod + stage pools), base scale set, "
                      "gallery image versions 1.0.0 and 1.1.0")
        images = seeder.everything(DEMO_VERSIONS)
        http = httpx.Client(base_url=settings["FUNCTIONS_URL"], headers={"x-functions-key": settings["FUNCTION_KEY"]},
                            timeout=30)
        outcomes = []
        for number, image in enumerate(images, start=1):
            console.rule(f"Deployment {number}: image {image.rsplit('/', 1)[-1]}")
            response = http.post("/api/deployments", json=spec(target, image))
            if response.status_code != 202:
                console.print(f"[red]POST /api/deployments answered {response.status_code}: {response.text}")
                return 1
            view = follow(http, response.json()["id"])
            outcomes.append(view)
            style = "green" if view["status"] == "Succeeded" else "red"
            console.print(f"[{style}]Deployment {number} {view['status']}[/]: {view['newVmss']} "
                          + (f"({view['error']})" if view["error"] else ""))
        console.rule("Final state")
        console.print(summary(seeder))
        console.print(f"Prod backend pool [bold]{target.prod_pool}[/] is served by: "
                      f"[bold green]{', '.join(prod_members(seeder)) or 'nothing'}[/]")
        console.print(f"Demo finished in {time.monotonic() - started:.0f} s")
        return 0 if all(v["status"] == "Succeeded" for v in outcomes) else 1
    finally:
        if own_stack:
            console.print("Stopping the local stack")
            stack.down(quiet=True)


if __name__ == "__main__":
    sys.exit(main())
