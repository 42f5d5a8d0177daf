"""python -m bench.report: the six tables of the latest `make bench` (bench/results/*.json) as Markdown,
for docs/performance.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _origin(doc: dict) -> str:
    scale = "" if doc.get("timeScale") is None else f", time scale {doc['timeScale']}"
    return f"_commit `{doc['commit'][:12]}`, {doc['cpu']} ({doc['cpus']} CPUs){scale}, {doc['at']}_"


def swap(doc: dict) -> str:
    f = doc["figures"]
    rows = [[size, str(r["writes"]), str(r["reads"]), str(r["operationPolls"]), f"{r['simulatedSeconds']:.0f}",
             f"{r['swapSimulatedSeconds']:.0f}", f"{f['swapOverFloor'][size]:.2f}"] for size, r in f["sizes"].items()]
    return "\n\n".join([
        "### 1. Swap: writes and duration against the instance count",
        _table(["instances", "ARM writes", "ARM reads", "operation polls", "deployment (simulated s)",
                "Swap step (simulated s)", "Swap / floor"], rows),
        f"writes(100)/writes(2) = **{f['writesRatio']:.2f}** (goal 1.0); duration(100)/duration(2) = "
        f"**{f['durationRatio']:.2f}** (goal <= 1.2); Swap / floor goal <= 1.3, floor "
        f"{f['swapFloorSeconds']:.0f} s. " + _origin(doc)])


def budget(doc: dict) -> str:
    f = doc["figures"]
    first, second = f["first"], f["second"]
    kinds = sorted(set(first["byKind"]) | set(second["byKind"]))
    rows = [[k, str(first["byKind"].get(k, 0)), str(second["byKind"].get(k, 0))] for k in kinds]
    rows += [["**reads**", str(first["reads"]), str(second["reads"])],
             ["**writes**", str(first["writes"]), str(second["writes"])],
             ["**all (budgeted)**", str(first["requests"]), str(second["requests"])],
             ["operation polls (not budgeted)", str(first["operationPolls"]), str(second["operationPolls"])]]
    return "\n\n".join([
        f"### 2. Request budget ({f['instances']} instances, pollIntervalSeconds 5)",
        _table(["kind", "first deployment", "second deployment"], rows),
        f"Average **{f['averagePerDeployment']:.1f}** per deployment against a budget of {f['budget']}; at 100 "
        f"instances: first {f['firstAt100']}, second {f['secondAt100']}. " + _origin(doc)])


def fleet(doc: dict) -> str:
    f = doc["figures"]
    rows = [[label, size, f"{r['succeeded']}/{r['services']}", str(r["eventDeliveries"]),
             f"{r['roundSimulatedSeconds']:.0f}", f"{r['overSingle']:.2f}", str(r["throttled429"]),
             f"{r['requestsPerDeployment']:.1f}", f"{r['operationPollsPerDeployment']:.1f}"]
            for label, by_size in f["rounds"].items() for size, r in by_size.items()]
    return "\n\n".join([
        "### 3. Fleet: one image version, N services, one Event Grid delivery",
        _table(["round", "services", "succeeded", "event deliveries", "round (simulated s)", "round / single",
                "429 answers", "requests / deployment", "operation polls / deployment"], rows),
        f"Goal: round / single <= {f['goalOverSingle']} at 30 services. " + _origin(doc)])


def history(doc: dict) -> str:
    f = doc["figures"]
    rows = [[f"{r['hours']:g} h", str(r["polls"]), str(r["generations"]), str(r["maxEventsPerGeneration"]),
             f"{r['replays']:,}", f"{r['replayCpuSeconds']:.2f}", f"{r['cpuPerHourSeconds']:.2f}"]
            for r in f["waits"].values()]
    return "\n\n".join([
        f"### 4. History: a steady-state wait polling every {f['pollSeconds']} s",
        _table(["wait (simulated)", "polls", "generations", "max events / generation", "replays",
                "SDK replay CPU s", "CPU s per hour of wait"], rows),
        f"CPU per hour (longest wait) / CPU per hour (shortest) = **{f['cpuLinearity']:.2f}** (1.0 = linear). "
        + _origin(doc)])


def devhost(doc: dict) -> str:
    rows = []
    for n, r in doc["figures"].items():
        rows.append([n, f"{r['work_items']:,}", f"{r['work_items_per_s']:,.0f}", f"{r['cpu_per_work_item_ms']:.2f}",
                     f"{r['sdk_cpu_per_replay_ms']:.2f}", f"{r['host_overhead_ratio']:.1f}x",
                     f"{r['peak_rss_mib']:.0f}"])
    return "\n\n".join([
        "### 5. devhost: host overhead and memory",
        _table(["orchestrations", "work items", "work items / s", "devhost CPU ms / work item",
                "SDK replay CPU ms / replay", "devhost CPU / SDK replay CPU", "peak RSS MiB"], rows),
        _origin(doc)])


def trigger(doc: dict) -> str:
    f = doc["figures"]
    rows = [[label, str(f[k]["samples"]), f"{f[k]['p50Ms']:.0f}", f"{f[k]['p95Ms']:.0f}", f"{f[k]['maxMs']:.0f}"]
            for label, k in (("HTTP POST /api/deployments", "http"), ("Event Grid delivery", "eventgrid"))]
    return "\n\n".join(["### 6. Trigger latency to the first activity (real ms)",
                        _table(["trigger", "samples", "p50 ms", "p95 ms", "max ms"], rows), _origin(doc)])


SECTIONS = (("swap", swap), ("request_budget", budget), ("fleet", fleet), ("history", history),
            ("devhost_throughput", devhost), ("trigger_latency", trigger))


def main(argv: list[str] | None = None) -> int:
    parts = []
    for name, render in SECTIONS:
        doc = _load(name)
        parts.append(render(doc) if doc else f"### {name}\n\n_no results: run `make bench`_")
    print("\n\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
