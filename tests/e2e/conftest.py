"""End to end: the real function_app.py in devhost, against the ARM emulator (HTTPS) and Azurite."""

from __future__ import annotations

import itertools
import os
import secrets
import ssl
import uuid

import httpx
import pytest

from gateway.credentials import StaticTokenCredential
from scripts import stack
from scripts.seed import Seeder, Target
from tests.conftest import TEST_TIME_SCALE
from tests.support.api import DeployerApi

SUBSCRIPTION_ID = "8f7a6b5c-1d2e-4f30-9a8b-7c6d5e4f3a2b"
_counter = itertools.count(1)
# The app setting notifications are signed with; the tests' webhook receivers check signatures with it.
WEBHOOK_SIGNING_KEY = secrets.token_urlsafe(32)


def devhost_settings(arm_emulator, azurite, **extra: str) -> dict[str, str]:
    """The app settings of a test devhost on the private emulator and Azurite, plus `extra`."""
    return {
        "ARM_ENDPOINT": arm_emulator.endpoint,
        "ARM_CA_BUNDLE": str(arm_emulator.ca_bundle),
        "ARM_CREDENTIAL": "emulator",
        "KEYVAULT_ENDPOINT": arm_emulator.endpoint,
        "ARM_POLLING_INTERVAL_SECONDS": "0.05",
        "AzureWebJobsStorage": azurite.connection_string,
        "TIME_SCALE": str(TEST_TIME_SCALE),
        **extra,
    }


def start_test_devhost(state, settings: dict[str, str]):
    """devhost on a free port, its durable state and log under `state`."""
    return stack.start_devhost(stack.ROOT, settings, time_scale=TEST_TIME_SCALE, log_path=state / "devhost.log",
                               extra_args=["--state-dir", str(state / "state")])


@pytest.fixture(scope="session")
def devhost(arm_emulator, azurite, tmp_path_factory):
    # function, master and system keys, checked as on Azure (the Durable and Event Grid webhooks take
    # their system key, not the function key)
    host = start_test_devhost(tmp_path_factory.mktemp("devhost"), devhost_settings(
        arm_emulator, azurite, WEBHOOK_SIGNING_KEY=WEBHOOK_SIGNING_KEY, **stack.new_keys()))
    yield host
    host.stop()


@pytest.fixture(scope="session")
def api(devhost) -> DeployerApi:
    return DeployerApi(devhost.url, devhost.function_key)


@pytest.fixture
def target(arm_emulator) -> Target:
    """A fresh resource group per test, so tests never see each other's scale sets."""
    return Target(SUBSCRIPTION_ID, f"rg-e2e-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:6]}")


@pytest.fixture
def seeder(arm_emulator, target) -> Seeder:
    seeder = Seeder(StaticTokenCredential(), target, arm_emulator.endpoint, str(arm_emulator.ca_bundle),
                    polling_interval=0.02)
    return seeder


@pytest.fixture
def seeded(seeder) -> list[str]:
    """The demo target with image versions 1.0.0 and 1.1.0; returns their ids."""
    return seeder.everything(("1.0.0", "1.1.0"))


@pytest.fixture
def emulator_admin(arm_emulator) -> httpx.Client:
    return httpx.Client(base_url=arm_emulator.endpoint, verify=ssl.create_default_context(cafile=str(arm_emulator.ca_bundle)), timeout=30)


def spec_for(target: Target, image_id: str, **overrides) -> dict:
    spec = {
        "subscriptionId": target.subscription_id,
        "resourceGroup": target.resource_group,
        "app": "web", "service": "api", "env": "prod",
        "baseVmss": target.base_vmss,
        "image": image_id,
        "instances": {"mode": "fixed", "min": 1, "max": 4, "desired": 2},
        "loadBalancer": target.load_balancer,
        "prodBackendPool": target.prod_pool,
        "stageBackendPool": target.stage_pool,
        "steadyStateTimeoutMinutes": 10,
        "pollIntervalSeconds": 5,
    }
    spec.update(overrides)
    return spec


def profile_for(target: Target, **overrides) -> dict:
    """A deployment profile following the target's gallery image definition."""
    profile = spec_for(target, target.image_version_id("1.0.0"))
    del profile["image"]
    profile["imageDefinition"] = target.image_definition_id
    profile.update(overrides)
    return profile
