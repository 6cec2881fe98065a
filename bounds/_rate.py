r"""Rate-only entries: published results whose constants are not at hand.

A rate-only entry carries an O-expression (sympy, up to an unknown constant and,
for ``O~``, log factors), the exponents it claims in ``T``, ``n`` and ``tau``, its
assumptions and its citation. It can say which slope a measurement should show;
it can never give a value or a verdict, so :meth:`RateOnly.evaluate` refuses.

The exponent in a variable ``x`` is the local log-log slope
``d log(rate) / d log(x)``; for a power law it is the power, for
``K^(beta tau)`` it is ``beta tau log(K) - 1`` in ``tau`` (not a power law).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ._errors import InvalidParameterError
from ._quantity import Quantity
from ._reference import REGATTI2019, Reference
from ._symbols import SYMBOL, L, T, beta, m, n, tau
from ._typecheck import checked

__all__ = ["RATES", "RateOnly", "RateOnlyError", "get_rate"]


class RateOnlyError(InvalidParameterError):
    """A value was asked of a rate-only entry (no constants are published)."""


@dataclass(frozen=True)
class RateOnly:
    """A published rate without usable constants ("rate only" in every output).

    Attributes:
        key: API key, e.g. ``"r-rate"``.
        registry_key: label in the registry of docs/theory.md ("The
            registry"), e.g. ``"[R-rate]"``.
        title: one line.
        quantity: what the rate is for.
        rate: the O-expression (unknown constant omitted).
        exponents: claimed log-log slope in ``n_steps``, ``n_samples``,
            ``max_delay`` (``None``: the source states none).
        assumptions: hypotheses, in words.
        reference: the source with its locator.
        note: what is reconstructed or uncertain.
    """

    key: str
    registry_key: str
    title: str
    quantity: Quantity
    rate: sp.Expr
    exponents: Mapping[str, sp.Expr | None]
    assumptions: tuple[str, ...]
    reference: Reference
    note: str = ""
    soft: bool = False  # O~: log factors hidden

    def __post_init__(self) -> None:
        assert set(self.exponents) == {"n_steps", "n_samples", "max_delay"}
        assert self.rate.free_symbols <= {*SYMBOL.values(), m}

    @property
    def label(self) -> str:
        """``"O(...)"`` or ``"O~(...)"`` with "rate only"."""
        big_o = "O~" if self.soft else "O"
        return f"{big_o}({sp.sstr(self.rate)}) [rate only]"

    def slope(self, name: str) -> sp.Expr:
        """The local log-log slope of the rate in ``name``, from the O-expression.

        Examples:
            >>> get_rate("dslst-quad-scvx").slope("n_samples")
            -1
        """
        x = SYMBOL[name]
        return sp.simplify(x * sp.diff(sp.log(self.rate), x))

    def exponent_at(self, name: str, **params: float) -> float | None:
        """The claimed exponent in ``name`` at a point (``None`` if not stated)."""
        expo = self.exponents[name]
        if expo is None:
            return None
        subs = {SYMBOL[k]: v for k, v in params.items() if k in SYMBOL}
        value = expo.subs(subs)
        if not value.is_number:
            return None
        # at extreme arguments the exponent may leave the reals (or overflow):
        # then no number is claimed there, and the caller shows the expression
        z = complex(value.evalf())
        return z.real if z.imag == 0 and math.isfinite(z.real) else None

    def evaluate(self, **params: Any) -> float:
        """Refused: a rate-only entry has no published constants.

        Raises:
            RateOnlyError: always, naming the entry and why.

        Examples:
            >>> get_rate("r-rate").evaluate(n_samples=100)
            Traceback (most recent call last):
            ...
            bounds._rate.RateOnlyError: theorem='r-rate' is rate only: ...
        """
        raise RateOnlyError(
            f"theorem={self.key!r} is rate only: {self.reference.short} "
            f"{self.registry_key} states {self.label} with no usable constants, so it "
            "gives a claimed slope, never a value; use .exponents or .slope()"
        )

    def statement(self) -> str:
        """The entry in plain text, labelled rate only."""
        expo = ", ".join(
            f"{k}: {'not stated' if v is None else sp.sstr(v)}"
            for k, v in self.exponents.items()
        )
        lines = [
            f"{self.registry_key} {self.key}: {self.title} [rate only]",
            f"  {self.quantity.symbol} = {self.label}",
            f"  claimed exponents: {expo}",
            f"  assumptions: {', '.join(self.assumptions)}",
            f"  source: {self.reference.short} "
            f"({self.reference.arxiv or self.reference.venue})",
        ]
        if self.note:
            lines.append(f"  note: {self.note}")
        return "\n".join(lines)


_DENG_TPAMI = Reference(
    authors="Xiaoge Deng, Li Shen, Shengwei Li, Tao Sun, Dongsheng Li, Dacheng Tao",
    title="Towards Understanding the Generalizability of Delayed Stochastic Gradient "
    "Descent",
    year=2025,
    arxiv="2308.09430v3",
    locator="main results (quadratic convex and strongly convex)",
    bibtex_key="deng2025towards",
    venue="IEEE Transactions on Pattern Analysis and Machine Intelligence",
)
_XIE_LEI = Reference(
    authors="Yufeng Xie, Yunwen Lei",
    title="Sharper Generalization Guarantees for Asynchronous SGD: Beyond "
    "Lipschitzness, Smoothness and Data Homogeneity",
    year=2026,
    arxiv=None,
    locator="abstract (balanced regimes)",
    bibtex_key="xie2026sharper",
    venue="Proceedings of the 43rd International Conference on Machine Learning (ICML)",
)
_R_RATE = dataclasses.replace(
    REGATTI2019, locator="as quoted by Deng et al. 2024 (introduction)", note=""
)

R_RATE = RateOnly(
    key="r-rate",
    registry_key="[R-rate]",
    title="Regatti et al. 2019, nonconvex, bounded delay, as quoted by Deng et al. 2024",
    quantity=Quantity.UNIFORM_STABILITY,
    rate=L**2 * T ** (beta * tau) / (n * beta * tau),
    exponents={
        "n_steps": beta * tau,
        "n_samples": sp.Integer(-1),
        "max_delay": beta * tau * sp.log(T) - 1,
    },
    assumptions=(
        "nonconvex",
        "L-Lipschitz",
        "beta-smooth",
        "decreasing step size",
        "tau = maximum delay",
    ),
    reference=_R_RATE,
    note=(
        "the exponent reading K^(beta tau) is reconstructed from a text extraction of "
        "Deng et al. 2024; the evaluable [R-ncvx] reconstruction has exponent "
        "q/(q+1) < 1 in T with q = beta c (tau + 1), this quoted rate beta tau"
    ),
)

DSLST_QUAD_CVX = RateOnly(
    key="dslst-quad-cvx",
    registry_key="[DSLST-quad]",
    title="Delayed SGD, quadratic convex problems, fixed delay tau",
    quantity=Quantity.GENERALIZATION_GAP,
    rate=(T - tau) / (n * tau),
    exponents={
        "n_steps": T / (T - tau),
        "n_samples": sp.Integer(-1),
        "max_delay": -T / (T - tau),
    },
    assumptions=("quadratic convex loss", "fixed delay tau >= 1"),
    reference=_DENG_TPAMI,
    note="claim: the delay reduces the generalization error; slopes -> 1 and -1 "
    "for T >> tau",
    soft=True,
)

DSLST_QUAD_SCVX = RateOnly(
    key="dslst-quad-scvx",
    registry_key="[DSLST-quad]",
    title="Delayed SGD, quadratic strongly convex problems, fixed delay tau",
    quantity=Quantity.GENERALIZATION_GAP,
    rate=1 / n,
    exponents={
        "n_steps": sp.Integer(0),
        "n_samples": sp.Integer(-1),
        "max_delay": sp.Integer(0),
    },
    assumptions=("quadratic strongly convex loss", "fixed delay tau >= 1"),
    reference=_DENG_TPAMI,
    soft=True,
)

XL_26 = RateOnly(
    key="xl-26",
    registry_key="[XL-26]",
    title="ASGD, convex smooth, no Lipschitz or bounded-domain assumption",
    quantity=Quantity.EXCESS_RISK,
    rate=1 / sp.sqrt(m * n),
    exponents={
        "n_steps": None,
        "n_samples": sp.Rational(-1, 2),
        "max_delay": sp.Integer(0),
    },
    assumptions=(
        "convex",
        "smooth",
        "arbitrary delays",
        "balanced regime (m workers, n samples each)",
    ),
    reference=_XIE_LEI,
    note="m = number of workers; T and eta are set by the balanced regime, so no "
    "exponent in T is stated",
)

#: Rate-only entries, by key.
RATES: dict[str, RateOnly] = {
    r.key: r for r in (R_RATE, DSLST_QUAD_CVX, DSLST_QUAD_SCVX, XL_26)
}


@checked
def get_rate(key: str) -> RateOnly:
    """Look a rate-only entry up by key.

    Raises:
        InvalidParameterError: unknown key.
    """
    if key in RATES:
        return RATES[key]
    raise InvalidParameterError(f"theorem={key!r} must be one of {', '.join(RATES)}")
