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


def imported_modules(trees: list[Path], *, fixtures: bool = False) -> set[str]:
    """Top-level modules imported anywhere in ``trees`` (in functions too), but the standard library's and
    ours; ``testing.py`` (fixtures for the suites, run with the dev group) only when ``fixtures``."""
    found: set[str] = set()
    for tree in trees:
        for path in tree.rglob("*.py"):
            if (path.name == "testing.py") != fixtures:
                continue
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


def dev_group() -> dict[str, str]:
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]
    return {normalise(re.split(r"[\[=<>!~ ;]", r, maxsplit=1)[0]): r for r in groups["dev"]}


def test_every_import_of_the_tests_and_benches_is_declared() -> None:
    """The suites, fixtures and benchmarks run in the workspace's environment with the dev group: what
    they import beyond the projects' own dependencies must be in that group."""
    trees = [ROOT / "tests", ROOT / "bench", ROOT / "shared/tests", *(ROOT / "services").glob("*/tests"),
             *(ROOT / "services").glob("*/migrations")]
    available = set(dev_group())
    for pyproject, _trees in PROJECTS.values():
        available |= set(declared(pyproject))
    providers = importlib.metadata.packages_distributions()
    modules = imported_modules(trees) | imported_modules([ROOT / "shared/src", *(ROOT / "services").glob("*/src")],
                                                          fixtures=True)
    missing = [f"{module} (from {', '.join(sorted(providers.get(module, ['nothing installed'])))})"
               for module in sorted(modules - _local_modules(trees))
               if not {normalise(d) for d in providers.get(module, [])} & available]
    assert not missing, f"pyproject.toml's dev group does not declare: {missing}"
    unpinned = [r for r in dev_group().values() if "==" not in r]
    assert not unpinned, f"dev group not pinned: {unpinned}"


def _local_modules(trees: list[Path]) -> set[str]:
    """Modules of the test trees themselves (``conftest``, helpers imported by a suite)."""
    return {path.stem for tree in trees for path in tree.rglob("*.py")} | {
        path.name for tree in trees for path in tree.rglob("*") if path.is_dir()}


SUPPORTED = ("3.11", "3.12", "3.13")


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_every_project_supports_the_same_pythons(project: str) -> None:
    metadata = tomllib.loads(PROJECTS[project][0].read_text(encoding="utf-8"))["project"]
    assert metadata["requires-python"] == f">=3.11,<3.{int(SUPPORTED[-1].split('.')[1]) + 1}"
    versions = [c.rsplit(" :: ", 1)[1] for c in metadata["classifiers"]
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert tuple(versions) == SUPPORTED
    # the code keeps to the oldest: ruff's target
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["target-version"] == "py311"
