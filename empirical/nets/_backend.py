"""The compiled core of the JAX backend: many replicas, many steps, one program.

State: a ring buffer ``ring[(B, R, p)]`` of the last ``B = max_delay + 1`` flat
parameter vectors of all ``R`` replicas, ``w_t`` of every replica in slot ``t %
B``. Laid out step-major so that writing ``w_{t+1}`` is ONE contiguous ``(R, p)``
slab (``lax.dynamic_update_slice``), done in place by XLA inside ``lax.scan``.
Reads of stale iterates are a gather ``ring[(t - tau) % B, r]``. The stale reads
happen before the write, so ``tau = B - 1`` (same slot as ``w_{t+1}``) is safe,
as in the numba kernel (:mod:`empirical._kernels`).

One step of every replica (see :mod:`empirical.nets._protocols` for the update):
gather the stale iterates of the ``K`` contribution slots, take the mean gradient
of each slot's minibatch (``vmap`` over replicas and slots, ``jax.grad`` of the
minibatch mean loss), combine with the weights, clip, and step. ``lax.scan`` runs
``L`` such steps; the Python driver calls it once per chunk (between evaluations).

Replicas ``0..P-1`` run on ``S_p`` and ``P..2P-1`` on ``S'_p``; per-pair inputs
(positions, delays, weights, step sizes) are shared by both runs of a pair: the
coupling of THEORY.md, "Setting".
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ._models import FlatModel, NetModel, flatten

__all__ = ["compiled_evaluate", "compiled_steps", "flat_model"]

#: Added to the norm before clipping, as in the published reference code.
CLIP_EPS = 1e-6


@lru_cache(maxsize=32)
def flat_model(model: NetModel, dtype: str) -> FlatModel:
    """Cached :func:`~empirical.nets._models.flatten` (one compile per model)."""
    return flatten(model, dtype)


@lru_cache(maxsize=64)
def compiled_steps(
    model: NetModel, dtype: str, n_buffer: int, clip: float | None
) -> Any:
    """A jitted ``(ring, t, X, y, rows, pos, tau, weight, eta) -> (ring, t)``.

    Shapes: ``ring (B, R, p)``; ``t`` scalar int32 (the 1-based step of the next
    update); ``X (N, d)``, ``y (N,)``; ``rows (R, n)`` int32 data rows of each
    replica's training set; per-pair step inputs, step-major: ``pos (L, P, K,
    b)``, ``tau (L, P, K)``, ``weight (L, P, K)``, ``eta (L, P)``.
    """
    import jax
    import jax.numpy as jnp

    fm = flat_model(model, dtype)
    B = n_buffer

    def batch_loss(theta: Any, xb: Any, yb: Any) -> Any:
        return jnp.mean(jax.vmap(fm.loss_fn, in_axes=(None, 0, 0))(theta, xb, yb))

    # vmap over slots k, then over replicas r.
    grads = jax.vmap(jax.vmap(jax.grad(batch_loss)))

    def run(
        ring: Any,
        t: Any,
        X: Any,
        y: Any,
        rows: Any,
        pos: Any,
        tau: Any,
        weight: Any,
        eta: Any,
    ) -> Any:
        R = ring.shape[1]
        ridx = jnp.arange(R)

        def two(a: Any) -> Any:  # per-pair input -> per-replica input
            return jnp.concatenate([a, a], axis=0)

        def body(carry: Any, xs: Any) -> Any:
            ring, t = carry
            p_pos, p_tau, p_w, p_eta = xs
            slots = (t - two(p_tau)) % B  # (R, K)
            theta = ring[slots, ridx[:, None]]  # (R, K, p)
            data_rows = rows[ridx[:, None, None], two(p_pos)]  # (R, K, b)
            g = grads(theta, X[data_rows], y[data_rows])  # (R, K, p)
            u = jnp.einsum("rk,rkp->rp", two(p_w).astype(g.dtype), g)
            if clip is not None:
                norm = jnp.sqrt(jnp.sum(u * u, axis=1, keepdims=True))
                u = u * jnp.minimum(1.0, clip / (norm + CLIP_EPS))
            new = ring[t % B] - two(p_eta)[:, None].astype(u.dtype) * u
            zero = jnp.zeros((), t.dtype)  # one index type, with or without x64
            ring = jax.lax.dynamic_update_slice(
                ring, new[None], ((t + 1) % B, zero, zero)
            )
            return (ring, t + 1), None

        (ring, t), _ = jax.lax.scan(body, (ring, t), (pos, tau, weight, eta))
        return ring, t

    return jax.jit(run, donate_argnums=(0,))


@lru_cache(maxsize=32)
def compiled_evaluate(model: NetModel, dtype: str) -> Any:
    """A jitted ``(W, X, y, rows) -> (loss, error)``, each ``(R,)``.

    ``W (R, p)`` parameters, ``rows (R, m)`` data rows over which replica ``r`` is
    averaged. The error is the 0-1 loss (argmax for cross-entropy, sign for the
    logistic margin).
    """
    import jax
    import jax.numpy as jnp

    fm = flat_model(model, dtype)
    logistic = model.loss == "logistic"

    def one(theta: Any, x: Any, y: Any) -> Any:
        out = fm.predict(theta, x)
        wrong = (jnp.sign(out) != y) if logistic else (jnp.argmax(out) != y)
        return fm.loss_fn(theta, x, y), wrong.astype(out.dtype)

    per = jax.vmap(jax.vmap(one, in_axes=(None, 0, 0)), in_axes=(0, 0, 0))

    def evaluate(W: Any, X: Any, y: Any, rows: Any) -> Any:
        loss, err = per(W, X[rows], y[rows])
        return loss.mean(axis=1), err.mean(axis=1)

    return jax.jit(evaluate)
