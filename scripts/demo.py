"""`make demo`: two blue/green deployments driven through the `vmssbg` command line, live in the terminal.

Reuses the stack `make up` started (and leaves it running), else starts its own (ARM emulator,
Azurite, devhost running the real function_app.py) and stops it at the end; seeds the demo Azure
(resource group, load balancer with prod and stage pools, base scale set, a gallery image with two
versions), then types what an operator would: `vmssbg deploy SPEC.json --wait` for version 1.0.0 and
then 1.1.0, and `vmssbg list`; shows which scale set serves prod.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from gateway.credentials import StaticTokenCredential
from scripts import stack
from scripts.seed import DEMO_VERSIONS, Seeder, Target, demo_target

DEMO_TIME_SCALE = float(os.environ.get("DEMO_TIME_SCALE", "0.05"))
SPECS = stack.LOCAL / "demo"
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


def vmssbg_command() -> list[str]:
    """The console script `make install` puts beside this Python; the module when run elsewhere."""
    script = Path(sys.executable).with_name("vmssbg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "vmssbg"]


def vmssbg(settings: dict[str, str], *args: str) -> int:
    """Run `vmssbg ARGS` as the operator would type it, on this terminal (live progress when it is one)."""
    console.print(f"[bold green]$[/] [bold]vmssbg {' '.join(shlex.quote(a) for a in args)}[/]")
    env = {**os.environ, "VMSSBG_URL": settings["FUNCTIONS_URL"], "VMSSBG_KEY": settings["FUNCTION_KEY"]}
    return subprocess.run([*vmssbg_command(), *args], cwd=stack.ROOT, env=env, check=False).returncode


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
        SPECS.mkdir(parents=True, exist_ok=True)
        outcomes = []
        for number, image in enumerate(images, start=1):
            version = image.rsplit("/", 1)[-1]
            console.rule(f"Deployment {number}: image {version}")
            spec_file = SPECS / f"web-api-{version}.json"
            spec_file.write_text(json.dumps(spec(target, image), indent=2))
            code = vmssbg(settings, "deploy", str(spec_file.relative_to(stack.ROOT)), "--wait")
            outcomes.append(code)
            if code != 0:
                console.print(f"[red]vmssbg exited {code}: deployment {number} did not succeed[/]")
        vmssbg(settings, "list", "--resource-group", target.resource_group)
        console.rule("Final state")
        console.print(summary(seeder))
        console.print(f"Prod backend pool [bold]{target.prod_pool}[/] is served by: "
                      f"[bold green]{', '.join(prod_members(seeder)) or 'nothing'}[/]")
        console.print(f"Demo finished in {time.monotonic() - started:.0f} s")
        console.print("With the stack up (`make up`), the same commands work from this folder, and the status page "
                      f"is at {settings['FUNCTIONS_URL']}/api/dashboard?code={settings['FUNCTION_KEY']}")
        return 0 if all(code == 0 for code in outcomes) else 1
    finally:
        if own_stack:
            console.print("Stopping the local stack")
            stack.down(quiet=True)


if __name__ == "__main__":
    sys.exit(main())
