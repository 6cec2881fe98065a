"""The two backends of the coupled-pair simulator and the inputs they share.

:class:`Draws` holds every random input of a batch of coupled runs; the numba
path (fused kernel of :mod:`empirical.simulators.linear._kernels`, linear losses) and the numpy
path (any loss; the reference) turn them into final iterates and divergences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from empirical.problems._losses import Huber, LinearLoss
from empirical.problems._problem import Problem

from ._kernels import DIVERGED_NORM, LOSS_IDS, delayed_sgd_linear

__all__ = ["Draws", "final_losses", "run_numba", "run_numpy"]


@dataclass(frozen=True, eq=False)
class Draws:
    """The random inputs of coupled runs; every backend (and the test reference)
    uses these. :func:`~empirical.simulators.linear._simulate.simulate_draws` runs any such set,
    e.g. one data set ``S`` with chosen replaced indices (the worst-case search)."""

    perm: NDArray[np.int64]  # (P, N): rows of X; [:n] = S_p, [n] = z'_p, [n+1:] = test
    j: NDArray[np.int64]  # (P,)
    idx: NDArray[np.int32]  # (P, T): i_t, 0-based
    delays: NDArray[np.int64]  # (P, T): effective delays
    w0: NDArray[np.float64]  # (P, p): initial point of pair p (both runs)


def _ball_radius(problem: Problem) -> float:
    """Radius ``D/2`` of the projection ball, or 0 (no projection)."""
    return 0.0 if problem.diameter is None else problem.diameter / 2.0


#: What a backend returns: final iterates ``(2P, p)`` (the P runs on ``S``,
#: then the P runs on ``S'``), divergences ``(P, len(rec))`` at the recorded
#: steps, and per pair the step at which it diverged (0: never).
RunResult = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]


def _sizes(problem: Problem, dr: Draws) -> tuple[int, int, int, int]:
    """``(P, T, n, B)``: pairs, steps, training samples, and ring-buffer slots
    ``B = max delay + 1`` (the iterates a delayed gradient can still read)."""
    P, T = dr.idx.shape
    return P, T, problem.n_samples, int(dr.delays.max()) + 1


def run_numba(
    problem: Problem,
    dr: Draws,
    eta: NDArray[np.float64],
    rec: NDArray[np.int64],
    blocks: list[tuple[int, int]],
    bar: Any,
    average: NDArray[np.float64] | None = None,
) -> RunResult:
    """The fused kernel; ``average`` (``(P, p)``, in place) receives
    ``sum_k eta_k w_k`` of each run on ``S`` (see :func:`run_numpy`)."""
    ds, loss = problem.dataset, problem.loss
    P, T, n, B = _sizes(problem, dr)
    avg = np.zeros((P, 0)) if average is None else average
    y = np.asarray(ds.y, dtype=np.float64)
    x_norm = np.sqrt(np.einsum("ij,ij->i", ds.X, ds.X))
    ring = np.zeros((P, 2, B, problem.dim))
    ring[:, :, 1 % B, :] = dr.w0[:, None, :]
    norm_bound = np.repeat(np.linalg.norm(dr.w0, axis=1)[:, None], 2, axis=1)
    rec_slot = np.full(T, -1, dtype=np.int32)
    rec_slot[rec - 1] = np.arange(len(rec), dtype=np.int32)
    delta = np.zeros((P, len(rec)))
    diverged = np.zeros(P, dtype=np.int64)
    param = loss.threshold if isinstance(loss, Huber) else 0.0
    tau32 = dr.delays.astype(np.int32)
    train_idx = np.ascontiguousarray(dr.perm[:, :n])
    repl = np.ascontiguousarray(dr.perm[:, n])
    for t0, t1 in blocks:
        delayed_sgd_linear(
            LOSS_IDS[loss.name],
            param,
            ds.X,
            y,
            x_norm,
            train_idx,
            repl,
            dr.j,
            dr.idx,
            tau32,
            eta,
            rec_slot,
            ring,
            norm_bound,
            t0,
            t1,
            delta,
            diverged,
            _ball_radius(problem),
            float(getattr(loss, "reg", 0.0)),
            avg,
        )
        bar.update(t1 - t0)
        if diverged.any():
            break
    final = ring[:, :, (T + 1) % B, :]
    return np.concatenate([final[:, 0], final[:, 1]]), delta, diverged


def run_numpy(
    problem: Problem,
    dr: Draws,
    eta: NDArray[np.float64],
    rec: NDArray[np.int64],
    blocks: list[tuple[int, int]],
    bar: Any,
    average: NDArray[np.float64] | None = None,
) -> RunResult:
    """The reference path (any loss).

    ``average`` (``(P, p)``, zeros on entry, filled in place): step ``t`` adds
    ``eta_t w_t`` of the run on ``S``, ``w_t`` the iterate the step starts from
    (``w_1`` the initial point), so it ends as ``sum_{k=1}^T eta_k w_k``.
    """
    ds, loss = problem.dataset, problem.loss
    P, T, n, B = _sizes(problem, dr)
    pairs = np.arange(P)
    reps = np.arange(2 * P)
    ring = np.zeros((B, 2 * P, problem.dim))  # rows: P runs on S, then P runs on S'
    ring[1 % B] = np.concatenate([dr.w0, dr.w0])
    col = {int(s): c for c, s in enumerate(rec)}
    delta = np.zeros((P, len(rec)))
    diverged = np.zeros(P, dtype=np.int64)
    radius = _ball_radius(problem)
    for t0, t1 in blocks:
        for t in range(t0, t1):
            if average is not None:  # eta_t w_t, read before w_{t+1} is written
                average += eta[:, t - 1, None] * ring[t % B, :P]
            i = dr.idx[:, t - 1]
            a = dr.perm[pairs, i]
            b = np.where(i == dr.j, dr.perm[:, n], a)
            rows = np.concatenate([a, b])
            old = np.tile((t - dr.delays[:, t - 1]) % B, 2)
            g = loss.grad(ring[old, reps], ds.X[rows], ds.y[rows])
            new = ring[t % B] - np.tile(eta[:, t - 1], 2)[:, None] * g
            sq = np.einsum("rp,rp->r", new, new)
            if radius > 0:  # projection onto the ball ||w|| <= radius
                nrm = np.sqrt(sq)
                out = (nrm > radius) & np.isfinite(nrm)
                new[out] *= (radius / nrm[out])[:, None]
                sq = np.where(out, radius**2, sq)
            bad = ~(sq <= DIVERGED_NORM**2)
            if bad.any():
                diverged[(bad[:P] | bad[P:]) & (diverged == 0)] = t
                break
            ring[(t + 1) % B] = new
            if t in col:
                diff = new[:P] - new[P:]
                delta[:, col[t]] = np.sqrt(np.einsum("rp,rp->r", diff, diff))
        bar.update(t1 - t0)
        if diverged.any():
            break
    return ring[(T + 1) % B], delta, diverged


def final_losses(
    problem: Problem, dr: Draws, W: NDArray[np.float64]
) -> tuple[NDArray[np.float64], ...]:
    ds, loss = problem.dataset, problem.loss
    P, n = len(dr.j), problem.n_samples
    if isinstance(loss, LinearLoss):  # one BLAS product for every replica
        vals = loss.phi(W @ ds.X.T, np.asarray(ds.y, np.float64)[None, :])
        if loss.reg:
            vals = vals + loss.penalty(W)[:, None]
    else:
        N = ds.n_points
        vals = np.concatenate(
            [
                loss.value(
                    W[r : r + 2],
                    np.broadcast_to(ds.X, (2, N, ds.n_features)),
                    np.broadcast_to(ds.y, (2, N)),
                )
                for r in range(0, 2 * P, 2)
            ]
        )
    v, vp = vals[:P], vals[P:]  # runs on S, runs on S'
    rows = np.arange(P)[:, None]
    train_rows = dr.perm[:, :n]
    train_prime = train_rows.copy()
    train_prime[np.arange(P), dr.j] = dr.perm[:, n]
    test_rows = dr.perm[:, n + 1 :]
    probe = np.concatenate(
        [test_rows, train_rows[np.arange(P), dr.j][:, None], dr.perm[:, n : n + 1]],
        axis=1,
    )
    return (
        v[rows, train_rows].mean(axis=1),
        v[rows, test_rows].mean(axis=1),
        vp[rows, train_prime].mean(axis=1),
        vp[rows, test_rows].mean(axis=1),
        np.abs(v[rows, probe] - vp[rows, probe]).max(axis=1),
    )
