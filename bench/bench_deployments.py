"""Tables 1 and 2 of issue 12: the swap at 2, 20 and 100 instances, and the request budget.

One private stack (devhost on the real app, ARM emulator with throttling on, Azurite). Per size, a
first deployment (from the base scale set) and a second one (a new image: the blue/green swap), each
in a resource group of its own, counted from the emulator's request log (`GET /_emulator/requests`):
the resource group's requests and the subscription-wide ones (autoscale lookups), operation polls apart.

1. Swap: ARM writes and simulated duration of the second deployment at 2, 20 and 100 instances, the
   ratios writes(100)/writes(2) and duration(100)/duration(2), and the Swap step's simulated duration
   against its floor: the emulator's latencies for the new scale set's model change (5 s) and upgrade
   (20 s), one poll (the spec's pollIntervalSeconds), the old one's model change (5 s) and upgrade (20 s).
2. Request budget: reads and writes of the first and the second deployment at 2 instances, by kind,
   against issue 12's budget of 20 per deployment on average (operation polls apart).
"""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.table import Table

from arm_emulator.compute.models import MODEL_PATCH_SECONDS, UPGRADE_SECONDS
from bench.common import counts_by_kind, is_write, local_stack, parse_instant, spec_for, target, write_result

SIZES = (2, 20, 100)
TIME_SCALE = 0.05
POLL_SECONDS = 5
BUDGET = 20
SWAP_FLOOR = 2 * (MODEL_PATCH_SECONDS + UPGRADE_SECONDS) + POLL_SECONDS


def simulated_seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (parse_instant(end) - parse_instant(start)).total_seconds()


def deploy(ls, spec: dict, resource_group: str) -> dict:
    before = ls.last_seq()
    started = time.monotonic()
    deployment_id = ls.api.deploy(spec)
    view = ls.api.wait(deployment_id, timeout=600)
    wall = time.monotonic() - started
    if view["status"] != "Succeeded":
        raise RuntimeError(f"deployment {deployment_id} ended {view['status']}: {ls.api.log(deployment_id)}")
    window = ls.requests(before)
    requests = [r for r in window if _in_group(r, resource_group)]
    # Operation-status URLs live under /providers/.../locations/, and autoscale settings are looked up in
    # the whole subscription (`list_by_subscription`), both outside the resource group; one deployment
    # runs at a time here, so every request of the window outside any resource group is this deployment's.
    polls = [r for r in window if _is_poll(r)]
    counted = [r for r in window if not _is_poll(r) and (_in_group(r, resource_group) or "/resourcegroups/" not in
                                                         r["path"].lower())]
    swap = next((s for s in view.get("steps", []) if s["name"] == "Swap"), None)
    return {
        "id": deployment_id,
        "simulatedSeconds": simulated_seconds(view.get("createdAt"), view.get("updatedAt")),
        "wallSeconds": wall,
        "swapSimulatedSeconds": simulated_seconds(swap.get("startedAt"), swap.get("endedAt")) if swap else None,
        "requests": len(counted),
        "reads": sum(1 for r in counted if not is_write(r)),
        "writes": sum(1 for r in counted if is_write(r)),
        "operationPolls": len(polls),
        "throttled": sum(1 for r in requests if r["status"] == 429),
        "byKind": dict(sorted(counts_by_kind(counted).items())),
        "writesByKind": dict(sorted(counts_by_kind([r for r in counted if is_write(r)]).items())),
    }


def _in_group(request: dict, resource_group: str) -> bool:
    return f"/resourcegroups/{resource_group.lower()}/" in request["path"].lower()


def _is_poll(request: dict) -> bool:
    path = request["path"].lower()
    return request["method"] == "GET" and ("/operations/" in path or "/operationresults/" in path
                                           or "/operationstatuses/" in path)


def run() -> dict:
    runs = {}
    with local_stack(TIME_SCALE) as ls:
        for size in SIZES:
            tgt = target(f"swap-{size}")
            first_image, second_image = ls.seeder(tgt).everything(("1.0.0", "1.1.0"))
            first = deploy(ls, spec_for(tgt, first_image, size, pollIntervalSeconds=POLL_SECONDS), tgt.resource_group)
            second = deploy(ls, spec_for(tgt, second_image, size, pollIntervalSeconds=POLL_SECONDS),
                            tgt.resource_group)
            runs[size] = {"first": first, "second": second}
    small, large = runs[SIZES[0]]["second"], runs[SIZES[-1]]["second"]
    swap = {
        "sizes": {str(size): runs[size]["second"] for size in SIZES},
        "writesRatio": large["writes"] / small["writes"],
        "durationRatio": large["simulatedSeconds"] / small["simulatedSeconds"],
        "swapFloorSeconds": SWAP_FLOOR,
        "swapOverFloor": {str(size): runs[size]["second"]["swapSimulatedSeconds"] / SWAP_FLOOR for size in SIZES},
        "goals": {"writesRatio": 1.0, "durationRatio": 1.2, "swapOverFloor": 1.3},
    }
    pair = runs[SIZES[0]]
    budget = {
        "instances": SIZES[0],
        "first": pair["first"],
        "second": pair["second"],
        "averagePerDeployment": (pair["first"]["requests"] + pair["second"]["requests"]) / 2,
        "budget": BUDGET,
        "firstAt100": runs[SIZES[-1]]["first"]["requests"],
        "secondAt100": runs[SIZES[-1]]["second"]["requests"],
    }
    return {"swap": swap, "budget": budget}


def swap_table(swap: dict) -> Table:
    t = Table(title=f"1. Swap (second deployment), time scale {TIME_SCALE}, throttling on; "
                    f"swap floor {swap['swapFloorSeconds']:.0f} s simulated")
    for col in ("instances", "ARM writes", "ARM reads", "op polls", "deployment (sim s)", "swap step (sim s)",
                "swap / floor", "wall s"):
        t.add_column(col, justify="right")
    for size, r in swap["sizes"].items():
        t.add_row(size, str(r["writes"]), str(r["reads"]), str(r["operationPolls"]), f"{r['simulatedSeconds']:.0f}",
                  f"{r['swapSimulatedSeconds']:.0f}", f"{swap['swapOverFloor'][size]:.2f}", f"{r['wallSeconds']:.1f}")
    t.caption = (f"writes(100)/writes(2) = {swap['writesRatio']:.2f} (goal 1.0); "
                 f"duration(100)/duration(2) = {swap['durationRatio']:.2f} (goal <= 1.2); swap/floor goal <= 1.3")
    return t


def budget_table(budget: dict) -> Table:
    first, second = budget["first"], budget["second"]
    kinds = sorted(set(first["byKind"]) | set(second["byKind"]))
    t = Table(title=f"2. Request budget ({budget['instances']} instances; operation polls apart), "
                    f"budget {budget['budget']} per deployment on average")
    t.add_column("kind")
    t.add_column("first deployment", justify="right")
    t.add_column("second deployment", justify="right")
    for kind in kinds:
        t.add_row(kind, str(first["byKind"].get(kind, 0)), str(second["byKind"].get(kind, 0)))
    t.add_row("reads", str(first["reads"]), str(second["reads"]))
    t.add_row("writes", str(first["writes"]), str(second["writes"]))
    t.add_row("all (budgeted)", str(first["requests"]), str(second["requests"]))
    t.add_row("operation polls (apart)", str(first["operationPolls"]), str(second["operationPolls"]))
    t.caption = (f"average {budget['averagePerDeployment']:.1f} per deployment (budget {budget['budget']}); "
                 f"at 100 instances: first {budget['firstAt100']}, second {budget['secondAt100']}")
    return t


def main(argv: list[str] | None = None) -> int:
    result = run()
    write_result("swap", TIME_SCALE, result["swap"])
    write_result("request_budget", TIME_SCALE, result["budget"])
    console = Console(width=140)
    console.print(swap_table(result["swap"]))
    console.print(budget_table(result["budget"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
