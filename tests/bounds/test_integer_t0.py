"""The integer burn-in t0 = floor(t0*) costs nothing (docs/theory.md, "The integer
burn-in costs nothing"): machine-checked steps plus an exact check.

With s = k + 1, k = floor(t0*) and u = t0*/s in (0, 1] (u in [k/(k+1), 1) for
k >= 1), the integer bound divided by B/(n - 1) is at most k + u^(q+1) + t0* u^q/q,
the closed form divided by B/(n - 1) is t0* (1 + 1/q), and their difference is
h(u) = s u (1 + 1/q) - (s - 1) - u^(q+1) - s u^(q+1)/q >= 0.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from bounds import THEOREMS
from tests._tolerances import RTOL_DOMINATE

u, q, s = sp.symbols("u q s", positive=True)
h = s * u * (1 + 1 / q) - (s - 1) - u ** (q + 1) - s * u ** (q + 1) / q


def test_h_vanishes_at_u_one_and_is_concave() -> None:
    assert sp.simplify(h.subs(u, 1)) == 0
    second = sp.simplify(sp.diff(h, u, 2))
    # -(q + 1) u^(q - 1) (s + q): negative for u, q, s > 0
    assert sp.simplify(second + (q + 1) * u ** (q - 1) * (s + q)) == 0


def test_k_zero_factorises() -> None:
    # s = 1 (t0* < 1, no burn-in): h = u (1 + 1/q) (1 - u^q) >= 0 on (0, 1]
    assert sp.simplify(h.subs(s, 1) - u * (1 + 1 / q) * (1 - u**q)) == 0


def test_left_end_is_nonnegative() -> None:
    # At u = k/(k+1): h = (k/q)(1 - u^q) - u^(q+1). Two steps, both exact:
    k = sp.Symbol("k", positive=True)
    left = h.subs({s: k + 1, u: k / (k + 1)})
    target = (k / q) * (1 - (k / (k + 1)) ** q) - (k / (k + 1)) ** (q + 1)
    assert sp.simplify(left - target) == 0
    # (i) 1 - u^q >= q u^q ln(1/u)  <=>  e^x - 1 >= x at x = q ln(1/u);
    # (ii) k ln(1 + 1/k) >= k/(k+1)  <=>  ln(1 + y) >= y/(1 + y) at y = 1/k.
    x, y = sp.symbols("x y", nonnegative=True)
    assert sp.diff(sp.exp(x) - 1 - x, x).subs(x, 0) == 0  # equality at 0 ...
    assert (
        sp.simplify(sp.diff(sp.exp(x) - 1 - x, x) - (sp.exp(x) - 1)) == 0
    )  # ... then increasing
    g = sp.log(1 + y) - y / (1 + y)
    assert g.subs(y, 0) == 0
    assert sp.simplify(sp.diff(g, y) - y / (1 + y) ** 2) == 0  # >= 0: g increasing


@given(
    q_=st.floats(1e-3, 50.0),
    k_=st.integers(0, 10**6),
    frac=st.floats(0.0, 1.0, exclude_max=True),
)
def test_h_nonnegative_on_the_whole_range(q_: float, k_: int, frac: float) -> None:
    t0 = k_ + frac
    if t0 == 0:
        return
    s_, u_ = k_ + 1, t0 / (k_ + 1)
    value = s_ * u_ * (1 + 1 / q_) - k_ - u_ ** (q_ + 1) - s_ * u_ ** (q_ + 1) / q_
    # the terms are ~ s (1 + 1/q); rounding is a few ulp of that
    assert value >= -1e-12 * s_ * (1 + 1 / q_)


@given(
    n=st.integers(2, 10**5),
    T=st.integers(1, 3000),
    c=st.floats(1e-2, 10.0),
    beta=st.floats(1e-2, 10.0),
    L=st.floats(1e-2, 10.0),
    B=st.floats(1e-2, 10.0),
)
def test_integer_burn_in_is_below_the_closed_form(
    n: int, T: int, c: float, beta: float, L: float, B: float
) -> None:
    # The proof's bound at k = floor(t0*), with the tail sum computed exactly:
    # k B/n + (2 c L^2/n) T^p sum_{t=k+1}^T t^(-p-1), p = (1 - 1/n) beta c.
    q_ = beta * c
    p = (1 - 1 / n) * q_
    log_t0 = (math.log(2 * c * L**2 / B) + q_ * math.log(T)) / (q_ + 1)
    k = T if log_t0 >= math.log(T) else math.floor(math.exp(log_t0))
    t = np.arange(k + 1, T + 1, dtype=np.float64)
    tail = float(np.sum(np.exp(p * np.log(T / t)) / t))
    integer_bound = k * B / n + 2 * c * L**2 / n * tail
    closed = THEOREMS["hardt-ncvx"].evaluate(
        n_samples=n, n_steps=T, c=c, lipschitz=L, smoothness=beta, loss_bound=B
    )
    assert integer_bound <= closed * (1 + RTOL_DOMINATE), (integer_bound, closed)
