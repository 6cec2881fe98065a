"""L2-logistic and least squares: constants on the ball, simulator, [H-scvx] paths.

The declared ``L`` and ``beta`` hold on the ball ``||w|| <= rho`` only (module
doc of :mod:`empirical.problems._ball_losses`); they are checked there, at random points
and pairs, as test_losses.py does for the global constants.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import THEOREMS, InvalidParameterError, pathwise_bound
from empirical.measurement._verdict import verify
from empirical.problems._ball_losses import LeastSquares, RegLogistic
from empirical.problems._problem import make_problem
from empirical.schedules._delays import UniformDelay
from empirical.simulators.linear._simulate import simulate_pairs
from tests._tolerances import ATOL_PATHWISE, RTOL_LOOP, RTOL_PATHWISE
from tests.empirical._reference import reference_pairs

# The constants hold exactly in real arithmetic; 1e-12 relative allows for the
# rounding of a 10-term dot product and of the norms computed here.
ROUNDING = 1e-12
# Simulator against the reference: the sizes and reasons of test_simulate.py.
RTOL_REF = 1e-11
ATOL_REF = 1e-13


def _in_ball(rng, r, d, rho):
    """Random w with ||w|| <= rho (a third exactly on the sphere)."""
    W = rng.standard_normal((r, d))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    return (
        W * np.where(rng.random((r, 1)) < 1 / 3, 1.0, rng.uniform(0, 1, (r, 1))) * rho
    )


@pytest.mark.parametrize("loss", [RegLogistic(0.3), LeastSquares()], ids=repr)
@settings(max_examples=30, deadline=None)
@given(
    radius=st.floats(0.1, 5.0),
    rho=st.floats(0.05, 10.0),
    y_max=st.floats(0.0, 5.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_constants_on_the_ball_are_never_exceeded(loss, radius, rho, y_max, seed):
    rng = np.random.default_rng(seed)
    r, d = 2000, 10
    W = _in_ball(rng, r, d, rho)
    x = _in_ball(rng, r, d, radius)
    if loss.task == "binary":
        y = rng.choice([-1.0, 1.0], r)
    else:
        y = rng.choice([-1.0, 1.0], r) * np.where(
            rng.random(r) < 1 / 3, y_max, rng.uniform(0, y_max, r)
        )
    kw = {"ball_radius": rho, "label_bound": y_max}
    g = loss.grad(W, x, y)
    assert np.linalg.norm(g, axis=1).max() <= loss.lipschitz(radius, **kw) * (
        1 + ROUNDING
    )
    Wp = _in_ball(rng, r, d, rho)
    dg = np.linalg.norm(loss.grad(Wp, x, y) - g, axis=1)
    dw = np.linalg.norm(Wp - W, axis=1)
    assert (dg <= loss.smoothness(radius, **kw) * dw * (1 + ROUNDING) + 1e-15).all()
    if isinstance(loss, RegLogistic):  # <g - g', w - w'> >= gamma ||w - w'||^2
        inner = np.einsum("rp,rp->r", g - loss.grad(Wp, x, y), W - Wp)
        assert (inner >= loss.strong_convexity * dw**2 * (1 - ROUNDING) - 1e-15).all()


def test_least_squares_lipschitz_is_attained():
    # w = -rho sign(y) x/||x||, ||x|| = R, |y| = Y gives |w.x - y| = rho R + Y.
    R, rho, Y = 2.0, 1.5, 0.7
    x = np.array([[R, 0.0]])
    w = np.array([[-rho, 0.0]])
    g = LeastSquares().grad(w, x, np.array([Y]))
    L = LeastSquares().lipschitz(R, ball_radius=rho, label_bound=Y)
    assert np.linalg.norm(g) == pytest.approx(L, rel=ROUNDING)


def test_constants_need_the_ball():
    with pytest.raises(InvalidParameterError, match="diameter"):
        make_problem("least-squares", "diabetes", n_samples=30)
    with pytest.raises(InvalidParameterError, match="diameter"):
        make_problem("logistic-l2", "breast_cancer", n_samples=30)
    with pytest.raises(InvalidParameterError, match="strong_convexity"):
        RegLogistic(strong_convexity=0.0)
    p = make_problem("logistic-l2", "breast_cancer", n_samples=30, diameter=4.0)
    assert (p.lipschitz, p.smoothness, p.strong_convexity) == pytest.approx(
        (1.1, 0.3, 0.05)
    )


@pytest.mark.parametrize(
    ("loss", "ds"),
    [("logistic-l2", "breast_cancer"), ("least-squares", "diabetes")],
)
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_simulator_matches_reference(loss, ds, backend):
    prob = make_problem(loss, ds, n_samples=30, diameter=1.0)
    T = 120
    kw = dict(step_size=0.9, delay=UniformDelay(3), n_steps=T, n_pairs=3, seed=4)
    s = simulate_pairs(prob, backend=backend, record_steps=np.arange(1, T + 1), **kw)
    r = reference_pairs(prob, **kw)
    np.testing.assert_allclose(s.delta, r.delta, rtol=RTOL_REF, atol=ATOL_REF)
    for name in ("train_loss", "test_loss", "train_loss_prime", "probe_diff"):
        np.testing.assert_allclose(
            getattr(s, name), getattr(r, name), rtol=RTOL_REF, atol=ATOL_REF
        )


def _scvx_loop(eta, hits, L, gamma):
    """delta_{t+1} <= (1 - eta_t gamma) delta_t + 2 eta_t L [hit], a scalar loop."""
    out, cur = [], 0.0
    for e, h in zip(eta.tolist(), hits.tolist(), strict=True):
        cur = (1.0 - e * gamma) * cur + (2.0 * e * L if h else 0.0)
        out.append(cur)
    return np.array(out)


@settings(max_examples=20, deadline=None)
@given(
    T=st.integers(1, 150),
    seed=st.integers(0, 2**31),
    frac=st.floats(0.05, 1.0),
    diameter=st.floats(0.1, 6.0),
    gamma=st.floats(0.01, 1.0),
)
def test_scvx_pathwise_dominates_projected_runs(T, seed, frac, diameter, gamma):
    prob = make_problem(
        RegLogistic(gamma), "breast_cancer", n_samples=10, diameter=diameter
    )
    eta = frac / prob.smoothness  # [H-scvx] needs eta <= 1/beta
    s = simulate_pairs(
        prob,
        step_size=eta,
        delay=UniformDelay(0),
        n_steps=T,
        n_pairs=4,
        seed=seed,
        record_steps=np.arange(1, T + 1),
    )
    b = pathwise_bound(
        THEOREMS["hardt-scvx"],
        step_sizes=s.step_sizes,
        hits=s.hits,
        lipschitz=prob.lipschitz,
        smoothness=prob.smoothness,
        strong_convexity=gamma,
    )
    for p in range(4):  # the recursion against a plain loop
        np.testing.assert_allclose(
            b[p],
            _scvx_loop(s.step_sizes[p], s.hits[p], prob.lipschitz, gamma),
            rtol=RTOL_LOOP,
        )
    assert (s.delta <= b * (1 + RTOL_PATHWISE) + ATOL_PATHWISE).all()


def test_hardt_scvx_has_an_applicable_projected_run():
    prob = make_problem("logistic-l2", "breast_cancer", n_samples=100, diameter=4.0)
    s = simulate_pairs(
        prob, step_size=0.5, delay=UniformDelay(0), n_steps=500, n_pairs=20, seed=0
    )
    v = verify(s, THEOREMS["hardt-scvx"])
    assert v.status == "holds", v.reason
    assert v.bound == pytest.approx(2 * 1.1**2 / (0.05 * 100))
    assert v.pathwise is not None
    assert v.pathwise.status == "ok"
    assert math.isfinite(v.ratio)


def test_a_ball_loss_without_a_diameter_is_refused(tmp_path, capsys):
    from empirical.cli._cli import main
    from empirical.runs._task import SweepTask

    with pytest.raises(InvalidParameterError, match="diameter"):
        SweepTask(loss="least-squares", dataset="diabetes")
    argv = ["sweep", "--loss", "least-squares", "--dataset", "diabetes"]
    rc = main([*argv, "--results", str(tmp_path / "r.jsonl")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(err) == 1
    assert "diameter" in err[0]
    assert SweepTask(loss="least-squares", dataset="diabetes", diameter=4.0)
