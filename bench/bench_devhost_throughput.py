"""devhost throughput: 100 concurrent orchestrations, each a chain of 5 activities.

Starts a private devhost (own port, own state dir) on a generated app, starts the orchestrations
through the Durable HTTP API all at once, waits for every one to complete, and reports:

* work items per second: orchestrator executions (replays) + activity executions, divided by the
  wall-clock time from the first start request to the last completion;
* CPU seconds the devhost process used for the run;
* peak resident memory of the devhost process.

beside the published per-worker figures for Azure's own Durable Functions backends.
Run alone with ``python -m bench.bench_devhost_throughput [--orchestrations N] [--activities N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts import stack  # noqa: E402

KEY = "bench-key"

# Published per-worker throughput of Azure's own backends (work items per second), as cited in
# issue 3: Azure Storage ~250, Durable Task Scheduler ~1,400.
AZURE_STORAGE_WIS = 250
DTS_WIS = 1400

APP = '''
import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext):
    value = context.get_input()
    for _ in range({activities}):
        value = yield context.call_activity("increment", value)
    return value


@app.activity_trigger(input_name="value")
def increment(value: int) -> int:
    return value + 1
'''


def _host_json() -> dict:
    """The repository's host.json concurrency settings, so the figures match what the app gets."""
    try:
        return json.loads((ROOT / "host.json").read_text())
    except (OSError, ValueError):
        return {"version": "2.0", "extensions": {"durableTask": {"hubName": "Bench"}}}


class PeakMemory:
    """Samples the process's resident set (and reads VmHWM on Linux) to find its peak."""

    def __init__(self, proc: psutil.Process):
        self.proc = proc
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.proc.memory_info().rss)
            except psutil.Error:
                return
            self._stop.wait(0.02)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak = max(self.peak, int(line.split()[1]) * 1024)
        except OSError:
            pass


async def _drive(url: str, orchestrations: int, prefix: str, timeout: float) -> float:
    params = {"code": KEY}
    async with httpx.AsyncClient(base_url=url, timeout=60,
                                 limits=httpx.Limits(max_connections=50)) as http:
        started = time.perf_counter()

        async def start(i: int) -> None:
            r = await http.post(f"/runtime/webhooks/durabletask/orchestrators/chain/{prefix}-{i:04d}",
                                params=params, json=i)
            r.raise_for_status()

        await asyncio.gather(*(start(i) for i in range(orchestrations)))
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            # cheap completion check: is any instance of the run still not Completed?
            r = await http.get("/runtime/webhooks/durabletask/instances",
                               params={**params, "instanceIdPrefix": prefix, "top": "1", "showInput": "false",
                                       "runtimeStatus": "Pending,Running,ContinuedAsNew,Suspended,Failed"})
            if r.json() == []:
                return time.perf_counter() - started
            await asyncio.sleep(0.02)
    raise TimeoutError(f"{orchestrations} orchestrations did not complete within {timeout}s")


def replays_of(history: list[dict]) -> list[list[dict]]:
    """The contexts devhost handed the SDK for one orchestration: before each OrchestratorStarted, what
    was already there is played; the events up to the orchestrator's own actions are new."""
    contexts = []
    starts = [i for i, e in enumerate(history) if e["EventType"] == ORCHESTRATOR_STARTED]
    for k in starts:
        m = k + 1
        while m < len(history) and history[m]["EventType"] not in ACTION_EVENTS:
            m += 1
        played = [{**_public(e), "IsPlayed": True} for e in history[:k]]
        new = [{**_public(e), "IsPlayed": False} for e in history[k:m]]
        contexts.append(played + new)
    return contexts


def _public(event: dict) -> dict:
    return {k: v for k, v in event.items() if not k.startswith("_")}


def sdk_replay_cpu(app_dir: Path, database: Path) -> tuple[float, int]:
    """CPU seconds the Durable SDK alone spends replaying the same histories, in this process."""
    import sqlite3

    from devhost.functions import load_app

    orchestrator = load_app(app_dir).orchestrators["chain"].func
    db = sqlite3.connect(str(database))
    rows = db.execute("SELECT instance_id, event FROM history ORDER BY instance_id, seq").fetchall()
    inputs = dict(db.execute("SELECT instance_id, input FROM instances").fetchall()) if _has_column(
        db, "instances", "input") else {}
    db.close()
    histories: dict[str, list[dict]] = {}
    for iid, event in rows:
        histories.setdefault(iid, []).append(json.loads(event))
    payloads = []
    for iid, history in histories.items():
        started = next((e for e in history if e["EventType"] == 0), {})
        for context in replays_of(history):
            payloads.append(json.dumps({"history": context, "instanceId": iid, "isReplaying": len(context) > 1,
                                        "parentInstanceId": None, "input": started.get("Input", inputs.get(iid)),
                                        "upperSchemaVersion": 2, "upperSchemaVersionNew": 3}))
    cpu0 = time.process_time()
    for payload in payloads:
        orchestrator(payload)
    return time.process_time() - cpu0, len(payloads)


def _has_column(db, table: str, column: str) -> bool:
    return any(row[1] == column for row in db.execute(f"PRAGMA table_info({table})"))


ORCHESTRATOR_STARTED = 12
# what an orchestrator's execution appends after its new events: its actions and their end
ACTION_EVENTS = {1, 4, 7, 10, 13, 16}


def run(orchestrations: int = 100, activities: int = 5, timeout: float = 300) -> dict:
    with tempfile.TemporaryDirectory(prefix="devhost-bench-") as tmp:
        tmp_path = Path(tmp)
        app_dir = tmp_path / "app"
        app_dir.mkdir()
        (app_dir / "function_app.py").write_text(APP.format(activities=activities))
        (app_dir / "host.json").write_text(json.dumps(_host_json()))
        host = stack.start_devhost(app_dir=app_dir, env={"FUNCTION_KEY": KEY, "MASTER_KEY": KEY}, time_scale=1.0,
                                   log_path=tmp_path / "devhost.log",
                                   extra_args=["--state-dir", str(tmp_path / "state")])
        try:
            proc = psutil.Process(host.proc.pid)
            cpu0 = proc.cpu_times()
            with PeakMemory(proc) as mem:
                elapsed = asyncio.run(_drive(host.url, orchestrations, "bench", timeout))
            cpu1 = proc.cpu_times()
            stats = httpx.get(f"{host.url}/admin/devhost/stats", params={"code": KEY}).json()
        finally:
            host.stop()
        sdk_cpu, sdk_replays = sdk_replay_cpu(app_dir, tmp_path / "state" / "durable.sqlite")
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    work_items = stats["workItems"]
    durable = _host_json().get("extensions", {}).get("durableTask", {})
    return {
        "orchestrations": orchestrations,
        "activities": activities,
        "elapsed_s": elapsed,
        "work_items": work_items,
        "orchestrator_executions": stats["orchestratorExecutions"],
        "activity_executions": stats["activityExecutions"],
        "work_items_per_s": work_items / elapsed if elapsed else float("inf"),
        "cpu_s": cpu,
        "peak_rss_mib": mem.peak / (1024 * 1024),
        "cpu_per_work_item_ms": cpu / work_items * 1000,
        "sdk_replays": sdk_replays,
        "sdk_replay_cpu_s": sdk_cpu,
        "sdk_cpu_per_replay_ms": sdk_cpu / sdk_replays * 1000 if sdk_replays else None,
        "host_overhead_ratio": cpu / sdk_cpu if sdk_cpu else None,
        "max_activities": durable.get("maxConcurrentActivityFunctions"),
        "max_orchestrators": durable.get("maxConcurrentOrchestratorFunctions"),
    }


def table(result: dict) -> Table:
    t = Table(title=f"5. devhost throughput: {result['orchestrations']} concurrent orchestrations x "
                    f"{result['activities']}-activity chain (host.json: {result['max_orchestrators']} "
                    f"orchestrator / {result['max_activities']} activity slots)")
    t.add_column("metric")
    t.add_column("devhost (1 process)", justify="right")
    t.add_column("Azure Storage backend (published, per worker)", justify="right")
    t.add_column("Durable Task Scheduler (published, per worker)", justify="right")
    t.add_row("work items / s", f"{result['work_items_per_s']:,.0f}", f"~{AZURE_STORAGE_WIS:,}", f"~{DTS_WIS:,}")
    t.add_row("work items", f"{result['work_items']:,} ({result['orchestrator_executions']:,} orchestrator + "
                            f"{result['activity_executions']:,} activity)", "", "")
    t.add_row("wall time", f"{result['elapsed_s']:.2f} s", "", "")
    t.add_row("CPU time", f"{result['cpu_s']:.2f} s", "", "")
    t.add_row("peak memory (RSS)", f"{result['peak_rss_mib']:.0f} MiB", "", "")
    t.add_row("CPU per work item", f"{result['cpu_per_work_item_ms']:.2f} ms", "", "")
    t.add_row("Durable SDK's own replay, same histories", f"{result['sdk_cpu_per_replay_ms']:.2f} ms per replay "
              f"({result['sdk_replays']:,} replays, {result['sdk_replay_cpu_s']:.2f} s)", "", "")
    t.add_row("host overhead (devhost CPU / SDK replay CPU)", f"{result['host_overhead_ratio']:.1f}x", "", "")
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orchestrations", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--activities", type=int, default=5)
    args = parser.parse_args(argv)
    results = {str(n): run(n, args.activities) for n in args.orchestrations}
    from bench.common import write_result
    write_result("devhost_throughput", 1.0, results)
    for result in results.values():
        Console(width=max(Console().width, 120)).print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
