"""The deployment package, built the way `func pack` builds it (every file of the project directory
but those .funcignore matches, gitignore syntax), holds the app and nothing of the local stand-ins;
and the app imports and indexes from that package alone. `azd up` deploys the same directory."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.infra.code_facts import APP_SOURCES, ROOT


class IgnoreRules:
    """The subset of gitignore syntax .funcignore files use: globs, a trailing `/` for directories,
    a leading or inner `/` anchoring to the root, `!` re-including."""

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, bool, bool, str]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            line = line.lstrip("!")
            directory_only = line.endswith("/")
            line = line.rstrip("/")
            anchored = "/" in line
            self.rules.append((negate, directory_only, anchored, line.lstrip("/")))

    def ignored(self, relative: str, is_dir: bool) -> bool:
        result = False
        for negate, directory_only, anchored, pattern in self.rules:
            if directory_only and not is_dir:
                continue
            subject = relative if anchored else relative.rsplit("/", 1)[-1]
            if fnmatch.fnmatchcase(subject, pattern):
                result = not negate
        return result


def build_package(root: Path, destination: Path) -> list[str]:
    """Zip `root` as `func pack` does: walk it, skip what .funcignore matches (an ignored directory's
    contents included), keep the rest. Returns the archive's names."""
    rules = IgnoreRules((root / ".funcignore").read_text())
    names: list[str] = []
    with zipfile.ZipFile(destination, "w") as archive:
        for directory, subdirectories, files in os.walk(root):
            base = Path(directory).relative_to(root).as_posix()
            prefix = "" if base == "." else base + "/"
            subdirectories[:] = sorted(d for d in subdirectories if not rules.ignored(prefix + d, is_dir=True))
            for name in sorted(files):
                relative = prefix + name
                if not rules.ignored(relative, is_dir=False):
                    archive.write(Path(directory) / name, relative)
                    names.append(relative)
    return names


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> tuple[Path, list[str]]:
    destination = tmp_path_factory.mktemp("package") / "vmss-bluegreen.zip"
    return destination, build_package(ROOT, destination)


def test_the_ignore_rules_follow_gitignore_semantics():
    rules = IgnoreRules("tests/\n*.pyc\n/Makefile\n.git*\n!keep.pyc\n")
    assert rules.ignored("tests", is_dir=True) and not rules.ignored("tests", is_dir=False)
    assert rules.ignored("gateway/x.pyc", is_dir=False) and not rules.ignored("gateway/keep.pyc", is_dir=False)
    assert rules.ignored("Makefile", is_dir=False) and not rules.ignored("docs/Makefile", is_dir=False)
    assert rules.ignored(".git", is_dir=False) and rules.ignored(".gitignore", is_dir=False)


def test_the_package_holds_the_app_and_none_of_the_local_tools(package):
    _zip, names = package
    tops = {name.split("/", 1)[0] for name in names}
    assert {"function_app.py", "host.json", "requirements.txt"} <= set(names)
    for source in APP_SOURCES:
        assert source in tops, f"{source} is missing from the package"
        if (ROOT / source).is_dir():
            assert f"{source}/__init__.py" in names
    for excluded in ("devhost", "arm_emulator", "tests", "bench", "scripts", "docs", "infra", ".venv",
                     "node_modules", ".local", ".ci", "azure.yaml", "local.settings.json", "Makefile",
                     "requirements-dev.txt", "package.json"):
        assert excluded not in tops, f"{excluded} is in the package"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_the_packaged_app_imports_and_registers_its_functions_without_the_rest_of_the_repository(
        package, tmp_path):
    archive, _names = package
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(tmp_path)
    probe = ("import function_app; names = sorted(f.get_function_name() for f in function_app.app.get_functions()); "
             "print(','.join(names))")
    # -I: no current directory, no PYTHONPATH, no user site: only the extracted package and the venv.
    result = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, '.'); {probe}"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={"PATH": os.environ.get("PATH", "")})
    assert result.returncode == 0, result.stderr[-3000:]
    functions = result.stdout.strip().split(",")
    assert "image_version_published" in functions and len(functions) > 5, functions


def test_azd_provisions_infra_main_and_deploys_this_directory_to_the_tagged_function_app():
    from tests.infra.bicep import parse

    text = (ROOT / "azure.yaml").read_text()
    setting = dict(re.findall(r"^\s+(provider|path|module|project|language|host):\s*(\S+)\s*$", text, re.MULTILINE))
    assert setting == {"provider": "bicep", "path": "infra", "module": "main", "project": ".",
                       "language": "python", "host": "function"}
    service = re.search(r"^services:\n\s+(\w+):", text, re.MULTILINE).group(1)
    assert (ROOT / setting["path"] / f"{setting['module']}.bicep").is_file()
    site = parse(ROOT / "infra" / "modules" / "function-app.bicep").resources["site"]
    tags = site.body.entries["tags"].objects()[0]
    assert tags.entries["azd-service-name"].literal() == service
    parameters = json.loads((ROOT / "infra" / "main.parameters.json").read_text())["parameters"]
    main = parse(ROOT / "infra" / "main.bicep")
    assert set(parameters) <= set(main.params)
