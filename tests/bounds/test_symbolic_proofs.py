"""Machine-checked steps of the proofs in docs/theory.md (sympy, exact)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from bounds import THEOREMS, recursion_bound
from bounds._symbols import B, L, T, beta, c, eta, n, t0, tau
from tests._tolerances import RTOL_LOOP

Q = sp.Symbol("q", positive=True)


def _burn_in_objective(k: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """f(t0) = t0 B/(n-1) + 2 L^2/(beta k (n-1)) (T/t0)^q with q = beta c k."""
    q = beta * c * k
    f = t0 * B / (n - 1) + 2 * L**2 / (beta * k * (n - 1)) * (T / t0) ** q
    return f, q


@pytest.mark.parametrize(
    ("key", "k"), [("hardt-ncvx", sp.Integer(1)), ("regatti-ncvx", tau + 1)]
)
def test_nonconvex_closed_form_is_the_minimum_over_t0(key: str, k: sp.Expr) -> None:
    f, q = _burn_in_objective(k)
    # stationary point: df/dt0 = 0 solved with q as a positive symbol
    fq = f.subs(c, Q / (beta * k))
    roots = sp.solve(sp.diff(fq, t0), t0)
    assert len(roots) == 1
    star = roots[0].subs(Q, q)
    expected_star = (2 * c * L**2 * T**q / B) ** (1 / (q + 1))
    assert sp.simplify(sp.expand_power_base(star / expected_star, force=True)) == 1
    # f'' > 0 for every t0 > 0: a strict minimum, the only one
    second = sp.simplify(sp.diff(f, t0, 2) * (n - 1))
    assert second.is_positive
    # f(t0*) is the registry's closed form (checked symbolically, then at points)
    at_star = f.subs(t0, expected_star)
    expr = THEOREMS[key].expr
    # at t0*, the second term is t0* B / (q (n - 1)), so f(t0*) = (1 + 1/q) t0* B/(n-1)
    second_term = (f - t0 * B / (n - 1)).subs(t0, expected_star)
    log_ratio = sp.expand_log(
        sp.log(second_term) - sp.log(expected_star * B / (q * (n - 1))), force=True
    )
    assert sp.cancel(sp.expand(log_ratio)) == 0
    log_ratio = sp.expand_log(
        sp.log((1 + 1 / q) * expected_star * B / (n - 1)) - sp.log(expr), force=True
    )
    ratio = sp.cancel(sp.expand(log_ratio)) + 1
    assert ratio == 1
    rng = np.random.default_rng(0)
    for _ in range(20):
        point = {
            s: sp.Rational(int(rng.integers(1, 50)), int(rng.integers(1, 50)))
            for s in (L, beta, c, B)
        }
        point.update(
            {
                n: int(rng.integers(2, 100)),
                T: int(rng.integers(1, 10**4)),
                tau: int(rng.integers(0, 8)),
            }
        )
        a, b = at_star.evalf(30, subs=point), expr.evalf(30, subs=point)
        assert abs(a - b) <= 1e-25 * abs(b)


def test_delayed_cvx_closed_form_dominates_its_recursion() -> None:
    # recursion with constant eta and tau_t = tau, stale sums truncated at s >= 1:
    # sum_t min(tau, t-1) = sum_{t<=tau} (t-1) + sum_{t>tau} tau   (T >= tau)
    t = sp.Symbol("t", positive=True, integer=True)
    stale = sp.summation(t - 1, (t, 1, tau)) + sp.summation(tau, (t, tau + 1, T))
    first = 2 * L**2 * eta * T / n
    rec = first + 2 * beta * L**2 * (1 - 1 / n) * eta**2 * stale
    gap = sp.factor(sp.simplify(THEOREMS["delayed-cvx"].expr - rec))
    expected = beta * L**2 * (1 - 1 / n) * eta**2 * tau * (tau + 1)
    assert sp.simplify(gap - expected) == 0  # >= 0: every factor is >= 0 for n >= 1
    # each step t > tau contributes exactly the closed form's per-step term
    s = sp.Symbol("s", integer=True)
    per_step = 2 * L**2 * eta / n + 2 * beta * L**2 * (1 - 1 / n) * eta * sp.summation(
        eta, (s, t - tau, t - 1)
    )
    assert sp.simplify(per_step - THEOREMS["delayed-cvx"].expr / T) == 0
    # and the numeric recursion has exactly that gap
    vals = {eta: 0.01, tau: 5, T: 200, n: 50, L: 2.0, beta: 3.0}
    numeric = recursion_bound(
        THEOREMS["delayed-cvx"],
        step_sizes=np.full(200, 0.01),
        delays=np.full(200, 5),
        n_samples=50,
        lipschitz=2.0,
        smoothness=3.0,
    )
    closed = THEOREMS["delayed-cvx"].evaluate(
        n_samples=50,
        n_steps=200,
        step_size=0.01,
        lipschitz=2.0,
        smoothness=3.0,
        max_delay=5,
    )
    np.testing.assert_allclose(
        closed - numeric, float(expected.subs(vals)), rtol=RTOL_LOOP
    )


@pytest.mark.parametrize(
    "theorem", [t for t in THEOREMS.values() if t.synchronous], ids=lambda t: t.key
)
def test_delayed_expression_reduces_at_zero_delay(theorem) -> None:  # type: ignore[no-untyped-def]
    sync = THEOREMS[theorem.synchronous]
    assert sp.simplify(theorem.expr.subs(tau, 0) - sync.expr) == 0
    if theorem.log_expr is not None and sync.log_expr is not None:
        assert sp.simplify(theorem.log_expr.subs(tau, 0) - sync.log_expr) == 0


@pytest.mark.parametrize("theorem", list(THEOREMS.values()), ids=lambda t: t.key)
def test_log_expr_is_the_log_of_expr(theorem) -> None:  # type: ignore[no-untyped-def]
    if theorem.log_expr is None:
        return
    diff = sp.expand_log(sp.log(theorem.expr), force=True) - theorem.log_expr
    assert sp.simplify(sp.expand_log(diff, force=True)) == 0
