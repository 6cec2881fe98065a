"""On-average model stability: the estimator against an exact enumeration.

On a tiny problem (n = 5) every neighbour ``S^(i)``, ``i = 1..n``, is run with the
same algorithm randomness (index sequence, delays), and a plain loop computes
``(1/n) sum_i ||A(S) - A(S^(i))||^2`` directly. The harness's estimator, run on
the enumeration, must equal it; run on pairs with the replaced index drawn at
random (all else fixed), its interval must cover it.
"""

from __future__ import annotations

import numpy as np
import pytest

from bounds import InvalidParameterError
from empirical.measurement._measure import measure, model_stability
from empirical.problems._problem import make_problem
from empirical.simulators.linear._runners import Draws
from empirical.simulators.linear._simulate import simulate_draws
from tests.empirical._reference import ref_grad

N_TRAIN, T, TAU, ETA = 5, 40, 2, 0.8
# Simulator against a plain loop: the reasons and sizes of test_simulate.py's
# RTOL_REF (three orders of summation of the same dot products over 40 steps).
RTOL_REF = 1e-11
#: Coverage level of the random-index check: a false alarm once in 1000 seeds.
COVERAGE = 0.999


@pytest.fixture(scope="module")
def setup():
    prob = make_problem("logistic", "breast_cancer", n_samples=N_TRAIN)
    rng = np.random.default_rng(5)
    perm = rng.permutation(prob.dataset.n_points).astype(np.int64)
    idx = rng.integers(0, N_TRAIN, size=T).astype(np.int32)
    delays = np.minimum(np.full(T, TAU), np.arange(T)).astype(np.int64)
    return prob, perm, idx, delays


def _draws(prob, perm, idx, delays, j):
    P = len(j)
    return Draws(
        perm=np.tile(perm, (P, 1)),
        j=np.asarray(j, dtype=np.int64),
        idx=np.tile(idx, (P, 1)),
        delays=np.tile(delays, (P, 1)),
        w0=np.zeros((P, prob.dim)),
    )


def _plain(prob, rows, idx, delays):
    X, Y = prob.dataset.X, prob.dataset.y
    hist = [np.zeros(prob.dim)]
    for t in range(1, T + 1):
        z = rows[int(idx[t - 1])]
        g = ref_grad(prob.loss, hist[t - 1 - int(delays[t - 1])], X[z], Y[z])
        hist.append(hist[-1] - ETA * g)
    return hist[-1]


def _exact(prob, perm, idx, delays):
    S = [int(r) for r in perm[:N_TRAIN]]
    w = _plain(prob, S, idx, delays)
    sq = []
    for i in range(N_TRAIN):
        Si = list(S)
        Si[i] = int(perm[N_TRAIN])
        sq.append(float(np.sum((w - _plain(prob, Si, idx, delays)) ** 2)))
    return float(np.mean(sq))


def test_enumeration_equals_direct_average(setup):
    prob, perm, idx, delays = setup
    exact = _exact(prob, perm, idx, delays)
    assert exact > 0
    rs = simulate_draws(
        prob,
        _draws(prob, perm, idx, delays, np.arange(N_TRAIN)),
        step_size=ETA,
        max_delay=TAU,
    )
    est = measure(rs).model_stability
    assert est is not None
    assert est.mean == pytest.approx(exact, rel=RTOL_REF)
    # the squared divergence, not the square of the mean divergence
    assert est.mean != pytest.approx(float(rs.delta[:, -1].mean() ** 2), rel=1e-3)


def test_random_index_interval_covers_exact_average(setup):
    prob, perm, idx, delays = setup
    exact = _exact(prob, perm, idx, delays)
    j = np.random.default_rng(11).integers(0, N_TRAIN, size=3000)
    rs = simulate_draws(
        prob, _draws(prob, perm, idx, delays, j), step_size=ETA, max_delay=TAU
    )
    est = model_stability(rs.delta[:, -1], confidence=COVERAGE)
    assert est.low <= exact <= est.high, (est, exact)


def test_train_loss_ucl_and_validation(setup):
    prob, perm, idx, delays = setup
    rs = simulate_draws(
        prob,
        _draws(prob, perm, idx, delays, np.arange(N_TRAIN)),
        step_size=ETA,
        max_delay=TAU,
    )
    m = measure(rs)
    assert m.train_loss_ucl == m.train_loss.high
    assert m.to_dict()["train_loss_ucl"] == m.train_loss.high
    with pytest.raises(InvalidParameterError, match="delta_T"):
        model_stability([1.0, -0.5])
