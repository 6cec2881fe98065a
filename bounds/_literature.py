r"""The sharper bounds of the literature (docs/theory.md, part 2).

Deng, Sun, Li, Li, Lu, NeurIPS 2024 ([DSL-*]): projected delayed SGD
``w_{k+1} = Proj_Omega(w_k - eta_k grad f(w_{k - tau_k}; z_{i_k}))`` on a convex set
``Omega`` of diameter ``r``, any delays ``tau_k <= k - 1``, ``f >= 0`` convex and
``beta``-smooth, non-increasing ``eta_k <= 1/(2 beta)``. No Lipschitz constant is
needed for stability. The closed forms below are for a constant step ``eta`` and
``tau_l = min(tau, l - 1)`` (the early-step edge: no iterate before ``w_1``):

.. math::
    D_k = \sum_{l=1}^{k} \eta_l \sum_{j=1}^{\tau_l} \eta_{l-j}
        = \eta^2 \left(\tau k - \tfrac{\tau (\tau + 1)}{2}\right),
    \qquad
    \sum_{k=1}^{K} \eta_k D_k = \eta^3\, \tfrac{\tau (3 K^2 - 3 K \tau + \tau^2 - 1)}{6},

both exact for every integer ``0 <= tau <= k`` (``tests/bounds/test_literature.py``
checks them against the sums). Level 2 (the sums on the actual ``eta_t`` and
``tau_t``, and the data-dependent form B.4) is :mod:`bounds._deng`; the proofs
bound expectations over the sample index, so there is no pathwise level.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from ._assumption import Assumption as A
from ._conversion import LEI_YING_GAP
from ._quantity import Quantity
from ._reference import Reference
from ._symbols import D1, F_star, L, T, beta, eta, gamma_s, n, r, tau
from ._theorem import Theorem

__all__ = ["DENG2024", "LITERATURE", "delay_sum", "weighted_delay_sum"]

DENG2024 = Reference(
    authors="Xiaoge Deng, Tao Sun, Shengwei Li, Dongsheng Li, Xicheng Lu",
    title=(
        "Stability and Generalization of Asynchronous SGD: Sharper Bounds Beyond "
        "Lipschitz and Smoothness"
    ),
    year=2024,
    arxiv=None,
    locator="Theorem 1",
    bibtex_key="deng2024stability",
    venue="Advances in Neural Information Processing Systems 37 (NeurIPS 2024)",
)


def _deng(locator: str) -> Reference:
    return dataclasses.replace(DENG2024, locator=locator)


def delay_sum(k: sp.Expr = T) -> sp.Expr:
    """``D_k`` for constant ``eta`` and ``tau_l = min(tau, l - 1)``, ``tau <= k``."""
    return eta**2 * (tau * k - tau * (tau + 1) / 2)


def weighted_delay_sum() -> sp.Expr:
    """``sum_{k=1}^K eta_k D_k`` for constant ``eta``, ``tau_l = min(tau, l-1)``."""
    return eta**3 * tau * (3 * T**2 - 3 * T * tau + tau**2 - 1) / 6


_E = sp.E
_GROWTH = (1 + T / n) / n  # (1 + k/n)/n of Deng et al., Thm 1 (k = K = T steps)
#: [DSL-cvx]: eps_avg2 after T steps (stability of w_{T+1}).
_STAB = (
    16
    * beta
    * _E
    * _GROWTH
    * (eta * D1**2 + (4 * beta * r**2 + 2 * F_star) * T * eta**2)
    + 2 * beta**2 * r**2 * _E * delay_sum()
)
_CONDITIONS = (sp.Le(eta, 1 / (2 * beta)), sp.Le(D1, r))
_SETTING = frozenset(
    {
        A.CONVEX,
        A.SMOOTH,
        A.NONNEGATIVE_LOSS,
        A.BOUNDED_DOMAIN,
        A.NON_INCREASING_STEP,
        A.DELAY_BELOW_STEP,
        A.DATA_INDEPENDENT_DELAY,
        A.CONSTANT_STEP,
    }
)

DENG_CVX = Theorem(
    key="deng-cvx",
    registry_key="[DSL-cvx]",
    title="Projected delayed SGD, convex smooth f >= 0: on-average model stability",
    quantity=Quantity.ON_AVERAGE_MODEL_STABILITY,
    assumptions=_SETTING,
    expr=_STAB,
    conditions=_CONDITIONS,
    reference=_deng("Theorem 1"),
    schedule="constant",
    recursion="deng",
    monotone={
        "n_steps": 1,
        "step_size": 1,
        "max_delay": 1,
        "n_samples": -1,
        "diameter": 1,
        "optimal_risk": 1,
    },
    scaling=(
        "(1 + T/n)/n times (eta ||w_1 - w*||^2 + eta^2 T) plus a delay term "
        "2 beta^2 r^2 e eta^2 (tau T - tau (tau + 1)/2) that does not shrink with n"
    ),
)

#: [DSL-gen]: [DSL-cvx] pushed through Lei & Ying 2020, Thm 2(b).
DENG_GEN = Theorem(
    key="deng-gen",
    registry_key="[DSL-gen]",
    title="[DSL-cvx] converted to the expected generalization gap (Lei & Ying, Thm 2(b))",
    quantity=Quantity.GENERALIZATION_GAP,
    assumptions=_SETTING,
    expr=LEI_YING_GAP.apply(_STAB),
    conditions=_CONDITIONS,
    reference=_deng("Theorem 1 with Lemma 1 (Lei & Ying 2020, Theorem 2(b))"),
    schedule="constant",
    recursion="deng",
    monotone={
        "n_steps": 1,
        "step_size": 1,
        "max_delay": 1,
        "n_samples": -1,
        "train_loss": 1,
        "optimal_risk": 1,
    },
    scaling="beta eps_avg2 / 2 + sqrt(2 beta F_S eps_avg2) with eps_avg2 of [DSL-cvx]",
    split=LEI_YING_GAP.apply(_STAB, gamma=gamma_s),
)

_S1, _S2 = eta * T, eta**2 * T
_X = (
    (sp.Rational(1, 2) + 2 * beta * eta) * D1**2
    + 4 * beta * F_star * _S2
    + 8 * beta**2 * r**2 * _S2
    + beta * L * r * delay_sum()
)
_Y = eta * D1**2 + 2 * F_star * _S2 + 4 * beta * r**2 * _S2
_W = weighted_delay_sum()


def _excess(g: sp.Expr) -> sp.Expr:
    return (
        (1 + beta / g) / _S1 * _X
        + 8 * beta * _E * (beta + g) * _GROWTH * _Y
        + beta**2 * r**2 * (beta + g) * _E * _W / _S1
        + beta / g * F_star
    )


# The gamma-terms are g * _A + _C / g: minimum at g = sqrt(_C/_A), value 2 sqrt(_A _C).
_A = 8 * beta * _E * _GROWTH * _Y + beta**2 * r**2 * _E * _W / _S1
_C = beta * (_X / _S1 + F_star)
_EXCESS_MIN = (
    _X / _S1
    + 8 * beta**2 * _E * _GROWTH * _Y
    + beta**3 * r**2 * _E * _W / _S1
    + 2 * sp.sqrt(_A * _C)
)

DENG_EXCESS = Theorem(
    key="deng-excess",
    registry_key="[DSL-excess]",
    title="Projected delayed SGD, convex smooth Lipschitz f >= 0: excess risk of wbar_K",
    quantity=Quantity.EXCESS_RISK,
    assumptions=_SETTING | {A.LIPSCHITZ},
    expr=_EXCESS_MIN,
    conditions=_CONDITIONS,
    reference=_deng("Theorem 3"),
    schedule="constant",
    recursion="deng",
    monotone={
        "max_delay": 1,
        "n_samples": -1,
        "diameter": 1,
        "optimal_risk": 1,
        "lipschitz": 1,
    },
    scaling=(
        "optimisation error ~ 1/(eta K) + stability ~ (1 + K/n)/n, plus delay terms "
        "~ beta L r eta tau and beta^2 r^2 eta^2 tau K that do not shrink with n"
    ),
    split=_excess(gamma_s),
)

#: Part 2 of the registry, by key (evaluable; the rate-only entries are in RATES).
LITERATURE: dict[str, Theorem] = {t.key: t for t in (DENG_CVX, DENG_GEN, DENG_EXCESS)}

#: Minimiser of the [DSL-excess] bound over gamma (tests check it with sympy).
EXCESS_GAMMA_OPT = sp.sqrt(_C / _A)
