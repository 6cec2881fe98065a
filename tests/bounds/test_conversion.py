"""The conversions to the generalization gap: Lei & Ying 2020, Thm 2(b) and
Hardt et al. 2016, Thm 2.2."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from bounds import CONVERSIONS, HARDT_GAP, LEI_YING_GAP, InvalidParameterError, Quantity
from bounds._symbols import F_S, beta, epsilon, gamma_s
from tests._tolerances import RTOL_KNOWN, RTOL_VECTOR


def test_optimal_gamma_minimises_symbolically() -> None:
    expr = LEI_YING_GAP.expr
    # Lei & Ying 2020, Theorem 2(b); docs/theory.md, part 2
    g_opt = sp.sqrt(2 * beta * F_S / epsilon)
    first = sp.diff(expr, gamma_s)
    assert sp.simplify(first.subs(gamma_s, g_opt)) == 0
    # second derivative 2 beta F_S / gamma^3 > 0: a minimum, the only critical point
    assert sp.simplify(sp.diff(expr, gamma_s, 2) - 2 * beta * F_S / gamma_s**3) == 0
    # the only critical point in gamma > 0 (the other root of the quadratic is < 0)
    roots = [x for x in sp.solve(first, gamma_s) if not x.could_extract_minus_sign()]
    assert roots == [g_opt]
    assert LEI_YING_GAP.optimal is not None
    assert sp.simplify(expr.subs(gamma_s, g_opt) - LEI_YING_GAP.optimal) == 0


@given(
    eps=st.floats(1e-8, 1e3),
    b=st.floats(1e-3, 1e2),
    fs=st.floats(0, 10),
    g=st.floats(1e-4, 1e4),
)
def test_any_gamma_is_no_better_than_the_optimal(
    eps: float, b: float, fs: float, g: float
) -> None:
    best = LEI_YING_GAP.convert(eps, smoothness=b, train_loss=fs)
    other = LEI_YING_GAP.convert(eps, smoothness=b, train_loss=fs, gamma_split=g)
    assert other >= best * (1 - RTOL_KNOWN)


def test_known_value_and_vectorised() -> None:
    # eps = 0.08, beta = 0.5, F_S = 0.25: 0.5 * 0.08 / 2 + sqrt(2 * 0.5 * 0.25 * 0.08)
    # = 0.02 + sqrt(0.02) ; gamma = 1: 0.5 * 0.25 + 1.5 / 2 * 0.08 = 0.125 + 0.06 = 0.185
    got = LEI_YING_GAP.convert(0.08, smoothness=0.5, train_loss=0.25)
    np.testing.assert_allclose(got, 0.02 + np.sqrt(0.02), rtol=RTOL_KNOWN)
    got = LEI_YING_GAP.convert(0.08, smoothness=0.5, train_loss=0.25, gamma_split=1)
    np.testing.assert_allclose(got, 0.185, rtol=RTOL_KNOWN)
    eps = np.array([0.0, 0.08, 1.0])
    vec = LEI_YING_GAP.convert(eps, smoothness=0.5, train_loss=0.25)
    one = [LEI_YING_GAP.convert(float(x), smoothness=0.5, train_loss=0.25) for x in eps]
    np.testing.assert_allclose(vec, one, rtol=RTOL_VECTOR)
    assert HARDT_GAP.convert(0.04) == 0.04


def test_registry_of_conversions() -> None:
    assert CONVERSIONS[Quantity.UNIFORM_STABILITY] is HARDT_GAP
    assert CONVERSIONS[Quantity.ON_AVERAGE_MODEL_STABILITY] is LEI_YING_GAP
    assert Quantity.EXCESS_RISK not in CONVERSIONS  # none published
    assert HARDT_GAP.reference.short == "Hardt et al. 2016, Theorem 2.2"
    assert LEI_YING_GAP.reference.short == "Lei & Ying 2020, Theorem 2(b)"
    assert LEI_YING_GAP.reference.arxiv == "2006.08157v1"
    assert "f >= 0" in LEI_YING_GAP.statement()


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("negative", {"value": -1.0}, "value=-1.0 must be >= 0"),
    ("nan", {"value": float("nan")}, "value"),
    ("no-beta", {"smoothness": None}, "smoothness=None must be given"),
    ("no-fs", {"train_loss": None}, "train_loss=None must be given"),
    ("fs<0", {"train_loss": -0.1}, "train_loss=-0.1 must be >= 0"),
    ("gamma=0", {"gamma_split": 0}, "gamma_split=0 must be > 0"),
]


@pytest.mark.parametrize(("name", "change", "match"), BAD, ids=[b[0] for b in BAD])
def test_invalid_input(name: str, change: dict[str, Any], match: str) -> None:
    kw: dict[str, Any] = {"value": 0.1, "smoothness": 1.0, "train_loss": 0.5, **change}
    value = kw.pop("value")
    with pytest.raises(InvalidParameterError, match=match):
        LEI_YING_GAP.convert(value, **kw)


def test_hardt_has_no_split() -> None:
    with pytest.raises(InvalidParameterError, match=r"gamma_split=1\.0 must be None"):
        HARDT_GAP.convert(0.1, gamma_split=1.0)
