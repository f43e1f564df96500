"""Every package a project's code imports is declared, pinned, in that project's own
pyproject.toml: a package that arrives only as someone else's dependency can vanish with
their next release."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# each project: its pyproject and the source trees it ships
PROJECTS = {
    "kaohe": (ROOT / "pyproject.toml", [ROOT / "src"]),
    "kaohe-shared": (ROOT / "shared/pyproject.toml", [ROOT / "shared/src"]),
    **{f"kaohe-{name}": (ROOT / f"services/{name}/pyproject.toml", [ROOT / f"services/{name}/src"])
       for name in ("records", "scoring", "quota", "gateway")},
}
OURS = {"kaohe", "shared", "records", "scoring", "quota", "gateway"}
WORKSPACE = {"kaohe-shared", "kaohe-records", "kaohe-scoring", "kaohe-quota", "kaohe-gateway"}


def imported_modules(trees: list[Path]) -> set[str]:
    found: set[str] = set()
    for tree in trees:
        for path in tree.rglob("*.py"):
            if path.name == "testing.py":
                continue  # fixtures for the test suites, run under the dev group that declares pytest
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return found - OURS - set(sys.stdlib_module_names) - {"__future__"}


def declared(pyproject: Path) -> dict[str, str]:
    """Distribution name (normalised) → its requirement string."""
    requirements = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    return {normalise(re.split(r"[\[=<>!~ ;]", r, maxsplit=1)[0]): r for r in requirements}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependencies_of(distribution: str) -> set[str]:
    """The names of ``distribution``'s own (unconditional) requirements, as installed."""
    names = set()
    for requirement in importlib.metadata.requires(distribution) or []:
        if "extra ==" not in requirement:
            names.add(normalise(re.split(r"[\[=<>!~ ;(]", requirement, maxsplit=1)[0]))
    return names


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_every_import_is_declared_and_pinned(project: str) -> None:
    pyproject, trees = PROJECTS[project]
    mine = declared(pyproject)
    # a workspace project's declared dependencies come with it (records imports what shared declares)
    inherited = set()
    for name in mine.keys() & WORKSPACE:
        inherited |= set(declared(PROJECTS[name][0]))
    providers = importlib.metadata.packages_distributions()
    missing = []
    for module in sorted(imported_modules(trees)):
        distributions = {normalise(d) for d in providers.get(module, [])}
        assert distributions, f"{project} imports {module}, which no installed distribution provides"
        if not distributions & (set(mine) | inherited):
            missing.append(f"{module} (from {', '.join(sorted(distributions))})")
    assert not missing, f"{pyproject.relative_to(ROOT)} does not declare: {missing}"
    unpinned = [r for name, r in mine.items() if name not in WORKSPACE and "==" not in r]
    assert not unpinned, f"{pyproject.relative_to(ROOT)}: not pinned: {unpinned}"


def test_the_check_sees_an_undeclared_import() -> None:
    # rich is only a dependency of typer: importing it needs its own declaration
    assert "rich" in dependencies_of("typer")
    assert "rich" in imported_modules([ROOT / "src"])
