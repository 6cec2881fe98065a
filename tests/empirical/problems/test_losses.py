"""Losses: declared constants are true constants, gradients are right; problems."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import InvalidParameterError
from empirical.problems._data import load_dataset
from empirical.problems._losses import (
    LOSSES,
    MLP,
    SAFETY_FACTOR,
    Huber,
    Logistic,
    Sigmoid,
    estimate_constants,
)
from empirical.problems._problem import MIN_TEST_POINTS, make_problem

LINEAR = [Logistic(), Sigmoid(), Huber(), Huber(threshold=2.5)]
# The constants hold exactly in real arithmetic; 1e-12 relative allows for the
# rounding of a 10-term dot product and of the norms computed here.
ROUNDING = 1e-12
# Central finite differences with h = 1e-6: truncation O(h^2 * f''') ~ 1e-12 and
# cancellation O(eps / h) ~ 1e-10 in the loss value; 1e-6 leaves ample margin.
FD_TOL = 1e-6


def _points(rng, r, d, radius, y_kind):
    """Random w (norms up to 30), x with ||x|| <= radius (a third exactly on it)."""
    W = rng.standard_normal((r, d)) * rng.uniform(0, 30, (r, 1)) / math.sqrt(d)
    x = rng.standard_normal((r, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x *= np.where(rng.random((r, 1)) < 1 / 3, 1.0, rng.uniform(0, 1, (r, 1))) * radius
    y = rng.choice([-1.0, 1.0], r) if y_kind == "binary" else 3 * rng.standard_normal(r)
    return W, x, y


@pytest.mark.parametrize("loss", LINEAR, ids=lambda v: repr(v))
@settings(max_examples=30, deadline=None)
@given(radius=st.floats(0.1, 5.0), seed=st.integers(0, 2**32 - 1))
def test_declared_constants_are_never_exceeded(loss, radius, seed):
    rng = np.random.default_rng(seed)
    W, x, y = _points(rng, 2000, 10, radius, loss.task)
    g = loss.grad(W, x, y)
    L = loss.lipschitz(radius)
    assert np.linalg.norm(g, axis=1).max() <= L * (1 + ROUNDING)
    # beta-smoothness: ||g(w) - g(w')|| <= beta ||w - w'|| for every pair, exactly
    # (not only infinitesimally); pairs at distances from 1e-3 to 10.
    Wp = W + rng.standard_normal(W.shape) * np.geomspace(1e-3, 10, len(W))[:, None]
    dg = np.linalg.norm(loss.grad(Wp, x, y) - g, axis=1)
    dw = np.linalg.norm(Wp - W, axis=1)
    assert (dg <= loss.smoothness(radius) * dw * (1 + ROUNDING) + 1e-15).all()


@pytest.mark.parametrize(
    ("loss", "L1", "beta1"),
    [
        (Logistic(), 1.0, 0.25),
        (Sigmoid(), 0.25, 1 / (6 * math.sqrt(3))),
        (Huber(2.0), 2.0, 1.0),
    ],
    ids=["logistic", "sigmoid", "huber"],
)
def test_constants_are_tight(loss, L1, beta1):
    # On a fine grid of margins the scalar derivatives reach the constants (R = 1):
    # the declared values are the suprema, not loose upper bounds.
    assert loss.lipschitz(1.0) == pytest.approx(L1, rel=1e-15)
    assert loss.smoothness(1.0) == pytest.approx(beta1, rel=1e-15)
    y = -1.0 if loss.task == "binary" else 0.0
    m = np.linspace(-40, 40, 800_001)
    d1 = np.abs(loss.dloss(m, np.full_like(m, y)))
    d2 = np.abs(np.gradient(loss.dloss(m, np.full_like(m, y)), m))
    # grid spacing 1e-4: the maxima are attained to within ~1e-6 relative
    assert d1.max() == pytest.approx(L1, rel=1e-5)
    assert d2.max() == pytest.approx(beta1, rel=1e-5)
    assert (d1 <= L1 * (1 + ROUNDING)).all()


@pytest.mark.parametrize("loss", [*LINEAR, MLP(hidden=5)], ids=lambda v: repr(v))
def test_grad_matches_finite_differences_of_value(loss):
    rng = np.random.default_rng(0)
    r, d, K = 6, 7, 4
    p = loss.dim(d, K)
    W = rng.standard_normal((r, p)) * 0.7
    x = rng.standard_normal((r, d)) / math.sqrt(d)
    if isinstance(loss, MLP):
        y = rng.integers(0, K, r)
    elif loss.task == "binary":
        y = rng.choice([-1.0, 1.0], r)
    else:
        y = rng.standard_normal(r)
    g = loss.grad(W, x, y)
    assert g.shape == (r, p)
    h = 1e-6
    fd = np.empty_like(g)
    for k in range(p):
        e = np.zeros(p)
        e[k] = h
        plus = loss.value(W + e, x[:, None, :], y[:, None])[:, 0]
        minus = loss.value(W - e, x[:, None, :], y[:, None])[:, 0]
        fd[:, k] = (plus - minus) / (2 * h)
    np.testing.assert_allclose(g, fd, atol=FD_TOL)


def test_value_is_vectorised():
    rng = np.random.default_rng(1)
    loss = MLP(hidden=4)
    p = loss.dim(5, 3)
    W = rng.standard_normal((3, p))
    X = rng.standard_normal((3, 8, 5))
    y = rng.integers(0, 3, (3, 8))
    v = loss.value(W, X, y)
    assert v.shape == (3, 8)
    assert (v > 0).all()
    one = loss.value(W[1:2], X[1:2, 2:3], y[1:2, 2:3])
    assert one[0, 0] == pytest.approx(v[1, 2], rel=1e-14)  # same arithmetic


def test_loss_metadata():
    assert set(LOSSES) == {
        "logistic",
        "sigmoid",
        "huber",
        "logistic-l2",
        "least-squares",
        "mlp",
    }
    assert LOSSES["sigmoid"].loss_bound == 1.0
    assert not LOSSES["sigmoid"].convex
    assert LOSSES["logistic"].loss_bound is None
    assert LOSSES["logistic"].convex
    assert LOSSES["mlp"].constants_estimated
    assert not any(
        LOSSES[k].constants_estimated for k in ("logistic", "sigmoid", "huber")
    )
    assert MLP(hidden=16).dim(64, 10) == 16 * 65 + 10 * 17
    assert Logistic().dim(30, 2) == 30
    rng = np.random.default_rng(0)
    assert (Logistic().init(4, rng) == 0).all()
    # N(0, 0.1^2): the sample std of 100 draws has relative sd ~ 1/sqrt(2*99) = 0.071,
    # so rel=0.3 is ~4 sd (false-alarm rate ~1e-4 were the seed random).
    assert MLP().init(100, rng).std() == pytest.approx(0.1, rel=0.3)
    with pytest.raises(InvalidParameterError, match="threshold=0 must be > 0"):
        Huber(threshold=0)
    with pytest.raises(InvalidParameterError, match="hidden=0 must be >= 1"):
        MLP(hidden=0)


def test_estimator_recovers_known_constants_of_logistic():
    # Run the estimator on a loss whose constants are known: a sample maximum
    # never exceeds the supremum, so estimate / SAFETY_FACTOR <= exact; and the
    # estimator should not be wildly low (at w = 0 it already sees L/2, beta).
    ds = load_dataset("breast_cancer")
    est = estimate_constants(
        Logistic(), ds, rng=np.random.default_rng(0), n_points=64, n_train_steps=300
    )
    L, beta = Logistic().lipschitz(1.0), Logistic().smoothness(1.0)
    assert 0.4 * L <= est.lipschitz / SAFETY_FACTOR <= L * (1 + ROUNDING)
    # finite-difference Hessian-vector products: 1e-6 relative error allowed
    assert 0.4 * beta <= est.smoothness / SAFETY_FACTOR <= beta * (1 + 1e-6)
    assert "power iteration" in est.method


@pytest.mark.slow
def test_mlp_problem_has_estimated_constants():
    prob = make_problem("mlp", "digits", n_samples=500)
    assert prob.constants_estimated
    assert prob.lipschitz > 0
    assert prob.smoothness > 0
    assert "safety factor" in prob.constants_method
    # Reproducible from the seed.
    again = make_problem("mlp", "digits", n_samples=500)
    assert again.lipschitz == prob.lipschitz


def test_make_problem_exact_constants():
    p = make_problem("sigmoid", "synthetic", n_samples=100, radius=2.0)
    assert p.lipschitz == 0.5
    assert p.smoothness == pytest.approx(4 / (6 * math.sqrt(3)))
    assert p.loss_bound == 1.0
    assert not p.convex
    assert not p.constants_estimated
    assert p.dim == 20
    assert p.n_samples == 100
    h = make_problem(Huber(threshold=3.0), "diabetes", n_samples=50)
    assert h.lipschitz == 3.0
    assert h.smoothness == 1.0


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("hinge", "digits"), {"n_samples": 10}, "loss='hinge' must be one of"),
        (("logistic", "mnist"), {"n_samples": 10}, "dataset='mnist' must be one of"),
        (("huber", "breast_cancer"), {"n_samples": 10}, "needs a regression data set"),
        (("mlp", "digits_binary"), {"n_samples": 10}, "needs a multiclass data set"),
        (("logistic", "diabetes"), {"n_samples": 10}, "needs a binary data set"),
        (
            ("logistic", "breast_cancer"),
            {"n_samples": 569 - MIN_TEST_POINTS},
            "n_samples=519 must be <= 518",
        ),
        (("logistic", "breast_cancer"), {"n_samples": 1}, "n_samples=1 must be >= 2"),
        (
            ("logistic", "breast_cancer"),
            {"n_samples": 10, "radius": 0},
            "radius=0 must be > 0",
        ),
        (
            (3, "breast_cancer"),
            {"n_samples": 10},
            "loss=3 must be str or Logistic or Sigmoid",
        ),
    ],
    ids=[
        "loss",
        "dataset",
        "huber-cls",
        "mlp-binary",
        "logistic-reg",
        "n-large",
        "n-small",
        "radius",
        "loss-type",
    ],
)
def test_make_problem_invalid(args, kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        make_problem(*args, **kwargs)
