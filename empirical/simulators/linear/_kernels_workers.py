"""Numba kernel of the worker protocols (b) and (c) for the linear-model losses.

The update of :mod:`empirical.schedules._protocols`, for ``f(w; (x, y)) = phi(w.x, y)``:

.. math::  w_{t+1} = w_t - \\eta_t \\operatorname{clip}_c\\Big(\\sum_k a_{t,k}
   \\frac{1}{b} \\sum_{i \\in I_{t,k}} \\phi'(w_{t - \\tau_{t,k}} \\cdot x_i, y_i) x_i\\Big)

with ``clip_c(u) = u min(1, c / (||u|| + 10^-6))`` (``c <= 0``: no clipping).
Both runs of each coupled pair (``prange`` over pairs) share the positions,
delays, weights and step sizes; iterates live in a ring buffer ``ring[pair, run,
t % B]`` as in :mod:`empirical.simulators.linear._kernels`, whose scalar ``phi'`` this reuses.
Protocol (a) is the existing kernel (:func:`empirical.simulators.linear._kernels.delayed_sgd_linear`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from ._kernels import LOSS_IDS, _dloss

__all__ = ["protocol_sgd_linear", "run_protocol_linear"]

#: Added to the norm before clipping, as in the published reference code.
CLIP_EPS = 1e-6


@njit(parallel=True, fastmath=False, cache=True)
def protocol_sgd_linear(
    loss_id: int,
    loss_param: float,
    X: np.ndarray,  # (N, d) float64
    y: np.ndarray,  # (N,) float64
    rows: np.ndarray,  # (2P, n) int64: data rows of each run's training set
    pos: np.ndarray,  # (P, T, K, b) int32 positions
    tau: np.ndarray,  # (P, T, K) int32 effective delays
    weight: np.ndarray,  # (P, T, K) float64
    eta: np.ndarray,  # (T,) float64
    clip: float,  # <= 0: no clipping
    ring: np.ndarray,  # (P, 2, B, d) float64 state, w_t at slot t % B
) -> None:
    """Run all ``T`` steps of every pair in place (see module doc)."""
    P, T, K, b = pos.shape
    B = ring.shape[2]
    d = ring.shape[3]
    for p in prange(P):
        u = np.empty(d)
        for run in range(2):
            r = p + run * P
            rr = ring[p, run]
            for t in range(1, T + 1):
                s = t - 1
                u[:] = 0.0
                for k in range(K):
                    a = weight[p, s, k]
                    if a == 0.0:
                        continue
                    w_old = rr[(t - tau[p, s, k]) % B]
                    for q in range(b):
                        row = rows[r, pos[p, s, k, q]]
                        m = 0.0
                        for c in range(d):
                            m += w_old[c] * X[row, c]
                        g = a * _dloss(loss_id, m, y[row], loss_param) / b
                        for c in range(d):
                            u[c] += g * X[row, c]
                scale = eta[s]
                if clip > 0.0:
                    nrm = 0.0
                    for c in range(d):
                        nrm += u[c] * u[c]
                    scale *= min(1.0, clip / (math.sqrt(nrm) + CLIP_EPS))
                cur = rr[t % B]
                nxt = rr[(t + 1) % B]
                for c in range(d):
                    nxt[c] = cur[c] - scale * u[c]


def run_protocol_linear(
    loss_name: str,
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    rows: NDArray[np.int64],
    w0: NDArray[np.float64],
    chunk: Any,
    eta: NDArray[np.float64],
    clip: float | None,
    *,
    loss_param: float = 0.0,
) -> NDArray[np.float64]:
    """Final iterates ``(2P, d)`` of a protocol schedule (one :class:`Chunk` of all
    ``T`` steps) on a linear loss; runs ``r < P`` on ``S``, ``r >= P`` on ``S'``."""

    P, T = chunk.tau.shape[:2]
    B = int(chunk.tau.max()) + 1
    ring = np.zeros((P, 2, B, X.shape[1]))
    ring[:, :, 1 % B, :] = w0[:, None, :]
    protocol_sgd_linear(
        LOSS_IDS[loss_name],
        loss_param,
        np.ascontiguousarray(X, dtype=np.float64),
        np.ascontiguousarray(y, dtype=np.float64),
        np.ascontiguousarray(rows, dtype=np.int64),
        np.ascontiguousarray(chunk.pos, dtype=np.int32),
        np.ascontiguousarray(chunk.tau, dtype=np.int32),
        np.ascontiguousarray(chunk.weight, dtype=np.float64),
        np.ascontiguousarray(eta, dtype=np.float64),
        -1.0 if clip is None else float(clip),
        ring,
    )
    final = ring[:, :, (T + 1) % B, :]
    return np.concatenate([final[:, 0], final[:, 1]])
