"""Table 6 of issue 12: trigger latency, from the request to the first activity.

Samples, one after the other on a private stack: an HTTP `POST /api/deployments`, and an Event Grid
delivery (a `versions/write` event POSTed to devhost's webhook as Event Grid does, one profile
following the image). The latency is from just before the POST to the first activity's
`Executing 'Functions.<activity>'` line in devhost's log (its UTC timestamps, ms). The deployment
names a base scale set that does not exist, so it fails in its first step and the next sample starts
on an idle host; the path up to the first activity is the same as for a real deployment.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

import httpx
from rich.console import Console
from rich.table import Table

from bench.common import ROOT, local_stack, spec_for, target, write_result
from devhost.functions import load_app
from triggers.eventgrid import FUNCTION_NAME, deployment_instance_id

TIME_SCALE = 0.1
SAMPLES = 20
LINE = re.compile(r"^\[(\S+)Z\] Executing 'Functions\.([^']+)'")


def activity_names() -> set[str]:
    return set(load_app(ROOT).activities)


def first_activity_after(log_path, since: float, activities: set[str], timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            m = LINE.match(line)
            if m and m.group(2) in activities:
                at = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC).timestamp()
                if at >= since - 0.0005:
                    return at - since
        time.sleep(0.02)
    raise TimeoutError("no activity started")


def event_for(version_id: str) -> list[dict]:
    parts = version_id.split("/")
    operation = "Microsoft.Compute/galleries/images/versions/write"
    return [{"subject": version_id, "eventType": "Microsoft.Resources.ResourceWriteSuccess",
             "eventTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"), "id": str(uuid.uuid4()),
             "data": {"authorization": {"scope": version_id, "action": operation}, "claims": {},
                      "correlationId": str(uuid.uuid4()), "resourceProvider": "Microsoft.Compute",
                      "resourceUri": version_id, "operationName": operation, "status": "Succeeded",
                      "subscriptionId": parts[2]},
             "dataVersion": "2", "metadataVersion": "1", "topic": f"/subscriptions/{parts[2]}/resourceGroups/{parts[4]}"}]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(samples: int = SAMPLES) -> dict:
    activities = activity_names()
    http_ms, eventgrid_ms = [], []
    with local_stack(TIME_SCALE) as ls:
        tgt = target("trigger")
        version = ls.seeder(tgt).everything(("1.0.0",))[0]
        log_path = ls.host.log_path
        for i in range(samples):
            spec = spec_for(tgt, version, 1, env=f"h{i:02d}", baseVmss="bench-missing-base")
            since = time.time()
            deployment_id = ls.api.deploy(spec)
            http_ms.append(first_activity_after(log_path, since, activities) * 1000)
            ls.api.wait(deployment_id, timeout=120)
        for i in range(samples):
            profile = spec_for(tgt, "", 1, env=f"e{i:02d}", baseVmss="bench-missing-base")
            del profile["image"]
            profile["imageDefinition"] = tgt.image_definition_id
            name = f"bench-trigger-{i:02d}"
            ls.api.http.put(f"/api/profiles/{name}", json=profile).raise_for_status()
            since = time.time()
            response = httpx.post(f"{ls.host.url}/runtime/webhooks/eventgrid", params={"functionName": FUNCTION_NAME},
                                  json=event_for(version), timeout=30,
                                  headers={"aeg-event-type": "Notification", "x-functions-key": ls.host.eventgrid_key})
            response.raise_for_status()
            eventgrid_ms.append(first_activity_after(log_path, since, activities) * 1000)
            ls.api.wait(deployment_instance_id(name, version), timeout=120)
            ls.api.http.delete(f"/api/profiles/{name}")

    def summary(values: list[float]) -> dict:
        return {"samples": len(values), "p50Ms": statistics.median(values), "p95Ms": percentile(values, 0.95),
                "maxMs": max(values), "valuesMs": values}

    return {"http": summary(http_ms), "eventgrid": summary(eventgrid_ms)}


def table(result: dict) -> Table:
    t = Table(title=f"6. Trigger latency to the first activity (devhost, time scale {TIME_SCALE}, real ms)")
    for col in ("trigger", "samples", "p50 ms", "p95 ms", "max ms"):
        t.add_column(col, justify="right")
    for label, key in (("HTTP POST /api/deployments", "http"), ("Event Grid delivery", "eventgrid")):
        r = result[key]
        t.add_row(label, str(r["samples"]), f"{r['p50Ms']:.0f}", f"{r['p95Ms']:.0f}", f"{r['maxMs']:.0f}")
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=SAMPLES)
    args = parser.parse_args(argv)
    result = run(args.samples)
    write_result("trigger_latency", TIME_SCALE, result)
    Console(width=140).print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
