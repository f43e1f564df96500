"""No module of ``scoring.results`` imports one that imports it back, directly or around a circle:
each step of a close is a module with one job. Every import counts, also one inside a function."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import scoring.results

PACKAGE = "scoring.results"


def imports_of(path: Path, package: str, modules: set[str]) -> set[str]:
    """The modules of ``package`` (among ``modules``) that the file imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            if node.module in modules:
                found.add(node.module)
            if node.module == package:  # from scoring.results import close
                found |= {f"{package}.{alias.name}" for alias in node.names} & modules
    return found


def graph_of(package: str) -> dict[str, set[str]]:
    root = Path(scoring.results.__file__).parent
    files = {f"{package}.{path.stem}": path for path in root.glob("*.py") if path.stem != "__init__"}
    return {name: imports_of(path, package, set(files)) - {name} for name, path in files.items()}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The graph's strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_the_finder_finds_a_circle_and_only_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_the_finder_reads_every_kind_of_import(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import x.a\nfrom x.b import f\nfrom x import c\n\ndef g():\n    from x.d import h\n",
                      encoding="utf-8")
    assert imports_of(source, "x", {"x.a", "x.b", "x.c", "x.d", "x.e"}) == {"x.a", "x.b", "x.c", "x.d"}


def test_no_module_of_the_results_imports_one_that_imports_it_back() -> None:
    graph = graph_of(PACKAGE)
    assert {"scoring.results.close", "scoring.results.parts", "scoring.results.year"} <= set(graph)
    assert "scoring.results.parts" in graph["scoring.results.close"]  # the graph is read at all
    assert cycles(graph) == []
