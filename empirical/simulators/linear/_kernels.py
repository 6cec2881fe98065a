"""Fused numba loop of delayed SGD for the linear-model losses.

For ``f(w; (x, y)) = phi(w.x, y)`` the gradient is ``phi'(w.x, y) x``, so one
update of one replica is a dot product and an axpy. The kernel runs both replicas
of each coupled pair (``prange`` over pairs) through a block of steps, keeping the
last ``B = max_delay + 1`` iterates of each replica in a ring buffer
``ring[pair, run, t % B]`` (memory does not grow with ``T``). Index sequence,
delays and step sizes are precomputed arrays, so no randomness lives here.

``fastmath=False``: results must be reproducible and comparable with the numpy
path. Each dot product uses four interleaved partial sums (a fixed order, so still
deterministic) to break the dependency chain of one running sum; that order
differs from numpy's, hence the ``1e-12`` relative tolerance in the tests.

Projected SGD (``proj_r > 0``): after each update both replicas are projected
onto the Euclidean ball ``||w|| <= proj_r`` (``w <- w min(1, proj_r / ||w||)``),
the nearest point of the ball; the numpy path does the same.

Weighted average (``avg`` with ``d`` columns; projected runs): step ``t`` adds
``eta_t w_t`` of the run on ``S`` (``w_t`` the iterate the update starts from,
``w_1`` the initial point), so after ``K`` steps ``avg`` holds
``sum_{k=1}^K eta_k w_k``, the numerator of the output ``wbar_K`` of Deng et al.
2024, Theorem 3 (:mod:`empirical.measurement._excess`); ``avg`` with 0 columns skips it.

Losses are selected by :data:`LOSS_IDS`; the scalar ``phi'`` here repeats the
formulas of :mod:`empirical.problems._losses` (logistic, sigmoid, Huber, L2-logistic, least
squares); the L2 penalty's gradient ``reg * w`` is taken at the stale iterate too.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["LOSS_IDS", "delayed_sgd_linear", "final_stats_linear"]

LOSS_IDS: dict[str, int] = {
    "logistic": 0,
    "sigmoid": 1,
    "huber": 2,
    "logistic-l2": 3,  # logistic phi; the penalty (reg/2)||w||^2 is added apart
    "least-squares": 4,
}

#: ``||w|| > DIVERGED_NORM`` (or NaN/inf) counts as divergence.
DIVERGED_NORM = 1e150


@njit(cache=True, fastmath=False)
def _expit(z: float) -> float:
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True, fastmath=False)
def _dloss(loss_id: int, m: float, y: float, k: float) -> float:
    if loss_id == 0 or loss_id == 3:  # logistic: -y sigmoid(-y m)
        return -y * _expit(-y * m)
    if loss_id == 4:  # least squares
        return m - y
    if loss_id == 1:  # sigmoid loss: -y s (1 - s), s = sigmoid(-y m)
        s = _expit(-y * m)
        return -y * s * (1.0 - s)
    r = m - y  # Huber: clip(r, -k, k)
    return min(max(r, -k), k)


@njit(cache=True, fastmath=False)
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    d = a.shape[0]
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    q = d - d % 4
    for k in range(0, q, 4):
        s0 += a[k] * b[k]
        s1 += a[k + 1] * b[k + 1]
        s2 += a[k + 2] * b[k + 2]
        s3 += a[k + 3] * b[k + 3]
    for k in range(q, d):
        s0 += a[k] * b[k]
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, fastmath=False)
def _project(w: np.ndarray, radius: float) -> float:
    """Project ``w`` onto ``{||w|| <= radius}`` in place; return its new norm
    (NaN stays NaN, so divergence is still detected)."""
    nrm = math.sqrt(_dot(w, w))
    if nrm > radius and not math.isinf(nrm):
        scale = radius / nrm
        for k in range(w.shape[0]):
            w[k] *= scale
        return radius
    return nrm


@njit(parallel=True, fastmath=False, cache=True)
def delayed_sgd_linear(
    loss_id: int,
    loss_param: float,
    X: np.ndarray,  # (N, d) float64
    y: np.ndarray,  # (N,) float64
    x_norm: np.ndarray,  # (N,) float64 row norms of X
    train_idx: np.ndarray,  # (P, n) int64: rows of X forming S_p
    repl_row: np.ndarray,  # (P,) int64: row of X of z'_p
    j: np.ndarray,  # (P,) int64: position in S_p replaced in S'_p
    idx: np.ndarray,  # (P, T) int32: i_t
    tau: np.ndarray,  # (P, T) int32: effective delays
    eta: np.ndarray,  # (P, T) float64
    rec_slot: np.ndarray,  # (T,) int32: column of delta to fill after step t, or -1
    ring: np.ndarray,  # (P, 2, B, d) float64 state, w_t at slot t % B
    norm_bound: np.ndarray,  # (P, 2) float64 state: upper bound on ||w_t||
    t_start: int,  # first step (1-based) of this block
    t_stop: int,  # last step + 1
    delta: np.ndarray,  # (P, k) float64 out
    diverged: np.ndarray,  # (P,) int64 out: step of divergence, 0 if none
    proj_r: float,  # > 0: project every iterate onto the ball ||w|| <= proj_r
    reg: float,  # gamma of the penalty (gamma/2)||w||^2 (0: none)
    avg: np.ndarray,  # (P, d) or (P, 0) float64 state: sum_k eta_k w_k of the S run
) -> None:
    """Run steps ``t_start .. t_stop - 1`` of every pair in place (see module doc)."""
    P = ring.shape[0]
    B = ring.shape[2]
    d = ring.shape[3]
    track = avg.shape[1] > 0
    q = d - d % 4
    for p in prange(P):
        if diverged[p] != 0:
            continue
        rp = ring[p]
        for t in range(t_start, t_stop):
            s = t - 1
            i = idx[p, s]
            row0 = train_idx[p, i]
            row1 = repl_row[p] if i == j[p] else row0
            cur = t % B
            nxt = (t + 1) % B
            old = (t - tau[p, s]) % B
            x0 = X[row0]
            x1 = X[row1]
            # Both replicas at once: eight independent partial sums (four per dot
            # product, a fixed order) instead of one dependency chain.
            u0 = rp[0, old]
            u1 = rp[1, old]
            a0 = a1 = a2 = a3 = 0.0
            b0 = b1 = b2 = b3 = 0.0
            for k in range(0, q, 4):
                a0 += u0[k] * x0[k]
                a1 += u0[k + 1] * x0[k + 1]
                a2 += u0[k + 2] * x0[k + 2]
                a3 += u0[k + 3] * x0[k + 3]
                b0 += u1[k] * x1[k]
                b1 += u1[k + 1] * x1[k + 1]
                b2 += u1[k + 2] * x1[k + 2]
                b3 += u1[k + 3] * x1[k + 3]
            for k in range(q, d):
                a0 += u0[k] * x0[k]
                b0 += u1[k] * x1[k]
            m0 = (a0 + a1) + (a2 + a3)
            m1 = (b0 + b1) + (b2 + b3)
            # The stale iterates are read before w_{t+1} is written: when
            # tau = B - 1 both live in the same slot.
            e = eta[p, s]
            c0 = e * _dloss(loss_id, m0, y[row0], loss_param)
            c1 = e * _dloss(loss_id, m1, y[row1], loss_param)
            w0c = rp[0, cur]
            w1c = rp[1, cur]
            w0n = rp[0, nxt]
            w1n = rp[1, nxt]
            # eta_t w_t of the run on S, added before the update: with B = 1,
            # w_{t+1} overwrites w_t in the same slot.
            if track:
                ap = avg[p]
                for k in range(d):
                    ap[k] += e * w0c[k]
            if reg != 0.0:  # gradient of the penalty at the stale iterate
                er = e * reg
                for k in range(d):
                    w0n[k] = w0c[k] - c0 * x0[k] - er * u0[k]
                    w1n[k] = w1c[k] - c1 * x1[k] - er * u1[k]
            else:
                for k in range(d):
                    w0n[k] = w0c[k] - c0 * x0[k]
                    w1n[k] = w1c[k] - c1 * x1[k]
            if proj_r > 0.0:
                # Euclidean projection onto the ball: rescale when outside.
                nb0 = _project(w0n, proj_r)
                nb1 = _project(w1n, proj_r)
            else:
                # The triangle inequality gives a cheap bound on ||w_{t+1}||;
                # only when it is large (or NaN) is the true norm computed.
                nb0 = norm_bound[p, 0] + abs(c0) * x_norm[row0]
                nb1 = norm_bound[p, 1] + abs(c1) * x_norm[row1]
            if not (nb0 <= DIVERGED_NORM and nb1 <= DIVERGED_NORM):
                nb0 = math.sqrt(_dot(w0n, w0n))
                nb1 = math.sqrt(_dot(w1n, w1n))
                if not (nb0 <= DIVERGED_NORM and nb1 <= DIVERGED_NORM):
                    diverged[p] = t
                    break
            norm_bound[p, 0] = nb0
            norm_bound[p, 1] = nb1
            col = rec_slot[s]
            if col >= 0:
                acc = 0.0
                for k in range(d):
                    diff = w0n[k] - w1n[k]
                    acc += diff * diff
                delta[p, col] = math.sqrt(acc)


@njit(cache=True, fastmath=False)
def _phi(loss_id: int, m: float, y: float, k: float) -> float:
    if loss_id == 4:  # least squares
        return 0.5 * (m - y) * (m - y)
    if loss_id == 0 or loss_id == 3:  # logistic: log(1 + exp(z)), z = -y m
        z = -y * m
        return max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    if loss_id == 1:  # sigmoid loss
        return _expit(-y * m)
    r = abs(m - y)  # Huber
    return 0.5 * r * r if r <= k else k * (r - 0.5 * k)


@njit(parallel=True, fastmath=False, cache=True)
def final_stats_linear(
    loss_id: int,
    loss_param: float,
    X: np.ndarray,  # (N, d)
    y: np.ndarray,  # (N,) float64
    W: np.ndarray,  # (2P, d): runs on S_p in rows 0..P-1, on S'_p in rows P..2P-1
    perm: np.ndarray,  # (P, N) int64: [:n] = S_p, [n] = z'_p, [n+1:] = test set
    j: np.ndarray,  # (P,) int64
    n: int,
    out: np.ndarray,  # (5, P): train, test, train', test', probe_diff
    reg: float,  # gamma of the penalty (gamma/2)||w||^2 (0: none)
) -> None:
    """Per-pair losses of the final iterates (see ``RunStats``), in place."""
    P = perm.shape[0]
    N = perm.shape[1]
    for p in prange(P):
        v = np.empty(N)  # losses of w_T (S run) on perm[p, :]
        vp = np.empty(N)  # losses of w'_T (S' run)
        pen = 0.5 * reg * _dot(W[p], W[p])
        penp = 0.5 * reg * _dot(W[P + p], W[P + p])
        for q in range(N):
            row = perm[p, q]
            v[q] = _phi(loss_id, _dot(W[p], X[row]), y[row], loss_param) + pen
            vp[q] = _phi(loss_id, _dot(W[P + p], X[row]), y[row], loss_param) + penp
        jp = j[p]
        tr = 0.0
        trp = 0.0
        for q in range(n):
            tr += v[q]
            trp += vp[n] if q == jp else vp[q]  # S'_p holds z'_p at position j_p
        te = 0.0
        tep = 0.0
        probe = max(abs(v[jp] - vp[jp]), abs(v[n] - vp[n]))
        for q in range(n + 1, N):
            te += v[q]
            tep += vp[q]
            probe = max(probe, abs(v[q] - vp[q]))
        out[0, p] = tr / n
        out[1, p] = te / (N - n - 1)
        out[2, p] = trp / n
        out[3, p] = tep / (N - n - 1)
        out[4, p] = probe
