"""Level 1: numerical safety of the closed forms, vacuity, and shape claims."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bounds import THEOREMS, Theorem
from bounds.strategies import theorem_params

# One point per theorem, then pushed to extremes one argument at a time.
BASE: dict[str, dict[str, Any]] = {
    "hardt-cvx": dict(
        lipschitz=1, smoothness=1, step_size=0.5, n_steps=1000, n_samples=100
    ),
    "delayed-cvx": dict(
        lipschitz=1,
        smoothness=1,
        step_size=0.5,
        n_steps=1000,
        n_samples=100,
        max_delay=8,
    ),
    "hardt-scvx": dict(
        lipschitz=1, smoothness=1, strong_convexity=0.5, step_size=0.5, n_samples=100
    ),
    "hardt-ncvx": dict(lipschitz=1, smoothness=1, c=0.5, n_steps=1000, n_samples=100),
    "regatti-ncvx": dict(
        lipschitz=1, smoothness=1, c=0.5, n_steps=1000, n_samples=100, max_delay=8
    ),
    "delayed-ncvx": dict(
        lipschitz=1, smoothness=1, c=0.5, n_steps=1000, n_samples=100, max_delay=8
    ),
}
EXTREMES = [
    ("T=1e12", dict(n_steps=10**12)),
    ("T=1e300", dict(n_steps=1e300)),
    ("beta=1e-12", dict(smoothness=1e-12)),
    ("c=1e12", dict(c=1e12)),
    ("c=1e-12", dict(c=1e-12)),
    ("n=1e300", dict(n_samples=1e300)),
    ("L=1e100", dict(lipschitz=1e100)),
]


def _extreme(p: dict[str, Any], ext: dict[str, Any], key: str) -> dict[str, Any]:
    out = {**p, **{a: v for a, v in ext.items() if a in THEOREMS[key].accepted}}
    if "strong_convexity" in out:  # gamma <= beta holds for every smooth loss
        out["strong_convexity"] = min(out["strong_convexity"], out["smoothness"])
    return out


CASES = [
    (k, name, _extreme(p, ext, k)) for k, p in BASE.items() for name, ext in EXTREMES
]


@pytest.mark.parametrize(
    ("key", "params"), [c[::2] for c in CASES], ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_extreme_arguments_stay_finite(key: str, params: dict[str, Any]) -> None:
    t = THEOREMS[key]
    result = t.compute(**params, loss_bound=1.0)
    assert math.isfinite(result.log10_value)
    assert not math.isnan(result.value)
    assert result.vacuous == (result.log10_value >= 0.0)  # loss range B = 1
    log_value = t.log_evaluate(**params, loss_bound=1.0)
    np.testing.assert_allclose(result.log10_value * math.log(10), log_value)


def test_huge_bound_is_flagged_vacuous() -> None:
    # [H-ncvx] at T = 1e300, beta c = 1/2: T^(1/3) = 1e100 is far beyond the range;
    # 3/99 * 1^(2/3) * 1e100 = 3.03e98.
    r = THEOREMS["hardt-ncvx"].compute(**{**BASE["hardt-ncvx"], "n_steps": 1e300})
    assert r.vacuous
    np.testing.assert_allclose(r.log10_value, math.log10(3 / 99) + 100)
    # [H-cvx] at T = 1e300 overflows nothing: 2 * 0.5 * 1e300 / 100 = 1e298
    r = THEOREMS["hardt-cvx"].compute(
        **{**BASE["hardt-cvx"], "n_steps": 1e300}, loss_bound=1.0
    )
    np.testing.assert_allclose(r.log10_value, 298.0)
    assert r.vacuous


def test_unbounded_loss_is_never_flagged_without_loss_bound() -> None:
    r = THEOREMS["hardt-cvx"].compute(**{**BASE["hardt-cvx"], "n_steps": 10**12})
    assert not r.vacuous


@given(data=st.data())
def test_delayed_ncvx_ignores_the_delay(data: st.DataObject) -> None:
    t = THEOREMS["delayed-ncvx"]
    p = data.draw(theorem_params(t))
    tau = data.draw(st.integers(0, p["n_steps"]))
    assert t.evaluate(**{**p, "max_delay": tau}) == t.evaluate(**{**p, "max_delay": 0})


def _regatti_grows_from(p: dict[str, Any]) -> bool:
    """The regime in which [R-ncvx] increases in tau from p["max_delay"] on:
    d/dq log(bound) = (log(B T / (2 c L^2)) - 1 - 1/q) / (q + 1)^2 >= 0, and the
    bracket only grows with q."""
    q = p["smoothness"] * p["c"] * (p["max_delay"] + 1)
    ratio = p["loss_bound"] * p["n_steps"] / (2 * p["c"] * p["lipschitz"] ** 2)
    return math.log(ratio) >= 1 + 1 / q


@given(data=st.data())
def test_regatti_increases_with_delay_in_its_regime(data: st.DataObject) -> None:
    t: Theorem = THEOREMS["regatti-ncvx"]
    p = data.draw(theorem_params(t, max_n_steps=10**6))
    k = data.draw(st.integers(1, 50))
    bigger = min(p["max_delay"] + k, p["n_steps"])
    lo, hi = t.evaluate(**p), t.evaluate(**{**p, "max_delay": bigger})
    if _regatti_grows_from(p):
        assert hi >= lo * (1 - 1e-12)  # rounding of two log-space evaluations


def test_regatti_is_not_monotone_in_delay_for_small_t() -> None:
    # T = 1: the bound is (1 + 1/q)/(n-1) (2 c L^2)^(1/(q+1)), decreasing in q;
    # why the registry does not claim monotonicity in max_delay for [R-ncvx].
    t = THEOREMS["regatti-ncvx"]
    p = dict(lipschitz=1, smoothness=1, c=1, n_steps=1, n_samples=100, max_delay=0)
    assert t.evaluate(**{**p, "max_delay": 1}) < t.evaluate(**p)
