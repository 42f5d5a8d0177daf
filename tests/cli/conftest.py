"""The CLI's end-to-end tests run on the same private local stack as tests/e2e."""

from tests.e2e.conftest import api, devhost, emulator_admin, seeded, seeder, target  # noqa: F401
