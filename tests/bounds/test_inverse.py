"""Inverse questions: the largest step size (or c) and the smallest n for a target."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import THEOREMS, InvalidParameterError, Theorem, max_step_size, min_samples
from bounds.strategies import step_size_limit, theorem_params
from tests._tolerances import BUMP_INVERSE, RTOL_INVERSE

ALL = list(THEOREMS.values())
# Each example runs a scan of a few hundred evaluations: a fifth of the profile's
# examples keeps the ci run short and still scales with the thorough profile.
FEWER = settings(max_examples=max(10, settings().max_examples // 5))
SOLVABLE = [t for t in ALL if t.key != "hardt-scvx"]  # [H-scvx] has no eta in it


@pytest.mark.parametrize("theorem", SOLVABLE, ids=lambda t: t.key)
@FEWER
@given(data=st.data())
def test_max_step_size_hits_target_or_condition(
    theorem: Theorem, data: st.DataObject
) -> None:
    p = data.draw(theorem_params(theorem, max_n_steps=10**5))
    unknown = theorem.step_parameter
    # a target the drawn step size reaches, scaled so both bindings occur
    target = theorem.evaluate(**p) * data.draw(st.floats(1.0, 1e3))
    rest = {k: v for k, v in p.items() if k != unknown}
    sol = max_step_size(theorem, target, **rest)
    assert sol.parameter == unknown
    assert sol.value >= p[unknown] * (1 - RTOL_INVERSE)
    limit = step_size_limit(theorem, **rest)
    if sol.binding == "target":
        at = theorem.evaluate(**rest, **{unknown: sol.value})
        np.testing.assert_allclose(at, target, rtol=RTOL_INVERSE)
        above = sol.value * (1 + BUMP_INVERSE)
        if above <= limit:
            assert theorem.evaluate(**rest, **{unknown: above}) > target
    elif sol.binding == "condition":
        assert sol.value == limit
        assert theorem.evaluate(**rest, **{unknown: limit}) <= target * (
            1 + RTOL_INVERSE
        )
    else:
        assert sol.binding == "unbounded"
        assert math.isinf(sol.value)


@pytest.mark.parametrize("theorem", ALL, ids=lambda t: t.key)
@FEWER
@given(data=st.data())
def test_min_samples_is_the_smallest_integer(
    theorem: Theorem, data: st.DataObject
) -> None:
    p = data.draw(theorem_params(theorem, max_n_steps=10**5, max_n_samples=10**5))
    target = theorem.evaluate(**p) * (1 + 1e-9)  # the drawn n reaches it
    rest = {k: v for k, v in p.items() if k != "n_samples"}
    n = int(min_samples(theorem, target, **rest).value)
    assert 2 <= n <= p["n_samples"]
    assert theorem.evaluate(**rest, n_samples=n) <= target
    if n > 2:
        assert theorem.evaluate(**rest, n_samples=n - 1) > target


@FEWER
@given(data=st.data())
def test_delayed_cvx_step_size_shrinks_with_delay(data: st.DataObject) -> None:
    t = THEOREMS["delayed-cvx"]
    p = data.draw(theorem_params(t, max_n_steps=10**5))
    rest = {k: v for k, v in p.items() if k not in ("step_size", "max_delay")}
    target = t.evaluate(**p)
    taus = sorted(
        data.draw(st.lists(st.integers(0, p["n_steps"]), min_size=2, max_size=2))
    )
    small, large = (max_step_size(t, target, **rest, max_delay=k).value for k in taus)
    assert large <= small * (1 + RTOL_INVERSE)


def test_regatti_c_shrinks_with_delay() -> None:
    # the paper's advice: a larger delay needs a smaller step-size constant
    t = THEOREMS["regatti-ncvx"]
    kw = dict(n_samples=10**5, n_steps=10**4, lipschitz=1, smoothness=1)
    cs = [max_step_size(t, 0.05, **kw, max_delay=k).value for k in (0, 1, 2, 4, 8, 16)]
    assert all(b < a for a, b in itertools.pairwise(cs)), cs


def test_error_when_target_below_a_step_free_bound() -> None:
    with pytest.raises(InvalidParameterError, match="target_gap="):
        max_step_size(
            THEOREMS["hardt-scvx"],
            1e-6,
            n_samples=100,
            lipschitz=1,
            smoothness=1,
            strong_convexity=0.5,
        )


def test_error_when_no_c_reaches_the_target() -> None:
    # for c -> 0 the [H-ncvx] bound tends to 2 L^2 / (beta (n-1)) = 2/9 > 1e-6
    with pytest.raises(InvalidParameterError, match="no c "):
        max_step_size(
            THEOREMS["hardt-ncvx"],
            1e-6,
            n_samples=10,
            n_steps=100,
            lipschitz=1,
            smoothness=1,
        )


def test_error_when_no_n_reaches_the_target() -> None:
    # [D-cvx]'s delay term 2 beta L^2 eta^2 tau T = 2 * 0.01 * 4 * 1000 = 80 stays
    with pytest.raises(InvalidParameterError, match="no n_samples"):
        min_samples(
            THEOREMS["delayed-cvx"],
            1.0,
            n_steps=1000,
            step_size=0.1,
            lipschitz=1,
            smoothness=1,
            max_delay=4,
        )


@pytest.mark.parametrize(
    ("fn", "name"), [(max_step_size, "step_size"), (min_samples, "n_samples")]
)
def test_error_when_the_unknown_is_given(fn, name) -> None:  # type: ignore[no-untyped-def]
    kw = dict(n_samples=100, n_steps=10, step_size=0.1, lipschitz=1, smoothness=1)
    with pytest.raises(InvalidParameterError, match=f"{name}="):
        fn(THEOREMS["hardt-cvx"], 0.1, **kw)


def test_a_theorem_outside_the_registry_is_solved_from_its_own_expression() -> None:
    """The closed-form root is cached by expression, not looked up by key: a
    ``Theorem`` built by the user (a new key, or a registry key with another
    formula) answers from its own ``expr``."""
    hardt = THEOREMS["hardt-cvx"]
    rest = {"n_samples": 500, "n_steps": 1000, "lipschitz": 1, "smoothness": 1}
    # [H-cvx] is 2 L^2 T eta / n: 0.04 at eta = 0.01, and twice it at 0.005
    renamed = dataclasses.replace(hardt, key="my-cvx")
    doubled = dataclasses.replace(hardt, expr=2 * hardt.expr)
    for theorem, expected in ((renamed, 0.01), (doubled, 0.005)):
        sol = max_step_size(theorem, 0.04, **rest)
        assert (sol.method, sol.binding, sol.theorem) == (
            "closed form",
            "target",
            theorem.key,
        )
        assert sol.value == pytest.approx(expected, rel=RTOL_INVERSE)
