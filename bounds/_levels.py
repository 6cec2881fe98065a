"""Levels 2 and 3 of every registered bound, whichever proof it comes from.

:func:`recursion_bound` and :func:`pathwise_bound` dispatch on
``Theorem.recursion``: the uniform-stability recursions of part 1 live in
``_recursion.py``, the sums of Deng et al. 2024 in ``_deng.py``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from . import _recursion
from ._deng import deng_recursion_bound, no_pathwise_level
from ._errors import InvalidParameterError
from ._parameters import Value
from ._theorem_like import TheoremLike
from ._typecheck import checked
from ._workers import workers_pathwise_bound, workers_recursion_bound

#: Recursion kinds of the part-3 theorems (``_workers.py``).
_WORKERS = ("workers_convex", "workers_nonconvex")

__all__ = ["pathwise_bound", "recursion_bound"]


@functools.cache
def _keywords(function: Callable[..., Any]) -> tuple[str, ...]:
    """The keyword arguments ``function`` takes after the theorem."""
    return tuple(inspect.signature(function).parameters)[1:]


def _checked(
    function: Callable[..., Any], theorem: TheoremLike, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """``kwargs``, or an error naming the first argument ``function`` does not take.

    A misspelt name (``step_size=`` for ``step_sizes=``) is refused rather than
    dropped, with the names the theorem's recursion accepts.
    """
    accepted = _keywords(function)
    for name, value in kwargs.items():
        if name not in accepted:
            raise InvalidParameterError(
                f"{name}={value!r} is not an argument of the recursion of "
                f"{theorem.key}; it accepts {', '.join(accepted)}"
            )
    return kwargs


@checked
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
        function: Callable[..., Any] = deng_recursion_bound
    elif theorem.recursion in _WORKERS:
        function = workers_recursion_bound
    else:
        function = _recursion.recursion_bound
    return function(theorem, **_checked(function, theorem, kwargs))


@checked
def pathwise_bound(theorem: TheoremLike, **kwargs: Any) -> Any:
    """Level 3: a deterministic bound on ``delta_t`` of realised coupled runs.

    See :func:`bounds._recursion.pathwise_bound` for the arguments.

    Raises:
        InvalidParameterError: the theorem's proof gives no pathwise bound
            (the [DSL-*] theorems), or a bad argument.
    """
    if theorem.recursion == "deng":
        raise no_pathwise_level(theorem)
    function: Callable[..., Any] = (
        workers_pathwise_bound
        if theorem.recursion in _WORKERS
        else _recursion.pathwise_bound
    )
    return function(theorem, **_checked(function, theorem, kwargs))
