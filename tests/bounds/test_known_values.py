"""Bound values computed by hand from the registry's formulas (docs/theory.md, "The
registry"; Hardt et al. 2016, Theorems 3.8, 3.9, 3.12), arithmetic in comments."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bounds import THEOREMS
from tests._tolerances import RTOL_KNOWN

NCVX = {"lipschitz": 1, "n_steps": 10_000, "n_samples": 1001}

KNOWN: list[tuple[str, str, dict[str, Any], float]] = [
    # [H-cvx] 2 L^2 eta T / n = 2 * 1 * 0.01 * 1000 / 500 = 0.04
    (
        "H-cvx",
        "hardt-cvx",
        dict(lipschitz=1, smoothness=1, step_size=0.01, n_steps=1000, n_samples=500),
        0.04,
    ),
    # [H-cvx] L = 2: 2 * 4 * 0.1 * 50 / 1000 = 0.04
    (
        "H-cvx-L2",
        "hardt-cvx",
        dict(lipschitz=2, smoothness=10, step_size=0.1, n_steps=50, n_samples=1000),
        0.04,
    ),
    # [D-cvx] tau = 0 is [H-cvx]: 0.04
    (
        "D-cvx-tau0",
        "delayed-cvx",
        dict(
            lipschitz=1,
            smoothness=1,
            step_size=0.01,
            n_steps=1000,
            n_samples=500,
            max_delay=0,
        ),
        0.04,
    ),
    # [D-cvx] tau = 4: 0.04 + 2 beta L^2 (1 - 1/n) eta^2 tau T
    #   = 0.04 + 2 * 1 * 1 * (499/500) * 1e-4 * 4 * 1000 = 0.04 + 0.7984 = 0.8384
    (
        "D-cvx-tau4",
        "delayed-cvx",
        dict(
            lipschitz=1,
            smoothness=1,
            step_size=0.01,
            n_steps=1000,
            n_samples=500,
            max_delay=4,
        ),
        0.8384,
    ),
    # [H-scvx] 2 L^2 / (gamma n) = 2 * 1 / (0.5 * 100) = 0.04 (eta = 0.1 <= 1/beta)
    (
        "H-scvx",
        "hardt-scvx",
        dict(
            lipschitz=1,
            smoothness=1,
            strong_convexity=0.5,
            step_size=0.1,
            n_samples=100,
        ),
        0.04,
    ),
    # [H-ncvx] beta c = 2 * 0.5 = 1, so the exponents are 1/2 and 1/2:
    #   (1 + 1/1)/(n-1) * (2 c L^2)^(1/2) * T^(1/2) = 2/1000 * 1 * 100 = 0.2
    ("H-ncvx", "hardt-ncvx", dict(NCVX, smoothness=2, c=0.5), 0.2),
    # [H-ncvx] B = 4 adds B^(q/(q+1)) = 4^(1/2) = 2: 0.4
    ("H-ncvx-B4", "hardt-ncvx", dict(NCVX, smoothness=2, c=0.5, loss_bound=4), 0.4),
    # [H-ncvx] beta c = 1 with c = 1: 2/1000 * sqrt(2) * 100 = 0.2 sqrt 2
    ("H-ncvx-c1", "hardt-ncvx", dict(NCVX, smoothness=1, c=1), 0.2 * 2**0.5),
    # [R-ncvx] tau = 1, beta c = 1/2 so q = beta c (tau+1) = 1, 2 c L^2 = 1:
    #   (1 + 1)/1000 * 1 * 10000^(1/2) = 0.2
    ("R-ncvx-tau1", "regatti-ncvx", dict(NCVX, smoothness=1, c=0.5, max_delay=1), 0.2),
    # [R-ncvx] tau = 0, q = 1/2: (1 + 2)/1000 * 1 * 10000^(1/3) = 0.003 * 21.5443469...
    (
        "R-ncvx-tau0",
        "regatti-ncvx",
        dict(NCVX, smoothness=1, c=0.5, max_delay=0),
        0.003 * 10000 ** (1 / 3),
    ),
    # [D-ncvx] equals [H-ncvx] (0.2 above) whatever the delay
    ("D-ncvx-tau7", "delayed-ncvx", dict(NCVX, smoothness=2, c=0.5, max_delay=7), 0.2),
]


@pytest.mark.parametrize(
    ("theorem", "params", "expected"),
    [row[1:] for row in KNOWN],
    ids=[row[0] for row in KNOWN],
)
def test_known_value(theorem: str, params: dict[str, Any], expected: float) -> None:
    np.testing.assert_allclose(
        THEOREMS[theorem].evaluate(**params), expected, rtol=RTOL_KNOWN
    )
    result = THEOREMS[theorem].compute(**params)
    np.testing.assert_allclose(result.value, expected, rtol=RTOL_KNOWN)
    np.testing.assert_allclose(result.log10_value, np.log10(expected), rtol=RTOL_KNOWN)


def test_hardt_cvx_exact_is_rational() -> None:
    # 2 * 1 * (1/100) * 1000 / 500 = 1/25 exactly
    exact = THEOREMS["hardt-cvx"].evaluate_exact(
        lipschitz=1, smoothness=1, step_size=0.01, n_steps=1000, n_samples=500
    )
    assert str(exact) == "1/25"
