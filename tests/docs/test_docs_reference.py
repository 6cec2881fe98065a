"""Every public name has an entry in the API reference of the documentation site.

The local equivalent of optax's coverage check: ``docs/sitegen/api.py`` decides
where each name of ``bounds.__all__`` and ``empirical.__all__`` is documented;
these tests check that the mapping is complete, that each entry renders the very
object the package exports, and that a public name without a docstring stops the
build instead of getting an empty entry. Fast: nothing is built.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import bounds

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def api() -> Iterator[ModuleType]:
    sys.path.insert(0, str(DOCS))
    try:
        yield importlib.import_module("sitegen.api")
    finally:
        sys.path.remove(str(DOCS))


def _resolve(dotted: str) -> object:
    module, _, name = dotted.rpartition(".")
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        return getattr(importlib.import_module(module), name)


def test_every_public_name_has_exactly_one_entry(api: ModuleType) -> None:
    public = {
        f"{pkg}.{name}"
        for pkg in api.PACKAGES
        for name in importlib.import_module(pkg).__all__
    }
    anchors = [e.anchor for e in api.entries()]
    assert len(anchors) == len(set(anchors))
    assert set(anchors) == public, set(anchors) ^ public


def test_each_entry_documents_the_exported_object(api: ModuleType) -> None:
    for e in api.entries():
        exported = getattr(importlib.import_module(e.package), e.name)
        if e.kind == "data":
            assert getattr(_resolve(e.identifier), e.name) is exported, e
        else:
            assert _resolve(e.identifier) is exported, e


def test_each_entry_is_on_its_page(api: ModuleType) -> None:
    entries = api.entries()
    pages = {p: api.package_page(p, entries) for p in api.PACKAGES}
    for e in entries:
        if e.kind == "module":
            assert f"::: {e.identifier}" in api.module_page(e)
        elif e.kind == "object":
            assert f"{{#{e.anchor}}}" in pages[e.package]
            assert f"::: {e.identifier}\n" in pages[e.package]
        else:
            assert f"{{#{e.anchor}}}" in pages[e.package]
    index = api.index_page(entries)
    assert all(f"[`{e.anchor}`]" in index for e in entries)


def test_an_undocumented_public_name_stops_the_build(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    def undocumented() -> None:
        pass

    monkeypatch.setattr(bounds, "undocumented", undocumented, raising=False)
    monkeypatch.setattr(bounds, "__all__", [*bounds.__all__, "undocumented"])
    cli = importlib.import_module("sitegen.cli")
    with pytest.raises(
        cli.DocsBuildError, match=r"bounds\.undocumented .*no docstring"
    ):
        api.entries()


def test_a_class_inheriting_its_docstring_counts_as_undocumented(
    api: ModuleType,
) -> None:
    class Child(bounds.InvalidParameterError):
        pass

    assert api._own_doc(Child) == ""
    assert api._own_doc(bounds.InvalidParameterError)
