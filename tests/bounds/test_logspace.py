"""Every closed form, evaluated in log space, at arguments across float64's range.

Registry-driven: a new theorem gets this for free. The reference is sympy's exact
evaluation (``evaluate_exact``) at 30 digits; the arguments are admissible
(conditions hold, gamma <= beta, tau <= T) with magnitudes from 1e-300 to 1e300,
where the direct formula overflows (``L^2`` at ``L = 1e300``) or forms
``inf / inf`` (``q / (q + 1)`` at ``q = 1e900``).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import REGISTRY, Assumption, Theorem
from tests._tolerances import ATOL_LOG_EXTREME

ALL = list(REGISTRY.values())


@st.composite
def extreme_params(draw: st.DrawFn, theorem: Theorem) -> dict[str, Any]:
    def real() -> float:
        return 10.0 ** draw(st.floats(-300.0, 300.0))

    def count(low: int = 1) -> float:
        return float(10 ** draw(st.integers(low, 300)))

    p: dict[str, Any] = {
        "n_samples": count(),
        "n_steps": count(),
        "lipschitz": real(),
        "smoothness": real(),
        "c": real(),
        "loss_bound": real(),
    }
    limit = theorem.step_size_limit(smoothness=p["smoothness"])
    p["step_size"] = draw(st.floats(1e-3, 1.0)) * min(limit, 1e300)
    p["strong_convexity"] = draw(st.floats(1e-3, 1.0)) * p["smoothness"]
    p["diameter"] = real()
    p["init_distance"] = draw(st.floats(1e-3, 1.0)) * p["diameter"]  # D_1 <= r
    p["optimal_risk"] = real()
    p["train_loss"] = real()
    if Assumption.NO_DELAY in theorem.assumptions:
        p["max_delay"] = 0
    else:
        p["max_delay"] = float(
            10 ** draw(st.integers(0, int(math.log10(p["n_steps"]))))
        )
    return {k: v for k, v in p.items() if k in theorem.accepted}


@pytest.mark.parametrize("theorem", ALL, ids=lambda t: t.key)
@settings(deadline=None)  # sympy's exact evaluation takes ~0.1-1 s per example
@given(data=st.data())
def test_log_space_matches_exact_across_float64(
    theorem: Theorem, data: st.DataObject
) -> None:
    p = data.draw(extreme_params(theorem))
    exact = float(sp.log(theorem.evaluate_exact(**p)).evalf(30))
    got = theorem.compute(**p).log10_value * math.log(10.0)
    assert math.isfinite(got)
    assert abs(got - exact) <= ATOL_LOG_EXTREME, (repr(p), got, exact)
