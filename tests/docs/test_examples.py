"""Every shell block of README.md and docs/*.md that talks to the local stack runs as written, in
order, on a fresh stack started and seeded as the pages say (`make up && make seed`, here through
scripts/stack.py on free ports in a temporary directory), and every HTTP answer is a success."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from scripts import stack
from scripts.seed import seed_demo

pytestmark = pytest.mark.e2e

ROOT = stack.ROOT
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```bash\n(.*?)^```$", re.MULTILINE | re.DOTALL)
TALKS_TO_THE_STACK = re.compile(r"\$BASE|\$FUNCTIONS_URL|\$ARM_ENDPOINT|127\.0\.0\.1|\.local/stack\.env")
# Blocks that use the Azure CLI talk to Azure (they set FUNCTIONS_URL themselves): not run here.
AZURE_CLI = re.compile(r"(^|\$\()az ", re.MULTILINE)
STATUS = re.compile(r"^HTTP_STATUS (\d{3}) (\S+)$", re.MULTILINE)
# Every curl of a page reports its answer's status on stderr, whatever the page does with stdout.
PRELUDE = """set -euo pipefail
curl() { command curl -w '%{stderr}HTTP_STATUS %{http_code} %{url_effective}\\n' "$@"; }
"""


def runnable_blocks(page: Path) -> list[str]:
    return [block for block in BLOCK.findall(page.read_text())
            if TALKS_TO_THE_STACK.search(block) and not AZURE_CLI.search(block)]


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    local = tmp_path_factory.mktemp("stack")
    settings = stack.up(0.01, arm_port=stack.free_port(), devhost_port=stack.free_port(),
                        azurite_ports=(stack.free_port(), stack.free_port(), stack.free_port()), local=local)
    try:
        seed_demo(settings)
        yield local, settings
    finally:
        stack.down(quiet=True, local=local)


def as_on_the_test_stack(script: str, local: Path, settings: dict[str, str]) -> str:
    script = re.sub(r"^make .*$", ": # started and seeded by the test", script, flags=re.MULTILINE)
    script = script.replace("http://127.0.0.1:7071", settings["FUNCTIONS_URL"])
    return script.replace(".local/stack.env", str(local / "stack.env"))


def test_the_pages_have_examples_to_run():
    assert {page.name for page in PAGES if runnable_blocks(page)} >= {"README.md", "api.md", "event-grid.md"}


@pytest.mark.parametrize("page", [p for p in PAGES if runnable_blocks(p)], ids=lambda p: p.name)
def test_every_example_of_the_page_runs_and_gets_a_success(local_stack, page):
    local, settings = local_stack
    blocks = runnable_blocks(page)
    script = PRELUDE + "\n".join(as_on_the_test_stack(block, local, settings) for block in blocks)
    run = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"{page.name} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    answers = STATUS.findall(run.stderr)
    assert len(answers) >= len(blocks), run.stderr
    failed = [(code, url) for code, url in answers if not code.startswith("2")]
    assert failed == [], f"{page.name}: {failed}\n{run.stdout[-3000:]}"
    if page.name == "event-grid.md":
        assert '"kind": "eventgrid"' in run.stdout, run.stdout  # the page shows the deployment it started
