"""The top Hessian eigenvalue of a network's training loss, by power iteration.

``lambda_max`` of the Hessian of ``F_S(w) = (1/n) sum_i f(w; z_i)`` at ``w``:
power iteration on Hessian-vector products (forward-over-reverse,
``jax.jvp`` of ``jax.grad``), never forming the Hessian. It feeds the curvature
heuristic of the delay question's stability edge: delayed gradient descent on a
direction of curvature ``lambda`` with delay ``tau`` is stable only when
``eta lambda < 2 sin(pi / (2 (2 tau + 1)))``
(:func:`~empirical.runs._edge.heuristic_edge`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ._backend import flat_model
from ._models import NetModel

__all__ = ["POWER_ITERATIONS", "top_hessian_eigenvalue"]

#: Power iterations per estimate: the Rayleigh quotient converges like
#: ``(lambda_2 / lambda_1)^(2k)``; 20 iterations from a random start give the top
#: eigenvalue to a few per cent when the top two are 20% apart, and from below
#: otherwise (a Rayleigh quotient never exceeds ``lambda_max``).
POWER_ITERATIONS = 20


@lru_cache(maxsize=16)
def _hvp(model: NetModel, dtype: str) -> Any:
    import jax
    import jax.numpy as jnp

    fm = flat_model(model, dtype)

    def loss(theta: Any, X: Any, y: Any) -> Any:
        return jnp.mean(jax.vmap(fm.loss_fn, in_axes=(None, 0, 0))(theta, X, y))

    def hvp(theta: Any, v: Any, X: Any, y: Any) -> Any:
        return jax.jvp(lambda t: jax.grad(loss)(t, X, y), (theta,), (v,))[1]

    return jax.jit(hvp)


def top_hessian_eigenvalue(
    model: NetModel,
    theta: Any,
    X: Any,
    y: Any,
    *,
    dtype: str = "float32",
    iterations: int = POWER_ITERATIONS,
    seed: int = 0,
) -> float:
    """``v^T H v`` after ``iterations`` power steps: the top eigenvalue of the
    training loss's Hessian at the flat parameters ``theta`` (largest in absolute
    value; the Rayleigh quotient keeps its sign).

    Examples:
        >>> import jax.numpy as jnp
        >>> from empirical.simulators.nets._models import affine
        >>> m = affine(2, 2)  # a linear model: its curvature does not depend on w
        >>> X = jnp.array([[1.0, 0.0], [0.0, 1.0]])
        >>> lam = top_hessian_eigenvalue(m, jnp.zeros(6), X, jnp.array([0, 1]))
        >>> lam > 0
        True
    """
    import jax.numpy as jnp

    hvp = _hvp(model, dtype)
    rng = np.random.default_rng(seed)
    v = jnp.asarray(rng.standard_normal(theta.shape[-1]), dtype=theta.dtype)
    v = v / jnp.linalg.norm(v)
    lam = 0.0
    for _ in range(iterations):
        hv = hvp(theta, v, X, y)
        lam = float(jnp.vdot(v, hv))
        norm = float(jnp.linalg.norm(hv))
        if not np.isfinite(norm) or norm == 0.0:
            break
        v = hv / norm
    return lam
