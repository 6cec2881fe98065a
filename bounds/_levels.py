"""Levels 2 and 3 of every registered bound, whichever proof it comes from.

:func:`recursion_bound` and :func:`pathwise_bound` dispatch on
``Theorem.recursion``: the uniform-stability recursions of part 1 live in
``_recursion.py``, the sums of Deng et al. 2024 in ``_deng.py``.
"""

from __future__ import annotations

from typing import Any

from . import _recursion
from ._deng import deng_recursion_bound, no_pathwise_level
from ._parameters import Value
from ._theorem_like import TheoremLike
from ._workers import workers_pathwise_bound, workers_recursion_bound

#: Recursion kinds of the part-3 theorems (``_workers.py``).
_WORKERS = ("workers_convex", "workers_nonconvex")

__all__ = ["pathwise_bound", "recursion_bound"]


def recursion_bound(theorem: TheoremLike, **kwargs: Any) -> Value:
    """Level 2: the proof's recursion (or sums) on the actual ``eta_t``, ``tau_t``.

    The part-3 theorems ([D-ncvx-W], [D-cvx-W]) take those of
    :func:`bounds._workers.workers_recursion_bound` (a schedule of ``weights`` and
    ``delays`` of shape ``(..., T, K)``, ``batch_size``, ``clip``). Part 1 theorems
    take the arguments of :func:`bounds._recursion.recursion_bound`
    (``step_sizes``, ``delays``, ``n_samples``, ``lipschitz``, ``smoothness``,
    ``loss_bound``, ``strong_convexity``); the [DSL-*] theorems those of
    :func:`bounds._deng.deng_recursion_bound` (``diameter``, ``optimal_risk``,
    ``train_loss``, ``train_losses`` for the data-dependent form B.4, ...).

    Examples:
        >>> import numpy as np
        >>> from bounds import THEOREMS
        >>> round(recursion_bound(THEOREMS["hardt-cvx"], step_sizes=np.full(1000, 0.01),
        ...       n_samples=500, lipschitz=1.0, smoothness=1.0), 12)
        0.04
    """
    if theorem.recursion == "deng":
        return deng_recursion_bound(theorem, **kwargs)
    if theorem.recursion in _WORKERS:
        return workers_recursion_bound(theorem, **kwargs)
    return _recursion.recursion_bound(theorem, **kwargs)


def pathwise_bound(theorem: TheoremLike, **kwargs: Any) -> Any:
    """Level 3: a deterministic bound on ``delta_t`` of realised coupled runs.

    See :func:`bounds._recursion.pathwise_bound` for the arguments.

    Raises:
        InvalidParameterError: the theorem's proof gives no pathwise bound
            (the [DSL-*] theorems), or a bad argument.
    """
    if theorem.recursion == "deng":
        raise no_pathwise_level(theorem)
    if theorem.recursion in _WORKERS:
        return workers_pathwise_bound(theorem, **kwargs)
    return _recursion.pathwise_bound(theorem, **kwargs)
