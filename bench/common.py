"""What the benchmarks share: the local stack (ARM emulator, Azurite, devhost on the real app), the
emulator's request log by kind, and the results file every benchmark writes."""

from __future__ import annotations

import json
import platform
import ssl
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gateway.credentials import StaticTokenCredential  # noqa: E402
from scripts import stack  # noqa: E402
from scripts.seed import Seeder, Target  # noqa: E402
from tests.support.api import DeployerApi  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SUBSCRIPTION = "2c3d4e5f-6071-4283-94a5-b6c7d8e9f0a1"


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_result(name: str, time_scale: float | None, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {"benchmark": name, "commit": commit(), "cpu": cpu_model(), "cpus": _cpu_count(),
                "python": platform.python_version(), "timeScale": time_scale,
                "at": datetime.now().astimezone().isoformat(timespec="seconds"), "figures": figures}
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def _cpu_count() -> int:
    import os
    return os.cpu_count() or 0


def classify(request: dict[str, Any]) -> str:
    """The kind of an ARM request, for the request budget (operation polls are their own kind)."""
    path, method = request["path"].lower(), request["method"]
    if "/operations/" in path or "/operationresults/" in path or "/operationstatuses/" in path:
        return "operation poll"
    if path.endswith("/manualupgrade"):
        return "manualupgrade"
    if path.endswith("/virtualmachines"):
        return "instance list"
    if "/virtualmachines/" in path:
        return "instance GET"
    if path.endswith("/instanceview") and "virtualmachinescalesets" in path:
        return "scale-set instanceView"
    if "virtualmachinescalesets" in path:
        return f"scale-set {method}"
    if "autoscalesettings" in path:
        return f"autoscale {method}"
    if "/galleries/" in path:
        return f"gallery {method}"
    if "microsoft.network" in path:
        return f"network {method}"
    return f"other {method}"


def is_write(request: dict[str, Any]) -> bool:
    return request["method"] in ("PUT", "PATCH", "POST", "DELETE")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class LocalStack:
    arm: stack.ArmEmulator
    azurite: stack.Azurite
    host: stack.Devhost
    admin: httpx.Client
    api: DeployerApi
    time_scale: float

    def seeder(self, target: Target) -> Seeder:
        return Seeder(StaticTokenCredential(), target, self.arm.endpoint, str(self.arm.ca_bundle),
                      polling_interval=0.02)

    def requests(self, after: int = 0, resource_group: str | None = None) -> list[dict[str, Any]]:
        rows = [r for r in self.admin.get("/_emulator/requests").json() if r["seq"] > after]
        if resource_group:
            rows = [r for r in rows if f"/resourcegroups/{resource_group.lower()}/" in r["path"].lower()]
        return rows

    def last_seq(self) -> int:
        rows = self.admin.get("/_emulator/requests").json()
        return rows[-1]["seq"] if rows else 0

    def clock(self) -> datetime:
        return parse_instant(self.admin.get("/_emulator/clock").json()["now"])


def target(name: str) -> Target:
    return Target(SUBSCRIPTION, f"rg-bench-{name}")


def spec_for(tgt: Target, image: str, instances: int, **overrides: Any) -> dict[str, Any]:
    return {"subscriptionId": SUBSCRIPTION, "resourceGroup": tgt.resource_group, "app": "bench",
            "service": "api", "env": "prod", "baseVmss": tgt.base_vmss, "image": image,
            "instances": {"mode": "fixed", "min": 1, "max": max(instances, 1), "desired": instances},
            "loadBalancer": tgt.load_balancer, "prodBackendPool": tgt.prod_pool,
            "stageBackendPool": tgt.stage_pool, "steadyStateTimeoutMinutes": 30, "pollIntervalSeconds": 5,
            **overrides}


@contextmanager
def local_stack(time_scale: float, throttling: bool = True) -> Iterator[LocalStack]:
    """A private stack (own ports, own state) on the repository's function_app.py and host.json."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        base = Path(tmp)
        arm = stack.start_arm_emulator(base / "arm", time_scale=time_scale, throttling=throttling,
                                       log_path=base / "arm.log")
        azurite = host = None
        try:
            azurite = stack.start_azurite(base / "azurite", log_path=base / "azurite.log")
            settings = {"ARM_ENDPOINT": arm.endpoint, "ARM_CA_BUNDLE": str(arm.ca_bundle),
                        "ARM_CREDENTIAL": "emulator", "ARM_POLLING_INTERVAL_SECONDS": "0.05",
                        "AzureWebJobsStorage": azurite.connection_string, "TIME_SCALE": str(time_scale),
                        **stack.new_keys()}
            host = stack.start_devhost(stack.ROOT, settings, time_scale=time_scale, log_path=base / "devhost.log",
                                       extra_args=["--state-dir", str(base / "devhost")])
            admin = httpx.Client(base_url=arm.endpoint, timeout=60,
                                 verify=ssl.create_default_context(cafile=str(arm.ca_bundle)))
            yield LocalStack(arm, azurite, host, admin, DeployerApi(host.url, host.function_key), time_scale)
        finally:
            for service in (host, azurite, arm):
                if service is not None:
                    service.stop()


def counts_by_kind(requests: list[dict[str, Any]]) -> Counter:
    return Counter(classify(r) for r in requests)
