"""The floors of ``empirical``: no import cycle, and every import goes down or level.

The import graph is read from the source with the checker of
``tests/bounds/test_bounds_layout.py`` (:mod:`ast`; every import statement counts,
module level, inside functions and under ``TYPE_CHECKING``; relative imports
resolved; ``from p import x`` is an edge to the submodule ``p.x`` where one
exists). That file checks ``bounds`` alone; this one checks

(a) no import cycle in ``empirical`` (and, once more, in ``bounds``), printing the
    cycle found;
(b) ``empirical``'s subpackages are floors: a module imports only from its own
    floor or the floors below it (:data:`FLOORS`, lowest first), and no module
    sits outside a floor;
(c) ``bounds`` never imports ``empirical``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bounds.test_bounds_layout import find_cycle, import_graph, outside_imports

ROOT = Path(__file__).resolve().parents[1]

#: The floors of ``empirical``, lowest first. A module belongs to the longest entry
#: that is its dotted name or a package above it; ``empirical`` itself (the lazy
#: facade of ``__init__.py``) is the top floor.
FLOORS = (
    "empirical._lazy",
    "empirical.problems",
    "empirical.schedules",
    "empirical.simulators",
    "empirical.measurement",
    "empirical.distributed",
    "empirical.runs",
    "empirical.cli",
    "empirical",
)


def floor_of(module: str) -> int:
    """Index in :data:`FLOORS` of the floor that ``module`` belongs to."""
    best = max(
        (f for f in FLOORS if module == f or module.startswith(f + ".")), key=len
    )
    return FLOORS.index(best)


@pytest.fixture(scope="module")
def empirical_graph() -> dict[str, set[str]]:
    return import_graph(ROOT / "empirical")


def test_graph_is_read(empirical_graph: dict[str, set[str]]) -> None:
    """Not vacuous: the graph holds the floors and the edges between them."""
    assert "empirical.cli._cli" in empirical_graph
    assert (
        "empirical.measurement._measure"
        in empirical_graph["empirical.measurement._verdict"]
    )
    assert sum(len(v) for v in empirical_graph.values()) > 50


@pytest.mark.parametrize("package", ["empirical", "bounds"])
def test_no_import_cycle(package: str) -> None:
    cycle = find_cycle(import_graph(ROOT / package))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_every_module_has_a_floor(empirical_graph: dict[str, set[str]]) -> None:
    """No module sits loose in ``empirical/`` beside the subpackages."""
    loose = [m for m in empirical_graph if FLOORS[floor_of(m)] == "empirical"]
    assert loose == ["empirical"]


def test_floors_import_only_downwards(empirical_graph: dict[str, set[str]]) -> None:
    upward = [
        f"{m} ({FLOORS[floor_of(m)]}) imports {t} ({FLOORS[floor_of(t)]})"
        for m, targets in sorted(empirical_graph.items())
        for t in sorted(targets)
        if floor_of(t) > floor_of(m)
    ]
    assert upward == []


def test_floor_check_sees_an_upward_import() -> None:
    """The floor rule can fail: a problems module importing a simulator."""
    assert floor_of("empirical.problems._data") < floor_of(
        "empirical.simulators.linear._simulate"
    )
    assert floor_of("empirical.simulators.nets._models") == floor_of(
        "empirical.simulators.linear._kernels"
    )
    assert FLOORS[floor_of("empirical")] == "empirical"


def test_bounds_never_imports_empirical() -> None:
    assert outside_imports(ROOT / "bounds", "empirical") == []


def test_no_subpackage_shadows_a_public_name() -> None:
    """A subpackage named like a public name (``empirical.measure`` was one) replaces
    that name on the package as soon as anything imports the subpackage."""
    import importlib
    import pkgutil

    import empirical

    subpackages = {m.name for m in pkgutil.iter_modules(empirical.__path__) if m.ispkg}
    assert not subpackages & set(empirical.__all__)
    for sub in subpackages:  # importing every floor leaves the public names intact
        importlib.import_module(f"empirical.{sub}")
    assert callable(empirical.measure)
    assert empirical.measure.__module__ == "empirical.measurement._measure"
