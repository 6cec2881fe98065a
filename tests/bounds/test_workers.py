"""[D-ncvx-W] and [D-cvx-W] (docs/theory.md, part 3): reductions, the three
levels against each other, the clip counterexample, refusals by name."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from bounds import (
    THEOREMS,
    InvalidParameterError,
    StepSizeConditionError,
    pathwise_bound,
    recursion_bound,
)
from bounds._protocol import protocol_constants
from bounds._symbols import SYMBOL
from tests._tolerances import RTOL_DOMINATE, RTOL_EXACT

NCVX_W = THEOREMS["delayed-ncvx-workers"]
CVX_W = THEOREMS["delayed-cvx-workers"]
S = SYMBOL


def test_workers_ncvx_reduces_to_delayed_ncvx() -> None:
    one = {S["step_weight"]: 1, S["arrivals"]: 1, S["batch_size"]: 1}
    diff = NCVX_W.expr.xreplace(one) - THEOREMS["delayed-ncvx"].expr
    assert sp.simplify(diff) == 0


def test_workers_cvx_reduces_to_delayed_cvx() -> None:
    diff = CVX_W.expr.xreplace({S["step_weight"]: 1}) - THEOREMS["delayed-cvx"].expr
    assert sp.expand(diff) == 0
    # the step condition too: eta <= 2/(K beta) at K = 1 is eta <= 2/beta
    cond = CVX_W.conditions[0].xreplace({S["step_weight"]: 1})
    assert cond == THEOREMS["delayed-cvx"].conditions[0]


def test_workers_ncvx_is_hardt_with_scaled_constants() -> None:
    """[H-ncvx] with c -> c K and B -> B b M (docs/theory.md, part 3)."""
    c, B = S["c"], S["loss_bound"]
    K, M, b = S["step_weight"], S["arrivals"], S["batch_size"]
    hardt = THEOREMS["hardt-ncvx"].expr.xreplace({c: c * K, B: B * b * M})
    assert sp.simplify(NCVX_W.expr - hardt) == 0


def test_log_expression_matches_the_closed_form() -> None:
    p = dict(n_samples=5000, n_steps=35000, c=0.3, lipschitz=2.0, smoothness=0.7)
    for extra in ({}, {"step_weight": 4, "arrivals": 16, "batch_size": 64}):
        got = NCVX_W.log_evaluate(**p, **extra)
        subs = {S[k]: v for k, v in {**p, "loss_bound": 1.0, **extra}.items()}
        subs.update(
            {
                S[k]: 1
                for k in ("step_weight", "arrivals", "batch_size")
                if k not in extra
            }
        )
        want = float(sp.log(NCVX_W.expr.xreplace(subs)).evalf(30))
        assert got == pytest.approx(want, rel=RTOL_EXACT)


@pytest.mark.parametrize(
    ("kwargs", "want"),
    [
        (dict(n_workers=4, aggregation="mean", max_delay=64), (1, 4, 64)),
        (dict(n_workers=16, aggregation="sum", period=17), (1, 1, 16)),
        (dict(n_workers=16, aggregation="sum", period=4), (4, 4, 3)),
        (dict(n_workers=16, aggregation="sum", period=5), (4, 4, 4)),
        (dict(n_workers=16, aggregation="sum", max_delay=16), (16, 16, 16)),
        (dict(n_workers=1), (1, 1, 0)),
    ],
)
def test_protocol_constants(kwargs: dict, want: tuple[int, int, int]) -> None:
    W = kwargs.pop("n_workers")
    agg = kwargs.pop("aggregation", None)
    got = protocol_constants(W, agg, **kwargs)
    assert (got["step_weight"], got["arrivals"], got["max_delay"]) == want


def _deng_fixed(W: int, d: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights and delays of W workers of period d, summed (Deng et al. 2024):
    worker m arrives at the 0-based steps s = m (mod d), staleness d - 1."""
    s = np.arange(T)[:, None]
    a = ((s - np.arange(W)[None, :]) % d == 0).astype(float)
    return a, np.full((T, W), d - 1)


def _regatti(W: int, D: int, T: int, rng: np.random.Generator) -> tuple:
    """W workers averaged (a = 1/W), fixed delays: worker 0 at D, 1 at 0, others
    uniform on {0..D} (Regatti et al. 2019, their public code)."""
    d = rng.integers(0, D + 1, size=W)
    d[0], d[1] = D, 0
    return np.full((T, W), 1.0 / W), np.broadcast_to(d, (T, W)).copy()


@given(
    W=st.integers(1, 20),
    d=st.integers(1, 20),
    T=st.integers(1, 400),
    n=st.integers(20, 5000),
    beta=st.floats(0.05, 4.0),
    frac=st.floats(0.01, 1.0),
)
def test_closed_forms_dominate_recursions_deng_fixed(W, d, T, n, beta, frac) -> None:  # type: ignore[no-untyped-def]
    a, dl = _deng_fixed(W, d, T)
    const = protocol_constants(W, "sum", period=d)
    K = const["step_weight"]
    b = 1 + (n // 7) % 16
    eta = frac * 2 / (beta * K)
    common = dict(n_samples=n, lipschitz=1.3, smoothness=beta)
    rec = recursion_bound(
        CVX_W, step_sizes=np.full(T, eta), weights=a, delays=dl, batch_size=b, **common
    )
    if d - 1 <= T:  # the closed form needs max_delay <= n_steps
        closed = CVX_W.evaluate(
            n_steps=T, step_size=eta, n_workers=W, aggregation="sum", period=d, **common
        )
        assert closed >= rec * (1 - RTOL_DOMINATE)
    c = frac * 3
    rec = recursion_bound(
        NCVX_W,
        step_sizes=c / np.arange(1, T + 1),
        weights=a,
        delays=dl,
        batch_size=b,
        **common,
    )
    closed = NCVX_W.evaluate(
        n_steps=T, c=c, step_weight=K, arrivals=K, batch_size=b, **common
    )
    assert closed >= rec * (1 - RTOL_DOMINATE)


@given(
    W=st.integers(2, 16),
    D=st.integers(0, 64),
    T=st.integers(1, 400),
    n=st.integers(70, 5000),
    seed=st.integers(0, 2**32 - 1),
    frac=st.floats(0.01, 1.0),
)
def test_closed_forms_dominate_recursions_regatti(W, D, T, n, seed, frac) -> None:  # type: ignore[no-untyped-def]
    a, dl = _regatti(W, D, T, np.random.default_rng(seed))
    common = dict(n_samples=n, lipschitz=0.25, smoothness=0.1)
    c = frac * 5
    rec = recursion_bound(
        NCVX_W,
        step_sizes=c / np.arange(1, T + 1),
        weights=a,
        delays=dl,
        batch_size=64,
        clip=1.0,
        **common,
    )
    closed = NCVX_W.evaluate(
        n_steps=T,
        c=c,
        n_workers=W,
        aggregation="mean",
        batch_size=64,
        clip=1.0,
        **common,
    )
    assert closed >= rec * (1 - RTOL_DOMINATE)
    if D <= T:  # the convex bound, without the clip
        eta = frac * 2 / 0.1
        rec = recursion_bound(
            CVX_W,
            step_sizes=np.full(T, eta),
            weights=a,
            delays=dl,
            batch_size=64,
            **common,
        )
        closed = CVX_W.evaluate(
            n_steps=T,
            step_size=eta,
            n_workers=W,
            aggregation="mean",
            max_delay=D,
            batch_size=64,
            **common,
        )
        assert closed >= rec * (1 - RTOL_DOMINATE)


@given(
    W=st.integers(1, 12),
    d=st.integers(1, 12),
    T=st.integers(1, 200),
    n=st.integers(4, 1000),
    seed=st.integers(0, 2**32 - 1),
)
def test_convex_recursion_is_the_expected_pathwise_bound(W, d, T, n, seed) -> None:  # type: ignore[no-untyped-def]
    """Both levels are linear in the hit counts: with every h_{t,m}/b replaced by
    its expectation 1/n, L times the pathwise bound is the recursion, exactly."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2, size=(T, W)) * rng.choice([1.0, 1.0 / W], size=(T, W))
    dl = rng.integers(0, d, size=(T, W))
    b, L, beta = 4, 1.7, 0.3
    eta = np.full(T, 1.9 / (beta * max(1.0, a.sum(1).max())))
    rec = recursion_bound(
        CVX_W,
        step_sizes=eta,
        weights=a,
        delays=dl,
        batch_size=b,
        n_samples=n,
        lipschitz=L,
        smoothness=beta,
    )
    expected_hits = np.full((T, W), b / n)
    path = pathwise_bound(
        CVX_W,
        step_sizes=eta,
        weights=a,
        delays=dl,
        hits=expected_hits,
        batch_size=b,
        lipschitz=L,
        smoothness=beta,
    )
    assert L * path[-1] == pytest.approx(rec, rel=RTOL_EXACT, abs=1e-300)


def test_clip_counterexample_expands() -> None:
    """F(w) = w' diag(1, 100) w / 2, eta = 0.02, grad F at the clip threshold in
    direction (1, 1)/sqrt 2: the clipped step's Jacobian has norm ~1.407 > 1."""
    H = np.diag([1.0, 100.0])
    c_clip, eta = 1.0, 0.02
    g = c_clip * np.array([1.0, 1.0]) / math.sqrt(2)
    w = np.linalg.solve(H, g)  # grad F(w) = H w = g, ||g|| = c_clip

    def step(x: np.ndarray) -> np.ndarray:
        v = H @ x
        return x - eta * v * min(1.0, c_clip / np.linalg.norm(v))

    # one-sided Jacobian on the clipped side (||H x|| > c_clip), by differences
    h = 1e-7
    x0 = w * (1 + 1e-4)
    J = np.column_stack([(step(x0 + h * e) - step(x0)) / h for e in np.eye(2)])
    norm = np.linalg.norm(J, 2)
    assert norm == pytest.approx(1.407, abs=2e-3)
    assert norm > 1  # the step expands: the convex argument needs 1-expansive steps


def test_convex_theorem_refuses_a_clip() -> None:
    p = dict(n_samples=100, n_steps=10, step_size=0.1, lipschitz=1, smoothness=1)
    with pytest.raises(
        InvalidParameterError, match=r"clip=1\.0: .*assumes no clipping"
    ):
        CVX_W.evaluate(**p, clip=1.0)
    with pytest.raises(InvalidParameterError, match=r"clip=1\.0"):
        recursion_bound(
            CVX_W,
            step_sizes=np.full(3, 0.1),
            n_samples=10,
            lipschitz=1.0,
            smoothness=1.0,
            clip=1.0,
        )
    with pytest.raises(InvalidParameterError, match=r"clip=1\.0"):
        pathwise_bound(
            CVX_W,
            step_sizes=np.full(3, 0.1),
            hits=np.zeros(3, bool),
            lipschitz=1.0,
            smoothness=1.0,
            clip=1.0,
        )
    # the nonconvex theorem takes it (its value does not depend on it)
    q = dict(n_samples=100, n_steps=10, c=0.5, lipschitz=1, smoothness=1)
    assert NCVX_W.evaluate(**q, clip=1.0) == NCVX_W.evaluate(**q)


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (
            lambda: NCVX_W.evaluate(
                n_samples=10, n_steps=5, c=1, lipschitz=1, smoothness=1, batch_size=11
            ),
            InvalidParameterError,
            "batch_size=11 must be <= n_samples=10",
        ),
        (
            lambda: CVX_W.evaluate(
                n_samples=10,
                n_steps=5,
                step_size=0.6,
                lipschitz=1,
                smoothness=1,
                n_workers=16,
                aggregation="sum",
                period=4,
            ),
            StepSizeConditionError,
            r"step_size=0.6 violates eta <= 2/\(K\*beta\)",
        ),
        (
            lambda: recursion_bound(
                CVX_W,
                step_sizes=np.full(2, 0.6),
                weights=np.ones((2, 4)),
                n_samples=10,
                lipschitz=1.0,
                smoothness=1.0,
            ),
            StepSizeConditionError,
            r"step_sizes\[0\]=0.6 .*K_t=4.0",
        ),
        (
            lambda: recursion_bound(
                NCVX_W,
                step_sizes=np.full(2, 0.6),
                batch_size=11,
                n_samples=10,
                lipschitz=1.0,
                smoothness=1.0,
            ),
            InvalidParameterError,
            "batch_size=11 must be <= n_samples=10",
        ),
        (
            lambda: NCVX_W.evaluate(
                n_samples=10,
                n_steps=5,
                c=1,
                lipschitz=1,
                smoothness=1,
                n_workers=4,
                aggregation="mean",
                period=3,
            ),
            InvalidParameterError,
            "period=3 with aggregation='mean'",
        ),
        (
            lambda: NCVX_W.evaluate(
                n_samples=10,
                n_steps=5,
                c=1,
                lipschitz=1,
                smoothness=1,
                n_workers=4,
                aggregation="sum",
                period=3,
                max_delay=2,
            ),
            InvalidParameterError,
            "period=3 and max_delay=2 both given",
        ),
        (
            lambda: NCVX_W.evaluate(
                n_samples=10,
                n_steps=5,
                c=1,
                lipschitz=1,
                smoothness=1,
                n_workers=4,
                step_weight=2,
            ),
            InvalidParameterError,
            "step_weight=2 and n_workers=4 both given",
        ),
        (
            lambda: NCVX_W.evaluate(
                n_samples=10, n_steps=5, c=1, lipschitz=1, smoothness=1, n_workers=4
            ),
            InvalidParameterError,
            "aggregation=None with n_workers=4",
        ),
        (
            lambda: NCVX_W.evaluate(
                n_samples=10,
                n_steps=5,
                c=1,
                lipschitz=1,
                smoothness=1,
                n_workers=4,
                aggregation="avg",
            ),
            InvalidParameterError,
            "aggregation='avg'",
        ),
        (
            lambda: THEOREMS["delayed-cvx"].evaluate(
                n_samples=10,
                n_steps=5,
                step_size=0.1,
                lipschitz=1,
                smoothness=1,
                batch_size=4,
            ),
            InvalidParameterError,
            "batch_size=4 is not a parameter of delayed-cvx",
        ),
        (
            lambda: pathwise_bound(
                NCVX_W,
                step_sizes=np.full(2, 0.1),
                weights=np.ones((2, 2)),
                hits=np.full((2, 2), 3),
                batch_size=2,
                lipschitz=1.0,
                smoothness=1.0,
            ),
            InvalidParameterError,
            r"hits must lie in \[0, batch_size=2\]",
        ),
    ],
)
def test_refused_by_name(call, exc, pattern) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc, match=pattern):
        call()


def test_averaging_keeps_the_one_worker_exponent() -> None:
    """Regatti's averaged protocol (K = 1) has [D-ncvx]'s T exponent; summing
    K arrivals raises it (q = beta c K). Measured on the closed forms."""
    p = dict(n_samples=5000, c=0.5, lipschitz=1.0, smoothness=1.0)

    def slope(**kw: object) -> float:
        lo = NCVX_W.log_evaluate(n_steps=10**4, **p, **kw)
        hi = NCVX_W.log_evaluate(n_steps=10**5, **p, **kw)
        return (hi - lo) / math.log(10)

    q = 0.5
    assert slope(n_workers=4, aggregation="mean", batch_size=64) == pytest.approx(
        q / (q + 1), rel=RTOL_EXACT
    )
    qk = 0.5 * 4
    assert slope(n_workers=16, aggregation="sum", period=4) == pytest.approx(
        qk / (qk + 1), rel=RTOL_EXACT
    )
