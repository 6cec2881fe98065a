"""The [DSL-*] bounds of Deng et al. 2024: known values by hand, the constant-delay
sums with the early-step edge, the tau = 0 reduction to Lei & Ying's SGD bound,
the delay term and the conditions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from bounds import (
    LITERATURE,
    InvalidParameterError,
    StepSizeConditionError,
    pathwise_bound,
    recursion_bound,
)
from bounds._literature import EXCESS_GAMMA_OPT, delay_sum, weighted_delay_sum
from bounds._symbols import SYMBOL, T, gamma_s, n, tau
from tests._tolerances import RTOL_DOMINATE, RTOL_INVERSE, RTOL_KNOWN, RTOL_LOOP

CVX, GEN, EXCESS = (
    LITERATURE["deng-cvx"],
    LITERATURE["deng-gen"],
    LITERATURE["deng-excess"],
)
E = math.e

# n = 10, K = T = 4, eta = 0.25 (<= 1/(2 beta) = 0.5), tau = 2, beta = r = D_1 = 1.
# Early-step edge tau_l = min(2, l - 1) = 0, 1, 2, 2:  sum = 5 = tau T - tau (tau+1)/2
# = 8 - 3, so D_4 = eta^2 * 5 = 0.3125; (1 + K/n)/n = 1.4 / 10 = 0.14.
SMALL: dict[str, Any] = dict(
    n_samples=10,
    n_steps=4,
    step_size=0.25,
    max_delay=2,
    smoothness=1,
    diameter=1,
    init_distance=1,
    optimal_risk=0,
)
# [DSL-cvx]: 16 e 0.14 [0.25 * 1 + (4 + 0) * 4 * 0.0625] + 2 e 0.3125
#          = 16 * 0.14 * 1.25 e + 0.625 e = 2.8 e + 0.625 e = 3.425 e
CVX_SMALL = 3.425 * E
# [DSL-excess], L = 1: S1 = 1, S2 = 0.25, D_k = 0, 0.0625, 0.1875, 0.3125, so
# W = 0.25 * 0.5625 = 0.140625; X = (0.5 + 0.5) + 0 + 8 * 0.25 + 0.3125 = 3.3125;
# Y = 0.25 + 0 + 4 * 0.25 = 1.25; A = 8 e 0.14 * 1.25 + e 0.140625 = 1.540625 e;
# C = X / S1 + F* = 3.3125 (times beta = 1); base = X + 8 e 0.14 1.25 + e W
# = 3.3125 + 1.540625 e.  At gamma = 1: base + A + C = 6.625 + 3.08125 e.
EXCESS_G1 = 6.625 + 3.08125 * E
EXCESS_OPT = 3.3125 + 1.540625 * E + 2 * math.sqrt(1.540625 * E * 3.3125)

KNOWN = [
    ("cvx", CVX, SMALL, CVX_SMALL),
    # [DSL-gen], F_S = 0.5: beta eps/2 + sqrt(2 beta F_S eps) = 1.7125 e + sqrt(3.425 e)
    ("gen", GEN, {**SMALL, "train_loss": 0.5}, 1.7125 * E + math.sqrt(3.425 * E)),
    # gamma = 2: (beta/gamma) F_S + (beta + gamma)/2 eps = 0.25 + 1.5 * 3.425 e
    ("gen-g2", GEN, {**SMALL, "train_loss": 0.5, "gamma_split": 2}, 0.25 + 5.1375 * E),
    ("excess-g1", EXCESS, {**SMALL, "lipschitz": 1, "gamma_split": 1}, EXCESS_G1),
    ("excess-opt", EXCESS, {**SMALL, "lipschitz": 1}, EXCESS_OPT),
    # tau = 0: no delay term; 16 e 0.14 * 1.25 = 2.8 e
    ("cvx-tau0", CVX, {**SMALL, "max_delay": 0}, 2.8 * E),
    # tau = T = 4: tau_l = 0, 1, 2, 3, sum 6 = 16 - 10; D = 0.375; 2.8 e + 0.75 e
    ("cvx-tau=T", CVX, {**SMALL, "max_delay": 4}, 3.55 * E),
]


@pytest.mark.parametrize(
    ("name", "theorem", "params", "value"),
    KNOWN,
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_known_values(
    name: str, theorem: Any, params: dict[str, Any], value: float
) -> None:
    np.testing.assert_allclose(theorem.evaluate(**params), value, rtol=RTOL_KNOWN)
    constants = {
        k: v
        for k, v in params.items()
        if k not in ("n_steps", "step_size", "max_delay")
    }
    T_, tau_ = params["n_steps"], params["max_delay"]
    rec = recursion_bound(
        theorem,
        step_sizes=np.full(T_, params["step_size"]),
        delays=np.full(T_, tau_),
        **constants,
    )
    np.testing.assert_allclose(rec, value, rtol=RTOL_KNOWN)


def _loop_sums(T_: int, tau_: int) -> tuple[int, int]:
    """sum_l min(tau, l-1) and sum_k sum_{l<=k} min(tau, l-1), by plain loops."""
    d = [sum(min(tau_, s - 1) for s in range(1, k + 1)) for k in range(1, T_ + 1)]
    return d[-1], sum(d)


def test_constant_delay_sums_with_the_early_step_edge() -> None:
    # exact for every 0 <= tau <= T (tau = T reads tau_l = l - 1 at every step)
    for T_ in range(1, 15):
        for tau_ in range(T_ + 1):
            d, w = _loop_sums(T_, tau_)
            eta = SYMBOL["step_size"]
            assert delay_sum().subs({T: T_, tau: tau_}) == eta**2 * d
            assert weighted_delay_sum().subs({T: T_, tau: tau_}) == eta**3 * w


@given(
    T_=st.integers(1, 60),
    data=st.data(),
)
def test_recursion_equals_closed_form_on_constant_schedules(
    T_: int, data: st.DataObject
) -> None:
    tau_ = data.draw(st.integers(0, T_))
    eta = data.draw(st.floats(1e-4, 0.5))
    p = {**SMALL, "n_steps": T_, "max_delay": tau_, "step_size": eta, "lipschitz": 2.0}
    for theorem in (CVX, EXCESS):
        closed = theorem.evaluate(
            **{k: v for k, v in p.items() if k in theorem.accepted}
        )
        constants = {
            k: v for k, v in p.items() if k not in ("n_steps", "step_size", "max_delay")
        }
        rec = recursion_bound(
            theorem, step_sizes=np.full(T_, eta), delays=np.full(T_, tau_), **constants
        )
        np.testing.assert_allclose(rec, closed, rtol=RTOL_LOOP)


@given(data=st.data())
def test_non_decreasing_in_every_delay_at_fixed_steps(data: st.DataObject) -> None:
    T_ = data.draw(st.integers(2, 40))
    delays = np.array(data.draw(st.lists(st.integers(0, 10), min_size=T_, max_size=T_)))
    eta = np.minimum.accumulate(
        np.array(data.draw(st.lists(st.floats(1e-3, 0.5), min_size=T_, max_size=T_)))
    )
    i = data.draw(st.integers(0, T_ - 1))
    more = delays.copy()
    more[i] += data.draw(st.integers(1, 5))
    constants = dict(n_samples=50, smoothness=1.0, diameter=2.0, optimal_risk=0.1)
    for theorem, extra in (
        (CVX, {}),
        (GEN, {"train_loss": 0.2}),
        (EXCESS, {"lipschitz": 1.0}),
    ):
        lo = recursion_bound(
            theorem, step_sizes=eta, delays=delays, **constants, **extra
        )
        hi = recursion_bound(theorem, step_sizes=eta, delays=more, **constants, **extra)
        assert hi >= lo * (1 - RTOL_DOMINATE), (theorem.key, lo, hi)


def test_delay_term_does_not_shrink_with_n() -> None:
    beta, r = SYMBOL["smoothness"], SYMBOL["diameter"]
    limit = sp.limit(CVX.expr, n, sp.oo)
    assert sp.simplify(limit - 2 * beta**2 * r**2 * sp.E * delay_sum()) == 0
    assert sp.limit(CVX.expr.subs(tau, 0), n, sp.oo) == 0


def test_tau_zero_b4_form_is_lei_ying_sgd_bound() -> None:
    # Lei & Ying 2020, Thm 3 with p = n/K: 8 (1 + 1/p) beta / n
    # sum_j (1 + p/n)^(K - j) eta_j^2 E[F_S(w_j)]; (1 + 1/K)^(K - j) <= e gives B.4.
    rng = np.random.default_rng(0)
    K, n_, beta = 50, 40, 2.0
    eta = np.sort(rng.uniform(0.01, 0.25, K))[::-1]
    fs = rng.uniform(0.1, 1.0, K)
    p = n_ / K
    factor = (1 + p / n_) ** (K - np.arange(1, K + 1))
    lei_ying = 8 * (1 + 1 / p) * beta / n_ * (factor * eta**2 * fs).sum()
    with_e = 8 * (1 + 1 / p) * beta / n_ * E * (eta**2 * fs).sum()
    b4 = recursion_bound(
        CVX,
        step_sizes=eta,
        delays=np.zeros(K, dtype=int),
        n_samples=n_,
        smoothness=beta,
        diameter=1.0,
        train_losses=fs,
    )
    np.testing.assert_allclose(b4, with_e, rtol=RTOL_KNOWN)
    assert b4 >= lei_ying
    assert factor.max() <= E


def test_b4_reads_the_stale_iterate() -> None:
    # tau_l = min(1, l - 1): F_S read at w_1, w_1, w_2: 8 e (1 + 3/10)/10 * eta^2
    # (1 + 1 + 2) + 2 e eta^2 (0 + 1 + 1), beta = r = 1, eta = 0.1.
    b4 = recursion_bound(
        CVX,
        step_sizes=np.full(3, 0.1),
        delays=np.ones(3, dtype=int),
        n_samples=10,
        smoothness=1.0,
        diameter=1.0,
        train_losses=np.array([1.0, 2.0, 3.0]),
    )
    expected = 8 * E * 0.13 * 0.01 * 4 + 2 * E * 0.01 * 2
    np.testing.assert_allclose(b4, expected, rtol=RTOL_KNOWN)


def test_excess_gamma_opt_minimises() -> None:
    assert EXCESS.split is not None
    d = sp.diff(EXCESS.split, gamma_s)
    subs = {
        SYMBOL[k]: sp.Rational(v)
        for k, v in {**SMALL, "lipschitz": 1, "optimal_risk": "1/10"}.items()
    }
    g_opt = EXCESS_GAMMA_OPT.subs(subs)
    assert abs(float(d.subs(subs).subs(gamma_s, g_opt).evalf(40))) < 1e-30
    assert float(sp.diff(d, gamma_s).subs(subs).subs(gamma_s, g_opt)) > 0
    np.testing.assert_allclose(
        float(EXCESS.split.subs(subs).subs(gamma_s, g_opt)),
        float(EXCESS.expr.subs(subs)),
        rtol=RTOL_KNOWN,
    )


def test_linked_defaults() -> None:
    p = {k: v for k, v in SMALL.items() if k not in ("init_distance", "optimal_risk")}
    # init_distance defaults to the diameter; optimal_risk to a given loss bound
    assert CVX.evaluate(**p, loss_bound=0.0001) == CVX.evaluate(
        **p, init_distance=1, optimal_risk=0.0001
    )
    with pytest.raises(InvalidParameterError, match="needs optimal_risk"):
        CVX.evaluate(**p)


BAD = [
    (
        "step",
        {"step_size": 0.6},
        StepSizeConditionError,
        r"step_size=0.6 violates eta <= 1/\(2\*beta\).*Deng et al. 2024, Theorem 1",
    ),
    (
        "init",
        {"init_distance": 2},
        StepSizeConditionError,
        "init_distance=2.0 violates D_1 <= r",
    ),
    ("diameter", {"diameter": 0}, InvalidParameterError, "diameter=0 must be > 0"),
    (
        "risk",
        {"optimal_risk": -1},
        InvalidParameterError,
        "optimal_risk=-1 must be >= 0",
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "error", "match"), BAD, ids=[b[0] for b in BAD]
)
def test_invalid_input(
    name: str, change: dict[str, Any], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        CVX.evaluate(**{**SMALL, **change})


def test_recursion_conditions() -> None:
    kw: dict[str, Any] = dict(
        n_samples=10, smoothness=1.0, diameter=1.0, optimal_risk=0.0
    )
    with pytest.raises(StepSizeConditionError, match="non-increasing"):
        recursion_bound(CVX, step_sizes=np.array([0.1, 0.2]), **kw)
    with pytest.raises(StepSizeConditionError, match=r"step_sizes\[0\]=0.6"):
        recursion_bound(CVX, step_sizes=np.array([0.6, 0.2]), **kw)
    with pytest.raises(InvalidParameterError, match="train_loss=None must be given"):
        recursion_bound(GEN, step_sizes=np.array([0.1, 0.1]), **kw)


@pytest.mark.parametrize("theorem", list(LITERATURE.values()), ids=lambda t: t.key)
def test_no_pathwise_level(theorem: Any) -> None:
    with pytest.raises(InvalidParameterError, match="has no pathwise level"):
        pathwise_bound(
            theorem,
            step_sizes=np.full(3, 0.1),
            hits=np.zeros(3, bool),
            lipschitz=1.0,
            smoothness=1.0,
        )


def test_inverse_questions_need_a_bound_on_the_gap() -> None:
    p = {k: v for k, v in SMALL.items() if k != "step_size"}
    with pytest.raises(
        InvalidParameterError, match="must bound the generalization gap"
    ):
        CVX.max_step_size(1.0, **p)
    with pytest.raises(
        InvalidParameterError, match="must bound the generalization gap"
    ):
        EXCESS.max_step_size(1.0, lipschitz=1, **p)
    with pytest.raises(
        InvalidParameterError, match=r"gamma_split=2\.0 must be omitted"
    ):
        GEN.max_step_size(1.0, train_loss=0.5, gamma_split=2, **p)
    sol = GEN.max_step_size(1.0, train_loss=0.5, **{**p, "n_samples": 10_000})
    at = GEN.evaluate(step_size=sol.value, train_loss=0.5, **{**p, "n_samples": 10_000})
    np.testing.assert_allclose(at, 1.0, rtol=RTOL_INVERSE)
