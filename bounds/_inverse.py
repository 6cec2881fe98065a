"""Inverse questions: the largest step size (or ``c``) and the smallest ``n``
for which a bound stays below a target gap.

Closed form where the bound is a polynomial of degree <= 2 in the unknown
(sympy solves it once per theorem, cached); otherwise a robust scalar search: a
log-spaced scan brackets the last crossing, then Brent's method refines it
(``scipy.optimize.brentq``), so non-monotone bounds are handled too.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import sympy as sp
from scipy.optimize import brentq

from ._errors import InvalidParameterError
from ._symbols import SYMBOL
from ._theorem import Theorem
from ._validation import check_positive

__all__ = ["InverseSolution", "max_step_size", "min_samples"]

_SCAN = np.logspace(-12, 12, 241)


@dataclass(frozen=True)
class InverseSolution:
    """Answer of an inverse question.

    Attributes:
        parameter: which argument was solved for (``step_size``, ``c``, ``n_samples``).
        value: the answer (``inf`` when every value works).
        binding: ``"target"`` (the bound equals the target there),
            ``"condition"`` (the theorem's step-size condition is the limit) or
            ``"unbounded"``.
        method: ``"closed form"`` or ``"numeric"``.
        theorem: key of the theorem.
    """

    parameter: str
    value: float
    binding: Literal["target", "condition", "unbounded"]
    method: Literal["closed form", "numeric"]
    theorem: str

    def __float__(self) -> float:
        return float(self.value)


def _symbolic_root(theorem: Theorem, unknown: str) -> Callable[..., Any] | None:
    return _symbolic_root_cached(theorem.key, unknown)


@functools.cache
def _symbolic_root_cached(key: str, unknown: str) -> Callable[..., Any] | None:
    from ._registry import REGISTRY

    theorem = REGISTRY[key]
    x = SYMBOL[unknown]
    try:
        poly = sp.Poly(theorem.expr, x)
    except sp.PolynomialError:
        return None
    if poly.degree() not in (1, 2):
        return None
    # Coefficients (highest first) as compiled functions of the other parameters;
    # the root is then the closed-form formula of a linear or quadratic equation.
    args = [SYMBOL[k] for k in theorem.accepted]
    coeff_fns = [sp.lambdify(args, a, modules="math") for a in poly.all_coeffs()]

    def root(*vals: float, target: float) -> float:
        coeffs = [float(f(*vals)) for f in coeff_fns]
        coeffs[-1] -= target
        while len(coeffs) > 1 and coeffs[0] == 0.0:
            coeffs.pop(0)  # e.g. the eta^2 term of [D-cvx] vanishes at tau = 0
        if len(coeffs) == 1:
            return math.inf if coeffs[0] <= 0 else math.nan
        if len(coeffs) == 2:
            return -coeffs[1] / coeffs[0]
        a, b, c = coeffs
        # a > 0, c < 0: one positive root; the cancellation-free form of it.
        return (2 * -c) / (b + math.sqrt(b * b - 4 * a * c))

    return root


def _optimal_split_only(theorem: Theorem, values: dict[str, Any]) -> None:
    """Inverse questions take a target *gap*: only bounds on the gap qualify."""
    from ._quantity import Quantity

    if theorem.quantity not in (
        Quantity.UNIFORM_STABILITY,
        Quantity.GENERALIZATION_GAP,
    ):
        raise InvalidParameterError(
            f"theorem={theorem.key!r} must bound the generalization gap for a target "
            f"gap: it bounds {theorem.quantity.label} (use deng-gen for [DSL-cvx])"
        )
    if "gamma_split" in values:
        raise InvalidParameterError(
            f"gamma_split={float(values['gamma_split'])!r} must be omitted: the inverse "
            f"questions of {theorem.key} use the optimal gamma"
        )


def _log_bound(
    theorem: Theorem, unknown: str, values: dict[str, Any]
) -> Callable[[float], float]:
    fixed = {k: v for k, v in values.items() if k != unknown}

    def f(x: float) -> float:
        return float(
            theorem._log_fn(
                *[x if k == unknown else fixed[k] for k in theorem.accepted]
            )
        )

    return f


def max_step_size(
    theorem: Theorem, target_gap: float, **params: Any
) -> InverseSolution:
    """Largest ``step_size`` (constant schedules) or ``c`` (``c/t`` schedules) for
    which ``theorem`` stays at or below ``target_gap``, within its conditions.

    Args:
        theorem: the bound.
        target_gap: the target (> 0).
        **params: every other parameter of the theorem.

    Returns:
        :class:`InverseSolution`; ``binding="condition"`` when the step-size
        condition (e.g. ``eta <= 2/beta``) is reached before the target.

    Raises:
        InvalidParameterError: bad input, or no admissible value exists (the
            message says what the bound's smallest value is).

    Examples:
        >>> from bounds import THEOREMS
        >>> s = THEOREMS["hardt-cvx"].max_step_size(0.04, n_samples=500,
        ...     n_steps=1000, lipschitz=1, smoothness=1)
        >>> round(s.value, 12), s.binding
        (0.01, 'target')
    """
    target = check_positive(target_gap, "target_gap")
    unknown = theorem.step_parameter
    if unknown in params:
        raise InvalidParameterError(
            f"{unknown}={params[unknown]!r} must not be given: it is the unknown"
        )
    # validate everything else with a placeholder value for the unknown
    values = dict(theorem.validate({**params, unknown: 1e-300}))
    _optimal_split_only(theorem, values)
    limit = theorem.step_size_limit(**values)
    log_target = math.log(target)
    if SYMBOL[unknown] not in theorem.expr.free_symbols:
        log_b = _log_bound(theorem, unknown, values)(1.0)
        if log_b > log_target:
            raise InvalidParameterError(
                f"target_gap={target_gap!r} is below {theorem.key}'s value "
                f"{math.exp(log_b):.6g}, which does not depend on {unknown}"
            )
        return _finish(theorem, unknown, limit, math.inf, "closed form")
    root_fn = _symbolic_root(theorem, unknown)
    if root_fn is not None:
        args = [float(values[k]) if k != unknown else 0.0 for k in theorem.accepted]
        return _finish(
            theorem, unknown, limit, root_fn(*args, target=target), "closed form"
        )
    f = _log_bound(theorem, unknown, values)
    return _finish(
        theorem,
        unknown,
        limit,
        _largest_below(f, log_target, unknown, theorem),
        "numeric",
    )


def _finish(
    theorem: Theorem, unknown: str, limit: float, root: float, method: Any
) -> InverseSolution:
    if root >= limit:
        if math.isinf(limit):
            return InverseSolution(unknown, math.inf, "unbounded", method, theorem.key)
        return InverseSolution(unknown, limit, "condition", method, theorem.key)
    return InverseSolution(unknown, root, "target", method, theorem.key)


def _largest_below(
    f: Callable[[float], float], log_target: float, unknown: str, theorem: Theorem
) -> float:
    """Largest x in [1e-12, 1e12] with f(x) <= log_target (inf if all are)."""
    vals = np.array([f(x) for x in _SCAN])
    ok = vals <= log_target
    if not ok.any():
        raise InvalidParameterError(
            f"no {unknown} in [1e-12, 1e12] brings {theorem.key} below "
            f"target_gap={math.exp(log_target):.6g} (its smallest value there is "
            f"{math.exp(vals.min()):.6g})"
        )
    last = int(np.flatnonzero(ok)[-1])
    if last == len(_SCAN) - 1:
        return math.inf
    lo, hi = _SCAN[last], _SCAN[last + 1]
    return float(brentq(lambda x: f(x) - log_target, lo, hi, xtol=1e-15, rtol=1e-13))


def min_samples(theorem: Theorem, target_gap: float, **params: Any) -> InverseSolution:
    """Smallest ``n_samples`` for which ``theorem`` stays at or below ``target_gap``.

    Raises:
        InvalidParameterError: bad input, or no ``n_samples <= 1e15`` reaches the
            target (e.g. the delay term of [D-cvx], which does not vanish with n).

    Examples:
        >>> from bounds import THEOREMS
        >>> THEOREMS["hardt-cvx"].min_samples(0.04, n_steps=1000, step_size=0.01,
        ...     lipschitz=1, smoothness=1).value
        500.0
    """
    target = check_positive(target_gap, "target_gap")
    if "n_samples" in params:
        raise InvalidParameterError(
            f"n_samples={params['n_samples']!r} must not be given: it is the unknown"
        )
    values = dict(theorem.validate({**params, "n_samples": 2}))
    _optimal_split_only(theorem, values)
    f = _log_bound(theorem, "n_samples", values)
    log_target = math.log(target)
    # f(n) is evaluated exactly at integers; scan a log grid, then bisect integers.
    grid = np.unique(np.round(np.logspace(math.log10(2), 15, 300)))
    ok = np.array([f(float(n)) <= log_target for n in grid])
    if not ok.any():
        floor = math.exp(f(1e15))
        raise InvalidParameterError(
            f"no n_samples <= 1e15 brings {theorem.key} below target_gap={target_gap!r} "
            f"(at n = 1e15 it is {floor:.6g}; a term that does not vanish with n?)"
        )
    first = int(np.flatnonzero(ok)[0])
    if first == 0:
        return InverseSolution("n_samples", 2.0, "target", "numeric", theorem.key)
    lo, hi = int(grid[first - 1]), int(grid[first])  # f(lo) > target >= f(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if f(float(mid)) <= log_target:
            hi = mid
        else:
            lo = mid
    return InverseSolution("n_samples", float(hi), "target", "numeric", theorem.key)
