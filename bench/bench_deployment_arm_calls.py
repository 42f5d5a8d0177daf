"""What one blue/green deployment costs in Resource Manager calls, and how that grows with size.

Runs a first and a second deployment of the real app (devhost + ARM emulator + Azurite) at several
instance counts and counts the ARM requests of the second one (the one with a swap) by kind, from the
emulator's request log. The point it checks: writes and model changes stay constant with the
instance count (one PATCH and one manualupgrade per scale set), only polls scale with time.
"""

from __future__ import annotations

import ssl
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from gateway.credentials import StaticTokenCredential
from scripts import stack
from scripts.seed import Seeder, Target
from tests.support.api import DeployerApi

SIZES = (2, 10, 50)
TIME_SCALE = 0.01
SUBSCRIPTION = "2c3d4e5f-6071-4283-94a5-b6c7d8e9f0a1"


def classify(request: dict) -> str:
    path, method = request["path"].lower(), request["method"]
    if path.endswith("/manualupgrade"):
        return "manualupgrade"
    if path.endswith("/virtualmachines") or "/virtualmachines/" in path:
        return "VM lists"
    if "virtualmachinescalesets" in path:
        return f"VMSS {method}"
    if "autoscalesettings" in path:
        return f"autoscale {method}"
    return f"other {method}"


def main(argv: list[str] | None = None) -> int:
    console = Console(width=140)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        arm = stack.start_arm_emulator(base / "arm", time_scale=TIME_SCALE, log_path=base / "arm.log")
        azurite = stack.start_azurite(base / "azurite", log_path=base / "azurite.log")
        settings = {"ARM_ENDPOINT": arm.endpoint, "ARM_CA_BUNDLE": str(arm.ca_bundle), "ARM_CREDENTIAL": "emulator",
                    "ARM_POLLING_INTERVAL_SECONDS": "0.05", "AzureWebJobsStorage": azurite.connection_string,
                    "FUNCTION_KEY": stack.DEFAULT_FUNCTION_KEY}
        host = stack.start_devhost(stack.ROOT, settings, time_scale=TIME_SCALE, log_path=base / "devhost.log",
                                   extra_args=["--state-dir", str(base / "devhost")])
        admin = httpx.Client(base_url=arm.endpoint, verify=ssl.create_default_context(cafile=str(arm.ca_bundle)))
        api = DeployerApi(host.url, host.function_key)
        rows = []
        try:
            for size in SIZES:
                target = Target(SUBSCRIPTION, f"rg-bench-{size}")
                images = Seeder(StaticTokenCredential(), target, arm.endpoint, str(arm.ca_bundle),
                                polling_interval=0.02).everything(("1.0.0", "1.1.0"))
                spec = {"subscriptionId": SUBSCRIPTION, "resourceGroup": target.resource_group, "name": "bench",
                        "baseVmss": target.base_vmss, "instances": {"mode": "fixed", "min": 1, "max": size,
                                                                    "desired": size},
                        "loadBalancer": target.load_balancer, "prodBackendPool": target.prod_pool,
                        "stageBackendPool": target.stage_pool, "pollIntervalSeconds": 15}
                first = api.deploy({**spec, "image": images[0]})
                assert api.wait(first, timeout=300)["status"] == "Succeeded"
                before = admin.get("/_emulator/requests").json()[-1]["seq"]
                started = time.monotonic()
                second = api.deploy({**spec, "image": images[1]})
                view = api.wait(second, timeout=300)
                elapsed = time.monotonic() - started
                assert view["status"] == "Succeeded", api.log(second)
                calls = [r for r in admin.get("/_emulator/requests").json()
                         if r["seq"] > before and f"/resourcegroups/{target.resource_group}/" in r["path"].lower()]
                counts = Counter(classify(r) for r in calls)
                rows.append((size, len(calls), counts, elapsed))
        finally:
            host.stop()
            azurite.stop()
            arm.stop()

    kinds = sorted({k for _, _, counts, _ in rows for k in counts})
    table = Table(title=f"ARM requests of one swap deployment (second deploy), time scale {TIME_SCALE}")
    table.add_column("instances", justify="right")
    for kind in kinds:
        table.add_column(kind, justify="right")
    table.add_column("all", justify="right")
    table.add_column("wall s", justify="right")
    for size, total, counts, elapsed in rows:
        table.add_row(str(size), *[str(counts.get(k, 0)) for k in kinds], str(total), f"{elapsed:.1f}")
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
