"""Projected delayed SGD: both backends, the reference, the ball, the pathwise bounds.

The projection ``Pi`` onto ``||w|| <= D/2`` is 1-Lipschitz, so every one-step
inequality of the pathwise recursions (``||Pi(a) - Pi(b)|| <= ||a - b||``) and
the stale-gradient error bound (``||w_t - w_{t-k}|| <= sum eta_s L``, since
``||Pi(w - eta g) - w|| <= eta ||g||`` for ``w`` in the ball) still hold.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import THEOREMS, InvalidParameterError, pathwise_bound
from empirical.measurement._verdict import verify
from empirical.problems._problem import make_problem
from empirical.runs._task import SweepTask
from empirical.schedules._delays import UniformDelay
from empirical.simulators.linear._simulate import simulate_pairs
from tests._tolerances import (
    ATOL_PATHWISE,
    RTOL_BALL,
    RTOL_PATHWISE,
)
from tests.empirical._reference import reference_pairs

# Same reasoning and sizes as RTOL_BACKEND / RTOL_REF of test_simulate.py: three
# orders of summation of the same dot products, each step perturbing the last bit
# or two; the projection adds one norm (a dot product and a sqrt) per step.
RTOL_BACKEND = 1e-12
ATOL_BACKEND = 1e-14
RTOL_REF = 1e-11
ATOL_REF = 1e-13

#: Small enough that logistic SGD at eta ~ 1 leaves it within tens of steps.
DIAMETER = 0.6


@pytest.fixture(scope="module")
def projected():
    return make_problem("logistic", "breast_cancer", n_samples=30, diameter=DIAMETER)


def test_projection_is_active_and_iterates_stay_in_ball(projected):
    kw = dict(step_size=2.0, delay=UniformDelay(3), n_steps=400, n_pairs=6, seed=1)
    s = simulate_pairs(projected, **kw)
    free = make_problem("logistic", "breast_cancer", n_samples=30)
    u = simulate_pairs(free, **kw)
    assert s.final_iterates is not None
    assert u.final_iterates is not None
    norms = np.linalg.norm(s.final_iterates, axis=1)
    assert (norms <= DIAMETER / 2 * (1 + RTOL_BALL)).all(), norms.max()
    # the unprojected runs leave the ball, so the projection did something
    assert np.linalg.norm(u.final_iterates, axis=1).max() > DIAMETER


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_projected_matches_reference(projected, backend):
    T = 150
    kw = dict(step_size=1.5, delay=UniformDelay(4), n_steps=T, n_pairs=3, seed=7)
    s = simulate_pairs(
        projected, backend=backend, record_steps=np.arange(1, T + 1), **kw
    )
    r = reference_pairs(projected, **kw)
    np.testing.assert_allclose(s.delta, r.delta, rtol=RTOL_REF, atol=ATOL_REF)
    for name in ("train_loss", "test_loss", "probe_diff"):
        np.testing.assert_allclose(
            getattr(s, name), getattr(r, name), rtol=RTOL_REF, atol=ATOL_REF
        )


def test_projected_numba_matches_numpy(projected):
    kw = dict(
        step_size=1.0,
        delay=UniformDelay(5),
        n_steps=300,
        n_pairs=5,
        seed=2,
        record_steps=np.arange(1, 301),
    )
    a = simulate_pairs(projected, backend="numba", **kw)
    b = simulate_pairs(projected, backend="numpy", **kw)
    np.testing.assert_allclose(a.delta, b.delta, rtol=RTOL_BACKEND, atol=ATOL_BACKEND)
    np.testing.assert_allclose(
        a.final_iterates, b.final_iterates, rtol=RTOL_BACKEND, atol=ATOL_BACKEND
    )


@settings(max_examples=20, deadline=None)
@given(
    tau=st.integers(0, 8),
    T=st.integers(1, 120),
    seed=st.integers(0, 2**31),
    eta=st.floats(0.05, 6.0),
    diameter=st.floats(0.05, 4.0),
    key=st.sampled_from(["delayed-cvx", "hardt-cvx"]),
)
def test_pathwise_bounds_dominate_projected_runs(tau, T, seed, eta, diameter, key):
    theorem = THEOREMS[key]
    if key == "hardt-cvx":
        tau = 0
    prob = make_problem("logistic", "breast_cancer", n_samples=20, diameter=diameter)
    s = simulate_pairs(
        prob,
        step_size=eta,
        delay=UniformDelay(tau),
        n_steps=T,
        n_pairs=3,
        seed=seed,
        record_steps=np.arange(1, T + 1),
    )
    assert s.final_iterates is not None
    norms = np.linalg.norm(s.final_iterates, axis=1)
    assert (norms <= diameter / 2 * (1 + RTOL_BALL)).all()
    b = pathwise_bound(
        theorem,
        step_sizes=s.step_sizes,
        delays=s.delays,
        hits=s.hits,
        lipschitz=prob.lipschitz,
        smoothness=prob.smoothness,
        record_steps=s.record_steps,
    )
    assert (s.delta <= b * (1 + RTOL_PATHWISE) + ATOL_PATHWISE).all()


def test_projection_needed_by_hardt_scvx_is_checked():
    prob = make_problem("logistic", "breast_cancer", n_samples=30)
    s = simulate_pairs(
        prob, step_size=0.5, delay=UniformDelay(0), n_steps=50, n_pairs=4, seed=0
    )
    v = verify(s, THEOREMS["hardt-scvx"])
    assert v.status == "not applicable"


def test_invalid_diameter():
    with pytest.raises(InvalidParameterError, match="diameter"):
        make_problem("logistic", "breast_cancer", n_samples=30, diameter=-1.0)
    with pytest.raises(InvalidParameterError, match="diameter"):
        SweepTask(diameter=0.0)


def test_task_id_of_unprojected_task_is_unchanged_by_the_field():
    import hashlib
    import json

    a = SweepTask()
    # fields added with their defaults
    drop = ("tag", "diameter", "worst_case", "protocol", "batch_size")
    cfg = {k: v for k, v in a.to_dict().items() if k not in drop}
    blob = json.dumps(cfg, sort_keys=True, separators=(",", ":"))
    # results files written before the field existed still resume
    assert a.task_id == hashlib.sha256(blob.encode()).hexdigest()[:16]
    b = SweepTask(diameter=4.0)
    c = SweepTask(worst_case=True)
    assert len({a.task_id, b.task_id, c.task_id}) == 3
    assert SweepTask.from_dict(b.to_dict()) == b
    assert SweepTask.from_dict(c.to_dict()) == c
