"""Delayed SGD on coupled pairs of neighbouring data sets, all replicas at once.

Model (docs/theory.md, "Setting"): ``w_{t+1} = w_t - eta_t grad f(w_{t - tau_t}; z_{i_t})``
for ``t = 1..T``, ``i_t`` uniform on the ``n`` training points, iterates with index
``< 1`` are the initial point ``w_1``; so the *effective* delay is
``min(tau_t, t - 1)``, and that is what :class:`RunStats` records.

Coupling: pair ``p`` draws a random permutation of the data set; its first ``n``
points are ``S_p``, the next one is the replacement ``z'_p``, the rest are the
pair's test set. ``S'_p`` is ``S_p`` with position ``j_p`` replaced by ``z'_p``.
Both runs of a pair share the initial point, the index sequence ``i_t``, the
delays and the step sizes; they differ only at steps with ``i_t == j_p`` (hits).

Projected SGD: when the problem has a ``diameter`` ``D``, every iterate is
projected onto the ball ``||w|| <= D/2`` (centred at the initial point 0 of the
linear models), ``w_{t+1} = Pi(w_t - eta_t grad f(w_{t - tau_t}; z_{i_t}))``; the
projection is 1-Lipschitz, so every pathwise bound of :mod:`bounds` still holds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from tqdm import tqdm

from bounds import InvalidParameterError, resolve_step_sizes
from bounds.internal import (
    StepSizeLike,
    check_choice,
    check_int,
    check_int_array,
    checked,
)
from empirical.problems._data import pair_split
from empirical.problems._losses import Huber, LinearLoss
from empirical.problems._problem import Problem
from empirical.schedules._delays import AbstractDelay

from ._kernels import DIVERGED_NORM, LOSS_IDS, final_stats_linear
from ._runners import Draws, final_losses, run_numba, run_numpy
from ._schedule_record import ContributionSchedule

__all__ = [
    "BACKENDS",
    "DivergenceError",
    "RunStats",
    "default_record_steps",
    "simulate_draws",
    "simulate_pairs",
]

BACKENDS = ("auto", "numpy", "numba")


class DivergenceError(InvalidParameterError):
    """The iterates became non-finite or exceeded ``||w|| > 1e150``."""


@dataclass(frozen=True, eq=False)
class RunStats:
    """Statistics of ``n_pairs`` coupled runs (no trajectories are stored).

    ``delta[:, k]`` is ``||w - w'||`` after ``record_steps[k]`` updates. Train losses
    are each run's mean loss on its own training set (``S_p`` for the run on ``S``,
    ``S'_p`` for the run on ``S'``); test losses use the pair's test set.
    ``probe_diff`` is ``max |f(w_T; z) - f(w'_T; z)|`` over the test set plus
    ``z_{j_p}`` and ``z'_p``. ``max_delay`` is the delay model's ``tau``, or the
    realised maximum effective delay when the model has no bound.
    ``average_iterates`` (projected runs only, else ``None``) holds, per pair, the
    output ``wbar_T = sum_{k=1}^T eta_k w_k / sum_k eta_k`` of the run on ``S``
    (Deng et al. 2024, Theorem 3; ``w_1`` the initial point, ``w_k`` the iterate
    step ``k`` starts from, so the final ``w_{T+1}`` is not in it). ``starts``
    holds each pair's ``w_1`` (both runs of a pair start there), for the bound on
    ``||w_1 - w*||`` of the data-dependent bounds. ``schedule`` (runs of a
    worker protocol only, else ``None``) holds the realised contributions of
    every step, which the part-3 bounds read; ``delays`` and ``hits`` are then per
    step (the largest delay of the step's contributions; any slot hit).
    """

    problem: Problem
    n_pairs: int
    n_steps: int
    seed: int
    backend: str
    max_delay: int
    record_steps: NDArray[np.int64]
    delta: NDArray[np.float64]
    delays: NDArray[np.int64]
    step_sizes: NDArray[np.float64]
    hits: NDArray[np.bool_]
    train_loss: NDArray[np.float64]
    test_loss: NDArray[np.float64]
    train_loss_prime: NDArray[np.float64]
    test_loss_prime: NDArray[np.float64]
    probe_diff: NDArray[np.float64]
    final_iterates: NDArray[np.float64] | None = None
    average_iterates: NDArray[np.float64] | None = None
    starts: NDArray[np.float64] | None = None
    schedule: ContributionSchedule | None = None


def _draw(problem: Problem, delay: AbstractDelay, T: int, P: int, seed: int) -> Draws:
    # Separate child streams, so that changing the delay model (say, sweeping tau)
    # leaves the data split, the replaced index, the start and the index sequence
    # unchanged: sweeps compare runs that differ only in what is swept.
    s_data, s_j, s_init, s_idx, s_delay = np.random.SeedSequence(seed).spawn(5)
    n, N = problem.n_samples, problem.dataset.n_points
    perm, j = pair_split(s_data, s_j, n_pairs=P, n_points=N, n_samples=n)
    rng_init = np.random.default_rng(s_init)
    w0 = np.stack([problem.loss.init(problem.dim, rng_init) for _ in range(P)])
    if problem.diameter is not None:  # projected SGD starts inside its ball
        nrm = np.linalg.norm(w0, axis=1)
        out = nrm > problem.diameter / 2
        w0[out] *= (problem.diameter / 2 / nrm[out])[:, None]
    idx = np.random.default_rng(s_idx).integers(0, n, size=(P, T), dtype=np.int32)
    raw = delay.sample(np.random.default_rng(s_delay), T, P)
    eff = np.minimum(raw, np.arange(T, dtype=np.int64)[None, :])
    return Draws(perm=perm, j=j, idx=idx, delays=eff, w0=w0)


def default_record_steps(n_steps: int, k: int = 40) -> NDArray[np.int64]:
    """About ``k`` log-spaced distinct steps in ``[1, n_steps]``, ``n_steps`` included.

    Examples:
        >>> default_record_steps(10, k=4)
        array([ 1,  2,  5, 10])
    """
    steps = np.unique(np.round(np.geomspace(1, n_steps, k)).astype(np.int64))
    return np.union1d(steps, [n_steps]).astype(np.int64)


@checked
def simulate_pairs(
    problem: Problem,
    *,
    step_size: StepSizeLike,
    delay: AbstractDelay,
    n_steps: int,
    n_pairs: int,
    seed: int,
    record_steps: ArrayLike | None = None,
    backend: str = "auto",
    progress: bool = False,
) -> RunStats:
    """Run ``n_pairs`` coupled pairs of delayed SGD and return their statistics.

    Args:
        problem: data set, loss and constants (:func:`~empirical.problems._problem.make_problem`).
        step_size: a float, a schedule of :mod:`bounds._schedules`, a callable
            ``t -> eta_t`` or an array; resolved against the effective delays by
            :func:`bounds._schedules.resolve_step_sizes`.
        delay: a delay model of :mod:`empirical.schedules._delays`.
        n_steps: number of updates ``T``.
        n_pairs: number of coupled pairs (``2 * n_pairs`` replicas).
        seed: everything is reproducible from it (and ``n_pairs``).
        record_steps: steps in ``[1, T]`` at which ``delta`` is recorded; sorted and
            deduplicated, ``T`` added if missing. Default :func:`default_record_steps`.
        backend: ``"numba"`` (fused kernel, linear losses), ``"numpy"`` (any
            loss; the reference) or ``"auto"`` (numba for linear losses).
        progress: show a tqdm bar.

    Raises:
        InvalidParameterError: an invalid argument.
        DivergenceError: the iterates blew up (names the step, step size, delay).

    Examples:
        >>> from empirical.problems._problem import make_problem
        >>> from empirical.schedules._delays import UniformDelay
        >>> pr = make_problem("logistic", "breast_cancer", n_samples=100)
        >>> st = simulate_pairs(pr, step_size=0.5, delay=UniformDelay(4), n_steps=200,
        ...                     n_pairs=8, seed=0)
        >>> st.delta.shape[0], int(st.record_steps[-1]), bool((st.delta >= 0).all())
        (8, 200, True)
    """
    if not isinstance(problem, Problem):
        raise InvalidParameterError(f"problem={problem!r} must be a Problem")
    if not isinstance(delay, AbstractDelay):
        raise InvalidParameterError(f"delay={delay!r} must be a delay model")
    T = check_int(n_steps, "n_steps", min_value=1)
    P = check_int(n_pairs, "n_pairs", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    dr = _draw(problem, delay, T, P, seed)
    return simulate_draws(
        problem,
        dr,
        step_size=step_size,
        max_delay=delay.max_delay,
        seed=seed,
        record_steps=record_steps,
        backend=backend,
        progress=progress,
    )


@checked
def simulate_draws(
    problem: Problem,
    draws: Draws,
    *,
    step_size: StepSizeLike,
    max_delay: int | None,
    seed: int = 0,
    record_steps: ArrayLike | None = None,
    backend: str = "auto",
    progress: bool = False,
) -> RunStats:
    """Run the coupled pairs given by ``draws`` (see :func:`simulate_pairs`).

    ``max_delay`` is the delay model's bound (``None``: unbounded; the realised
    maximum is recorded); ``seed`` is recorded only. Any :class:`Draws` is
    accepted: :func:`simulate_pairs` draws them at random, the worst-case search
    of :mod:`empirical.measurement._worst_case` builds them around one data set.

    Raises:
        InvalidParameterError: an invalid argument.
        DivergenceError: the iterates blew up (names the step, step size, delay).
    """
    P, T = draws.idx.shape
    dr = draws
    check_choice(backend, "backend", BACKENDS)
    linear = isinstance(problem.loss, LinearLoss)
    if backend == "numba" and not linear:
        raise InvalidParameterError(
            f"backend='numba' supports the linear losses only, not loss={problem.loss.name!r}"
        )
    use = (
        "numba"
        if backend == "auto" and linear
        else ("numpy" if backend == "auto" else backend)
    )
    if record_steps is None:
        rec = default_record_steps(T)
    else:
        rec = np.unique(check_int_array(record_steps, "record_steps", min_value=1))
        if rec[-1] > T:
            raise InvalidParameterError(
                f"record_steps={rec[-1]} must be <= n_steps={T}"
            )
        rec = np.union1d(rec, [T]).astype(np.int64)

    eta = np.ascontiguousarray(
        resolve_step_sizes(step_size, n_steps=T, delays=dr.delays)
    )
    hits = dr.idx == dr.j[:, None]
    n_blocks = 100 if progress else 1
    edges = np.unique(np.linspace(1, T + 1, n_blocks + 1).astype(np.int64))
    blocks = [(int(a), int(b)) for a, b in itertools.pairwise(edges)]

    with tqdm(total=T, disable=not progress, desc="delayed SGD", unit="step") as bar:
        run = run_numba if use == "numba" else run_numpy
        # the weighted average of Deng et al.'s Theorem 3, for projected runs only
        avg = None if problem.diameter is None else np.zeros((P, problem.dim))
        W, delta, diverged = run(problem, dr, eta, rec, blocks, bar, avg)
    if diverged.any():
        p = int(np.flatnonzero(diverged)[np.argmin(diverged[diverged > 0])])
        t = int(diverged[p])
        raise DivergenceError(
            f"run diverged at step t={t} (pair {p}): ||w|| > {DIVERGED_NORM:g} or not "
            f"finite, with step_size={float(eta[p, t - 1])!r} and delay tau_t="
            f"{int(dr.delays[p, t - 1])} (max_delay={max_delay}); "
            "reduce the step size"
        )
    if use == "numba":
        out = np.empty((5, P))
        loss = problem.loss
        final_stats_linear(
            LOSS_IDS[loss.name],
            loss.threshold if isinstance(loss, Huber) else 0.0,
            problem.dataset.X,
            np.asarray(problem.dataset.y, dtype=np.float64),
            np.ascontiguousarray(W),
            dr.perm,
            dr.j,
            problem.n_samples,
            out,
            float(getattr(loss, "reg", 0.0)),
        )
        tr, te, trp, tep, probe = out
    else:
        tr, te, trp, tep, probe = final_losses(problem, dr, W)
    tau = max_delay if max_delay is not None else int(dr.delays.max())
    return RunStats(
        problem=problem,
        n_pairs=P,
        n_steps=T,
        seed=seed,
        backend=use,
        max_delay=tau,
        record_steps=rec,
        delta=delta,
        delays=dr.delays,
        step_sizes=eta,
        hits=hits,
        train_loss=tr,
        test_loss=te,
        train_loss_prime=trp,
        test_loss_prime=tep,
        probe_diff=probe,
        final_iterates=np.asarray(W),
        average_iterates=None if avg is None else avg / eta.sum(axis=1)[:, None],
        starts=np.asarray(dr.w0, dtype=np.float64),
    )
