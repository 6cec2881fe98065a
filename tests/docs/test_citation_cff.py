"""CITATION.cff: valid Citation File Format 1.2.0, in step with pyproject.toml and
with the registry's citations.

The schema itself is not bundled; the test checks what a reader of the file relies
on: the required keys, only keys the 1.2.0 schema defines, the version and licence
of pyproject.toml, and one reference per paper the registry cites (theorems,
rate-only entries, conversions), with the registry's title, year, authors, venue
and arXiv identifier, and no reference the registry does not cite.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

import bounds
from bounds import Reference

yaml = pytest.importorskip("yaml")
tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[2]

#: Top-level keys of the CFF 1.2.0 schema.
CFF_KEYS = {
    "abstract", "authors", "cff-version", "commit", "contact", "date-released",
    "doi", "identifiers", "keywords", "license", "license-url", "message",
    "preferred-citation", "references", "repository", "repository-artifact",
    "repository-code", "title", "type", "url", "version",
}  # fmt: skip

#: Keys of a CFF 1.2.0 reference that this file uses.
REFERENCE_KEYS = {
    "type", "title", "authors", "year", "journal", "collection-title", "url",
    "notes",
}  # fmt: skip


@pytest.fixture(scope="module")
def cff() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    )
    return data


def _cited() -> dict[str, Reference]:
    """bibtex key -> Reference of every paper the registry cites (not the project)."""
    refs = [t.reference for t in bounds.REGISTRY.values()]
    refs += [r.reference for r in bounds.RATES.values()]
    refs += [c.reference for c in bounds.CONVERSIONS.values()]
    out: dict[str, Reference] = {}
    for ref in refs:
        if ref.authors != "asyncstab developers":
            out.setdefault(ref.bibtex_key, ref)
    return out


def test_required_keys_and_pyproject(cff: dict[str, Any]) -> None:
    assert set(cff) <= CFF_KEYS, set(cff) - CFF_KEYS
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"].strip()
    assert cff["title"].strip()
    assert cff["type"] == "software"
    assert cff["authors"] == [{"name": "The asyncstab developers"}]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]
    assert cff["version"] == project["version"]
    assert cff["license"] == project["license"]
    # YAML reads an unquoted ISO date as a date: a string would be refused by the
    # schema's "date" format only if malformed, so the type is checked here.
    assert isinstance(cff["date-released"], datetime.date)
    assert cff["date-released"] == datetime.date(2026, 12, 3)


def test_every_registry_citation_is_a_reference(cff: dict[str, Any]) -> None:
    cited = _cited()
    # The papers of the brief's list are among them (a registry that lost one
    # would otherwise shrink the check).
    assert {r.year for r in cited.values()} >= {2016, 2019, 2020, 2024, 2025, 2026}
    by_title = {r["title"]: r for r in cff["references"]}
    assert len(by_title) == len(cff["references"]), "a title appears twice"
    for key, ref in cited.items():
        entry = by_title.get(ref.title)
        assert entry is not None, f"{key} ({ref.title!r}) is not in CITATION.cff"
        assert set(entry) <= REFERENCE_KEYS, (key, set(entry) - REFERENCE_KEYS)
        assert entry["year"] == ref.year, key
        names = [f"{a['given-names']} {a['family-names']}" for a in entry["authors"]]
        assert tuple(names) == ref.author_list, key
        if ref.entry_type == "article":
            assert (entry["type"], entry["journal"]) == ("article", ref.venue), key
        else:
            assert entry["type"] == "conference-paper", key
            assert entry["collection-title"] == ref.venue, key
        if ref.arxiv:
            assert entry["url"] == f"https://arxiv.org/abs/{ref.arxiv}", key
        else:
            assert "url" not in entry, key
        assert entry.get("notes", "") == ref.note, key
    extra = set(by_title) - {r.title for r in cited.values()}
    assert not extra, f"references the registry does not cite: {extra}"
