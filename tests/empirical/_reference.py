"""A slow, independent reference of the coupled-pair simulator, for tests only.

Written as the model reads in docs/theory.md ("Setting"): one model at a time, a Python loop over
steps, the full list of past iterates (``hist[k]`` is ``w_{k+1}``), and its own
scalar formulas for the linear losses (the MLP uses the loss's own per-sample
gradient, which tests/empirical/problems/test_losses.py checks by finite differences).
It shares with the simulator only the random inputs (``_draw``: data split,
replaced index, index sequence, delays, start), so any disagreement points at the
dynamics, the coupling, the ring buffer or the final statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bounds._schedules import resolve_step_sizes
from empirical.problems._losses import (
    MLP,
    Huber,
    LeastSquares,
    Logistic,
    RegLogistic,
    Sigmoid,
)
from empirical.problems._problem import Problem
from empirical.schedules._delays import AbstractDelay
from empirical.simulators.linear._simulate import _draw


def _sig(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    return math.exp(z) / (1.0 + math.exp(z))


def _scalar_loss(loss: Any, m: float, y: float) -> tuple[float, float]:
    """(phi(m, y), phi'(m, y)) for the linear losses, from docs/theory.md, "Losses with exact constants"."""
    if isinstance(loss, LeastSquares):
        return 0.5 * (m - y) ** 2, m - y
    if isinstance(loss, Logistic | RegLogistic):  # penalty added by the callers
        z = -y * m
        value = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
        return value, -y * _sig(z)
    if isinstance(loss, Sigmoid):
        s = _sig(-y * m)
        return s, -y * s * (1.0 - s)
    assert isinstance(loss, Huber)
    k, r = loss.threshold, m - y
    value = 0.5 * r * r if abs(r) <= k else k * (abs(r) - 0.5 * k)
    return value, min(max(r, -k), k)


def ref_value(
    loss: Any, w: NDArray[np.float64], x: NDArray[np.float64], y: Any
) -> float:
    if isinstance(loss, MLP):
        return float(loss.value(w[None], x[None, None], np.array([[y]]))[0, 0])
    m = sum(float(a) * float(b) for a, b in zip(w, x, strict=True))
    pen = 0.5 * loss.reg * sum(float(a) * float(a) for a in w)
    return _scalar_loss(loss, m, float(y))[0] + pen


def ref_grad(loss: Any, w: NDArray[np.float64], x: NDArray[np.float64], y: Any) -> Any:
    if isinstance(loss, MLP):
        return loss.grad(w[None], x[None], np.array([y]))[0]
    m = sum(float(a) * float(b) for a, b in zip(w, x, strict=True))
    return _scalar_loss(loss, m, float(y))[1] * x + loss.reg * w


def _project(w: NDArray[np.float64], diameter: float | None) -> NDArray[np.float64]:
    """Nearest point of the ball ``||w|| <= diameter / 2`` (identity without one)."""
    if diameter is None:
        return w
    r = math.sqrt(sum(float(v) * float(v) for v in w))
    return w if r <= diameter / 2 else w * (diameter / 2 / r)


@dataclass
class RefStats:
    delta: NDArray[np.float64]  # (n_pairs, n_steps): delta after t updates, t = 1..T
    delays: NDArray[np.int64]
    hits: NDArray[np.bool_]
    train_loss: NDArray[np.float64]
    test_loss: NDArray[np.float64]
    train_loss_prime: NDArray[np.float64]
    test_loss_prime: NDArray[np.float64]
    probe_diff: NDArray[np.float64]


def reference_pairs(
    problem: Problem,
    *,
    step_size: Any,
    delay: AbstractDelay,
    n_steps: int,
    n_pairs: int,
    seed: int,
) -> RefStats:
    dr = _draw(problem, delay, n_steps, n_pairs, seed)
    eta = resolve_step_sizes(step_size, n_steps=n_steps, delays=dr.delays)
    X, Y, loss, n = (
        problem.dataset.X,
        problem.dataset.y,
        problem.loss,
        problem.n_samples,
    )
    out: dict[str, list[Any]] = {k: [] for k in RefStats.__dataclass_fields__}
    for p in range(n_pairs):
        S = [int(r) for r in dr.perm[p, :n]]
        z_new = int(dr.perm[p, n])
        S_prime = list(S)
        S_prime[int(dr.j[p])] = z_new
        test = [int(r) for r in dr.perm[p, n + 1 :]]
        finals, hists, hit_row = [], [], []
        for rows in (S, S_prime):
            hist = [dr.w0[p].copy()]
            for t in range(1, n_steps + 1):
                tau = int(dr.delays[p, t - 1])
                assert 0 <= tau <= t - 1  # effective delay: index t - tau >= 1
                z = rows[int(dr.idx[p, t - 1])]
                g = ref_grad(loss, hist[t - 1 - tau], X[z], Y[z])
                hist.append(_project(hist[-1] - eta[p, t - 1] * g, problem.diameter))
            hists.append(hist)
            finals.append(hist[-1])
        for t in range(1, n_steps + 1):
            hit_row.append(S[int(dr.idx[p, t - 1])] != S_prime[int(dr.idx[p, t - 1])])
        out["delta"].append(
            [
                float(np.linalg.norm(hists[0][t] - hists[1][t]))
                for t in range(1, n_steps + 1)
            ]
        )
        out["delays"].append(dr.delays[p])
        out["hits"].append(hit_row)
        w, wp = finals
        out["train_loss"].append(np.mean([ref_value(loss, w, X[z], Y[z]) for z in S]))
        out["test_loss"].append(np.mean([ref_value(loss, w, X[z], Y[z]) for z in test]))
        out["train_loss_prime"].append(
            np.mean([ref_value(loss, wp, X[z], Y[z]) for z in S_prime])
        )
        out["test_loss_prime"].append(
            np.mean([ref_value(loss, wp, X[z], Y[z]) for z in test])
        )
        probe = [*test, S[int(dr.j[p])], z_new]
        out["probe_diff"].append(
            max(
                abs(ref_value(loss, w, X[z], Y[z]) - ref_value(loss, wp, X[z], Y[z]))
                for z in probe
            )
        )
    return RefStats(**{k: np.array(v) for k, v in out.items()})


def plain_sgd(
    problem: Problem,
    w0: NDArray[np.float64],
    rows: list[int],
    idx: NDArray[np.int32],
    eta: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Synchronous SGD ``w <- w - eta_t grad f(w; z_{i_t})``, no history at all."""
    X, Y, loss = problem.dataset.X, problem.dataset.y, problem.loss
    w = w0.copy()
    for t in range(len(idx)):
        z = rows[int(idx[t])]
        w = w - eta[t] * ref_grad(loss, w, X[z], Y[z])
    return w
