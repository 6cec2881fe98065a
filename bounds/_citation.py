"""``bounds.citation(*keys)``: bibtex for the theorems one uses (diffrax style)."""

from __future__ import annotations

from ._registry import THEOREMS, get_theorem

__all__ = ["citation"]


def citation(*keys: str) -> str:
    """Bibtex entries of the given theorems (all when none given), deduplicated.

    Examples:
        >>> print(citation("hardt-cvx").splitlines()[0])
        @inproceedings{hardt2016train,
    """
    theorems = [get_theorem(k) for k in keys] if keys else list(THEOREMS.values())
    seen: dict[str, str] = {}
    for t in theorems:
        seen.setdefault(t.reference.bibtex_key, t.reference.bibtex())
    return "\n\n".join(seen.values())
