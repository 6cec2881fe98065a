"""What a bound bounds. Two bounds are compared only on the same quantity.

Uniform stability (Hardt et al. 2016) and on-average model stability (Lei & Ying
2020) are different quantities: the first is a loss difference in the worst case
over data sets, the second a mean *squared parameter distance*. A comparison goes
through a conversion theorem (``bounds._conversion``) to the expected
generalization gap, which both bound.
"""

from __future__ import annotations

import enum

__all__ = ["Quantity"]


class Quantity(str, enum.Enum):
    """What a bound bounds.

    Examples:
        >>> Quantity.ON_AVERAGE_MODEL_STABILITY.symbol
        'eps_avg2'
        >>> Quantity.GENERALIZATION_GAP.label
        'generalization gap'
    """

    UNIFORM_STABILITY = "uniform stability eps_stab (>= |expected generalization gap|)"
    ON_AVERAGE_MODEL_STABILITY = (
        "on-average model stability, squared: "
        "eps_avg2 = E (1/n) sum_i ||A(S) - A(S^(i))||^2"
    )
    GENERALIZATION_GAP = "expected generalization gap E[F(A(S)) - F_S(A(S))]"
    EXCESS_RISK = "expected excess risk E[F(A(S)) - F(w*)]"

    @property
    def symbol(self) -> str:
        """Plain-text symbol, used in statements: ``eps_stab <= ...``."""
        return _SYMBOL[self]

    @property
    def latex(self) -> str:
        """LaTeX symbol, used by :meth:`bounds.Theorem.latex`."""
        return _LATEX[self]

    @property
    def label(self) -> str:
        """Short name for tables."""
        return _LABEL[self]


_SYMBOL = {
    Quantity.UNIFORM_STABILITY: "eps_stab",
    Quantity.ON_AVERAGE_MODEL_STABILITY: "eps_avg2",
    Quantity.GENERALIZATION_GAP: "gap",
    Quantity.EXCESS_RISK: "excess_risk",
}
_LATEX = {
    Quantity.UNIFORM_STABILITY: r"\epsilon_{\mathrm{stab}}",
    Quantity.ON_AVERAGE_MODEL_STABILITY: r"\epsilon_{\mathrm{avg}}^{2}",
    Quantity.GENERALIZATION_GAP: r"\mathbb{E}[F(A(S)) - F_S(A(S))]",
    Quantity.EXCESS_RISK: r"\mathbb{E}[F(\bar w_K) - F(w^*)]",
}
_LABEL = {
    Quantity.UNIFORM_STABILITY: "uniform stability",
    Quantity.ON_AVERAGE_MODEL_STABILITY: "on-average model stability (squared)",
    Quantity.GENERALIZATION_GAP: "generalization gap",
    Quantity.EXCESS_RISK: "excess risk",
}
