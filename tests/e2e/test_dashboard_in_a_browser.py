"""The status page (`GET /api/dashboard`) in a real headless Chromium, during a deployment that waits
for approval: it shows the pipeline, an operator approves with a click, and the page sees it succeed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scripts.stack import ROOT
from tests.e2e.conftest import spec_for

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (.ci/run installs it); never a downloaded build
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / ".local"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_an_operator_approves_a_waiting_deployment_from_the_page_and_sees_it_succeed(
        browser, api, devhost, target, seeded):
    from playwright.sync_api import expect

    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    second = api.deploy(spec_for(target, seeded[1], approval={"required": True, "timeoutMinutes": 600}))
    api.wait(second, statuses={"AwaitingApproval"}, timeout=90)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    posted: dict[str, list] = {}  # the operator action -> the JSON bodies the page sent
    page.on("request", lambda request: posted.setdefault(request.url.rsplit("/", 1)[-1], []).append(
        request.post_data_json) if request.method == "POST" else None)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{devhost.url}/api/dashboard?code={devhost.function_key}#{second}")
    expect(page.locator("#d-status")).to_have_text("AwaitingApproval", timeout=30_000)
    pipeline = page.locator("#d-pipeline li")
    expect(pipeline.locator("xpath=.").first).to_be_visible()
    assert pipeline.evaluate_all("items => items.map(i => [i.dataset.step, i.dataset.status])")[:3] == [
        ["Setup", "Succeeded"], ["Upgrade", "Succeeded"], ["Approval", "AwaitingApproval"]]
    expect(page.locator("#d-new")).to_have_text("web_api_prod__2")
    expect(page.locator("#d-old")).to_have_text("web_api_prod__1")
    expect(page.locator("#d-desired")).to_have_text("2")
    expect(page.locator("#d-healthy")).to_have_text("2")
    expect(page.locator(f'#deployments a[data-id="{second}"]')).to_be_visible()
    expect(page.locator(f'#deployments a[data-id="{first}"]')).to_be_visible()
    expect(page.get_by_label("Status")).to_be_visible()
    expect(page.locator("#filters").get_by_label("Resource group")).to_be_visible()
    actions = page.get_by_role("group", name="Operator actions")
    expect(actions.get_by_role("button", name="Resume")).to_be_disabled()
    expect(actions.get_by_role("button", name="Undo")).to_be_disabled()
    expect(page.locator("#d-log")).to_contain_text("Waiting up to 600 minute(s) for approval")
    # What serves prod now: the selected deployment's resource group, read from the scale sets' tags.
    prod = page.get_by_role("region", name="What serves prod now")
    expect(prod.get_by_label("Resource group")).to_have_value(target.resource_group)
    lineage = prod.get_by_role("article")
    expect(lineage.locator(".live-vmss")).to_have_text("web_api_prod__1", timeout=30_000)
    expect(lineage.locator(".running-deployment a")).to_have_attribute("href", f"#{second}")
    expect(lineage.get_by_role("table")).to_be_visible()
    assert member_cells(lineage, "web_api_prod__1")[:5] == ["web_api_prod__1live", "1", "1.0.0", "2", "BLUE"]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-awaiting-approval.png"), full_page=True)

    # Keyboard only: Enter on Approve asks first; Escape cancels and nothing is sent.
    actions.get_by_role("button", name="Approve").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Approve this deployment?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Comment")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert not any(url.endswith("/approve") for url in requested)
    assert api.get(second)["status"] == "AwaitingApproval"

    # Pause and resume: the page shows it held, and the approval still waits afterwards.
    actions.get_by_role("button", name="Pause").click()
    page.get_by_role("dialog", name="Pause this deployment?").get_by_role("button", name="Pause").click()
    expect(page.locator("#d-status")).to_have_text("Paused", timeout=30_000)
    expect(actions.get_by_role("button", name="Approve")).to_be_disabled()
    expect(page.locator('#d-pipeline li[data-step="Approval"]')).to_have_attribute("data-status", "Paused")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-paused.png"), full_page=True)
    actions.get_by_role("button", name="Resume").click()
    page.get_by_role("dialog", name="Resume this deployment?").get_by_role("button", name="Resume").click()
    expect(page.locator("#d-status")).to_have_text("AwaitingApproval", timeout=30_000)
    waiting = api.get(second)

    actions.get_by_role("button", name="Approve").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("web_api_prod__2 (revision 2) will be swapped into prod")
    dialog.get_by_label("Comment").fill("canary looks good")
    dialog.get_by_role("button", name="Approve").click()

    expect(page.locator("#d-status")).to_have_text("Succeeded", timeout=90_000)
    steps = pipeline.evaluate_all("items => items.map(i => [i.dataset.step, i.dataset.status])")
    assert ["Approval", "Succeeded"] in steps and ["Swap", "Succeeded"] in steps, steps
    expect(page.locator("#d-msg")).to_have_text("Approve accepted.")
    expect(page.locator("#d-log")).to_contain_text("Tagging VMSS: [web_api_prod__2] as [BLUE] deployment")
    expect(page.locator("#live-text")).to_have_text("Succeeded · final")
    expect(actions.get_by_role("button", name="Approve")).to_be_disabled()
    expect(lineage.locator(".live-vmss")).to_have_text("web_api_prod__2")  # the swap put it into prod
    expect(lineage.locator(".running-deployment")).to_have_text("none")
    live_row = member_cells(lineage, "web_api_prod__2")
    assert live_row[:5] == ["web_api_prod__2live", "2", "1.1.0", "2", "BLUE"], live_row
    assert "prod-backend-pool" in live_row[5], live_row
    assert member_cells(lineage, "web_api_prod__1")[4] == "GREEN"
    page.screenshot(path=str(SCREENSHOTS / "dashboard-succeeded.png"), full_page=True)

    assert posted["approve"] == [{"token": waiting["approval"]["token"], "comment": "canary looks good"}]
    assert [name for name in posted if name in ("pause", "resume")] == ["pause", "resume"]

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / "dashboard-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Undo: the page follows the new deployment (kind undo), and prod goes back to the old scale set.
    actions.get_by_role("button", name="Undo").click()
    page.get_by_role("dialog", name="Undo this deployment?").get_by_role("button", name="Undo").click()
    expect(page.locator("#d-facts")).to_contain_text("undo", timeout=30_000)
    undo = page.evaluate("decodeURIComponent(location.hash.slice(1))")
    assert undo != second and api.get(undo)["kind"] == "undo"
    expect(page.locator("#d-status")).to_have_text("Succeeded", timeout=90_000)
    expect(lineage.locator(".live-vmss")).to_have_text("web_api_prod__1", timeout=30_000)

    assert api.get(second)["status"] == "Succeeded"
    assert all(url.startswith(devhost.url + "/") for url in requested), requested  # nothing from outside
    assert problems == [], problems  # no script error, no request the page's CSP refused


def member_cells(lineage, vmss: str) -> list[str]:
    """The texts of one scale set's row in a lineage of the prod panel."""
    return lineage.locator(f'tr[data-vmss="{vmss}"] td').all_inner_texts()


def test_a_rolled_back_deployment_shows_the_rollback_step_and_its_cause(browser, api, devhost, target, seeded, seeder):
    from playwright.sync_api import expect

    first = api.deploy(spec_for(target, seeded[0]))
    assert api.wait(first)["status"] == "Succeeded"
    broken = api.deploy(spec_for(target, seeder.image_version("4.0.0", tags={"emulator.provisioning": "failed"})))
    assert api.wait(broken)["status"] == "RolledBack"

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{devhost.url}/api/dashboard?code={devhost.function_key}#{broken}")
    expect(page.locator("#d-status")).to_have_text("RolledBack", timeout=30_000)
    steps = page.locator("#d-pipeline li").evaluate_all("items => items.map(i => [i.dataset.step, i.dataset.status])")
    assert ["Upgrade", "Failed"] in steps and ["Rollback", "Succeeded"] in steps, steps
    assert dict(steps)["Swap"] in ("Skipped", "Pending"), steps  # never ran (the contract's word: Skipped)
    expect(page.get_by_role("alert")).to_contain_text("failed provisioning")
    expect(page.get_by_role("group", name="Operator actions").get_by_role("button", name="Abort")).to_be_disabled()
    page.get_by_label("Status").select_option("RolledBack")
    expect(page.locator(f'#deployments a[data-id="{first}"]')).to_have_count(0)
    expect(page.locator(f'#deployments a[data-id="{broken}"]')).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "dashboard-rolled-back.png"), full_page=True)
