"""The import graph of ``bounds`` and ``empirical``, read from the source with ``ast``.

Every import counts: at module level, inside functions, and under
``TYPE_CHECKING`` (a circle of type-only imports is still a circle a reader has to
untangle). Relative imports are resolved against the importing module, and
``from package import name`` points at the submodule ``package.name`` where one
exists. The test asserts

(a) no import cycle, in either package (the cycle found is printed);
(b) ``empirical``'s subpackages are floors: a module imports only from its own
    floor or the floors below it (:data:`FLOORS`, lowest first);
(c) ``bounds`` never imports ``empirical``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bounds", "empirical")

#: The floors of ``empirical``, lowest first. A module belongs to the longest entry
#: that is a prefix of its dotted name; ``empirical`` itself (the lazy facade of
#: ``__init__.py``) is the top floor.
FLOORS = (
    "empirical._lazy",
    "empirical.problems",
    "empirical.schedules",
    "empirical.simulators",
    "empirical.measure",
    "empirical.distributed",
    "empirical.runs",
    "empirical.cli",
    "empirical",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Dotted name -> source file of every module of :data:`PACKAGES`."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The modules of :data:`PACKAGES` that module ``name`` imports (all levels)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _resolve(alias.name, known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    yield sub
                else:
                    yield from _resolve(target, known)


def _resolve(dotted: str, known: set[str]) -> Iterator[str]:
    """``dotted`` itself if it is a known module, else its longest known parent."""
    while dotted:
        if dotted in known:
            yield dotted
            return
        dotted = dotted.rpartition(".")[0]


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {
        name: {t for t in _imports(name, path, known) if t != name}
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None (iterative DFS)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if state.get(start):
            continue
        path: list[str] = [start]
        stack: list[Iterator[str]] = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def floor_of(module: str) -> int:
    """Index in :data:`FLOORS` of the floor that ``module`` belongs to."""
    best = max(
        (f for f in FLOORS if module == f or module.startswith(f + ".")),
        key=len,
    )
    return FLOORS.index(best)


def test_graph_sees_the_packages() -> None:
    """The graph is not vacuous: it holds both packages and real edges."""
    graph = _graph()
    assert {"bounds", "empirical"} <= set(graph)
    assert sum(len(v) for v in graph.values()) > 100


def test_find_cycle_finds_a_planted_cycle() -> None:
    """The cycle finder itself can fail a test."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize(
    "package",
    [
        pytest.param(
            "bounds",
            # bounds' circle (_theorem, _inverse, _recursion, _registry, _levels,
            # _deng) is broken on its own branch (issue 11, requirement 6); strict,
            # so that this marker fails the run once the circle is gone.
            marks=pytest.mark.xfail(strict=True, reason="bounds' import circle"),
        ),
        "empirical",
    ],
)
def test_no_import_cycle(package: str) -> None:
    graph = _graph()
    inside = {
        m: {t for t in ts if t.split(".")[0] == package}
        for m, ts in graph.items()
        if m.split(".")[0] == package
    }
    cycle = find_cycle(inside)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_every_empirical_module_has_a_floor() -> None:
    """No module sits loose in ``empirical/`` beside the subpackages."""
    loose = [
        m
        for m in _graph()
        if m.startswith("empirical.") and FLOORS[floor_of(m)] == "empirical"
    ]
    assert loose == []


def test_floors_import_only_downwards() -> None:
    graph = _graph()
    upward = [
        f"{m} ({FLOORS[floor_of(m)]}) imports {t} ({FLOORS[floor_of(t)]})"
        for m, ts in sorted(graph.items())
        if m.split(".")[0] == "empirical"
        for t in sorted(ts)
        if t.split(".")[0] == "empirical" and floor_of(t) > floor_of(m)
    ]
    assert upward == []


def test_bounds_never_imports_empirical() -> None:
    graph = _graph()
    leaks = [
        f"{m} imports {t}"
        for m, ts in sorted(graph.items())
        if m.split(".")[0] == "bounds"
        for t in sorted(ts)
        if t.split(".")[0] == "empirical"
    ]
    assert leaks == []
