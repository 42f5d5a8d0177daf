"""ARM emulator: start-up time and request latency through the real SDK clients.

Starts a private emulator (time scale 0.01, throttling off so the buckets do not shape the
numbers), seeds a load balancer, a gallery image version and a scale set of 100 instances, then
times: GET scale set, list VMs with instance view (100 instances), GET backend pool (100 members),
and a full manualupgrade of 100 instances (an LRO of 20 simulated seconds = 0.2 s real).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts import stack  # noqa: E402
from tests.support.arm import compute_client, network_client  # noqa: E402

REPEAT = 50


def _time(fn, n: int = REPEAT) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def run() -> list[tuple[str, int, float, float]]:
    from azure.mgmt.compute import models as cm
    from azure.mgmt.network import models as nm

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        emulator = stack.start_arm_emulator(Path(tmp) / "state", time_scale=0.01, throttling=False,
                                            log_path=Path(tmp) / "arm.log")
        rows.append(("start-up until ready (ms)", 1, (time.perf_counter() - t) * 1000, 0.0))
        try:
            compute, network = compute_client(emulator), network_client(emulator)
            import ssl

            import httpx
            ctx = ssl.create_default_context(cafile=str(emulator.ca_bundle))
            sub = "00000000-1111-2222-3333-444444444444"
            httpx.put(f"{emulator.endpoint}/subscriptions/{sub}/resourcegroups/rg?api-version=1", verify=ctx,
                      json={"location": "westeurope"}, headers={"Authorization": "Bearer b"})
            lb = network.load_balancers.begin_create_or_update("rg", "lb", nm.LoadBalancer(
                location="westeurope", backend_address_pools=[nm.BackendAddressPool(name="prod")])).result()
            compute.galleries.begin_create_or_update("rg", "g", cm.Gallery(location="westeurope")).result()
            compute.gallery_images.begin_create_or_update("rg", "g", "i", cm.GalleryImage(
                location="westeurope", os_type="Linux", os_state="Generalized",
                identifier=cm.GalleryImageIdentifier(publisher="p", offer="o", sku="s"))).result()
            version = compute.gallery_image_versions.begin_create_or_update(
                "rg", "g", "i", "1.0.0", cm.GalleryImageVersion(location="westeurope")).result()
            model = cm.VirtualMachineScaleSet(
                location="westeurope", sku=cm.Sku(name="Standard_D2s_v3", capacity=100),
                upgrade_policy=cm.UpgradePolicy(mode="Manual"),
                virtual_machine_profile=cm.VirtualMachineScaleSetVMProfile(
                    storage_profile=cm.VirtualMachineScaleSetStorageProfile(
                        image_reference=cm.ImageReference(id=version.id)),
                    network_profile=cm.VirtualMachineScaleSetNetworkProfile(network_interface_configurations=[
                        cm.VirtualMachineScaleSetNetworkConfiguration(name="nic", ip_configurations=[
                            cm.VirtualMachineScaleSetIPConfiguration(name="ip", load_balancer_backend_address_pools=[
                                cm.SubResource(id=lb.backend_address_pools[0].id)])])])))
            t = time.perf_counter()
            compute.virtual_machine_scale_sets.begin_create_or_update("rg", "web", model).result()
            rows.append(("create scale set of 100 (60 sim s) (ms)", 1, (time.perf_counter() - t) * 1000, 0.0))
            for label, fn in [
                ("GET scale set (ms)", lambda: compute.virtual_machine_scale_sets.get("rg", "web")),
                ("list 100 VMs with instance view (ms)",
                 lambda: list(compute.virtual_machine_scale_set_vms.list("rg", "web", expand="instanceView"))),
                ("GET pool with 100 members (ms)",
                 lambda: network.load_balancer_backend_address_pools.get("rg", "lb", "prod")),
            ]:
                samples = _time(fn)
                rows.append((label, len(samples), statistics.median(samples),
                             sorted(samples)[int(len(samples) * 0.95) - 1]))
            ids = cm.VirtualMachineScaleSetVMInstanceRequiredIDs(instance_ids=[str(i) for i in range(100)])
            samples = _time(lambda: compute.virtual_machine_scale_sets.begin_update_instances(
                "rg", "web", ids).result(), 5)
            rows.append(("manualupgrade 100 instances (20 sim s) (ms)", 5, statistics.median(samples), max(samples)))
        finally:
            emulator.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    rows = run()
    table = Table(title="ARM emulator (time scale 0.01, throttling off)")
    for col in ("measure", "n", "median", "p95 / max"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for label, n, median, p95 in rows:
        table.add_row(label, str(n), f"{median:.1f}", f"{p95:.1f}" if p95 else "")
    Console(width=max(Console().width, 120)).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
