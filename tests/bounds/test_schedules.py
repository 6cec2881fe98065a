"""Step-size schedules, [rule-tau], and the public strategies that draw schedules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bounds import (
    THEOREMS,
    constant,
    decaying,
    inverse_sqrt,
    resolve_step_sizes,
    rule_tau,
    rule_tau_decaying,
    staleness_adaptive,
)
from bounds.strategies import (
    coupled_runs,
    delay_sequences,
    schedules,
    step_size_limit,
    theorem_params,
)


def test_rule_tau_forms() -> None:
    d = np.array([0, 1, 3, 0])
    np.testing.assert_allclose(
        resolve_step_sizes(rule_tau(0.8, 3), n_steps=4, delays=d), 0.2
    )
    np.testing.assert_allclose(
        resolve_step_sizes(rule_tau_decaying(1.0, 1), n_steps=4, delays=d),
        [0.5, 0.25, 1 / 6, 0.125],
    )
    np.testing.assert_allclose(
        resolve_step_sizes(staleness_adaptive(1.0), n_steps=4, delays=d),
        [1.0, 0.5, 0.25, 1.0],
    )
    np.testing.assert_allclose(
        resolve_step_sizes(inverse_sqrt(1.0), n_steps=4), [1, 2**-0.5, 3**-0.5, 0.5]
    )
    np.testing.assert_allclose(resolve_step_sizes(decaying(2.0), n_steps=2), [2, 1])
    np.testing.assert_allclose(resolve_step_sizes(constant(0.3), n_steps=2), 0.3)


def test_rule_tau_decaying_restores_the_synchronous_rate() -> None:
    # docs/theory.md, "The step-size rule [rule-tau]": eta_t = c / ((tau+1) t) makes q = beta c again: [R-ncvx] with
    # c' = c / (tau + 1) has q = beta c' (tau + 1) = beta c.
    t = THEOREMS["regatti-ncvx"]
    kw = dict(n_samples=1000, n_steps=10**4, lipschitz=1, smoothness=1)
    for tau in (1, 4, 16):
        delayed = t.log_evaluate(**kw, c=0.5 / (tau + 1), max_delay=tau)
        sync = t.log_evaluate(**kw, c=0.5, max_delay=0)
        # the exponents agree; only (2 c' L^2)^(1/(q+1)) is smaller
        assert delayed <= sync


@pytest.mark.parametrize("theorem", list(THEOREMS.values()), ids=lambda t: t.key)
@given(data=st.data())
def test_drawn_schedules_are_admissible(theorem, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    beta = data.draw(st.floats(0.01, 100.0))
    T = data.draw(st.integers(1, 50))
    eta = data.draw(schedules(theorem, T, smoothness=beta))
    assert eta.shape == (T,)
    assert eta.dtype == np.float64
    assert (eta > 0).all()
    assert (eta[1:] <= eta[:-1]).all()
    assert (eta <= step_size_limit(theorem, smoothness=beta)).all()


@given(data=st.data())
def test_decaying_schedules_respect_c_over_t(data: st.DataObject) -> None:
    c = data.draw(st.floats(0.01, 10.0))
    T = data.draw(st.integers(1, 50))
    eta = data.draw(schedules(THEOREMS["hardt-ncvx"], T, smoothness=1.0, c=c))
    assert (eta <= c / np.arange(1, T + 1) * (1 + 1e-15)).all()  # one rounding


@given(data=st.data())
def test_delay_sequences_are_bounded(data: st.DataObject) -> None:
    T, tau = data.draw(st.integers(1, 50)), data.draw(st.integers(0, 10))
    d = data.draw(delay_sequences(T, tau))
    assert d.shape == (T,)
    assert d.dtype == np.int64
    assert d.min() >= 0
    assert d.max() <= tau
    d = data.draw(delay_sequences(T, tau, t_bounded=True))
    assert (d <= np.arange(T)).all()


@pytest.mark.parametrize("theorem", list(THEOREMS.values()), ids=lambda t: t.key)
@given(data=st.data())
def test_theorem_params_validate(theorem, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    p = data.draw(theorem_params(theorem, max_n_steps=100, max_delay=5))
    theorem.validate(p)  # admissible by construction: never raises
    assert set(p) <= set(theorem.accepted)
    assert p.get("max_delay", 0) <= min(5, p.get("n_steps", 5))


@pytest.mark.parametrize("theorem", list(THEOREMS.values()), ids=lambda t: t.key)
@given(data=st.data())
def test_coupled_runs_shapes(theorem, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    run = data.draw(coupled_runs(theorem, max_n_steps=10, max_delay=3, smoothness=1.0))
    T = run["step_sizes"].shape[0]
    assert run["delays"].shape == run["hits"].shape == (T,)
    if theorem.synchronous is None and theorem.one_worker is None:
        assert (run["delays"] == 0).all()
