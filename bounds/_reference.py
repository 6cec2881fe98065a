"""Citations kept in code (diffrax style): every theorem carries its source."""

from __future__ import annotations

from dataclasses import dataclass

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
        venue: where it was published.
        note: caveats, e.g. that the statement is a reconstruction.
    """

    authors: str
    title: str
    year: int
    arxiv: str | None
    locator: str
    bibtex_key: str
    venue: str
    note: str = ""

    @property
    def short(self) -> str:
        """``"Hardt et al. 2016, Theorem 3.8"``."""
        if self.authors == "asyncstab developers":
            return f"asyncstab, {self.locator}"
        first = self.authors.split(",")[0].split(" and ")[0].strip().split()[-1]
        return f"{first} et al. {self.year}, {self.locator}"

    def bibtex(self) -> str:
        """The bibtex entry (``@article`` for papers, ``@misc`` for project results).

        Examples:
            >>> print(HARDT2016.bibtex().splitlines()[0])
            @article{hardt2016train,
        """
        kind = "misc" if self.arxiv is None else "article"
        fields = [
            f"  author = {{{self.authors}}}",
            f"  title = {{{self.title}}}",
            f"  year = {{{self.year}}}",
            f"  journal = {{{self.venue}}}",
        ]
        if self.arxiv:
            fields.append(f"  eprint = {{{self.arxiv}}}")
            fields.append("  archivePrefix = {arXiv}")
        if self.note:
            fields.append(f"  note = {{{self.note}}}")
        return f"@{kind}{{{self.bibtex_key},\n" + ",\n".join(fields) + "\n}"


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
