"""Registry-driven property tests: every theorem gets all of these for free.

Parts 1 and 2 of the registry (``bounds.REGISTRY``): uniform stability, on-average
model stability, generalization gap and excess risk alike.

Parameters are drawn with the public ``bounds.strategies`` (admissible by
construction, no ``assume()``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from bounds import (
    REGISTRY,
    THEOREMS,
    Assumption,
    Quantity,
    Theorem,
    recursion_bound,
)
from bounds._symbols import SYMBOL
from bounds.strategies import step_size_limit, theorem_params
from tests._tolerances import RTOL_DOMINATE, RTOL_EXACT, RTOL_MONOTONE, RTOL_VECTOR

ALL = list(REGISTRY.values())
DELAYED = [t for t in ALL if t.synchronous is not None]
MONOTONE = [(t, name, sign) for t in ALL for name, sign in t.monotone.items()]


def key(t: Theorem) -> str:
    return t.key


@pytest.mark.parametrize("theorem", ALL, ids=key)
@given(data=st.data())
def test_nonnegative(theorem: Theorem, data: st.DataObject) -> None:
    params = data.draw(theorem_params(theorem))
    assert theorem.evaluate(**params) >= 0


def _bump(theorem: Theorem, name: str, p: dict[str, Any], u: float, k: int) -> Any:
    """A larger admissible value of ``name`` (u in (0, 1], k >= 1)."""
    if name == "n_samples":
        return p[name] + k
    if name == "n_steps":
        return p[name] + k
    if name == "max_delay":
        return min(p.get(name, 0) + k, p["n_steps"])
    if name == "step_size":
        limit = step_size_limit(theorem, **p)
        # p + u (limit - p) can round one ulp past the limit at u = 1: clamped.
        return min(p[name] + u * (limit - p[name]), limit)
    if name == "strong_convexity":  # gamma <= beta for every smooth loss
        return p[name] + u * (p["smoothness"] - p[name])
    return p[name] * (1 + 10 * u)


@pytest.mark.parametrize(
    ("theorem", "name", "sign"),
    MONOTONE,
    ids=[f"{t.key}-{n}" for t, n, _ in MONOTONE],
)
@given(data=st.data())
def test_claimed_monotonicity(
    theorem: Theorem, name: str, sign: int, data: st.DataObject
) -> None:
    if name not in theorem.accepted:
        # e.g. [H-scvx] claims independence of n_steps and does not take it
        assert SYMBOL[name] not in theorem.expr.free_symbols
        return
    p = data.draw(theorem_params(theorem, max_n_steps=10**5))
    u = data.draw(st.floats(1e-3, 1.0))
    k = data.draw(st.integers(1, 100))
    q = {**p, name: _bump(theorem, name, p, u, k)}
    lo, hi = theorem.evaluate(**p), theorem.evaluate(**q)
    slack = RTOL_MONOTONE * max(abs(lo), abs(hi))
    if sign > 0:
        assert hi >= lo - slack, (p, q, lo, hi)
    elif sign < 0:
        assert hi <= lo + slack, (p, q, lo, hi)
    else:
        assert abs(hi - lo) <= slack, (p, q, lo, hi)


@pytest.mark.parametrize("theorem", DELAYED, ids=key)
@given(data=st.data())
def test_reduces_to_synchronous_at_zero_delay(
    theorem: Theorem, data: st.DataObject
) -> None:
    sync = THEOREMS[theorem.synchronous or ""]
    p = data.draw(theorem_params(theorem, max_delay=0))
    assert p["max_delay"] == 0
    np.testing.assert_allclose(
        theorem.evaluate(**p), sync.evaluate(**p), rtol=RTOL_VECTOR
    )


@pytest.mark.parametrize("theorem", DELAYED, ids=key)
def test_reduces_symbolically_at_zero_delay(theorem: Theorem) -> None:
    sync = THEOREMS[theorem.synchronous or ""]
    assert sp.simplify(theorem.expr.subs(SYMBOL["max_delay"], 0) - sync.expr) == 0


def closed_form_schedule(
    theorem: Theorem, p: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """The schedule the closed form is stated for: constant eta with tau_t = tau,
    or eta_t = c/t."""
    T = int(p.get("n_steps", 200))
    tau = int(p.get("max_delay", 0))
    t = np.arange(1, T + 1, dtype=np.float64)
    eta = np.full(T, p["step_size"]) if "step_size" in p else p["c"] / t
    return eta, np.full(T, tau)


@pytest.mark.parametrize("theorem", ALL, ids=key)
@given(data=st.data())
def test_closed_form_dominates_recursion(theorem: Theorem, data: st.DataObject) -> None:
    p = data.draw(theorem_params(theorem, max_n_steps=2000, max_delay=50))
    eta, tau = closed_form_schedule(theorem, p)
    if theorem.recursion == "deng":
        skip = {"step_size", "max_delay", "n_steps"}
        constants = {k: v for k, v in p.items() if k not in skip}
    else:
        constants = {
            "n_samples": p["n_samples"],
            "lipschitz": p["lipschitz"],
            "smoothness": p["smoothness"],
            "loss_bound": p.get("loss_bound", 1.0),
            "strong_convexity": p.get("strong_convexity"),
        }
    if theorem.one_worker is not None:  # part 3: one slot of weight K per step
        constants["weights"] = np.full((*np.shape(eta), 1), p["step_weight"])
        constants["batch_size"] = p.get("batch_size", 1)
        del constants["strong_convexity"]
    rec = recursion_bound(theorem, step_sizes=eta, delays=tau, **constants)
    closed = theorem.evaluate(**p)
    assert rec >= 0
    assert closed >= rec * (1 - RTOL_DOMINATE), (p, closed, rec)


def _exact_30_digits(theorem: Theorem, p: dict[str, Any]) -> float:
    """The closed form at the exact decimals of ``p``, evaluated by sympy to 30
    digits (``evalf(subs=...)`` never forms the exact powers; see
    ``test_evaluate_exact_polynomial`` for ``evaluate_exact`` itself)."""
    values = {"max_delay": 0, "loss_bound": 1.0, **p}
    subs = {
        s: sp.Rational(repr(values[name]))
        for name, s in SYMBOL.items()
        if s in theorem.expr.free_symbols
    }
    return float(theorem.expr.evalf(30, subs=subs))


@pytest.mark.parametrize("theorem", ALL, ids=key)
@given(data=st.data())
def test_evaluate_agrees_with_exact_sympy(
    theorem: Theorem, data: st.DataObject
) -> None:
    p = data.draw(theorem_params(theorem))
    exact = _exact_30_digits(theorem, p)
    np.testing.assert_allclose(theorem.evaluate(**p), exact, rtol=RTOL_EXACT)


POLYNOMIAL = [t for t in ALL if t.expr.is_rational_function()]


@pytest.mark.parametrize("theorem", POLYNOMIAL, ids=key)
@given(data=st.data())
def test_evaluate_exact_polynomial(theorem: Theorem, data: st.DataObject) -> None:
    # evaluate_exact on the rational closed forms: exact rationals (times powers of e).
    p = data.draw(theorem_params(theorem))
    exact = theorem.evaluate_exact(**p)
    # [DSL-cvx] carries Euler's number e: a polynomial in e with exact rationals.
    assert all(c.is_Rational for c in sp.Poly(exact, sp.E).coeffs())
    np.testing.assert_allclose(
        theorem.evaluate(**p), float(exact.evalf(30)), rtol=RTOL_EXACT
    )


@pytest.mark.parametrize("theorem", ALL, ids=key)
@given(data=st.data())
def test_vectorised_equals_elementwise(theorem: Theorem, data: st.DataObject) -> None:
    rows = data.draw(st.lists(theorem_params(theorem), min_size=1, max_size=5))
    names = list(rows[0])
    arrays = {k: np.array([r[k] for r in rows]) for k in names}
    vector = theorem.evaluate(**arrays)
    assert np.shape(vector) == (len(rows),)
    scalar = [theorem.evaluate(**r) for r in rows]
    np.testing.assert_allclose(vector, scalar, rtol=RTOL_VECTOR)


@pytest.mark.parametrize("theorem", ALL, ids=key)
def test_latex_renders(theorem: Theorem) -> None:
    tex = theorem.latex()
    lhs = theorem.quantity.latex + r" \le "
    assert tex.startswith(lhs)
    body = tex.removeprefix(lhs)
    assert body == sp.latex(theorem.expr)
    for s in theorem.expr.free_symbols:
        assert sp.latex(s) in body, (s, body)


@pytest.mark.parametrize("theorem", ALL, ids=key)
def test_citation_with_locator(theorem: Theorem) -> None:
    ref = theorem.reference
    assert ref.locator
    assert ref.locator in ref.short
    assert ref.bibtex().startswith(("@article{", "@inproceedings{", "@misc{"))
    assert theorem.registry_key in theorem.statement()
    if theorem.registry_key == "[R-ncvx]":
        assert theorem.is_reconstruction
        assert "Deng" in ref.note
        assert "NeurIPS 2024" in ref.note
        assert ref.arxiv is not None
        assert ref.arxiv.startswith("1909.13391")
        assert "Reconstruction" in theorem.statement()
        assert "reconstruction" in ref.short  # every error message quotes it
        assert "main theorem" not in ref.short  # no invented locator
    else:
        assert not theorem.is_reconstruction
    if theorem.key.startswith("deng"):
        assert ref.short.startswith("Deng et al. 2024, Theorem ")
        assert "NeurIPS 2024" in ref.venue
    if theorem.key.startswith("hardt"):
        assert ref.arxiv == "1509.01240v2"
        assert ref.locator.startswith("Theorem 3.")


@pytest.mark.parametrize("theorem", ALL, ids=key)
def test_delay_assumptions_are_consistent(theorem: Theorem) -> None:
    no_delay = Assumption.NO_DELAY in theorem.assumptions
    if theorem.one_worker is not None:  # part 3: any delays, paired by workers
        assert not no_delay
        assert theorem.synchronous is None
    elif theorem.quantity is Quantity.UNIFORM_STABILITY:  # part 1 pairs them
        assert no_delay == (theorem.synchronous is None)
    else:  # part 2: any delays; the tau = 0 reductions are tests of their own
        assert not no_delay
    assert no_delay == any(
        c == sp.Eq(SYMBOL["max_delay"], 0) for c in theorem.conditions
    )
