"""Worst-case search: finds a known worst neighbour; reports on fresh seeds."""

from __future__ import annotations

import numpy as np
import pytest

from bounds import InvalidParameterError
from empirical.measurement import _worst_case
from empirical.measurement._worst_case import worst_case_stability
from empirical.problems._data import Dataset
from empirical.problems._losses import Logistic
from empirical.problems._problem import Problem, make_problem
from empirical.schedules._delays import ConstantDelay

N_TRAIN, BIG = 10, 3  # S = rows 0..9; row 3 is the only point of norm R = 1


def _constructed() -> Problem:
    """All points have norm 0.01 except S[BIG] (norm 1).

    Replacing position ``i`` by ``z'`` changes the gradient at each hit of ``i``
    by ``||a_i x_i - a' x'||`` with ``|a| <= 1`` (logistic). Near ``w = 0``
    (``a = -y/2``, steps of 0.1 over 400 steps keep ``|w.x| <= 0.4``), replacing
    ``S[BIG]`` by itself with the opposite label changes it by ``~||x_BIG|| = 1``;
    any other replacement (a norm-0.01 point, or a norm-1 point for a norm-0.01
    one) by at most ``~0.5 + 0.01``. So the worst neighbour is ``i = BIG`` with
    the opposite label: twice the divergence of any other candidate.
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X *= 0.01
    X[BIG] *= 100.0
    y = rng.choice([-1.0, 1.0], 40)
    ds = Dataset("synthetic", X, y, radius=1.0, task="binary", n_classes=2)
    return Problem(
        dataset=ds,
        loss=Logistic(),
        n_samples=N_TRAIN,
        lipschitz=1.0,
        smoothness=0.25,
        loss_bound=None,
        convex=True,
        constants_estimated=False,
        constants_method="exact",
    )


def _search(prob, **kw):
    return worst_case_stability(
        prob,
        step_size=0.1,
        delay=ConstantDelay(0),
        n_steps=400,
        seed=1,
        n_select=16,
        n_report=64,
        train_rows=np.arange(N_TRAIN),
        **kw,
    )


def test_finds_the_known_worst_neighbour():
    wc = _search(_constructed())
    assert wc.index == BIG
    assert "opposite label" in wc.replacement
    assert wc.estimate.low > 0  # a real, positive lower estimate


def test_reports_on_fresh_seeds(monkeypatch):
    calls = []
    real = _worst_case.simulate_draws

    def spy(problem, draws, **kw):
        calls.append(np.array(draws.idx))
        return real(problem, draws, **kw)

    monkeypatch.setattr(_worst_case, "simulate_draws", spy)
    wc = _search(_constructed())
    assert wc.selection_seed != wc.report_seed
    *selection, report = calls
    sel_rows = {row.tobytes() for idx in selection for row in idx}
    # no index sequence of the report was used to select
    assert not any(row.tobytes() in sel_rows for row in report)
    assert report.shape[0] == wc.n_report


def test_is_deterministic_and_rejects_bad_input():
    prob = _constructed()
    assert _search(prob).estimate == _search(prob).estimate
    with pytest.raises(InvalidParameterError, match="train_rows"):
        worst_case_stability(
            prob,
            step_size=0.1,
            delay=ConstantDelay(0),
            n_steps=10,
            seed=0,
            train_rows=[0, 0, 1, 2, 3, 4, 5, 6, 7, 8],
        )
    mlp = make_problem("mlp", "digits", n_samples=40)
    with pytest.raises(InvalidParameterError, match="linear"):
        worst_case_stability(
            mlp, step_size=0.1, delay=ConstantDelay(0), n_steps=10, seed=0
        )
