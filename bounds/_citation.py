"""``bounds.citation(*keys)``: bibtex for the results one uses (diffrax style)."""

from __future__ import annotations

from ._conversion import CONVERSIONS
from ._errors import InvalidParameterError
from ._rate import RATES
from ._reference import Reference
from ._registry import REGISTRY, get_theorem
from ._typecheck import checked

__all__ = ["citation"]


def _reference(key: str) -> Reference:
    """The reference of a theorem, a rate-only entry or a conversion, by key."""
    for rate in RATES.values():
        if key in (rate.key, rate.registry_key, rate.registry_key.strip("[]")):
            return rate.reference
    for conv in CONVERSIONS.values():
        if key == conv.key:
            return conv.reference
    known = [*REGISTRY, *RATES, *(c.key for c in CONVERSIONS.values())]
    try:
        return get_theorem(key).reference
    except InvalidParameterError:
        raise InvalidParameterError(
            f"key={key!r} must be one of {', '.join(known)}"
        ) from None


@checked
def citation(*keys: str) -> str:
    """Bibtex entries of the given results (all when none given), deduplicated.

    A key names a theorem (``"delayed-cvx"`` or ``"[D-cvx]"``), a rate-only entry
    (``"r-rate"``, cited although it has no value) or a conversion
    (``"lei-ying-gap"``).

    Raises:
        InvalidParameterError: an unknown key; the message lists the known ones.

    Examples:
        >>> print(citation("hardt-cvx").splitlines()[0])
        @inproceedings{hardt2016train,
        >>> "lei2020fine" in citation("lei-ying-gap")
        True
    """
    if keys:
        refs = [_reference(k) for k in keys]
    else:
        refs = [t.reference for t in REGISTRY.values()]
        refs += [r.reference for r in RATES.values()]
        refs += [c.reference for c in CONVERSIONS.values()]
    seen: dict[str, str] = {}
    for ref in refs:
        seen.setdefault(ref.bibtex_key, ref.bibtex())
    return "\n\n".join(seen.values())
