"""Every bibtex entry the project prints parses with a real BibTeX parser and is right.

Right means: authors joined with `` and `` (one name each), conference papers as
``@inproceedings`` with ``booktitle``, journal papers as ``@article`` with
``journal``, and ``@misc`` (project results) with ``howpublished``, never a
``journal``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import bibtexparser
import pytest

import bounds
from bounds import THEOREMS, InvalidParameterError, citation
from bounds._conversion import CONVERSIONS, LEI_YING_GAP
from bounds._rate import RATES
from bounds._reference import Reference
from bounds._registry import REGISTRY


def _every_reference() -> dict[str, Reference]:
    """Every Reference the package holds: on a registry entry, a rate-only entry,
    or at module level (conversions, part 2's sources)."""
    refs = {
        t.reference.bibtex_key: t.reference
        for t in [*REGISTRY.values(), *RATES.values()]
    }
    for info in pkgutil.iter_modules(bounds.__path__):
        if info.name == "__main__":  # runs the CLI when imported
            continue
        module = importlib.import_module(f"bounds.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Reference):
                refs.setdefault(value.bibtex_key, value)
    return refs


BY_KEY = _every_reference()
REFERENCES = sorted(BY_KEY)

_VENUE_FIELD = {
    "article": "journal",
    "inproceedings": "booktitle",
    "misc": "howpublished",
}


def _parse_one(text: str) -> bibtexparser.model.Entry:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [], [b.error for b in library.failed_blocks]
    assert len(library.entries) == 1, text
    return library.entries[0]


@pytest.mark.parametrize("key", REFERENCES)
def test_entry_parses_and_is_right(key: str) -> None:
    ref: Reference = BY_KEY[key]
    entry = _parse_one(ref.bibtex())
    assert entry.key == ref.bibtex_key
    assert entry.entry_type == ref.entry_type
    fields = entry.fields_dict
    assert _VENUE_FIELD[entry.entry_type] in fields
    for other in set(_VENUE_FIELD.values()) - {_VENUE_FIELD[entry.entry_type]}:
        assert other not in fields, (other, entry.entry_type)
    names = fields["author"].value.split(" and ")
    assert len(names) == len(ref.author_list) >= 1
    assert "," not in fields["author"].value  # "A, B" would read as "B A"
    assert fields["title"].value.strip("{}") == ref.title
    assert fields["year"].value == str(ref.year)
    if ref.arxiv:
        assert fields["eprint"].value == ref.arxiv


@pytest.mark.parametrize("key", REFERENCES)
def test_entry_type_follows_the_venue(key: str) -> None:
    ref = BY_KEY[key]
    if re.search(r"Conference|Proceedings|Workshop|Symposium|NeurIPS", ref.venue):
        assert ref.entry_type == "inproceedings"
    elif ref.arxiv is None and not re.search(r"Journal|Transactions", ref.venue):
        assert ref.entry_type == "misc"


def test_known_entries() -> None:
    assert BY_KEY["hardt2016train"].entry_type == "inproceedings"  # ICML 2016
    assert BY_KEY["regatti2019distributed"].entry_type == "inproceedings"  # Allerton
    assert BY_KEY["asyncstab2026"].entry_type == "misc"
    assert BY_KEY["deng2024stability"].entry_type == "inproceedings"  # NeurIPS
    assert BY_KEY["deng2025towards"].entry_type == "article"  # IEEE TPAMI


def test_citation_of_every_result_parses() -> None:
    library = bibtexparser.parse_string(citation())
    assert library.failed_blocks == []
    expected = {t.reference.bibtex_key for t in REGISTRY.values()}
    expected |= {r.reference.bibtex_key for r in RATES.values()}
    expected |= {c.reference.bibtex_key for c in CONVERSIONS.values()}
    assert sorted(e.key for e in library.entries) == sorted(expected)


@pytest.mark.parametrize(
    ("key", "bibtex_key"),
    [
        ("r-rate", "regatti2019distributed"),  # rate only: cited, never evaluated
        ("[XL-26]", "xie2026sharper"),
        ("lei-ying-gap", "lei2020fine"),  # a conversion
        ("[D-cvx]", "asyncstab2026"),
    ],
)
def test_citation_takes_rates_and_conversions(key: str, bibtex_key: str) -> None:
    (entry,) = bibtexparser.parse_string(citation(key)).entries
    assert entry.key == bibtex_key


def test_citation_of_an_unknown_key_names_it() -> None:
    with pytest.raises(InvalidParameterError, match="key='nope' must be one of"):
        citation("nope")


def test_two_authors_are_named_both() -> None:
    assert LEI_YING_GAP.reference.short.startswith("Lei & Ying 2020")
    assert THEOREMS["hardt-cvx"].reference.short.startswith("Hardt et al. 2016")


def test_special_characters_are_escaped() -> None:
    ref = Reference(
        authors="A. Author, B. Author",
        title="Rates 100% of the time: x_t^2 & {braces}",
        year=2020,
        arxiv="2001.00001v1",
        locator="Theorem 1",
        bibtex_key="author2020rates",
        venue="Journal of Tests",
        note="~#$",
    )
    entry = _parse_one(ref.bibtex())
    assert entry.entry_type == "article"
    assert entry.fields_dict["author"].value == "A. Author and B. Author"
