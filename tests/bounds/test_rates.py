"""Rate-only entries: evaluate refuses, and the exponents are docs/theory.md's (part 2)."""

from __future__ import annotations

import pytest
import sympy as sp

from bounds import RATES, RateOnly, RateOnlyError, compare, get_theorem
from bounds._symbols import SYMBOL, T, beta, tau

ALL = list(RATES.values())


@pytest.mark.parametrize("rate", ALL, ids=lambda r: r.key)
def test_evaluate_refuses_with_the_reason(rate: RateOnly) -> None:
    with pytest.raises(RateOnlyError, match=f"theorem='{rate.key}' is rate only"):
        rate.evaluate(n_samples=100, n_steps=1000)
    assert "[rate only]" in rate.label
    assert "rate only" in rate.statement()


@pytest.mark.parametrize("rate", ALL, ids=lambda r: r.key)
def test_claimed_exponents_are_the_slopes_of_the_rate(rate: RateOnly) -> None:
    for name, claimed in rate.exponents.items():
        if claimed is not None:
            assert sp.simplify(rate.slope(name) - claimed) == 0, (name, claimed)


def test_exponents_as_theory_states() -> None:
    r = RATES["r-rate"].exponents
    assert r["n_samples"] == -1
    assert r["n_steps"] == beta * tau  # K^(beta tau): the delay multiplies the exponent
    q = RATES["dslst-quad-cvx"].exponents
    assert q["n_samples"] == -1
    assert sp.limit(q["n_steps"], T, sp.oo) == 1  # (T - tau)/(n tau), T >> tau
    assert sp.limit(q["max_delay"], T, sp.oo) == -1  # the delay reduces the gap
    s = RATES["dslst-quad-scvx"].exponents
    assert (s["n_samples"], s["n_steps"], s["max_delay"]) == (-1, 0, 0)
    x = RATES["xl-26"].exponents
    assert x["n_samples"] == sp.Rational(-1, 2)
    assert x["n_steps"] is None  # set by the balanced regime: not stated


def test_exponent_at_a_setting() -> None:
    r = RATES["r-rate"]
    assert r.exponent_at("n_steps", smoothness=0.25, max_delay=16) == 4.0
    assert r.exponent_at("n_steps", smoothness=0.25) is None  # tau unknown
    assert SYMBOL["max_delay"] in r.exponents["max_delay"].free_symbols


def test_get_theorem_and_compare_keep_them_apart() -> None:
    with pytest.raises(RateOnlyError, match="rate only"):
        get_theorem("r-rate")
    table = compare("convex-smooth", n_samples=100)
    assert [r.key for r in table.rates] == list(RATES)
    assert all("rate only" in r.rate for r in table.rates)
    assert not {r.key for r in table.rows} & set(RATES)
