"""`make install` puts the `vmssbg` console script (pyproject's entry point) beside the venv's Python."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from scripts.stack import ROOT
from vmssbg import __version__


def test_pyproject_declares_the_vmssbg_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"vmssbg": "vmssbg.cli:main"}


def test_the_installed_vmssbg_command_runs():
    script = Path(sys.executable).with_name("vmssbg")
    assert script.exists(), f"{script} is missing: `make install` installs it (pip install -e . --no-deps)"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"vmssbg, version {__version__}", result
