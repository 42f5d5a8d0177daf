"""Every activity the orchestrators call exists, takes the input they build, and every registered activity
is called: the orchestrators call an activity only through its input contract (domain/contracts.py),
which names it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from domain import contracts

ROOT = Path(__file__).resolve().parents[2]


def registered(trigger: str) -> set[str]:
    """Functions decorated with `@bp.<trigger>` in the packages function_app.py composes."""
    names = set()
    for package in ("activities", "orchestrators", "triggers"):
        for path in (ROOT / package).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                        isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == trigger
                        for d in node.decorator_list):
                    names.add(node.name)
    return names


def contracts_naming(attribute: str) -> dict[str, str]:
    """Contract class name -> the activity (or orchestration) it is the input of."""
    return {name: getattr(cls, attribute) for name, cls in inspect.getmembers(contracts, inspect.isclass)
            if cls.__module__ == contracts.__name__ and getattr(cls, attribute, None)}


def orchestrator_calls() -> tuple[set[str], list[str]]:
    """Names the orchestrators call (constructors included), and any activity called by a literal name."""
    called, literal = set(), []
    for path in (ROOT / "orchestrators").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name):
                called.add(node.func.id)
            if isinstance(node.func, ast.Attribute) and node.func.attr.startswith(("call_activity", "call_sub")):
                if node.args and isinstance(node.args[0], ast.Constant):
                    literal.append(f"{path.name}:{node.lineno}")
    return called, literal


def test_every_activity_input_names_a_registered_activity_and_every_registered_activity_has_one():
    assert sorted(contracts_naming("activity").values()) == sorted(registered("activity_trigger"))


def test_every_orchestration_input_names_a_registered_orchestration():
    assert sorted(contracts_naming("orchestration").values()) == sorted(registered("orchestration_trigger"))


def test_the_orchestrators_build_every_activity_input_and_call_no_activity_by_a_bare_name():
    called, literal = orchestrator_calls()
    assert literal == []
    assert set(contracts_naming("activity")) - called == set()
