"""The floors of ``bounds``: its import graph has no cycle and never reaches ``empirical``.

The graph is read from the source with :mod:`ast`, not from ``sys.modules``: every
``import`` statement counts wherever it stands (module level, inside a function,
under ``if TYPE_CHECKING``), relative imports are resolved against the importing
module, and ``from . import x`` is an edge to the submodule ``x`` when there is
one (to the package's ``__init__`` otherwise). Python tolerates a cycle hidden in a
function body; a reader of the floors (CONTRIBUTING.md, "Code layout") does not, so it counts.
The checker is itself tested on small packages written to ``tmp_path``, one with a
cycle hidden in a function, so that a checker which never finds a cycle fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bounds

BOUNDS = Path(bounds.__file__).resolve().parent

#: CONTRIBUTING.md, "Conventions": a file past ~400 lines should be split (one
#: concept per module).
MAX_MODULE_LINES = 400


def _module_names(root: Path) -> dict[str, Path]:
    """Dotted name -> file of every module of the package at ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imported(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool
) -> list[str]:
    """Dotted names one import statement of ``module`` names: for ``from p import
    x, y`` that is ``p`` and ``p.x``, ``p.y`` (each may be a module or not)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        base = node.module or ""
    else:
        # The package a relative import starts from: the module's own name for
        # an __init__, its parent otherwise; one more level up per extra dot.
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, *([node.module] if node.module else [])])
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _edges(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules: set[str]
) -> set[str]:
    """Modules of the package that one import statement of ``module`` loads.

    ``import p.x`` loads the longest prefix that is a module; ``from p import x``
    loads ``p.x`` when that is a module, else ``p`` (x is a name defined there).
    """
    names = _imported(node, module, is_package)
    out = set()
    if isinstance(node, ast.Import):
        for name in names:
            parts = name.split(".")
            for k in range(len(parts), 0, -1):
                if ".".join(parts[:k]) in modules:
                    out.add(".".join(parts[:k]))
                    break
    else:
        base, *members = names
        out = {m if m in modules else base for m in members}
    return (out & modules) - {module}


def import_graph(root: Path) -> dict[str, set[str]]:
    """Edges ``module -> modules of the same package it imports``, from the source.

    Every import statement counts, at any depth of the syntax tree.
    """
    modules = _module_names(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph[name] |= _edges(
                    node, name, path.name == "__init__.py", set(modules)
                )
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle ``[a, b, ..., a]`` of ``graph``, or None (depth-first)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def outside_imports(root: Path, banned: str) -> list[str]:
    """``"module imports name"`` for every import of ``banned`` (or a submodule)."""
    out = []
    for name, path in _module_names(root).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _imported(node, name, path.name == "__init__.py"):
                    if target == banned or target.startswith(banned + "."):
                        out.append(f"{name} imports {target}")
    return sorted(set(out))


# ------------------------------------------------------------------ the package
def test_bounds_has_no_import_cycle() -> None:
    graph = import_graph(BOUNDS)
    # the walk found the modules and their edges
    assert "bounds._theorem" in graph["bounds._registry"]
    cycle = find_cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle or [])


def test_bounds_never_imports_empirical() -> None:
    assert outside_imports(BOUNDS, "empirical") == []


@pytest.mark.parametrize(
    "name", sorted(_module_names(BOUNDS)), ids=lambda name: name.split(".")[-1]
)
def test_bounds_modules_stay_small(name: str) -> None:
    lines = len(_module_names(BOUNDS)[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines"


# ------------------------------------------------------------------ the checker
def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_checker_finds_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "from ._a import f\n",
            "_a.py": "def f():\n    from ._b import g\n    return g\n",
            "_b.py": "from ._c import h\ng = h\n",
            "_c.py": "from . import _a\nh = 1\n",
        },
    )
    graph = import_graph(root)
    assert graph["pkg._c"] == {"pkg._a"}  # "from . import _a": the submodule only
    assert find_cycle(graph) == ["pkg._a", "pkg._b", "pkg._c", "pkg._a"]


def test_checker_resolves_nested_relative_imports(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "_low.py": "X = 1\n",
            "sub/__init__.py": "from .._low import X\nfrom ._leaf import Y\n",
            "sub/_leaf.py": "import pkg._low\nY = 2\n",
        },
    )
    graph = import_graph(root)
    assert graph["pkg.sub"] == {"pkg._low", "pkg.sub._leaf"}
    assert graph["pkg.sub._leaf"] == {"pkg._low"}
    assert find_cycle(graph) is None
    # "from pkg import Z", Z a name the package's __init__ defines: an edge to
    # the package itself, whose __init__ imports the rest
    (root / "__init__.py").write_text("from .sub import Y as Z\n", encoding="utf-8")
    (root / "_low.py").write_text("def f():\n    from pkg import Z\n", encoding="utf-8")
    assert find_cycle(import_graph(root)) == ["pkg", "pkg.sub", "pkg._low", "pkg"]


def test_checker_sees_an_import_of_the_simulator(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "_a.py": "if True:\n    import empirical.nets as nets\n",
            "_b.py": "def f():\n    from empirical import sweep\n",
            "_c.py": "import empirical_tools\n",  # another package: no match
        },
    )
    assert outside_imports(root, "empirical") == [
        "pkg._a imports empirical.nets",
        "pkg._b imports empirical",
        "pkg._b imports empirical.sweep",
    ]
