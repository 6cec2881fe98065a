"""``compare`` refuses a parameter that no bound it compares reads, as ``bound`` does.

A theorem reads a name when its closed form takes it (``accepted``, ``options``)
or when the published conversion of its quantity to the gap does (Lei & Ying's
reads ``smoothness``, ``train_loss`` and ``gamma_split``). A theorem whose
convexity hypothesis the loss family cannot meet (a strongly convex theorem
under ``convex-smooth``) reads nothing there: ``strong_convexity`` with
``--loss-family convex-smooth`` would be silently ignored, and is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._assumption import Assumption
from ._conversion import CONVERSIONS
from ._errors import InvalidParameterError
from ._symbols import SYMBOL
from ._theorem import Theorem

__all__ = ["check_used", "read_names"]

#: The names compare takes: the name table, and how a protocol aggregates.
_NAMES = (*SYMBOL, "aggregation")

#: The hypotheses a loss family settles (the others are declared by a constant).
_SHAPE = frozenset({Assumption.CONVEX, Assumption.STRONGLY_CONVEX})


def read_names(theorems: Iterable[Theorem], family: frozenset[Assumption]) -> set[str]:
    """The names the ``theorems`` that can hold for a loss ``family`` read."""
    names: set[str] = set()
    for t in theorems:
        if not (t.assumptions & _SHAPE) <= family:
            continue
        names |= {*t.accepted, *t.options}
        conv = CONVERSIONS.get(t.quantity)
        if conv is not None and conv.needs:
            names |= {"smoothness", "train_loss", "gamma_split"}
    return names


def check_used(
    loss_family: str,
    families: Mapping[str, frozenset[Assumption]],
    theorems: Sequence[Theorem],
    points: Iterable[Mapping[str, Any]],
) -> None:
    """Refuse a name of ``points`` that no theorem compared for ``loss_family`` reads.

    Raises:
        InvalidParameterError: ``name=value`` and the names the theorems read
            (and the families whose bounds read it, if any).
    """
    used = read_names(theorems, families[loss_family])
    for point in points:
        for name, value in point.items():
            if value is None or name in used or name not in _NAMES:
                continue  # an unknown name: compare's own refusal names the table
            other = [f for f in families if name in read_names(theorems, families[f])]
            hint = (
                f"; the bounds of loss_family {', '.join(map(repr, other))} read it"
                if other
                else ""
            )
            raise InvalidParameterError(
                f"{name}={value!r} is read by no bound compared for loss_family="
                f"{loss_family!r} (they read {', '.join(sorted(used))}){hint}"
            )
