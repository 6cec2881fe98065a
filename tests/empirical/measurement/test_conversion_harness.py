"""Lei & Ying 2020, Thm 2(b) on the harness's linear runs: the converted bound is
never below the generalization gap it bounds.

This is an inequality between expectations, checked one-sided the way the harness
checks every bound: the bound is evaluated at the *upper* 95% confidence limits of
the measured on-average model stability (mean over pairs of ``delta_T^2``; the
replaced index is uniform, so that is ``eps_avg2``) and of the expected training
loss, and the measured gap's *lower* confidence limit must not exceed it. Any
violation is a bug (of the conversion or of the simulator), never a tolerance to
widen.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import LEI_YING_GAP
from empirical.measurement._estimate import estimate_mean
from empirical.problems._problem import make_problem
from empirical.schedules._delays import UniformDelay
from empirical.simulators.linear._simulate import simulate_pairs

# Every linear loss of the harness is f >= 0 and beta-smooth (docs/theory.md, "Losses with exact constants");
# Lei & Ying's conversion needs nothing else (no convexity, no Lipschitz constant).
LINEAR = [
    ("logistic", "breast_cancer"),
    ("sigmoid", "breast_cancer"),
    ("huber", "diabetes"),
]


@pytest.mark.parametrize(("loss", "dataset"), LINEAR, ids=[x for x, _ in LINEAR])
@settings(max_examples=6)
@given(
    n_samples=st.sampled_from([20, 50, 150]),
    eta_fraction=st.floats(0.05, 1.0),
    max_delay=st.integers(0, 8),
    seed=st.integers(0, 2**16),
)
def test_converted_bound_is_never_below_the_gap(
    loss: str,
    dataset: str,
    n_samples: int,
    eta_fraction: float,
    max_delay: int,
    seed: int,
) -> None:
    problem = make_problem(loss, dataset, n_samples=n_samples)
    # eta <= 1/beta keeps the runs stable; Thm 2(b) itself puts no step condition.
    eta = eta_fraction / problem.smoothness
    stats = simulate_pairs(
        problem,
        step_size=eta,
        delay=UniformDelay(max_delay),
        n_steps=400,
        n_pairs=120,
        seed=seed,
    )
    eps_avg2 = estimate_mean(stats.delta[:, -1] ** 2)
    train = estimate_mean((stats.train_loss + stats.train_loss_prime) / 2)
    gap = estimate_mean(
        (
            stats.test_loss
            - stats.train_loss
            + stats.test_loss_prime
            - stats.train_loss_prime
        )
        / 2
    )
    bound = LEI_YING_GAP.convert(
        max(eps_avg2.high, 0.0),
        smoothness=problem.smoothness,
        train_loss=max(train.high, 0.0),
    )
    assert gap.low <= bound, (loss, n_samples, eta, max_delay, seed, gap, bound)
    assert np.isfinite(bound)
