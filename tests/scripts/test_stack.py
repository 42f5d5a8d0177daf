"""`make up`'s .local/stack.env: every setting of CONTRACT §1, keys included and kept across restarts."""

from __future__ import annotations

from pathlib import Path

from scripts import stack


def _services(tmp_path: Path) -> tuple[stack.ArmEmulator, stack.Azurite]:
    """The endpoints of services that are not started: stack_settings only reads their addresses."""
    arm = stack.ArmEmulator("arm_emulator", None, tmp_path / "a.log", port=8443, state_dir=tmp_path / "arm")
    azurite = stack.Azurite("azurite", None, tmp_path / "z.log", blob_port=10000, queue_port=10001, table_port=10002)
    return arm, azurite


def test_stack_env_names_every_setting_with_distinct_keys(tmp_path):
    arm, azurite = _services(tmp_path)
    settings = stack.stack_settings(arm, azurite, 7071, 0.01, previous={})
    assert set(settings) == {"ARM_ENDPOINT", "ARM_CA_BUNDLE", "ARM_CREDENTIAL", "FUNCTIONS_URL", "FUNCTION_KEY",
                             "MASTER_KEY", "DURABLE_SYSTEM_KEY", "EVENTGRID_SYSTEM_KEY", "WEBHOOK_SIGNING_KEY",
                             "AzureWebJobsStorage", "TIME_SCALE", "KEYVAULT_ENDPOINT"}
    assert settings["KEYVAULT_ENDPOINT"] == settings["ARM_ENDPOINT"] == "https://127.0.0.1:8443"
    assert settings["FUNCTION_KEY"] == stack.DEFAULT_FUNCTION_KEY  # the one docs/api.md shows
    keys = [settings[name] for name in (*stack.ACCESS_KEY_SETTINGS, "WEBHOOK_SIGNING_KEY")]
    assert len(set(keys)) == len(keys) and all(len(k) >= 32 for k in keys[1:])


def test_keys_are_kept_across_make_down_and_make_up(tmp_path):
    arm, azurite = _services(tmp_path)
    first = stack.stack_settings(arm, azurite, 7071, 1, previous={})
    again = stack.stack_settings(arm, azurite, 7071, 1, previous=first)
    assert again == first
    assert stack.stack_settings(arm, azurite, 7071, 1, previous={})["MASTER_KEY"] != first["MASTER_KEY"]
