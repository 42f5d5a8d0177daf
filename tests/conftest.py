"""Session fixtures: private copies of the local stand-ins on free loopback ports.

Each pytest-xdist worker starts its own, so workers never share state.
"""

from __future__ import annotations

import os

import pytest

from scripts import stack

TEST_TIME_SCALE = float(os.environ.get("TEST_TIME_SCALE", "0.01"))


@pytest.fixture(scope="session")
def arm_emulator(tmp_path_factory):
    """The ARM emulator over HTTPS, with throttling on and a fast simulated clock."""
    base = tmp_path_factory.mktemp("arm")
    emulator = stack.start_arm_emulator(base / "state", time_scale=TEST_TIME_SCALE, log_path=base / "arm.log")
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session")
def azurite(tmp_path_factory):
    base = tmp_path_factory.mktemp("azurite")
    service = stack.start_azurite(base / "data", log_path=base / "azurite.log")
    yield service
    service.stop()
