"""Level 1 of every bound: its closed form, evaluated in log space or exactly.

The closed form is evaluated through its logarithm (``_logspace.py``), so a bound
whose value over- or underflows float64 still has a finite log; :func:`evaluate`
returns the value itself where float64 holds it and refuses otherwise, and
:func:`evaluate_exact` substitutes exact rationals in sympy. Arguments are
checked first by :func:`bounds._conditions.validate`.

The log-space functions are compiled once per theorem (``theorem.compiled``,
``_compiled.py``); only :func:`evaluate_exact` loads sympy.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ._assumption import Assumption
from ._conditions import validate
from ._errors import InvalidParameterError
from ._parameters import DEFAULTS, BoundValue, Value, format_value
from ._quantity import Quantity
from ._theorem_like import Evaluable, TheoremLike

if TYPE_CHECKING:
    import sympy as sp

__all__ = ["compute", "evaluate", "evaluate_exact", "log_evaluate", "log_fn"]

#: log10 of the largest float64 and of the smallest normal one.
_LOG10_MAX = math.log10(sys.float_info.max)
_LOG10_MIN = math.log10(sys.float_info.min)


def log_fn(theorem: Evaluable) -> Callable[..., Any]:
    """``log`` of the closed form as a numpy function of the arguments
    ``theorem.accepted`` (in that order), at the optimal ``gamma_split``."""
    return theorem.compiled.log_fn


def log_evaluate(theorem: Evaluable, params: Mapping[str, Any]) -> Value:
    """Natural log of the closed form, computed in log space: finite for any
    arguments float64 holds, also where the value itself over- or underflows.

    Raises:
        InvalidParameterError: bad argument, or no finite float64 logarithm.
        StepSizeConditionError: the theorem's condition is violated.
    """
    values = validate(theorem, params)
    names = list(theorem.compiled.args)
    split = theorem.compiled.split_log_fn
    if "gamma_split" in values and split is not None:
        fn = split
        names.append("gamma_split")
    else:
        fn = log_fn(theorem)
    args = [values[k] for k in names]
    out = np.asarray(fn(*args), dtype=np.float64)
    out = np.broadcast_to(out, np.broadcast(*[np.asarray(a) for a in args]).shape)
    if not np.isfinite(out).all():
        i = int(np.flatnonzero(~np.isfinite(out).ravel())[0])
        at = ", ".join(
            f"{k}={float(np.broadcast_to(values[k], out.shape).ravel()[i])!r}"
            for k in names
        )
        raise InvalidParameterError(
            f"{theorem.key} has no finite float64 logarithm at {at}"
        )
    return float(out) if out.ndim == 0 else np.array(out)


def evaluate(theorem: Evaluable, params: Mapping[str, Any]) -> Value:
    """The closed form, vectorised: a float for scalar arguments, else an array.

    Raises:
        InvalidParameterError: bad argument, or a bound outside the range of
            normal float64 numbers (:func:`compute` and :func:`log_evaluate`
            give its logarithm there).
        StepSizeConditionError: the theorem's condition is violated.
    """
    log_value = log_evaluate(theorem, params)
    log10 = np.asarray(log_value) / np.log(10.0)
    outside = (log10 > _LOG10_MAX) | (log10 < _LOG10_MIN)
    if outside.any():
        i = int(np.flatnonzero(outside.ravel())[0])
        where = f" (element {i})" if np.ndim(log_value) else ""
        raise InvalidParameterError(
            f"{theorem.key}'s bound is {format_value(float(log10.ravel()[i]))}{where}, "
            "outside the float64 range; compute() and log_evaluate() give its "
            "logarithm"
        )
    out = np.exp(log_value)
    return float(out) if np.ndim(out) == 0 else out


def compute(theorem: Evaluable, params: Mapping[str, Any]) -> BoundValue:
    """The closed form at one point, with ``log10`` and the vacuity flag.

    A bound at or above the loss range ``B`` (``loss_bound``, default 1 for the
    theorems that assume a bounded loss) is returned but flagged vacuous; for an
    unbounded loss no flag is set unless ``loss_bound`` is given. An on-average
    model stability bound is vacuous at or above ``diameter ** 2``.
    """
    log_value = log_evaluate(theorem, params)
    if np.ndim(log_value) != 0:
        raise InvalidParameterError("compute() takes scalar arguments; use evaluate()")
    log_value = float(log_value)
    bound = params.get("loss_bound")
    if bound is None and Assumption.BOUNDED_LOSS in theorem.assumptions:
        bound = DEFAULTS["loss_bound"]
    log_range = None if bound is None else math.log(float(bound))
    if theorem.quantity is Quantity.ON_AVERAGE_MODEL_STABILITY:
        # ||A(S) - A(S')|| <= r on a set of diameter r: eps_avg2 <= r^2 always
        # (compared in logs: r^2 overflows at r = 1e300).
        log_range = 2 * math.log(float(params["diameter"]))
    vacuous = log_range is not None and log_value >= log_range
    with np.errstate(over="ignore"):
        value = float(np.exp(log_value))
    return BoundValue(value, log_value / np.log(10.0), bool(vacuous), theorem.key)


def evaluate_exact(theorem: TheoremLike, params: Mapping[str, Any]) -> sp.Expr:
    """Exact evaluation in sympy: floats are read as the decimals they print as.

    Rational-function bounds come back as a number; bounds with fractional
    powers come back as an unevaluated exact expression (call ``.evalf(n)``).
    """
    import sympy as sp

    from ._symbols import SYMBOL

    values = validate(theorem, params)
    subs = {
        SYMBOL[k]: _exact(params.get(k, values[k]))
        for k in (*theorem.accepted, *theorem.optional)
        if k in values
    }
    expr = theorem.split if "gamma_split" in values else theorem.expr
    assert expr is not None
    if expr.is_rational_function():
        return expr.xreplace(subs)
    # Powers with rational exponents of exact rationals make sympy factor huge
    # integers (minutes); keep them unevaluated: still exact, and
    # ``.evalf(digits)`` gives any precision at once.
    with sp.evaluate(False):
        return expr.xreplace(subs)


def _exact(value: Any) -> sp.Expr:
    import sympy as sp

    if isinstance(value, int | np.integer):
        return sp.Integer(int(value))
    x = float(value)
    return sp.Integer(int(x)) if x == int(x) else sp.Rational(repr(x))
