r"""Conversion theorems: from a stability quantity to the expected generalization gap.

Two bounds on different quantities are never compared directly; each is first
pushed through the conversion theorem that links its quantity to the gap.

* Uniform stability bounds the gap directly (Hardt, Recht & Singer 2016,
  Theorem 2.2): ``|E[F_S(A(S)) - F(A(S))]| <= eps_stab``.
* On-average model stability (squared) bounds it through smoothness
  (Lei & Ying 2020, Theorem 2(b)): for ``f >= 0``, ``beta``-smooth and any
  ``gamma > 0``,

  .. math::
      \mathbb{E}[F(A(S)) - F_S(A(S))] \le \frac{\beta}{\gamma}\,\mathbb{E}[F_S(A(S))]
      + \frac{\beta + \gamma}{2}\,\epsilon_{\mathrm{avg}}^2,

  minimised at ``gamma* = sqrt(2 beta E[F_S] / eps_avg2)`` with value
  ``beta eps_avg2 / 2 + sqrt(2 beta E[F_S] eps_avg2)``. It needs the expected
  training loss: evaluate it with an *upper* estimate of ``E[F_S]`` (for a
  measurement, its upper confidence limit), and the bound stays valid.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ._errors import InvalidParameterError
from ._parameters import Value, validate_parameter
from ._quantity import Quantity
from ._reference import Reference, hardt
from ._symbols import F_S, beta, epsilon, gamma_s
from ._validation import check_array

__all__ = ["CONVERSIONS", "HARDT_GAP", "LEI_YING2020", "LEI_YING_GAP", "Conversion"]

LEI_YING2020 = Reference(
    authors="Yunwen Lei, Yiming Ying",
    title="Fine-Grained Analysis of Stability and Generalization for Stochastic "
    "Gradient Descent",
    year=2020,
    arxiv="2006.08157v1",
    locator="Theorem 2(b)",
    bibtex_key="lei2020fine",
    venue="Proceedings of the 37th International Conference on Machine Learning (ICML)",
)


@dataclass(frozen=True)
class Conversion:
    """A theorem turning a bound on one quantity into a bound on another.

    Attributes:
        key: API key, e.g. ``"lei-ying-gap"``.
        source: the quantity converted (its value is the symbol ``epsilon``).
        target: the quantity bounded afterwards.
        expr: the bound with the free ``gamma_split`` (or without one).
        optimal: ``expr`` minimised over ``gamma_split`` (``None`` if no split).
        conditions: assumptions of the conversion, in words.
        reference: the source, with its theorem locator.
    """

    key: str
    source: Quantity
    target: Quantity
    expr: sp.Expr
    optimal: sp.Expr | None
    conditions: tuple[str, ...]
    reference: Reference

    def __post_init__(self) -> None:
        known = {epsilon, beta, F_S, gamma_s}
        assert self.expr.free_symbols <= known, self.expr.free_symbols
        assert epsilon in self.expr.free_symbols
        if self.optimal is not None:
            assert gamma_s in self.expr.free_symbols
            assert gamma_s not in self.optimal.free_symbols

    @property
    def needs(self) -> tuple[str, ...]:
        """API names the conversion reads besides the converted value."""
        syms = (self.optimal if self.optimal is not None else self.expr).free_symbols
        return tuple(
            k for k, s in (("smoothness", beta), ("train_loss", F_S)) if s in syms
        )

    def apply(self, value: sp.Expr, *, gamma: sp.Expr | None = None) -> sp.Expr:
        """The converted bound as a sympy expression of ``value`` (a bound expr)."""
        if gamma is None and self.optimal is not None:
            return self.optimal.subs(epsilon, value)
        return self.expr.subs({epsilon: value, gamma_s: gamma or gamma_s})

    @functools.cached_property
    def _fns(self) -> tuple[Callable[..., Any], Callable[..., Any] | None]:
        args = (epsilon, beta, F_S, gamma_s)
        opt = self.optimal
        return (
            sp.lambdify(args, self.expr, modules="numpy"),
            None if opt is None else sp.lambdify(args, opt, modules="numpy"),
        )

    def convert(
        self,
        value: Any,
        *,
        smoothness: float | None = None,
        train_loss: float | None = None,
        gamma_split: float | None = None,
    ) -> Value:
        """Evaluate the conversion at a bound ``value`` (vectorised).

        Args:
            value: bound on the source quantity (``>= 0``; arrays broadcast).
            smoothness: ``beta`` (needed by Lei & Ying).
            train_loss: an upper estimate of ``E[F_S(A(S))]`` (Lei & Ying).
            gamma_split: the free ``gamma > 0``; default: the optimal one.

        Raises:
            InvalidParameterError: a missing or out-of-domain argument.

        Examples:
            >>> round(LEI_YING_GAP.convert(0.01, smoothness=0.25, train_loss=0.5), 12)
            0.05125
            >>> HARDT_GAP.convert(0.04)
            0.04
        """
        eps = check_array(value, "value")
        if (eps < 0).any():
            raise InvalidParameterError(f"value={value!r} must be >= 0")
        given = {"smoothness": smoothness, "train_loss": train_loss}
        args: list[Any] = [eps, 1.0, 0.0, 1.0]
        for i, name in ((1, "smoothness"), (2, "train_loss")):
            if name in self.needs:
                if given[name] is None:
                    raise InvalidParameterError(
                        f"{name}=None must be given: {self.reference.short} uses it"
                    )
                args[i] = validate_parameter(name, given[name])
        fn, opt = self._fns
        if gamma_split is not None:
            if opt is None:
                raise InvalidParameterError(
                    f"gamma_split={gamma_split!r} must be None: "
                    f"{self.reference.short} has no free gamma"
                )
            args[3] = validate_parameter("gamma_split", gamma_split)
        elif opt is not None:
            fn = opt
        out = np.asarray(fn(*args), dtype=np.float64)
        out = np.broadcast_to(out, np.broadcast(*map(np.asarray, args)).shape)
        return float(out) if out.ndim == 0 else np.array(out)

    def statement(self) -> str:
        """The conversion in plain text."""
        lines = [
            f"{self.key}: {self.source.label} -> {self.target.label}",
            f"  {self.target.symbol} <= {sp.sstr(self.expr)}",
        ]
        if self.optimal is not None:
            lines.append(f"  at the optimal gamma_s: {sp.sstr(self.optimal)}")
        lines.append(f"  conditions: {'; '.join(self.conditions)}")
        lines.append(f"  source: {self.reference.short} ({self.reference.arxiv})")
        return "\n".join(lines)


#: Uniform stability bounds the expected generalization gap (Hardt et al. 2016, Thm 2.2).
HARDT_GAP = Conversion(
    key="hardt-gap",
    source=Quantity.UNIFORM_STABILITY,
    target=Quantity.GENERALIZATION_GAP,
    expr=epsilon,
    optimal=None,
    conditions=("none beyond uniform stability (any loss, any algorithm)",),
    reference=hardt("Theorem 2.2"),
)

#: On-average model stability to the expected generalization gap (Lei & Ying 2020, Thm 2(b)).
LEI_YING_GAP = Conversion(
    key="lei-ying-gap",
    source=Quantity.ON_AVERAGE_MODEL_STABILITY,
    target=Quantity.GENERALIZATION_GAP,
    expr=beta / gamma_s * F_S + (beta + gamma_s) / 2 * epsilon,
    optimal=beta * epsilon / 2 + sp.sqrt(2 * beta * F_S * epsilon),
    conditions=(
        "f >= 0",
        "beta-smooth loss",
        "gamma_split > 0",
        "train_loss >= E[F_S(A(S))] (an upper estimate keeps the bound valid)",
    ),
    reference=LEI_YING2020,
)

#: Conversions by source quantity: each bounds the expected generalization gap.
CONVERSIONS: dict[Quantity, Conversion] = {
    c.source: c for c in (HARDT_GAP, LEI_YING_GAP)
}
