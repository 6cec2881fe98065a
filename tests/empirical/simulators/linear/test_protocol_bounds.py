"""Level 3 of [D-ncvx-W] and [D-cvx-W] against real coupled runs of protocols (a)-(c).

The part-3 theorems (docs/theory.md, part 3) give a pathwise bound ``U_t`` on
``delta_t = ||w_{t+1} - w'_{t+1}||`` of every realised pair, on its schedule
(weights, delays) and its hits, exact up to floating-point rounding. Here the
pairs are run by the numba kernel of the protocols on linear losses with exact
constants for ``||x|| <= R``: the logistic loss (convex, ``L = R``,
``beta = R^2/4``) and the sigmoid loss (in ``[0, 1]``, nonconvex, ``L = R/4``,
``beta = R^2/(6 sqrt 3)``). Which theorem is checked is what
:func:`empirical.schedules._protocols.applicable_theorems` declares, restricted
to those whose loss assumptions the loss meets; the step sizes meet the
theorem's conditions (convex: ``eta K_t beta <= 2``; nonconvex: ``eta_t = c/t``).
Protocols: (a) one stale minibatch per update, (b) Regatti et al. 2019
(arXiv:1909.13391: averaged, clipped), (c) Deng et al. (NeurIPS 2024: summed
arrivals, idle steps), fixed and random delays.

The tolerance is the project's pathwise one (``PATHWISE_RTOL * bound +
PATHWISE_ATOL``; its reason is written in :mod:`empirical.measurement._verdict`).
Level 2 (the recursion) bounds an expectation over the indices and is never
compared run by run (:func:`test_recursion_bounds_the_mean_not_each_run`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray

import bounds
from bounds import THEOREMS, protocol_constants
from bounds._assumption import Assumption
from empirical.measurement._verdict import PATHWISE_ATOL, PATHWISE_RTOL
from empirical.problems._data import load_dataset, pair_split
from empirical.problems._losses import LOSSES
from empirical.schedules._delays import UniformDelay
from empirical.schedules._protocols import (
    Chunk,
    Deng,
    OneStale,
    Regatti,
    WorkerProtocol,
    applicable_theorems,
)
from empirical.simulators.linear._kernels_workers import run_protocol_linear
from empirical.simulators.linear._protocol_runs import (
    ProtocolPairs,
    run_protocol_pairs,
)

DATA = "breast_cancer"

#: Fraction of the convex step-size limit: ``eta = 1.5 / (K beta)`` keeps
#: ``eta K_t beta <= 1.5 < 2`` with room for the rounding of ``K_t`` (a sum of
#: weights ``1/W``), so the bound never refuses the schedule on a last-ulp tie.
CONVEX_LOAD = 1.5


@dataclass(frozen=True)
class Case:
    """A protocol on a loss at a feature radius."""

    protocol: WorkerProtocol
    loss: str
    radius: float


CASES = {
    "a-minibatch-logistic": Case(
        OneStale(UniformDelay(4), batch_size=4), "logistic", 1.0
    ),
    "a-minibatch-sigmoid": Case(
        OneStale(UniformDelay(4), batch_size=3), "sigmoid", 4.0
    ),
    # R = 16: L = 4 > clip 1, so the clip is active (test_clip_is_active_in_b)
    "b-clipped-sigmoid": Case(Regatti(4, 5, batch_size=2), "sigmoid", 16.0),
    "b-unclipped-logistic": Case(
        Regatti(4, 5, batch_size=2, clip=None), "logistic", 1.0
    ),
    # no delay: the drift term is 0 and the convex bound is 2 eta L (hit weight)
    "b-unclipped-nodelay-logistic": Case(
        Regatti(4, 0, batch_size=2, clip=None), "logistic", 1.0
    ),
    "b-unclipped-sigmoid": Case(Regatti(3, 2, clip=None), "sigmoid", 4.0),
    "c-fixed-logistic": Case(Deng(6, 3, "fixed"), "logistic", 1.0),
    "c-fixed-sigmoid": Case(Deng(6, 3, "fixed", batch_size=2), "sigmoid", 4.0),
    "c-random-logistic": Case(Deng(6, 3, "random", batch_size=2), "logistic", 1.0),
    "c-random-sigmoid": Case(Deng(5, 4, "random"), "sigmoid", 4.0),
}

#: ``(seed, n_samples, n_steps)``: a small training set, where every pair is hit
#: many times, and larger ones, where some pairs are hit late or rarely.
SIZES = [(0, 60, 150), (1, 250, 400), (2, 400, 300)]


def _constants(protocol: WorkerProtocol) -> dict[str, int]:
    """``step_weight`` K, ``arrivals`` M and ``max_delay`` of the protocol."""
    if isinstance(protocol, OneStale):
        return protocol_constants(1, max_delay=protocol.max_delay)
    if isinstance(protocol, Regatti):
        return protocol_constants(
            protocol.n_workers, "mean", max_delay=protocol.max_worker_delay
        )
    assert isinstance(protocol, Deng)
    if protocol.delays == "fixed":
        return protocol_constants(protocol.n_workers, "sum", period=protocol.period)
    return protocol_constants(protocol.n_workers, "sum", max_delay=protocol.max_delay)


def _theorems(case: Case) -> list[str]:
    """Declared keys whose loss assumptions the case's loss meets."""
    loss = LOSSES[case.loss]
    keys, _ = applicable_theorems(case.protocol)
    out = []
    for key in keys:
        need = THEOREMS[key].assumptions
        if Assumption.CONVEX in need and not loss.convex:
            continue
        if Assumption.BOUNDED_LOSS in need and loss.loss_bound is None:
            continue
        out.append(key)
    return out


def _run(
    case: Case, key: str, seed: int, n: int, T: int, n_pairs: int = 12
) -> tuple[ProtocolPairs, float, float]:
    """Coupled pairs with step sizes that meet ``key``'s condition; and ``L``, ``beta``."""
    ds = load_dataset(DATA, radius=case.radius)
    loss = LOSSES[case.loss]
    L, beta = loss.lipschitz(case.radius), loss.smoothness(case.radius)
    K = _constants(case.protocol)["step_weight"]
    t = np.arange(1, T + 1)
    if THEOREMS[key].recursion == "workers_convex":
        eta = np.full(T, CONVEX_LOAD / (K * beta))
    else:
        eta = (1.0 / (beta * K)) / t  # eta_t = c/t with q = beta c K = 1
    pairs = run_protocol_pairs(
        case.protocol,
        case.loss,
        ds.X,
        np.asarray(ds.y, dtype=np.float64),
        n_samples=n,
        n_pairs=n_pairs,
        step_sizes=eta,
        seed=seed,
        record_steps=[1, 2, T // 10, T // 2, T],
    )
    return pairs, L, beta


def _pathwise(key: str, pairs: ProtocolPairs, L: float, beta: float) -> NDArray:
    return np.asarray(
        bounds.pathwise_bound(
            THEOREMS[key], lipschitz=L, smoothness=beta, **pairs.pathwise_kwargs()
        )
    )


def _excess(delta: NDArray, bound: NDArray) -> NDArray:
    """``delta - bound`` beyond the project's rounding tolerance (> 0: violated)."""
    return delta - (bound + PATHWISE_RTOL * np.abs(bound) + PATHWISE_ATOL)


def test_every_case_checks_a_theorem() -> None:
    """The declaration leaves each case at least one theorem, and the expected one."""
    for name, case in CASES.items():
        keys = _theorems(case)
        want = (
            "delayed-cvx-workers" if case.loss == "logistic" else "delayed-ncvx-workers"
        )
        assert keys == [want], name


@pytest.mark.parametrize(("seed", "n", "T"), SIZES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_pathwise_bound_holds_on_coupled_runs(
    name: str, seed: int, n: int, T: int
) -> None:
    """``delta_t <= U_t`` on every pair and record step of non-vacuous runs
    (:func:`test_check_fails_without_the_hits` shows the comparison can fail)."""
    case = CASES[name]
    (key,) = _theorems(case)
    pairs, L, beta = _run(case, key, seed, n, T)
    # The realised schedule has the protocol's constants (K, M, tau).
    c = _constants(case.protocol)
    # (b)'s K_t is a float64 sum of W weights 1/W: within a few ulp of 1.
    assert pairs.step_weights.max() <= c["step_weight"] * (1 + 1e-12)
    assert (pairs.weights > 0).sum(-1).max() <= c["arrivals"]
    assert pairs.delays.max() <= c["max_delay"]
    # Not vacuous: the replaced sample was drawn and the runs separated (1e-6 is
    # far above rounding: delta is exactly 0 until the first hit, see below).
    assert pairs.hits.any()
    assert pairs.delta.max() > 1e-6
    # Before the first hit the two runs compute the same operations: delta = 0.
    # This checks the hits (a miscounted position would leave a moved pair here).
    hit_by = np.cumsum(pairs.hits.sum(-1), -1)[:, pairs.record_steps - 1]
    assert (hit_by == 0).any()
    assert (pairs.delta[hit_by == 0] <= PATHWISE_ATOL).all()
    bound = _pathwise(key, pairs, L, beta)
    excess = _excess(pairs.delta, bound)
    assert (excess <= 0).all(), (key, float(excess.max()))


@pytest.mark.parametrize(
    "name", ["a-minibatch-sigmoid", "b-clipped-sigmoid", "c-random-sigmoid"]
)
def test_check_fails_without_the_hits(name: str) -> None:
    """The comparison can fail: with the hits removed, the nonconvex bound is 0
    (``U`` grows only from a hit), and every pair that moved is flagged."""
    case = CASES[name]
    pairs, L, beta = _run(case, "delayed-ncvx-workers", 0, 60, 150)
    kw = pairs.pathwise_kwargs() | {"hits": np.zeros_like(pairs.hits)}
    wrong = bounds.pathwise_bound(
        THEOREMS["delayed-ncvx-workers"], lipschitz=L, smoothness=beta, **kw
    )
    moved = pairs.delta > 1e-6
    assert moved.any()
    assert (_excess(pairs.delta, np.asarray(wrong))[moved] > 0).all()


def test_clip_is_active_in_b() -> None:
    """(b)'s clip changes the runs (so the clipped case checks a clipped update),
    and the clip's term ``min(2 C, .)`` of the bound is active and still holds."""
    case = CASES["b-clipped-sigmoid"]
    clipped, L, beta = _run(case, "delayed-ncvx-workers", 0, 60, 150)
    with_clip = _pathwise("delayed-ncvx-workers", clipped, L, beta)
    kw = clipped.pathwise_kwargs()
    del kw["clip"]
    without = bounds.pathwise_bound(
        THEOREMS["delayed-ncvx-workers"], lipschitz=L, smoothness=beta, **kw
    )
    assert (with_clip < 0.5 * np.asarray(without)).any()  # sharper by 2x somewhere
    assert (_excess(clipped.delta, with_clip) <= 0).all()
    free = Case(Regatti(4, 5, batch_size=2, clip=None), case.loss, case.radius)
    unclipped, _, _ = _run(free, "delayed-ncvx-workers", 0, 60, 150)
    np.testing.assert_array_equal(clipped.hits, unclipped.hits)  # same schedule
    # A clip that never triggers multiplies by exactly 1.0: the runs would be
    # bitwise equal. A relative change of 1e-3 is far above any rounding.
    change = np.abs(clipped.final - unclipped.final).max()
    assert change > 1e-3 * np.abs(unclipped.final).max()


def test_convex_theorem_refuses_the_clipped_schedule() -> None:
    """[D-cvx-W] is not declared for (b) with its clip, and its bound refuses one."""
    case = CASES["b-clipped-sigmoid"]
    assert "delayed-cvx-workers" not in applicable_theorems(case.protocol)[0]
    pairs, L, beta = _run(case, "delayed-ncvx-workers", 0, 60, 20)
    with pytest.raises(bounds.InvalidParameterError, match="clip"):
        _pathwise("delayed-cvx-workers", pairs, L, beta)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_recursion_bounds_the_mean_not_each_run(seed: int) -> None:
    """Level 2 bounds ``E delta_T`` (over the indices, given the schedule), not
    each run's ``delta_T``; the harness compares it with means only.

    Protocol (c) with period 1 (every worker arrives at every step, no delay:
    ``K_t = W``, drift 0), few steps and many samples: the expected number of
    hits per pair, ``W T / n = 0.04``, is small, so the level-2 bound
    ``(2 L / n) sum_t eta K_t`` (divided by ``L``: a bound on ``E delta``) is
    small, while a pair that is hit moves by about ``eta ||g(z) - g(z')||``.
    """
    protocol, R, n, T, P = Deng(4, 1, "fixed"), 1.0, 500, 5, 400
    loss = LOSSES["logistic"]
    L, beta = loss.lipschitz(R), loss.smoothness(R)
    ds = load_dataset(DATA, radius=R)
    eta = np.full(T, CONVEX_LOAD / (4 * beta))
    pairs = run_protocol_pairs(
        protocol,
        "logistic",
        ds.X,
        np.asarray(ds.y, dtype=np.float64),
        n_samples=n,
        n_pairs=P,
        step_sizes=eta,
        seed=seed,
    )
    theorem = THEOREMS["delayed-cvx-workers"]
    level2 = (
        np.asarray(
            bounds.recursion_bound(
                theorem,
                step_sizes=np.broadcast_to(eta, (P, T)),
                weights=pairs.weights,
                delays=pairs.delays,
                batch_size=1,
                n_samples=n,
                lipschitz=L,
                smoothness=beta,
            )
        )
        / L
    )
    delta = pairs.delta[:, -1]
    # Some runs exceed level 2: a per-run comparison would report false violations.
    assert (delta > level2).any()
    # Level 3 holds on each of them.
    assert (
        _excess(pairs.delta, _pathwise("delayed-cvx-workers", pairs, L, beta)) <= 0
    ).all()
    # The mean respects level 2: one-sided, the sample mean minus 3 standard
    # errors (a normal approximation over P = 400 independent pairs; a fixed
    # seed, so the outcome is reproducible) must not exceed the mean bound.
    se = delta.std(ddof=1) / np.sqrt(P)
    assert delta.mean() - 3 * se <= level2.mean()


@pytest.mark.parametrize("name", ["b-clipped-sigmoid", "c-random-logistic"])
def test_recorded_deltas_match_prefix_runs(name: str) -> None:
    """The one-pass segmented run records what separate runs of each prefix give.

    The reference draws the split, the delays and the positions from the same
    child streams of the seed (as ``pair_draws`` does) and runs
    :func:`run_protocol_linear` from ``w_1`` on the first ``t`` steps. Both do
    the same float64 operations in the same order, so they agree exactly.
    """
    case = CASES[name]
    key = _theorems(case)[0]
    seed, n, T = 3, 80, 60
    pairs, _, _ = _run(case, key, seed, n, T, n_pairs=5)
    ds = load_dataset(DATA, radius=case.radius)
    y = np.asarray(ds.y, dtype=np.float64)
    P = 5
    s_data, s_j, _, s_pos, s_delay = np.random.SeedSequence(seed).spawn(5)
    perm, j = pair_split(s_data, s_j, n_pairs=P, n_points=ds.n_points, n_samples=n)
    np.testing.assert_array_equal(j, pairs.replaced)
    rows = np.concatenate([perm[:, :n], perm[:, :n]])
    rows[P + np.arange(P), j] = perm[:, n]
    delays = case.protocol.setup(np.random.default_rng(s_delay), P, T)
    chunk = case.protocol.chunk(np.random.default_rng(s_pos), 1, T, n, delays)
    np.testing.assert_array_equal(chunk.weight, pairs.weights)
    w0 = np.zeros((P, ds.X.shape[1]))
    for r, t in enumerate(pairs.record_steps):
        part = Chunk(chunk.pos[:, :t], chunk.tau[:, :t], chunk.weight[:, :t])
        W = run_protocol_linear(
            case.loss, ds.X, y, rows, w0, part, pairs.step_sizes[:t], case.protocol.clip
        )
        np.testing.assert_array_equal(
            np.linalg.norm(W[:P] - W[P:], axis=1), pairs.delta[:, r]
        )
        if t == T:
            np.testing.assert_array_equal(W, pairs.final)
