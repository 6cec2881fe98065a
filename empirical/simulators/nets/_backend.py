"""The compiled core of the JAX backend: many replicas, many steps, one program.

State: a ring buffer ``ring[(B, R, p)]`` of the last ``B = max_delay + 1`` flat
parameter vectors of all ``R`` replicas, ``w_t`` of every replica in slot ``t %
B``. Laid out step-major so that writing ``w_{t+1}`` is ONE contiguous ``(R, p)``
slab (``lax.dynamic_update_slice``), done in place by XLA inside ``lax.scan``.
Reads of stale iterates are a gather ``ring[(t - tau) % B, r]``. The stale reads
happen before the write, so ``tau = B - 1`` (same slot as ``w_{t+1}``) is safe,
as in the numba kernel (:mod:`empirical.simulators.linear._kernels`).

One step of every replica (see :mod:`empirical.schedules._protocols` for the update):
gather the stale iterates of the ``K`` contribution slots, take the mean gradient
of each slot's minibatch (``vmap`` over replicas and slots, ``jax.grad`` of the
minibatch mean loss), combine with the weights, clip, step, and project when the
model has a projection (``NetModel.project``). ``lax.scan`` runs ``L`` such
steps; the Python driver calls it once per chunk (between evaluations).

Replicas ``0..P-1`` run on ``S_p`` and ``P..2P-1`` on ``S'_p``; per-pair inputs
(positions, delays, weights, step sizes) are shared by both runs of a pair: the
coupling of docs/theory.md, "Setting".
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ._models import FlatModel, NetModel, flatten

__all__ = [
    "compiled_evaluate",
    "compiled_steps",
    "flat_model",
    "ring_from_flat",
    "ring_slot_flat",
]

#: Added to the norm before clipping, as in the published reference code.
CLIP_EPS = 1e-6

#: Rows per block when evaluating losses over many points (memory ``R x block x d``).
EVAL_BLOCK = 4096


@lru_cache(maxsize=32)
def flat_model(model: NetModel, dtype: str) -> FlatModel:
    """Cached :func:`~empirical.simulators.nets._models.flatten` (one compile per model)."""
    return flatten(model, dtype)


@lru_cache(maxsize=64)
def compiled_steps(
    model: NetModel,
    dtype: str,
    n_buffer: int,
    clip: float | None,
    masked: bool = False,
) -> Any:
    """A jitted ``(ring, t, X, y, rows, pos, tau, weight, eta) -> (ring, t)``.

    ``masked``: positions ``-1`` are padding (a shard pass's last, shorter
    minibatch, :mod:`empirical.schedules._sampling`): each slot's gradient is the
    mean over its real positions only, ``sum_i m_i grad f_i / max(1, sum_i m_i)``.
    Unmasked programs take the plain mean (the same numbers as before masks
    existed).

    Shapes: ``ring`` a tuple of arrays, one per leaf of the parameter pytree, each
    ``(B, R, *leaf_shape)`` (:func:`ring_from_flat`); ``t`` scalar int32 (the
    1-based step of the next update); ``X (N, d)``, ``y (N,)``; ``rows (R, n)``
    int32 data rows of each replica's training set; per-pair step inputs,
    step-major: ``pos (L, P, K, b)``, ``tau (L, P, K)``, ``weight (L, P, K)``,
    ``eta (L, P)``.
    """
    import jax
    import jax.numpy as jnp

    fm = flat_model(model, dtype)
    treedef = jax.tree_util.tree_structure(fm.unravel(jnp.zeros(fm.n_params, dtype)))
    B = n_buffer

    def batch_loss(params: Any, xb: Any, yb: Any, mb: Any) -> Any:
        per = jax.vmap(fm.tree_loss, in_axes=(None, 0, 0))(params, xb, yb)
        if not masked:
            return jnp.mean(per)
        m = mb.astype(per.dtype)
        return jnp.sum(per * m) / jnp.maximum(jnp.sum(m), 1.0)

    # vmap over slots k, then over replicas r.
    grads = jax.vmap(jax.vmap(jax.grad(batch_loss)))
    # The model's projection, per replica (both runs of a pair project).
    project = None if model.project is None else jax.vmap(model.project)

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
        R = ring[0].shape[1]
        ridx = jnp.arange(R)
        zero = jnp.zeros((), t.dtype)  # one index type, with or without x64

        def two(a: Any) -> Any:  # per-pair input -> per-replica input
            return jnp.concatenate([a, a], axis=0)

        def body(carry: Any, xs: Any) -> Any:
            ring, t = carry
            p_pos, p_tau, p_w, p_eta = xs
            slots = (t - two(p_tau)) % B  # (R, K)
            stale = jax.tree_util.tree_unflatten(
                treedef, [leaf[slots, ridx[:, None]] for leaf in ring]
            )
            r_pos = two(p_pos)  # (R, K, b); -1: padding (masked programs only)
            data_rows = rows[ridx[:, None, None], jnp.maximum(r_pos, 0)]
            g = jax.tree_util.tree_leaves(
                grads(stale, X[data_rows], y[data_rows], r_pos >= 0)
            )
            w = two(p_w).astype(g[0].dtype)
            u = [jnp.einsum("rk,rk...->r...", w, gl) for gl in g]
            if clip is not None:
                sq = sum(jnp.sum(ul.reshape(R, -1) ** 2, axis=1) for ul in u)
                scale = jnp.minimum(1.0, clip / (jnp.sqrt(sq) + CLIP_EPS))
                u = [ul * scale.reshape((R,) + (1,) * (ul.ndim - 1)) for ul in u]
            e = two(p_eta).astype(g[0].dtype)
            nxt = (t + 1) % B
            news = [
                jax.lax.dynamic_index_in_dim(leaf, t % B, keepdims=False)
                - e.reshape((R,) + (1,) * (ul.ndim - 1)) * ul
                for leaf, ul in zip(ring, u, strict=True)
            ]
            if project is not None:  # after every step, every replica
                tree = jax.tree_util.tree_unflatten(treedef, news)
                news = jax.tree_util.tree_leaves(project(tree))
            new_ring = []
            for leaf, new in zip(ring, news, strict=True):
                idx = (nxt,) + (zero,) * (leaf.ndim - 1)
                new_ring.append(jax.lax.dynamic_update_slice(leaf, new[None], idx))
            return (tuple(new_ring), t + 1), None

        (ring, t), _ = jax.lax.scan(body, (tuple(ring), t), (pos, tau, weight, eta))
        return ring, t

    return jax.jit(run, donate_argnums=(0,))


def ring_from_flat(model: NetModel, dtype: str, W: Any, n_buffer: int) -> Any:
    """A ring (tuple of leaves ``(B, R, ...)``) holding flat ``W (R, p)`` in slot 1 % B."""
    import jax
    import jax.numpy as jnp

    fm = flat_model(model, dtype)
    leaves = jax.tree_util.tree_leaves(jax.vmap(fm.unravel)(jnp.asarray(W, dtype)))
    return tuple(
        jnp.zeros((n_buffer, *a.shape), dtype).at[1 % n_buffer].set(a) for a in leaves
    )


def ring_slot_flat(ring: Any, slot: int) -> Any:
    """The flat ``(R, p)`` parameters in ``slot`` of a ring (leaf order = ravel order)."""
    import jax.numpy as jnp

    R = ring[0].shape[1]
    return jnp.concatenate([leaf[slot].reshape(R, -1) for leaf in ring], axis=1)


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
    user = callable(model.loss)

    def one(theta: Any, x: Any, y: Any) -> Any:
        out = fm.predict(theta, x)
        margin = logistic or (user and out.ndim == 0)  # a scalar output: its sign
        wrong = (jnp.sign(out) != y) if margin else (jnp.argmax(out) != y)
        return fm.loss_fn(theta, x, y), wrong.astype(out.dtype)

    per = jax.vmap(jax.vmap(one, in_axes=(None, 0, 0)), in_axes=(0, 0, 0))

    def evaluate(W: Any, X: Any, y: Any, rows: Any) -> Any:
        m = rows.shape[1]
        if m <= EVAL_BLOCK:
            loss, err = per(W, X[rows], y[rows])
            return loss.mean(axis=1), err.mean(axis=1)
        # Blocks of EVAL_BLOCK rows (the last one padded and masked), so that
        # 60,000 training images of every replica are never gathered at once.
        nb = -(-m // EVAL_BLOCK)
        pad = nb * EVAL_BLOCK - m
        idx = jnp.pad(rows, ((0, 0), (0, pad))).reshape(rows.shape[0], nb, -1)
        live = (jnp.arange(nb * EVAL_BLOCK) < m).reshape(nb, -1)

        def block(acc: Any, k: Any) -> Any:
            r = idx[:, k]
            loss, err = per(W, X[r], y[r])
            keep = live[k].astype(loss.dtype)
            return (acc[0] + loss @ keep, acc[1] + err @ keep), None

        zero = jnp.zeros(rows.shape[0], W.dtype)
        (tot_l, tot_e), _ = jax.lax.scan(block, (zero, zero), jnp.arange(nb))
        return tot_l / m, tot_e / m

    return jax.jit(evaluate)
