"""Citations kept in code (diffrax style): every theorem carries its source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["HARDT2016", "REGATTI2019", "THIS_PROJECT", "Reference"]


@dataclass(frozen=True)
class Reference:
    """Where a theorem comes from, pinned to a paper version.

    Attributes:
        authors: author list as printed.
        title: paper title.
        year: publication year.
        arxiv: arXiv identifier with pinned version, e.g. ``"1509.01240v2"``.
        locator: theorem or section within that version, e.g. ``"Theorem 3.8"``.
        bibtex_key: key of the bibtex entry.
        venue: where it was published (a journal, a conference's proceedings,
            or how a project result is published).
        note: caveats, e.g. that the statement is a reconstruction.
        kind: the bibtex entry type; by default ``inproceedings`` for a
            conference or workshop venue, ``misc`` for a result that is neither
            on arXiv nor in a journal (a project result), else ``article``.
    """

    authors: str
    title: str
    year: int
    arxiv: str | None
    locator: str
    bibtex_key: str
    venue: str
    note: str = ""
    kind: Literal["article", "inproceedings", "misc"] | None = None

    @property
    def entry_type(self) -> str:
        """The bibtex entry type (``kind``, or the one the venue implies)."""
        if self.kind is not None:
            return self.kind
        if _CONFERENCE.search(self.venue):
            return "inproceedings"
        if self.arxiv is None and not _JOURNAL.search(self.venue):
            return "misc"  # a project result, e.g. the asyncstab documentation
        return "article"

    @property
    def short(self) -> str:
        """``"Hardt et al. 2016, Theorem 3.8"``; two authors: ``"Lei & Ying 2020, ..."``."""
        if self.authors == "asyncstab developers":
            return f"asyncstab, {self.locator}"
        names = [a.strip() for a in self.authors.replace(" and ", ",").split(",")]
        surnames = [a.split()[-1] for a in names if a]
        who = " & ".join(surnames) if len(surnames) == 2 else f"{surnames[0]} et al."
        return f"{who} {self.year}, {self.locator}"

    def bibtex(self) -> str:
        """The bibtex entry: ``@inproceedings`` with ``booktitle`` for conference
        papers, ``@article`` with ``journal``, ``@misc`` with ``howpublished``.

        Authors are joined with `` and ``; LaTeX special characters in the text
        fields are escaped, and the title's capitals are kept (double braces).

        Examples:
            >>> print(HARDT2016.bibtex().splitlines()[0])
            @inproceedings{hardt2016train,
        """
        kind = self.entry_type
        venue_field = {
            "article": "journal",
            "inproceedings": "booktitle",
            "misc": "howpublished",
        }[kind]
        fields = [
            ("author", " and ".join(map(_bibtex_name, self.author_list))),
            ("title", "{" + _latex(self.title) + "}"),
            (venue_field, _latex(self.venue)),
            ("year", str(self.year)),
        ]
        if self.arxiv:
            fields += [("eprint", self.arxiv), ("archivePrefix", "arXiv")]
        if self.note:
            fields.append(("note", _latex(self.note)))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
        return f"@{kind}{{{self.bibtex_key},\n{body}\n}}"

    @property
    def author_list(self) -> tuple[str, ...]:
        """The authors, one name each (``authors`` split at commas and ``and``)."""
        parts = re.split(r",\s*|\s+and\s+", self.authors)
        return tuple(p.strip() for p in parts if p.strip())


#: Venues of conference and workshop papers (bibtex ``@inproceedings``).
_CONFERENCE = re.compile(
    r"Conference|Proceedings|Workshop|Symposium|NeurIPS|ICML|ICLR|COLT|AISTATS",
    re.IGNORECASE,
)

#: Venues of journal papers (bibtex ``@article``).
_JOURNAL = re.compile(r"Journal|Transactions|Letters|Review", re.IGNORECASE)

#: LaTeX's special characters in text, and how a bibtex field writes them.
_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}


def _bibtex_name(name: str) -> str:
    """A person's name as is; a group (``asyncstab developers``, lower case
    first) in braces, so that bibtex does not read it as first and last name."""
    return f"{{{_latex(name)}}}" if name[:1].islower() else _latex(name)


def _latex(text: str) -> str:
    """``text`` with LaTeX's special characters escaped (braces stay balanced)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


_HARDT = dict(
    authors="Moritz Hardt, Benjamin Recht, Yoram Singer",
    title="Train faster, generalize better: Stability of stochastic gradient descent",
    year=2016,
    arxiv="1509.01240v2",
    bibtex_key="hardt2016train",
    venue="Proceedings of the 33rd International Conference on Machine Learning (ICML)",
)

#: Hardt, Recht & Singer 2016 (locator filled per theorem).
HARDT2016 = Reference(locator="Theorem 3.8", **_HARDT)  # type: ignore[arg-type]

REGATTI2019 = Reference(
    authors="Jayanth Regatti, Gaurav Tendolkar, Yi Zhou, Abhishek Gupta, Yingbin Liang",
    title="Distributed SGD Generalizes Well Under Asynchrony",
    year=2019,
    arxiv="1909.13391v1",
    locator="reconstruction (nonconvex, bounded delay; form quoted by Deng et al. 2024)",
    bibtex_key="regatti2019distributed",
    venue="57th Annual Allerton Conference on Communication, Control, and Computing",
    note=(
        "Reconstruction: the full text was not at hand; the form is the one "
        "characterised by Deng et al., NeurIPS 2024 (introduction and Table 1: "
        "O(L^2 K^(beta tau) / (n beta tau))), derived by the Hardt et al. 2016 "
        "argument with per-step expansion 1 + eta_t beta (tau + 1)"
    ),
)

THIS_PROJECT = Reference(
    authors="asyncstab developers",
    title="Stability of delayed SGD: proofs in docs/theory.md",
    year=2026,
    arxiv=None,
    locator="docs/theory.md",
    bibtex_key="asyncstab2026",
    venue="asyncstab documentation",
)


def hardt(locator: str) -> Reference:
    """Hardt et al. 2016 with the given locator (v2 numbering)."""
    return Reference(locator=locator, **_HARDT)  # type: ignore[arg-type]
