"""Table 3 of issue 12: one image, a fleet of services, one Event Grid delivery.

N enabled profiles follow one gallery image definition (one resource group, one load balancer, one
base scale set; each profile its own `env`, so its own scale sets and lock). The emulator raises the
`versions/write` event itself when the new version's write completes and delivers it to devhost's
Event Grid webhook (one delivery, one function invocation), which starts N deployments. Two rounds: a
first version (each service's first deployment, a new scale set) and a second one (the blue/green swap
of every service at once, the case of a new base image). Reported per round and fleet size: the round's
simulated duration (first deployment created to last one ended) over the
duration of one service deployed alone by the same path (same run, same time scale), the 429 answers
of the emulator's throttling, and ARM requests per deployment (operation polls apart).
"""

from __future__ import annotations

import argparse
import sys
import time

from rich.console import Console
from rich.table import Table

from bench.common import local_stack, parse_instant, spec_for, target, write_result
from triggers.eventgrid import FUNCTION_NAME, deployment_instance_id

TIME_SCALE = 0.1
FLEETS = (1, 10, 30)
GOAL = 1.5
TERMINAL = ("Succeeded", "Failed", "RolledBack", "Terminated")


def _is_poll(request: dict) -> bool:
    return request["method"] == "GET" and "/operations/" in request["path"].lower()


VERSIONS = ("1.1.0", "1.2.0")  # the first round creates each service's scale set, the second swaps


def setup_fleet(ls, size: int):
    tgt = target(f"fleet-{size}")
    seeder = ls.seeder(tgt)
    seeder.everything(("1.0.0",))
    names = []
    for i in range(size):
        profile = spec_for(tgt, "", 2, env=f"s{i:02d}")
        del profile["image"]
        profile["imageDefinition"] = tgt.image_definition_id
        name = f"bench-{size}-{i:02d}"
        response = ls.api.http.put(f"/api/profiles/{name}", json=profile)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"profile {name}: {response.status_code} {response.text}")
        names.append(name)
    return tgt, seeder, names


def round_of(ls, tgt, seeder, names: list[str], version_name: str, timeout: float) -> dict:
    """Publish one version; the emulator raises the event, devhost starts one deployment per profile."""
    size = len(names)
    endpoint = f"{ls.host.url}/runtime/webhooks/eventgrid?functionName={FUNCTION_NAME}&code={ls.host.eventgrid_key}"
    ls.admin.post("/_emulator/eventgrid", json={"endpoint": endpoint}).raise_for_status()
    sent_before = len(ls.admin.get("/_emulator/eventgrid").json()["delivered"])
    before = ls.last_seq()
    started = time.monotonic()
    version = seeder.image_version(version_name)
    ids = [deployment_instance_id(name, version) for name in names]
    views = {}
    deadline = time.monotonic() + timeout
    while len(views) < len(ids) and time.monotonic() < deadline:
        for deployment_id in ids:
            if deployment_id in views:
                continue
            response = ls.api.http.get(f"/api/deployments/{deployment_id}")
            if response.status_code == 200 and response.json()["status"] in TERMINAL:
                views[deployment_id] = response.json()
        time.sleep(0.5)
    wall = time.monotonic() - started
    delivered = ls.admin.get("/_emulator/eventgrid").json()["delivered"][sent_before:]
    ls.admin.post("/_emulator/eventgrid", json={"endpoint": None})
    if len(views) < len(ids):
        raise RuntimeError(f"{len(ids) - len(views)} of {size} deployments unfinished after {timeout}s")
    requests = ls.requests(before, tgt.resource_group)
    polls = [r for r in ls.requests(before) if _is_poll(r)]
    counted = [r for r in requests if not _is_poll(r) and "/galleries/" not in r["path"].lower()]
    created = min(parse_instant(v["createdAt"]) for v in views.values())
    ended = max(parse_instant(v["updatedAt"]) for v in views.values())
    return {
        "services": size,
        "version": version_name,
        "succeeded": sum(1 for v in views.values() if v["status"] == "Succeeded"),
        "statuses": sorted({v["status"] for v in views.values()}),
        "eventDeliveries": len(delivered),
        "roundSimulatedSeconds": (ended - created).total_seconds(),
        "wallSeconds": wall,
        "throttled429": sum(1 for r in ls.requests(before) if r["status"] == 429),
        "requestsPerDeployment": len(counted) / size,
        "operationPollsPerDeployment": len(polls) / size,
    }


def run(fleets: tuple[int, ...] = FLEETS, timeout: float = 400) -> dict:
    rounds: dict[str, dict] = {}
    with local_stack(TIME_SCALE, throttling=True) as ls:
        for size in fleets:
            tgt, seeder, names = setup_fleet(ls, size)
            for label, version in zip(("first", "second"), VERSIONS, strict=True):
                rounds.setdefault(label, {})[str(size)] = round_of(ls, tgt, seeder, names, version, timeout)
            for name in names:
                ls.api.http.delete(f"/api/profiles/{name}")
    for by_size in rounds.values():
        single = by_size[str(fleets[0])]["roundSimulatedSeconds"]
        for r in by_size.values():
            r["overSingle"] = r["roundSimulatedSeconds"] / single
    return {"rounds": rounds, "goalOverSingle": GOAL}


def table(result: dict) -> Table:
    t = Table(title=f"3. Fleet: N profiles on one image definition, one versions/write event per round, time "
                    f"scale {TIME_SCALE}, throttling on")
    for col in ("round", "services", "succeeded", "round (sim s)", "round / single", "429 answers",
                "requests / deployment", "op polls / deployment", "wall s"):
        t.add_column(col, justify="right")
    for label, by_size in result["rounds"].items():
        for size, r in by_size.items():
            t.add_row(label if size == next(iter(by_size)) else "", size, str(r["succeeded"]),
                      f"{r['roundSimulatedSeconds']:.0f}", f"{r['overSingle']:.2f}",
                      str(r["throttled429"]), f"{r['requestsPerDeployment']:.1f}",
                      f"{r['operationPollsPerDeployment']:.1f}", f"{r['wallSeconds']:.0f}")
    t.caption = (f"first round: each service's first deployment (new scale set); second: the blue/green swap. "
                 f"Goal: round / single <= {result['goalOverSingle']} at 30 services")
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleets", type=int, nargs="+", default=list(FLEETS),
                        help="fleet sizes; the first is the single-service reference (1)")
    args = parser.parse_args(argv)
    result = run(tuple(args.fleets))
    write_result("fleet", TIME_SCALE, result)
    Console(width=140).print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
