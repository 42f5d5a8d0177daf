"""Issue 11's fault matrix: every step of a deployment that replaces a running scale set, under every
fault that can reach it, ends in a state an operator can trust.

Steps (columns of the table, in the order a deployment meets them): Setup's image wait (a version still
replicating), Setup (the new scale set's creation), Upgrade (its resize), Approval (a deployment waiting
for approval, and what its approval sets off), Swap (its manual upgrade into prod), ScaleDownDelay,
Downsize (the old scale set's resize, after the verified swap), Rollback (its own writes, after a Swap
that failed for good) and Undo (the undo orchestration taking back a succeeded deployment).

Faults on ARM (the emulator's fault injection): 5xx answers three times in a row; a throttling window
(429 + Retry-After 20 s, 8 answers: minutes, far more answers than the SDK's 3 retries and the
activities' 3 tries take, ridden out since orchestration version 3); dropped connections (the emulator
closes the connection without an answer: once after applying the request, then once before handling it); a
long-running operation that ends Failed once, the same every time; a 409 OperationNotAllowed twice.
Faults of the process: devhost killed with SIGKILL in the middle of the step, then started again on
its durable state; Azurite (the deployment log and the target lock; devhost keeps its durable state in
SQLite, not in Azurite) stopped for a while, then started again. These run on a devhost (and an Azurite)
of their own, as the session's are shared with other tests, and along journeys: one deployment meets
each fault in turn (killed while it waits for its image, for approval, in Swap and in ScaleDownDelay),
a cell each in the table, their outcome the deployment's; every restart costs real seconds.

Transient faults end Succeeded; permanent ones RolledBack (Downsize: Succeeded with a warning, the new
version serving; a Rollback that cannot complete: Failed with both causes, prod on the old one; an Undo:
RolledBack, the undone scale set serving). Every cell then checks the shared invariants
(tests/reliability/invariants.py), and for a transient ARM fault that every answer it injected was
used up: the fault did reach the step.

Each fault path names exactly one step's requests: the new scale set's PUT happens only in Setup, its
first PATCHes are Upgrade's (Swap's PATCH comes after them, so a fault counted in `times` is used up by
Upgrade), its manual upgrade happens only in Swap, the old scale set's PATCH after the swap is
Downsize's (injected once the deployment waits in ScaleDownDelay), the new scale set's DELETE is the
rollback's, the image version's reads after the first "waiting" are the image wait's, the new scale
set's reads and writes after the approval are what the approval sets off (its rescale and the swap's
routing), the revived scale set's PATCHes after the undo started are the undo's.

Left out, and why:
- ScaleDownDelay x ARM faults: the delay is one durable timer, nothing calls ARM while it runs (a 429
  window or 5xx there would only meet the next step's requests: those are the Downsize cells).
- Approval x 5xx, drops, LRO Failed, 409: the wait itself calls nothing; what an approval sets off is
  the rescale and the swap's routing and manual upgrade, whose faults are the Upgrade and Swap cells'
  (kept: a throttling window on the new scale set's reads and writes as it is approved).
- Setup's image wait x LRO Failed, 409: it only reads (a read has no long-running operation and is never
  "in progress"); 5xx on a read is retried by the SDK itself (the Setup/Upgrade 5xx cells cover that).
- Undo x 5xx, LRO Failed once, 409: the undo runs the same activities and the same ride-out as a
  deployment (orchestrators/undo.py), proven by the Upgrade and Swap cells; kept: 429, drops and a
  permanent failure (which must roll the undo back with the undone scale set still serving).
- devhost SIGKILL in Setup, Upgrade, Downsize: tests/e2e/test_host_crash_mid_deployment.py kills it in
  Upgrade; a kill in Setup or Downsize replays the same activity-retry path as the Upgrade one. Kept:
  the image wait, Approval, Swap, ScaleDownDelay, Rollback (in the middle of a throttling window) and
  Undo, where the host dies in a timer, an external-event wait or a sub-orchestration.
- Azurite stopped in any step but ScaleDownDelay: what Azurite holds (the log, the lock) is touched the
  same way by every step (log appends; the lock only at the start and the end), nothing touches it while
  a deployment waits for approval (the approval raises an event; its log line is best effort), and each
  outage costs a cell the blob SDK's first retry (15 real seconds); kept: ScaleDownDelay, whose end,
  Downsize's log lines and the lock's release meet the stopped Azurite. An outage longer than the blob
  SDK's retries (about a minute of real time) is not in the matrix: too slow for the suite.
- Rollback x 429 window is met in the rollback journey, where the host is also killed in its middle.

The matrix is printed at the end of the module's run (`-s`) and written to `.local/fault-matrix.md`.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts import stack
from tests.e2e import conftest as e2e
from tests.e2e.conftest import devhost_settings, spec_for, start_test_devhost
from tests.e2e.test_bluegreen_deployments import NEW_NAME, autoscale_body
from tests.reliability.invariants import assert_trustworthy_end
from tests.support.api import TERMINAL, DeployerApi
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
APPROVAL = {"required": True, "timeoutMinutes": 600, "onTimeout": "reject"}
# A version replicating for a few simulated minutes: Setup waits for it (polling every 30 s).
REPLICATING = "1.2.0"
REPLICATION_SECONDS = "240"

STEPS = ("Setup image wait", "Setup", "Upgrade", "Approval", "Swap", "ScaleDownDelay", "Downsize", "Rollback",
         "Undo")
STEP_PATHS = {
    "Setup": ("PUT", f"/virtualMachineScaleSets/{NEW}$"),
    "Upgrade": ("PATCH", f"/virtualMachineScaleSets/{NEW}$"),
    "Swap": ("POST", f"/virtualMachineScaleSets/{NEW}/manualupgrade$"),
    "Downsize": ("PATCH", f"/virtualMachineScaleSets/{OLD}$"),
    "Rollback": ("DELETE", f"/virtualMachineScaleSets/{NEW}$"),
    # injected once the deployment waits (for the image, for approval, in the undo): see `start_arm_cell`
    "Setup image wait": ("GET", f"/versions/{REPLICATING}$"),
    "Approval": ("*", f"/virtualMachineScaleSets/{NEW}$"),
    "Undo": ("PATCH", f"/virtualMachineScaleSets/{OLD}$"),
}
# More than the SDK's and the activities' retries together: a fault that never goes away.
ALWAYS = 12
ACTIVITY_TRIES = 3  # orchestrators.steady_state_wait.RETRY
THROTTLED_WINDOW = {"status": 429, "retryAfter": "20", "times": 8}
FAULTS: dict[str, tuple[list[dict], str]] = {
    "5xx x3": ([{"status": 503, "times": 3}], "transient"),
    "429 window (8 x Retry-After 20 s)": ([THROTTLED_WINDOW], "transient"),
    "dropped connections x2": ([{"drop": "response", "times": 1}, {"drop": "request", "times": 1}], "transient"),
    "LRO Failed once": ([{"lroStatus": "Failed", "times": 1}], "transient"),
    "LRO Failed always": ([{"lroStatus": "Failed", "times": ALWAYS}], "permanent"),
    "409 OperationNotAllowed x2": ([{"status": 409, "code": "OperationNotAllowed", "times": 2}], "transient"),
}
SIGKILL, AZURITE = "devhost SIGKILL, restarted", "Azurite stopped, restarted"
THROTTLED = "429 window (8 x Retry-After 20 s)"
# The undo's permanent failure: every try of its first write of the revived scale set ends Failed.
UNDO_PERMANENT = "LRO Failed (every try)"
FAULT_ORDER = (*FAULTS, UNDO_PERMANENT, SIGKILL, AZURITE)

WRITE_STEPS = ("Setup", "Upgrade", "Swap", "Downsize", "Rollback")
# Rollback x 429 window is met in the "rollback" journey below, with a SIGKILL in the middle of it.
ARM_CELLS = [(step, fault) for step in WRITE_STEPS for fault in FAULTS if (step, fault) != ("Rollback", THROTTLED)] + [
    ("Setup image wait", THROTTLED), ("Setup image wait", "dropped connections x2"),
    ("Approval", THROTTLED), ("Undo", THROTTLED), ("Undo", "dropped connections x2"),
    ("Undo", UNDO_PERMANENT),
]
# Faults of the process, by journey: one deployment meets each fault in turn, in the step named (a cell
# each in the table). Combined to keep the suite fast: every restart costs real seconds, every cell a
# deployment of the old version first.
JOURNEYS: dict[str, list[tuple[str, str]]] = {
    "kills": [("Setup image wait", SIGKILL), ("Approval", SIGKILL), ("Swap", SIGKILL), ("ScaleDownDelay", SIGKILL)],
    # the swap fails for good; the rollback rides out a throttling window, and the host dies in it
    "rollback": [("Rollback", THROTTLED), ("Rollback", SIGKILL)],
    "undo": [("Undo", SIGKILL)],
    "storage": [("ScaleDownDelay", AZURITE)],
}


def fault_specs(fault_name: str) -> tuple[list[dict], str]:
    if fault_name == UNDO_PERMANENT:
        return [{"lroStatus": "Failed", "times": ACTIVITY_TRIES}], "permanent"
    return FAULTS[fault_name]


def expected_outcome(step: str, kind: str) -> str:
    if kind == "transient":
        return "RolledBack" if step == "Rollback" else "Succeeded"
    return {"Downsize": "Succeeded+warning", "Rollback": "Failed"}.get(step, "RolledBack")


def cell_id(step: str, fault: str) -> str:
    return f"{step}-{fault.split(' (')[0]}".replace(" ", "-").replace(",", "")


# Cells revealing a defect not fixed here: (step, fault) -> reason.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


def xfail_known(request, row: dict, step: str, fault: str) -> None:
    if (step, fault) in KNOWN_DEFECTS:
        row["expected"] += " (xfail: known defect)"
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[(step, fault)]))


def inject(emulator_admin, target, method: str, path: str, faults: list[dict]) -> None:
    """Fault paths match every resource group: scope them to this cell's."""
    scoped = [{**fault, "method": method, "path": f"(?i)/resourceGroups/{target.resource_group}/.*{path}"}
              for fault in faults]
    assert emulator_admin.post("/_emulator/faults", json=scoped).status_code in (200, 201)


def faults_left(emulator_admin, target) -> list[dict]:
    return [f for f in emulator_admin.get("/_emulator/faults").json()
            if f"/resourceGroups/{target.resource_group}/" in f["path"]]


# -- The table -------------------------------------------------------------------------------------


def render(rows: list[dict]) -> str:
    steps = {step: i for i, step in enumerate(STEPS)}
    faults = {fault: i for i, fault in enumerate(FAULT_ORDER)}
    rows = sorted(rows, key=lambda r: (steps[r["step"]], faults[r["fault"]]))
    lines = ["| step | fault | met (faulted answers used/injected) | expected | outcome | invariants |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['step']} | {r['fault']} | {r.get('faulted', '-')} | {r['expected']} | {r['outcome']} | "
              f"{r['invariants']} |" for r in rows]
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


# -- Scenarios -------------------------------------------------------------------------------------


def serve_old(api, arm_emulator, target, seeded) -> str:
    """`__1` serving prod with an autoscale setting of its own."""
    first = api.deploy(spec_for(target, seeded[0], instances=SMALL))
    assert api.wait(first)["status"] == "Succeeded", api.log(first)
    monitor_client(arm_emulator, target.subscription_id).autoscale_settings.create_or_update(
        target.resource_group, "web-autoscale", autoscale_body(target, OLD, 1, 2, 1))
    return OLD


def replace_old(api, target, seeded, **overrides) -> str:
    """`__2` replaces `__1` (left at 0): the deployment an undo takes back (with its spec's timings)."""
    second = api.deploy(spec_for(target, seeded[1], instances=SMALL, **overrides))
    assert api.wait(second)["status"] == "Succeeded", api.log(second)
    return second


def wait_for(api, deployment: str, *, phase: str | None = None, status: str | None = None,
             timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    view: dict = {}
    while time.monotonic() < deadline:
        view = api.get(deployment)
        if (phase is not None and view["phase"] == phase) or (status is not None and view["status"] == status):
            return view
        assert view["status"] not in TERMINAL, (f"ended before {phase or status}", view, api.log(deployment))
        time.sleep(0.05)
    raise AssertionError(f"{deployment} never reached {phase or status}: {view}")


def outcome_of(view: dict) -> str:
    return view["status"] + ("+warning" if view["status"] == "Succeeded" and view.get("warnings") else "")


@dataclass
class Cell:
    """What a cell started, and what its end must show."""
    deployment: str
    undo: bool = False

    def lineage(self, status: str) -> tuple[set[str], str]:
        """The scale sets the lineage must hold and the one serving prod, for the outcome reached."""
        if self.undo:  # both stay; the revived one serves when the undo succeeded
            return {OLD, NEW}, (OLD if status == "Succeeded" else NEW)
        if status == "Succeeded":
            return {OLD, NEW}, NEW
        if status == "RolledBack":
            return {OLD}, OLD
        return {OLD, NEW}, OLD  # the rollback could not remove the new scale set: left, out of every pool


def start_arm_cell(api, emulator_admin, target, seeded, seeder, step: str, faults: list[dict]) -> Cell:
    method, path = STEP_PATHS[step]
    if step == "Downsize":
        deployment = api.deploy(spec_for(target, seeded[1], instances=SMALL,
                                         scaleDownDelaySeconds=DOWNSIZE_DELAY_SECONDS))
        wait_for(api, deployment, phase="ScaleDownDelay")
        inject(emulator_admin, target, method, path, faults)
        return Cell(deployment)
    if step == "Setup image wait":
        image = seeder.image_version(REPLICATING, tags={"emulator.replicationSeconds": REPLICATION_SECONDS})
        deployment = api.deploy(spec_for(target, image, instances=SMALL))
        wait_for(api, deployment, phase="WaitingForImage")
        inject(emulator_admin, target, method, path, faults)
        return Cell(deployment)
    if step == "Approval":
        deployment = api.deploy(spec_for(target, seeded[1], instances=SMALL, approval=APPROVAL))
        wait_for(api, deployment, status="AwaitingApproval")
        inject(emulator_admin, target, method, path, faults)
        assert api.decide(deployment, "approve").status_code == 202
        return Cell(deployment)
    if step == "Undo":
        replaced = replace_old(api, target, seeded)
        inject(emulator_admin, target, method, path, faults)
        response = api.act(replaced, "undo")
        assert response.status_code == 202, response.text
        return Cell(response.json()["id"], undo=True)
    if step == "Rollback":
        # The swap fails for good (each of its activity's tries); the fault then meets the rollback's
        # removal of the new scale set. Exactly the tries: the rollback's own manual upgrade of the new
        # scale set (out of the pools) must not meet the swap's fault.
        swap_method, swap_path = STEP_PATHS["Swap"]
        inject(emulator_admin, target, swap_method, swap_path, [{"lroStatus": "Failed", "times": ACTIVITY_TRIES}])
    inject(emulator_admin, target, method, path, faults)
    return Cell(api.deploy(spec_for(target, seeded[1], instances=SMALL)))


def check_cell(row: dict, api, arm_emulator, emulator_admin, azurite, target, cell: Cell, step: str, kind: str,
               expected: str) -> dict:
    view = api.wait(cell.deployment, timeout=180)
    row["outcome"] = outcome_of(view)
    lineage, serving = cell.lineage(view["status"])
    causes: tuple[str, ...] = ()
    if kind == "permanent" or step == "Rollback":
        causes = {"Downsize": ("Warning: ",), "Rollback": ("Deployment failed: Swap: ",)}.get(
            step, ("Deployment failed: ",) if cell.undo else (f"Deployment failed: {step}: ",))
    try:
        assert_trustworthy_end(api, arm_emulator, emulator_admin, azurite, target, cell.deployment,
                               lineage=lineage, serving=serving, log_mentions=causes)
    except AssertionError as exc:
        row["invariants"] = f"broken: {str(exc).splitlines()[0][:80]}"
        raise
    row["invariants"] = "hold"
    assert row["outcome"] == expected, (view, api.log(cell.deployment))
    return view


# -- ARM faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("step", "fault_name"), [pytest.param(s, f, id=cell_id(s, f)) for s, f in ARM_CELLS])
def test_a_fault_in_every_step_ends_in_a_state_an_operator_can_trust(
        request, matrix, api, arm_emulator, emulator_admin, azurite, target, seeder, seeded, step, fault_name):
    faults, kind = fault_specs(fault_name)
    expected = expected_outcome(step, kind)
    row = {"step": step, "fault": fault_name, "expected": expected, "outcome": "-", "invariants": "not reached"}
    matrix.append(row)
    xfail_known(request, row, step, fault_name)
    serve_old(api, arm_emulator, target, seeded)

    cell = start_arm_cell(api, emulator_admin, target, seeded, seeder, step, faults)
    injected = sum(f["times"] for f in faults)
    view = check_cell(row, api, arm_emulator, emulator_admin, azurite, target, cell, step, kind, expected)
    used = injected - sum(f["times"] for f in faults_left(emulator_admin, target))
    row["faulted"] = f"{used}/{injected}"
    # Every answer injected reached the step; of dropped connections at least the first (a request whose
    # answer was dropped after it applied may leave nothing to send again).
    assert used == injected or (used >= 1 and "dropped" in fault_name) or kind == "permanent", (
        "the fault did not reach the step", row, api.log(cell.deployment))
    statuses = {s["name"]: s["status"] for s in view["steps"]}
    if expected == "RolledBack" and kind == "permanent" and not cell.undo:
        assert view["error"].startswith(f"{step}: ") and statuses[step] == "Failed", view
    if expected == "Failed":
        assert view["error"].startswith("Swap: ") and "rollback failed" in view["error"], view
        assert statuses["Rollback"] == "Failed", view["steps"]
    if expected == "Succeeded+warning":
        assert statuses["Downsize"] == "Failed" and f"[{OLD}]" in view["warnings"][0], view
    if "429" in fault_name:
        assert "Azure is throttling or busy: waiting 20 s" in api.log(cell.deployment), api.log(cell.deployment)


# -- Faults of the process: devhost killed, Azurite stopped -----------------------------------------

# With Azurite's restart (2-3 real seconds) longer than what is left of the scale-down delay: the delay's
# end, Downsize's log lines and the release of the lock meet a stopped Azurite.
AZURITE_OUTAGE_SECONDS = 2.0


class OwnStack:
    """A devhost of its own (the session's is shared with other tests), on the session's Azurite or on an
    Azurite of its own: either can be killed or stopped and started again on the same durable state,
    the same ports and blobs."""

    def __init__(self, arm_emulator, base: Path, azurite=None) -> None:
        self.base = base
        self.ports = (stack.free_port(), stack.free_port(), stack.free_port())
        self.own_azurite = azurite is None
        self.azurite = self.start_azurite() if azurite is None else azurite
        self.settings = devhost_settings(arm_emulator, self.azurite, **stack.new_keys())
        self.devhost = start_test_devhost(base, self.settings)

    @property
    def api(self) -> DeployerApi:
        return DeployerApi(self.devhost.url, self.devhost.function_key)

    def start_azurite(self):
        blob, queue, table = self.ports
        return stack.start_azurite(self.base / "azurite", blob, queue, table, log_path=self.base / "azurite.log")

    def kill_devhost_and_restart(self) -> None:
        os.killpg(self.devhost.proc.pid, signal.SIGKILL)
        self.devhost.proc.wait()
        self.devhost = start_test_devhost(self.base, self.settings)

    def stop_azurite_for_a_while(self) -> None:
        assert self.own_azurite
        self.azurite.stop()
        time.sleep(AZURITE_OUTAGE_SECONDS)  # the outage itself, not a wait for an outcome
        self.azurite = self.start_azurite()

    def stop(self) -> None:
        self.devhost.stop()
        if self.own_azurite:
            self.azurite.stop()


@pytest.fixture(scope="module")
def own_devhost(arm_emulator, azurite, tmp_path_factory):
    own = OwnStack(arm_emulator, tmp_path_factory.mktemp("own-devhost"), azurite)
    yield own
    own.stop()


@pytest.fixture
def own_storage(arm_emulator, tmp_path):
    own = OwnStack(arm_emulator, tmp_path)
    yield own
    own.stop()


def start_journey(own: OwnStack, emulator_admin, target, seeded, seeder, journey: str) -> Cell:
    api = own.api
    if journey == "kills":  # a slow steady-state poll keeps the verified swap going for simulated minutes
        image = seeder.image_version(REPLICATING, tags={"emulator.replicationSeconds": REPLICATION_SECONDS})
        return Cell(api.deploy(spec_for(target, image, instances=SMALL, approval=APPROVAL, pollIntervalSeconds=60,
                                        scaleDownDelaySeconds=DOWNSIZE_DELAY_SECONDS)))
    if journey == "storage":
        return Cell(api.deploy(spec_for(target, seeded[1], instances=SMALL,
                                        scaleDownDelaySeconds=DOWNSIZE_DELAY_SECONDS)))
    if journey == "rollback":
        inject(emulator_admin, target, *STEP_PATHS["Swap"], [{"lroStatus": "Failed", "times": ACTIVITY_TRIES}])
        inject(emulator_admin, target, *STEP_PATHS["Rollback"], [THROTTLED_WINDOW])
        return Cell(api.deploy(spec_for(target, seeded[1], instances=SMALL)))
    assert journey == "undo"  # polled slowly, the revived scale set's growth lasts simulated minutes
    replaced = replace_old(api, target, seeded, pollIntervalSeconds=60)
    response = api.act(replaced, "undo")
    assert response.status_code == 202, response.text
    return Cell(response.json()["id"], undo=True)


# Where each step is met: the deployment's phase (or status), the undo's first step that writes.
PHASES = {"Setup image wait": "WaitingForImage", "Swap": "Swap", "ScaleDownDelay": "ScaleDownDelay",
          "Rollback": "Rollback", "Undo": "Upgrade"}


def run_journey(matrix, own: OwnStack, arm_emulator, emulator_admin, target, seeder, seeded, journey: str):
    hits = JOURNEYS[journey]
    expected = expected_outcome(hits[0][0], "transient")
    rows = [{"step": step, "fault": fault, "expected": expected, "outcome": "-", "invariants": "not reached"}
            for step, fault in hits]
    matrix.extend(rows)
    serve_old(own.api, arm_emulator, target, seeded)

    cell = start_journey(own, emulator_admin, target, seeded, seeder, journey)
    for row, (step, fault) in zip(rows, hits, strict=True):
        if step == "Approval":
            wait_for(own.api, cell.deployment, status="AwaitingApproval")
        else:
            wait_for(own.api, cell.deployment, phase=PHASES[step])
        if fault == SIGKILL:
            own.kill_devhost_and_restart()
            row["faulted"] = f"killed in {PHASES.get(step, 'AwaitingApproval')}"
        elif fault == AZURITE:
            own.stop_azurite_for_a_while()
            row["faulted"] = f"down {AZURITE_OUTAGE_SECONDS:g} s (real) in {PHASES.get(step, 'AwaitingApproval')}"
        else:
            row["faulted"] = "met in Rollback"
        if step == "Approval":
            assert own.api.decide(cell.deployment, "approve").status_code == 202
    kind = "permanent" if journey == "rollback" else "transient"
    for row in rows[1:]:  # one deployment: its end is every cell's
        row["outcome"], row["invariants"] = rows[0]["outcome"], "see first"
    check_cell(rows[0], own.api, arm_emulator, emulator_admin, own.azurite, target, cell, hits[0][0], kind, expected)
    for row in rows[1:]:
        row["outcome"], row["invariants"] = rows[0]["outcome"], rows[0]["invariants"]
    if journey == "rollback":
        assert faults_left(emulator_admin, target) == [], own.api.log(cell.deployment)
        rows[0]["faulted"] = "8/8"
    if journey == "storage":  # the outage was ridden out: no line the deployment wrote was lost
        assert "could not append" not in own.devhost.log_path.read_text(), own.devhost.log_path


@pytest.mark.parametrize("journey", ["kills", "rollback", "undo"])
def test_a_host_killed_in_the_middle_of_a_step_ends_in_a_state_an_operator_can_trust(
        request, matrix, own_devhost, arm_emulator, emulator_admin, target, seeder, seeded, journey):
    run_journey(matrix, own_devhost, arm_emulator, emulator_admin, target, seeder, seeded, journey)


def test_storage_stopped_in_the_middle_of_a_step_ends_in_a_state_an_operator_can_trust(
        request, matrix, own_storage, arm_emulator, emulator_admin, target, seeder, seeded):
    run_journey(matrix, own_storage, arm_emulator, emulator_admin, target, seeder, seeded, "storage")
