"""The import table of docs/architecture.md, checked on the source: each layer imports only what it may."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP_PACKAGES = ("domain", "gateway", "activities", "orchestrators", "triggers")
STAND_INS = ("devhost", "arm_emulator", "scripts", "bench", "tests")

# package -> top-level modules (or dotted prefixes) it must never import. Whatever is not first-party
# and not listed is allowed (the stdlib, and the third-party packages the table names).
NEVER: dict[str, tuple[str, ...]] = {
    "domain": ("azure", "gateway", "activities", "orchestrators", "triggers", "function_app"),
    "gateway": ("azure.functions", "azure.durable_functions", "activities", "orchestrators", "triggers",
                "function_app"),
    "activities": ("orchestrators", "triggers", "function_app"),
    "orchestrators": ("gateway", "activities", "triggers", "function_app", "azure.functions", "azure.core",
                      "azure.mgmt", "azure.storage", "azure.identity"),
    "triggers": ("orchestrators", "activities", "function_app"),
}


def imports(path: Path) -> list[str]:
    """Every module `path` imports, at any depth (imports inside functions count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def app_files() -> list[tuple[str, Path]]:
    files = [(package, path) for package in APP_PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    return files + [("function_app", ROOT / "function_app.py")]


def forbidden(module: str, banned: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in banned)


@pytest.mark.parametrize("package", list(NEVER))
def test_each_layer_imports_only_what_the_architecture_allows(package):
    offences = [f"{path.relative_to(ROOT)} imports {module}"
                for owner, path in app_files() if owner == package
                for module in imports(path) if forbidden(module, NEVER[package])]
    assert offences == []


def test_app_code_never_imports_the_local_stand_ins_or_the_tests():
    offences = [f"{path.relative_to(ROOT)} imports {module}"
                for _, path in app_files() for module in imports(path) if forbidden(module, STAND_INS)]
    assert offences == []


def test_the_checks_see_an_offence_when_there_is_one(tmp_path):
    offender = tmp_path / "offender.py"
    offender.write_text("def later():\n    from gateway.storage import TargetLocks\n    import devhost.clock\n")
    found = imports(offender)
    assert forbidden(found[0], NEVER["domain"]) and forbidden(found[1], STAND_INS)
    assert not forbidden("gatewayish", NEVER["domain"])
