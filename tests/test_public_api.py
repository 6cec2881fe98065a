"""Every exported name imports and has a docstring; every theorem has a reference."""

from __future__ import annotations

import importlib
import inspect

import pytest

import bounds
from bounds import THEOREMS, Theorem

PACKAGES = ["bounds", "bounds.strategies", "empirical"]


def _exports() -> list[tuple[str, str]]:
    out = []
    for pkg in PACKAGES:
        module = importlib.import_module(pkg)
        out += [(pkg, name) for name in getattr(module, "__all__", [])]
    return out


def test_bounds_exports_something() -> None:
    assert "THEOREMS" in bounds.__all__
    assert "strategies" in bounds.__all__
    assert len(set(bounds.__all__)) == len(bounds.__all__)


@pytest.mark.parametrize(("pkg", "name"), _exports(), ids=lambda x: str(x))
def test_export_imports_and_has_docstring(pkg: str, name: str) -> None:
    module = importlib.import_module(pkg)
    obj = getattr(module, name)
    if isinstance(
        obj, dict
    ):  # a registry (THEOREMS, LOSSES): its entries are documented
        assert obj
        assert all(inspect.getdoc(type(v)) for v in obj.values())
        return
    doc = inspect.getdoc(obj)
    assert (doc or "").strip(), f"{pkg}.{name} has no docstring"


@pytest.mark.parametrize("theorem", list(THEOREMS.values()), ids=lambda t: t.key)
def test_every_theorem_has_a_reference(theorem: Theorem) -> None:
    ref = theorem.reference
    assert ref.authors
    assert ref.title
    assert ref.year
    assert ref.locator
    assert ref.bibtex_key
    assert theorem.reference.bibtex_key in bounds.citation(theorem.key)
    assert bounds.get_theorem(theorem.registry_key) is theorem
    assert bounds.get_theorem(theorem.key) is theorem
