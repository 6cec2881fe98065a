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
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import sympy as sp

from ._closed_form import log_fn
from ._codegen import argument_symbols, log_lambdify
from ._conditions import step_size_limit, validate
from ._errors import InvalidParameterError
from ._parameters import format_value, is_normal, validate_parameter
from ._quantity import Quantity
from ._symbols import SYMBOL
from ._theorem_like import TheoremLike
from ._typecheck import checked
from ._validation import check_positive

__all__ = ["InverseSolution", "max_step_size", "min_samples"]

_SCAN = np.logspace(-12, 12, 241)
_LN10 = math.log(10.0)
_LOG_MAX = math.log(sys.float_info.max)


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


def _symbolic_root(theorem: TheoremLike, unknown: str) -> Callable[..., Any] | None:
    """The closed-form root in ``unknown`` of ``bound = target``, or None."""
    return _symbolic_root_cached(
        theorem.expr, argument_symbols(theorem), SYMBOL[unknown]
    )


@functools.cache
def _symbolic_root_cached(
    expr: sp.Expr, args: tuple[sp.Symbol, ...], x: sp.Symbol
) -> Callable[..., Any] | None:
    """Solved once per expression (sympy expressions are hashable)."""
    try:
        poly = sp.Poly(expr, x)
    except sp.PolynomialError:
        return None
    if poly.degree() not in (1, 2):
        return None
    # Coefficients (highest first), each as a log-space function of the other
    # parameters: the root is then found without forming a product that could
    # overflow (L^2 T at L = 1e300) or a discriminant (b^2 + 4 a t at t = 1e305).
    coeff_fns = [log_lambdify(args, a) for a in poly.all_coeffs()]
    if any(f is None for f in coeff_fns):
        return None
    coeffs_log = cast(list[Callable[..., Any]], coeff_fns)

    def log_root(*vals: float, log_target: float) -> float | None:
        """log of the positive root of ``bound(x) = target``; None: not solvable
        in closed form (a negative coefficient); ``inf``: every x works."""
        signs, logs = zip(
            *[(float(s), float(lg)) for s, lg in (f(*vals) for f in coeffs_log)],
            strict=True,
        )
        if any(sg < 0 or math.isnan(sg) for sg in signs):
            return None
        *lead, l0 = logs
        if signs[-1] > 0:  # a term that does not depend on x
            if l0 >= log_target:
                return -math.inf  # no x > 0 brings the bound below the target
            log_target += math.log1p(-math.exp(l0 - log_target))
        if len(lead) == 1:  # b x = t
            return log_target - lead[0]
        la, lb = lead
        # a x^2 + b x = t, a, b >= 0: x = 2 t / (b + sqrt(b^2 + 4 a t)) (no
        # cancellation), all of it in logs.
        log_sqrt = 0.5 * np.logaddexp(2 * lb, math.log(4) + la + log_target)
        return float(math.log(2) + log_target - np.logaddexp(lb, log_sqrt))

    return log_root


def _optimal_split_only(theorem: TheoremLike, values: dict[str, Any]) -> None:
    """Inverse questions take a target *gap*: only bounds on the gap qualify."""
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
    theorem: TheoremLike, unknown: str, values: Mapping[str, Any]
) -> Callable[[Any], Any]:
    """``x -> log(bound)`` with the other arguments fixed; a float for a float
    ``x``, an array for an array (the closed form broadcasts)."""
    fixed = {k: v for k, v in values.items() if k != unknown}
    names = theorem.accepted
    log_bound = log_fn(theorem)

    def f(x: Any) -> Any:
        out = log_bound(*[x if k == unknown else fixed[k] for k in names])
        return float(out) if np.ndim(x) == 0 else np.asarray(out, dtype=np.float64)

    return f


@checked
def max_step_size(
    theorem: TheoremLike, target_gap: float, **params: Any
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
    values = _scalars(validate(theorem, {**params, unknown: 1e-300}), "max_step_size")
    _optimal_split_only(theorem, values)
    limit = step_size_limit(theorem, **values)
    log_target = math.log(target)
    if SYMBOL[unknown] not in theorem.expr.free_symbols:
        log_b = _log_bound(theorem, unknown, values)(1.0)
        if log_b > log_target:
            raise InvalidParameterError(
                f"target_gap={target_gap!r} is below {theorem.key}'s value "
                f"{format_value(log_b / _LN10)}, which does not depend on {unknown}"
            )
        return _finish(theorem, unknown, limit, math.inf, "closed form", target_gap)
    root_fn = _symbolic_root(theorem, unknown)
    if root_fn is not None:
        args = [float(values[k]) if k != unknown else 0.0 for k in theorem.accepted]
        log_root = root_fn(*args, log_target=log_target)
        if log_root is not None:
            if log_root == -math.inf:
                raise InvalidParameterError(
                    f"target_gap={target_gap!r} is below {theorem.key}'s value as "
                    f"{unknown} -> 0, so no {unknown} reaches it"
                )
            return _finish(theorem, unknown, limit, log_root, "closed form", target_gap)
    f = _log_bound(theorem, unknown, values)
    root = _largest_below(f, log_target, unknown, theorem)
    return _finish(theorem, unknown, limit, math.log(root), "numeric", target_gap)


def _scalars(values: Mapping[str, Any], what: str) -> dict[str, float]:
    """The validated arguments as floats; an inverse question takes no arrays."""
    for k, v in values.items():
        if np.ndim(v) != 0:
            raise InvalidParameterError(
                f"{k}={np.asarray(v).tolist()!r} must be a scalar: {what} answers one "
                "question at a time (loop over the values, or use the CLI's --grid)"
            )
    return {k: float(v) for k, v in values.items()}


def _finish(
    theorem: TheoremLike,
    unknown: str,
    limit: float,
    log_root: float,
    method: Any,
    target_gap: Any,
) -> InverseSolution:
    """The answer from the log of the root, compared with the condition's limit."""
    if limit > 0 and log_root >= math.log(limit):
        if math.isinf(limit):
            return InverseSolution(unknown, math.inf, "unbounded", method, theorem.key)
        return InverseSolution(unknown, limit, "condition", method, theorem.key)
    root = math.exp(log_root) if log_root < _LOG_MAX else math.inf
    if not is_normal(root):
        raise InvalidParameterError(
            f"{unknown} for target_gap={target_gap!r} is "
            f"{format_value(log_root / _LN10)}, outside the float64 range"
        )
    return InverseSolution(unknown, root, "target", method, theorem.key)


def _largest_below(
    f: Callable[[Any], Any], log_target: float, unknown: str, theorem: TheoremLike
) -> float:
    """Largest x in [1e-12, 1e12] with f(x) <= log_target (inf if all are)."""
    vals = f(_SCAN)  # the closed form broadcasts: one call for the whole scan
    ok = vals <= log_target
    if not ok.any():
        raise InvalidParameterError(
            f"no {unknown} in [1e-12, 1e12] brings {theorem.key} below "
            f"target_gap={format_value(log_target / _LN10)} (its smallest value "
            f"there is {format_value(float(vals.min()) / _LN10)})"
        )
    last = int(np.flatnonzero(ok)[-1])
    if last == len(_SCAN) - 1:
        return math.inf
    lo, hi = _SCAN[last], _SCAN[last + 1]
    # imported here: scipy loads in about 0.3 s, and only this question needs it
    from scipy.optimize import brentq

    return float(brentq(lambda x: f(x) - log_target, lo, hi, xtol=1e-15, rtol=1e-13))


@checked
def min_samples(
    theorem: TheoremLike, target_gap: float, **params: Any
) -> InverseSolution:
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
    # A minibatch needs n >= batch_size: the search starts there.
    smallest = max(
        2, int(float(validate_parameter("batch_size", params.get("batch_size", 1))))
    )
    values = _scalars(
        validate(theorem, {**params, "n_samples": smallest}), "min_samples"
    )
    _optimal_split_only(theorem, values)
    f = _log_bound(theorem, "n_samples", values)
    log_target = math.log(target)
    # f(n) is evaluated exactly at integers; scan a log grid, then bisect integers.
    grid = np.unique(
        np.round(np.logspace(math.log10(smallest), 15, 300)).clip(min=smallest)
    )
    ok = f(grid) <= log_target  # one vectorised call over the scan
    if not ok.any():
        floor = format_value(f(1e15) / _LN10)
        raise InvalidParameterError(
            f"no n_samples <= 1e15 brings {theorem.key} below target_gap={target_gap!r} "
            f"(at n = 1e15 it is {floor}; a term that does not vanish with n?)"
        )
    first = int(np.flatnonzero(ok)[0])
    if first == 0:
        return InverseSolution(
            "n_samples", float(grid[0]), "target", "numeric", theorem.key
        )
    lo, hi = int(grid[first - 1]), int(grid[first])  # f(lo) > target >= f(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if f(float(mid)) <= log_target:
            hi = mid
        else:
            lo = mid
    return InverseSolution("n_samples", float(hi), "target", "numeric", theorem.key)
