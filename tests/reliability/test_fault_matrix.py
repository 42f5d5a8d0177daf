"""Issue 11's fault matrix, a first cut: every step of a deployment that replaces a running scale set,
under every fault the ARM emulator can inject, ends in a state an operator can trust.

Steps: Setup (the new scale set's creation), Upgrade (its resize), Swap (its manual upgrade into prod),
Downsize (the old scale set's resize, after the verified swap), Rollback (its own writes, after a Swap
that failed for good). Faults: 5xx answers a few times in a row, a long-running operation that ends
Failed once, the same every time, a 409 OperationNotAllowed a few times. Transient faults end
Succeeded; permanent ones RolledBack (Downsize: Succeeded with a warning, the new version serving; a
Rollback that cannot complete: Failed with both causes, prod on the old one). Every cell then checks
the shared invariants (tests/reliability/invariants.py).

Each fault path names exactly one step's write: the new scale set's PUT happens only in Setup, its
first PATCHes are Upgrade's (Swap's PATCH comes after them, so a fault counted in `times` is used up
by Upgrade), its manual upgrade happens only in Swap, the old scale set's PATCH after the swap is
Downsize's (injected once the deployment waits in ScaleDownDelay), the new scale set's DELETE is the
rollback's.

Not in this cut: throttling windows (429 + Retry-After; their handling is being changed), dropped
connections, a SIGKILLed devhost, a stopped Azurite, and the Approval, ScaleDownDelay and Undo steps.

The matrix is printed at the end of the module's run (`-s`) and written to `.local/fault-matrix.md`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.e2e import conftest as e2e
from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import NEW_NAME, autoscale_body
from tests.reliability.invariants import assert_trustworthy_end
from tests.support.arm import monitor_client

pytestmark = pytest.mark.e2e

# The end-to-end stack's fixtures (devhost, a fresh resource group per test, its seeded target).
devhost, api, target, seeder, seeded, emulator_admin = (
    e2e.devhost, e2e.api, e2e.target, e2e.seeder, e2e.seeded, e2e.emulator_admin)

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW = f"{NEW_NAME}__1", f"{NEW_NAME}__2"
SMALL = {"mode": "fixed", "min": 1, "max": 2, "desired": 1}
# A scale-down delay long enough, on the suite's time scale, to inject a fault once the swap is done.
DOWNSIZE_DELAY_SECONDS = 300

STEP_PATHS = {
    "Setup": ("PUT", f"/virtualMachineScaleSets/{NEW}$"),
    "Upgrade": ("PATCH", f"/virtualMachineScaleSets/{NEW}$"),
    "Swap": ("POST", f"/virtualMachineScaleSets/{NEW}/manualupgrade$"),
    "Downsize": ("PATCH", f"/virtualMachineScaleSets/{OLD}$"),
    "Rollback": ("DELETE", f"/virtualMachineScaleSets/{NEW}$"),
}
# More than the SDK's and the activities' retries together: a fault that never goes away.
ALWAYS = 12
ACTIVITY_TRIES = 3  # orchestrators.steady_state_wait.RETRY
FAULTS = {
    "5xx x3": ({"status": 503, "times": 3}, "transient"),
    "LRO Failed once": ({"lroStatus": "Failed", "times": 1}, "transient"),
    "LRO Failed always": ({"lroStatus": "Failed", "times": ALWAYS}, "permanent"),
    "409 OperationNotAllowed x2": ({"status": 409, "code": "OperationNotAllowed", "times": 2}, "transient"),
}


def expected_outcome(step: str, kind: str) -> str:
    if kind == "transient":
        return "RolledBack" if step == "Rollback" else "Succeeded"
    return {"Downsize": "Succeeded+warning", "Rollback": "Failed"}.get(step, "RolledBack")


CELLS = [pytest.param(step, fault, id=f"{step}-{fault}".replace(" ", "-")) for step in STEP_PATHS for fault in FAULTS]
# Cells revealing a defect not fixed in this cut: (step, fault) -> reason.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


def inject(emulator_admin, target, method: str, path: str, fault: dict) -> None:
    """Fault paths match every resource group: scope them to this cell's."""
    scoped = {**fault, "method": method, "path": f"(?i)/resourceGroups/{target.resource_group}/.*{path}"}
    assert emulator_admin.post("/_emulator/faults", json=scoped).status_code in (200, 201)


# -- The table -------------------------------------------------------------------------------------


def render(rows: list[dict]) -> str:
    order = {step: i for i, step in enumerate(STEP_PATHS)}
    faults = {fault: i for i, fault in enumerate(FAULTS)}
    rows = sorted(rows, key=lambda r: (order[r["step"]], faults[r["fault"]]))
    lines = ["| step | fault | expected | outcome | invariants |", "|---|---|---|---|---|"]
    lines += [f"| {r['step']} | {r['fault']} | {r['expected']} | {r['outcome']} | {r['invariants']} |" for r in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def matrix():
    """Collects the cells' outcomes; at the end prints the table and writes `.local/fault-matrix.md`.

    Under xdist each worker runs some cells: each writes its rows into a folder of the run, and the
    table is made of every row written so far (the last worker to finish prints the whole matrix).
    """
    rows: list[dict] = []
    yield rows
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "serial")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    parts = ROOT / ".local" / "fault-matrix.d" / run
    parts.mkdir(parents=True, exist_ok=True)
    (parts / f"{worker}.json").write_text(json.dumps(rows))
    everything = [row for part in sorted(parts.glob("*.json")) for row in json.loads(part.read_text())]
    table = render(everything)
    (ROOT / ".local" / "fault-matrix.md").write_text("# Fault matrix (tests/reliability/test_fault_matrix.py)\n\n"
                                                     + table)
    print("\n\nFault matrix\n" + table)


# -- The cells -------------------------------------------------------------------------------------


@pytest.fixture
def running_old(api, arm_emulator, target, seeded) -> str:
    """`__1` serving prod with an autoscale setting of its own."""
    first = api.deploy(spec_for(target, seeded[0], instances=SMALL))
    assert api.wait(first)["status"] == "Succeeded", api.log(first)
    monitor_client(arm_emulator, target.subscription_id).autoscale_settings.create_or_update(
        target.resource_group, "web-autoscale", autoscale_body(target, OLD, 1, 2, 1))
    return OLD


def outcome_of(view: dict) -> str:
    return view["status"] + ("+warning" if view["status"] == "Succeeded" and view.get("warnings") else "")


def run_cell(api, emulator_admin, target, seeded, step: str, fault: dict) -> str:
    method, path = STEP_PATHS[step]
    if step == "Downsize":
        deployment = api.deploy(spec_for(target, seeded[1], instances=SMALL,
                                         scaleDownDelaySeconds=DOWNSIZE_DELAY_SECONDS))
        api.wait(deployment, phase="ScaleDownDelay", timeout=90)
        inject(emulator_admin, target, method, path, fault)
        return deployment
    if step == "Rollback":
        # The swap fails for good (each of its activity's tries); the fault then meets the rollback's
        # removal of the new scale set. Exactly the tries: the rollback's own manual upgrade of the new
        # scale set (out of the pools) must not meet the swap's fault.
        swap_method, swap_path = STEP_PATHS["Swap"]
        inject(emulator_admin, target, swap_method, swap_path, {"lroStatus": "Failed", "times": ACTIVITY_TRIES})
    inject(emulator_admin, target, method, path, fault)
    return api.deploy(spec_for(target, seeded[1], instances=SMALL))


@pytest.mark.parametrize(("step", "fault_name"), CELLS)
def test_a_fault_in_every_step_ends_in_a_state_an_operator_can_trust(
        request, matrix, api, arm_emulator, emulator_admin, azurite, target, seeded, running_old, step, fault_name):
    if (step, fault_name) in KNOWN_DEFECTS:
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[(step, fault_name)]))
    fault, kind = FAULTS[fault_name]
    expected = expected_outcome(step, kind)
    row = {"step": step, "fault": fault_name, "expected": expected, "outcome": "-", "invariants": "not reached"}
    matrix.append(row)

    deployment = run_cell(api, emulator_admin, target, seeded, step, fault)
    view = api.wait(deployment)
    row["outcome"] = outcome_of(view)
    # What the lineage must hold after the outcome reached (whether or not it is the one expected).
    if view["status"] == "Succeeded":
        lineage, serving = {OLD, NEW}, NEW
    elif view["status"] == "RolledBack":
        lineage, serving = {OLD}, OLD
    else:  # the rollback could not remove the new scale set: it is left, out of every pool, and said so
        lineage, serving = {OLD, NEW}, OLD
    causes: tuple[str, ...] = ()
    if kind == "permanent" or step == "Rollback":
        causes = {"Downsize": ("Warning: ",), "Rollback": ("Deployment failed: Swap: ",)}.get(
            step, (f"Deployment failed: {step}: ",))
    try:
        assert_trustworthy_end(api, arm_emulator, emulator_admin, azurite, target, deployment,
                               lineage=lineage, serving=serving, log_mentions=causes)
    except AssertionError as exc:
        row["invariants"] = f"broken: {str(exc).splitlines()[0][:80]}"
        raise
    row["invariants"] = "hold"
    assert row["outcome"] == expected, (view, api.log(deployment))
    statuses = {s["name"]: s["status"] for s in view["steps"]}
    if expected == "RolledBack" and kind == "permanent":
        assert view["error"].startswith(f"{step}: ") and statuses[step] == "Failed", view
    if expected == "Failed":
        assert view["error"].startswith("Swap: ") and "rollback failed" in view["error"], view
        assert statuses["Rollback"] == "Failed", view["steps"]
    if expected == "Succeeded+warning":
        assert statuses["Downsize"] == "Failed" and f"[{OLD}]" in view["warnings"][0], view
