"""A host killed mid-deployment and started again finishes the deployment (CONTRACT §6)."""

from __future__ import annotations

import os
import signal

import pytest

from scripts import stack
from tests.conftest import TEST_TIME_SCALE
from tests.e2e.conftest import spec_for
from tests.e2e.test_bluegreen_deployments import NEW_NAME, pool_member_scale_sets, scale_set_names
from tests.support.api import DeployerApi

pytestmark = pytest.mark.e2e


def start_host(arm_emulator, azurite, state_dir, log_path):
    settings = {
        "ARM_ENDPOINT": arm_emulator.endpoint, "ARM_CA_BUNDLE": str(arm_emulator.ca_bundle),
        "ARM_CREDENTIAL": "emulator", "ARM_POLLING_INTERVAL_SECONDS": "0.05",
        "AzureWebJobsStorage": azurite.connection_string, "FUNCTION_KEY": stack.DEFAULT_FUNCTION_KEY,
    }
    return stack.start_devhost(stack.ROOT, settings, time_scale=TEST_TIME_SCALE, log_path=log_path,
                               extra_args=["--state-dir", str(state_dir)])


def test_sigkill_during_upgrade_then_restart_completes_with_one_new_scale_set(
        arm_emulator, azurite, tmp_path, target, seeded):
    host = start_host(arm_emulator, azurite, tmp_path / "state", tmp_path / "host-1.log")
    try:
        api = DeployerApi(host.url, host.function_key)
        deployment = api.deploy(spec_for(target, seeded[0], pollIntervalSeconds=30))
        api.wait(deployment, phase="Upgrade", timeout=60)
    finally:
        os.killpg(host.proc.pid, signal.SIGKILL)
        host.proc.wait()

    restarted = start_host(arm_emulator, azurite, tmp_path / "state", tmp_path / "host-2.log")
    try:
        api = DeployerApi(restarted.url, restarted.function_key)
        view = api.wait(deployment, timeout=120)
        assert view["status"] == "Succeeded", api.log(deployment)
        assert {n for n in scale_set_names(arm_emulator, target) if n.startswith(NEW_NAME)} == {f"{NEW_NAME}__1"}
        assert pool_member_scale_sets(arm_emulator, target, target.prod_pool) == {f"{NEW_NAME}__1"}
    finally:
        restarted.stop()
