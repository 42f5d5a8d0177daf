"""The end-to-end fixtures (devhost, the ARM emulator, Azurite, a seeded target) for the least-privilege run."""

from tests.e2e.conftest import api, devhost, emulator_admin, seeded, seeder, target  # noqa: F401
