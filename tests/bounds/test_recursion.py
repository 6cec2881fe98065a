"""Level 2: the recursion against a plain-loop reimplementation written here."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bounds import THEOREMS, Theorem, recursion_bound
from bounds.strategies import delay_sequences, schedules
from tests._tolerances import RTOL_LOOP, RTOL_MONOTONE

CONSTANTS = st.fixed_dictionaries(
    {
        "n_samples": st.integers(2, 1000),
        "lipschitz": st.floats(0.1, 10.0),
        "smoothness": st.floats(0.1, 10.0),
        "loss_bound": st.floats(0.1, 10.0),
    }
)


def plain_loop(theorem: Theorem, eta: list[float], tau: list[int], k: dict) -> float:
    """The recursions of docs/theory.md, one step at a time (1-based t)."""
    n, L, beta, B = k["n_samples"], k["lipschitz"], k["smoothness"], k["loss_bound"]
    T = len(eta)
    eff = [min(tau[t - 1], t - 1) for t in range(1, T + 1)]  # w_s, s < 1, is w_1
    # one contribution of weight 1 per step: the part-3 recursions are part 1's
    if theorem.recursion in ("convex", "workers_convex"):
        total = 0.0
        for t in range(1, T + 1):
            stale = sum(eta[s - 1] for s in range(t - eff[t - 1], t))
            total += 2 * L**2 / n * eta[t - 1]
            total += 2 * beta * L**2 * (1 - 1 / n) * eta[t - 1] * stale
        return total
    if theorem.recursion == "strongly_convex":
        m = 0.0
        for t in range(1, T + 1):
            m = (1 - eta[t - 1] * k["strong_convexity"]) * m + 2 * eta[t - 1] * L / n
        return L * m
    best = T * B / n
    for t0 in range(T):
        m = 0.0
        for t in range(t0 + 1, T + 1):
            one = theorem.recursion in ("nonconvex", "workers_nonconvex")
            grow = 1 if one else eff[t - 1] + 1
            m = (1 + (1 - 1 / n) * eta[t - 1] * beta * grow) * m + 2 * eta[
                t - 1
            ] * L / n
        best = min(best, t0 * B / n + L * m)
    return best


@pytest.mark.parametrize("theorem", list(THEOREMS.values()), ids=lambda t: t.key)
@given(data=st.data())
def test_recursion_matches_plain_loop(theorem: Theorem, data: st.DataObject) -> None:
    k = data.draw(CONSTANTS)
    T = data.draw(st.integers(1, 40))
    eta = data.draw(schedules(theorem, T, smoothness=k["smoothness"]))
    delayed = theorem.synchronous is not None or theorem.one_worker is not None
    tau = data.draw(delay_sequences(T, 6 if delayed else 0))
    if theorem.recursion == "strongly_convex":
        k["strong_convexity"] = data.draw(st.floats(0.01, 1.0)) * k["smoothness"]
    got = recursion_bound(
        theorem,
        step_sizes=eta,
        delays=tau,
        n_samples=k["n_samples"],
        lipschitz=k["lipschitz"],
        smoothness=k["smoothness"],
        loss_bound=k["loss_bound"],
        strong_convexity=k.get("strong_convexity"),
    )
    want = plain_loop(theorem, list(eta), list(tau), k)
    np.testing.assert_allclose(got, want, rtol=RTOL_LOOP)


@pytest.mark.parametrize("key", ["delayed-cvx", "delayed-ncvx", "regatti-ncvx"])
@given(data=st.data())
def test_batched_recursion_equals_rows(key: str, data: st.DataObject) -> None:
    theorem = THEOREMS[key]
    k = data.draw(CONSTANTS)
    T = data.draw(st.integers(1, 30))
    rows = data.draw(
        st.lists(
            st.tuples(
                schedules(theorem, T, smoothness=k["smoothness"]), delay_sequences(T, 5)
            ),
            min_size=1,
            max_size=4,
        )
    )
    eta = np.stack([r[0] for r in rows])
    tau = np.stack([r[1] for r in rows])
    kw = {
        name: k[name] for name in ("n_samples", "lipschitz", "smoothness", "loss_bound")
    }
    batch = recursion_bound(theorem, step_sizes=eta, delays=tau, **kw)
    single = [recursion_bound(theorem, step_sizes=e, delays=d, **kw) for e, d in rows]
    np.testing.assert_allclose(batch, single, rtol=RTOL_LOOP)


@given(data=st.data())
def test_delayed_ncvx_recursion_ignores_delays(data: st.DataObject) -> None:
    theorem = THEOREMS["delayed-ncvx"]
    k = data.draw(CONSTANTS)
    T = data.draw(st.integers(1, 60))
    eta = data.draw(schedules(theorem, T, smoothness=k["smoothness"]))
    tau = data.draw(delay_sequences(T, 20))
    with_delay = recursion_bound(theorem, step_sizes=eta, delays=tau, **k)
    without = recursion_bound(theorem, step_sizes=eta, **k)
    assert with_delay == without


@given(data=st.data())
def test_regatti_recursion_grows_with_delays(data: st.DataObject) -> None:
    theorem = THEOREMS["regatti-ncvx"]
    k = data.draw(CONSTANTS)
    T = data.draw(st.integers(1, 60))
    eta = data.draw(schedules(theorem, T, smoothness=k["smoothness"]))
    tau = data.draw(delay_sequences(T, 10))
    extra = data.draw(delay_sequences(T, 10))
    small = recursion_bound(theorem, step_sizes=eta, delays=tau, **k)
    large = recursion_bound(theorem, step_sizes=eta, delays=tau + extra, **k)
    assert large >= small * (1 - RTOL_MONOTONE)
    base = recursion_bound(THEOREMS["delayed-ncvx"], step_sizes=eta, delays=tau, **k)
    assert small >= base * (
        1 - RTOL_MONOTONE
    )  # [R-ncvx] is never tighter than [D-ncvx]


@given(data=st.data())
def test_delayed_cvx_recursion_grows_with_delays(data: st.DataObject) -> None:
    theorem = THEOREMS["delayed-cvx"]
    k = data.draw(CONSTANTS)
    T = data.draw(st.integers(1, 60))
    eta = data.draw(schedules(theorem, T, smoothness=k["smoothness"]))
    tau = data.draw(delay_sequences(T, 10))
    extra = data.draw(delay_sequences(T, 10))
    small = recursion_bound(theorem, step_sizes=eta, delays=tau, **k)
    large = recursion_bound(theorem, step_sizes=eta, delays=tau + extra, **k)
    assert large >= small * (1 - RTOL_MONOTONE)
