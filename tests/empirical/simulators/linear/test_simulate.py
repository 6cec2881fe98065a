"""Tests of the coupled-pair simulator: backends, reference, coupling, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import InvalidParameterError, staleness_adaptive
from empirical.problems._losses import MLP
from empirical.problems._problem import make_problem
from empirical.schedules._delays import (
    ConstantDelay,
    GeometricDelay,
    TraceDelay,
    UniformDelay,
)
from empirical.simulators.linear._simulate import (
    DivergenceError,
    RunStats,
    _draw,
    default_record_steps,
    simulate_pairs,
)
from tests.empirical._reference import plain_sgd, reference_pairs

# numba vs numpy: the kernel sums dot products in four interleaved partial sums,
# numpy's einsum in its own order, and e*(g*x) vs (e*g)*x round differently; each
# step perturbs the last bit or two and the (non-expansive, for these small
# instances) dynamics carry it along. 1e-12 relative leaves a margin of ~100x over
# what is observed; atol covers delta values that are rounding-level themselves.
RTOL_BACKEND = 1e-12
ATOL_BACKEND = 1e-14
# Reference vs simulator: the reference sums dot products left to right in Python
# floats, a third order of summation; same reasoning, same size of tolerance.
RTOL_REF = 1e-11
ATOL_REF = 1e-13

LINEAR = [
    ("logistic", "breast_cancer"),
    ("sigmoid", "digits_binary"),
    ("huber", "diabetes"),
]


@pytest.fixture(scope="module")
def problems():
    return {loss: make_problem(loss, ds, n_samples=30) for loss, ds in LINEAR}


def _close(a, b, rtol, atol):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _all_stats_close(s1, s2, rtol, atol):
    for name in (
        "train_loss",
        "test_loss",
        "train_loss_prime",
        "test_loss_prime",
        "probe_diff",
    ):
        _close(getattr(s1, name), getattr(s2, name), rtol, atol)


@pytest.mark.parametrize(("loss", "ds"), LINEAR, ids=[x[0] for x in LINEAR])
def test_numba_matches_numpy(problems, loss, ds):
    kw = dict(
        step_size=0.7,
        delay=UniformDelay(5),
        n_steps=300,
        n_pairs=6,
        seed=3,
        record_steps=np.arange(1, 301),
    )
    a = simulate_pairs(problems[loss], backend="numba", **kw)
    b = simulate_pairs(problems[loss], backend="numpy", **kw)
    assert (a.backend, b.backend) == ("numba", "numpy")
    assert a.hits.any()  # n=30, T=300: the differing sample is drawn, delta moves
    _close(a.delta, b.delta, RTOL_BACKEND, ATOL_BACKEND)
    _all_stats_close(a, b, RTOL_BACKEND, ATOL_BACKEND)
    np.testing.assert_array_equal(a.delays, b.delays)
    np.testing.assert_array_equal(a.hits, b.hits)


@pytest.mark.parametrize(("loss", "ds"), LINEAR, ids=[x[0] for x in LINEAR])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_matches_reference(problems, loss, ds, backend):
    T = 120
    kw = dict(
        step_size=0.9, delay=GeometricDelay(0.3, 6), n_steps=T, n_pairs=3, seed=11
    )
    s = simulate_pairs(
        problems[loss], backend=backend, record_steps=np.arange(1, T + 1), **kw
    )
    r = reference_pairs(problems[loss], **kw)
    np.testing.assert_array_equal(s.delays, r.delays)
    np.testing.assert_array_equal(s.hits, r.hits)
    _close(s.delta, r.delta, RTOL_REF, ATOL_REF)
    _all_stats_close(s, r, RTOL_REF, ATOL_REF)


@pytest.mark.slow
def test_mlp_matches_reference():
    prob = make_problem(MLP(hidden=3), "digits", n_samples=40)
    T = 60
    kw = dict(step_size=0.5, delay=UniformDelay(4), n_steps=T, n_pairs=2, seed=5)
    s = simulate_pairs(prob, record_steps=np.arange(1, T + 1), **kw)
    assert s.backend == "numpy"
    r = reference_pairs(prob, **kw)
    # Same gradient code on both sides; only the batching differs (einsum over a
    # batch of 4 replicas vs 1), so agreement is at rounding level.
    _close(s.delta, r.delta, RTOL_REF, ATOL_REF)
    _all_stats_close(s, r, RTOL_REF, ATOL_REF)


@settings(max_examples=15, deadline=None)
@given(
    loss_ds=st.sampled_from(LINEAR),
    tau=st.integers(0, 12),
    T=st.integers(1, 80),
    seed=st.integers(0, 2**31),
    eta=st.floats(0.01, 3.0),
)
def test_random_instances_match_reference(problems, loss_ds, tau, T, seed, eta):
    prob = problems[loss_ds[0]]
    kw = dict(step_size=eta, delay=UniformDelay(tau), n_steps=T, n_pairs=2, seed=seed)
    s = simulate_pairs(prob, backend="numba", record_steps=np.arange(1, T + 1), **kw)
    r = reference_pairs(prob, **kw)
    _close(s.delta, r.delta, RTOL_REF, ATOL_REF)
    _all_stats_close(s, r, RTOL_REF, ATOL_REF)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_tau_zero_is_plain_sgd(problems, backend):
    prob = problems["logistic"]
    T, P = 150, 3
    s = simulate_pairs(
        prob,
        step_size=0.5,
        delay=ConstantDelay(0),
        n_steps=T,
        n_pairs=P,
        seed=2,
        backend=backend,
    )
    dr = _draw(prob, ConstantDelay(0), T, P, 2)
    X, Y = prob.dataset.X, prob.dataset.y
    n = prob.n_samples
    for p in range(P):
        S = [int(r) for r in dr.perm[p, :n]]
        w = plain_sgd(prob, dr.w0[p], S, dr.idx[p], np.full(T, 0.5))
        f = np.mean([np.logaddexp(0, -Y[z] * X[z] @ w) for z in S])
        # Rounding-level: see RTOL_REF.
        assert s.train_loss[p] == pytest.approx(f, rel=RTOL_REF)
    assert (s.delays == 0).all()


def test_effective_delay_and_coupling(problems):
    T = 400
    s = simulate_pairs(
        problems["logistic"],
        step_size=0.5,
        delay=ConstantDelay(7),
        n_steps=T,
        n_pairs=8,
        seed=0,
        record_steps=np.arange(1, T + 1),
    )
    # Iterates before w_1 are w_1: effective delay min(tau, t - 1).
    np.testing.assert_array_equal(s.delays[:, :8], np.tile(np.arange(8), (8, 1)))
    assert (s.delays[:, 7:] == 7).all()
    assert s.max_delay == 7
    # Coupled runs are identical until the differing sample is first drawn, and
    # differ right after it (exactly: the same floating-point operations).
    for p in range(8):
        first = int(np.argmax(s.hits[p])) if s.hits[p].any() else T
        assert (s.delta[p, :first] == 0).all()
        if first < T:
            assert s.delta[p, first] > 0


def test_probe_diff_dominates_test_loss_difference(problems):
    s = simulate_pairs(
        problems["sigmoid"],
        step_size=1.0,
        delay=UniformDelay(3),
        n_steps=500,
        n_pairs=16,
        seed=4,
    )
    # max_z |f - f'| over a superset of the test set >= |mean f - mean f'|;
    # 1e-15 absorbs the rounding of the two means.
    assert (s.probe_diff >= np.abs(s.test_loss - s.test_loss_prime) - 1e-15).all()
    assert (s.probe_diff > 0).any()


def test_shapes_dtypes_and_determinism(problems):
    kw = dict(
        step_size=staleness_adaptive(1.0),
        delay=UniformDelay(4),
        n_steps=1000,
        n_pairs=5,
        seed=9,
    )
    a = simulate_pairs(problems["huber"], **kw)
    b = simulate_pairs(problems["huber"], **kw)
    c = simulate_pairs(problems["huber"], **{**kw, "seed": 10})
    assert isinstance(a, RunStats)
    k = len(a.record_steps)
    assert a.delta.shape == (5, k)
    assert a.delta.dtype == np.float64
    assert a.delays.shape == a.step_sizes.shape == a.hits.shape == (5, 1000)
    assert a.delays.dtype == np.int64
    assert a.hits.dtype == np.bool_
    assert a.record_steps[-1] == 1000
    assert a.record_steps[0] >= 1
    np.testing.assert_array_equal(a.delta, b.delta)
    np.testing.assert_array_equal(a.probe_diff, b.probe_diff)
    assert not np.array_equal(a.delays, c.delays)
    # The per-step [rule-tau] schedule sees the effective delays.
    np.testing.assert_allclose(a.step_sizes, 1.0 / (a.delays + 1), rtol=0)


def test_delay_model_does_not_change_data_or_indices(problems):
    # Separate random streams: sweeping the delay leaves the rest unchanged.
    a = simulate_pairs(
        problems["logistic"],
        step_size=0.1,
        delay=UniformDelay(2),
        n_steps=200,
        n_pairs=4,
        seed=1,
    )
    b = simulate_pairs(
        problems["logistic"],
        step_size=0.1,
        delay=UniformDelay(9),
        n_steps=200,
        n_pairs=4,
        seed=1,
    )
    np.testing.assert_array_equal(a.hits, b.hits)


def test_trace_delay_runs(problems):
    trace = TraceDelay((0, 1, 2, 3, 9, 1))
    s = simulate_pairs(
        problems["logistic"], step_size=0.2, delay=trace, n_steps=50, n_pairs=2, seed=0
    )
    assert s.max_delay == 9
    assert s.delays.max() <= 9


def test_default_record_steps():
    r = default_record_steps(10_000)
    assert 30 <= len(r) <= 40
    assert r[0] == 1
    assert r[-1] == 10_000
    assert (np.diff(r) > 0).all()
    np.testing.assert_array_equal(default_record_steps(1), [1])


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_divergence_names_step_size_and_delay(problems, backend):
    with pytest.raises(DivergenceError, match=r"step t=1 .*step_size=1e\+200.*tau_t=0"):
        simulate_pairs(
            problems["logistic"],
            step_size=1e200,
            delay=UniformDelay(3),
            n_steps=20,
            n_pairs=2,
            seed=0,
            backend=backend,
        )
    assert issubclass(DivergenceError, InvalidParameterError)


def test_progress_bar(problems, capsys):
    simulate_pairs(
        problems["logistic"],
        step_size=0.1,
        delay=UniformDelay(2),
        n_steps=300,
        n_pairs=2,
        seed=0,
        progress=True,
    )
    assert "300/300" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_steps": 0}, "n_steps=0 must be >= 1"),
        ({"n_pairs": 0}, "n_pairs=0 must be >= 1"),
        ({"seed": -1}, "seed=-1 must be >= 0"),
        ({"backend": "cuda"}, "backend='cuda' must be one of"),
        ({"delay": 3}, "delay=3 must be AbstractDelay, got type int"),
        # (the value is printed as the validator's repr of a numpy float)
        ({"record_steps": [0, 5]}, r"record_steps\[0\]=.*0\.0\)? must be >= 1"),
        ({"record_steps": [5, 11]}, "record_steps=11 must be <= n_steps=10"),
        ({"step_size": -0.1}, "step_size=-0.1 must be > 0"),
        ({"step_size": np.ones(3)}, "step_size must have shape"),
    ],
    ids=[
        "n_steps",
        "n_pairs",
        "seed",
        "backend",
        "delay",
        "record-low",
        "record-high",
        "step-negative",
        "step-shape",
    ],
)
def test_invalid_arguments(problems, kwargs, match):
    kw = dict(step_size=0.1, delay=UniformDelay(2), n_steps=10, n_pairs=2, seed=0)
    with pytest.raises(InvalidParameterError, match=match):
        simulate_pairs(problems["logistic"], **{**kw, **kwargs})


def test_invalid_problem_and_backend_for_mlp():
    with pytest.raises(InvalidParameterError, match="problem="):
        simulate_pairs(
            "logistic",
            step_size=0.1,
            delay=UniformDelay(2),
            n_steps=5,
            n_pairs=1,
            seed=0,
        )
    prob = make_problem(MLP(hidden=2), "digits", n_samples=20)
    with pytest.raises(InvalidParameterError, match="backend='numba' supports"):
        simulate_pairs(
            prob,
            step_size=0.1,
            delay=UniformDelay(2),
            n_steps=5,
            n_pairs=1,
            seed=0,
            backend="numba",
        )
