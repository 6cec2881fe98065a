"""Parameters of the theorems: validation rules, defaults, and the value of a bound.

Every API name of the name table has one rule here (integer or real, minimum),
used by :meth:`Theorem.validate`, the recursions and the CLI alike.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._errors import InvalidParameterError
from ._validation import check_array, check_finite, check_int

__all__ = [
    "COUNTS",
    "DEFAULTS",
    "LINKED_DEFAULTS",
    "BoundValue",
    "Value",
    "check_relations",
    "format_number",
    "format_value",
    "is_normal",
    "json_number",
    "validate_parameter",
]

Value = float | NDArray[np.float64]


#: Validation rule of every API name: (integer?, minimum).
_RULES: dict[str, tuple[bool, float, bool]] = {
    # name: (is_int, minimum, strict)
    "n_samples": (True, 2, False),
    "n_steps": (True, 1, False),
    "step_size": (False, 0.0, True),
    "c": (False, 0.0, True),
    "max_delay": (True, 0, False),
    "lipschitz": (False, 0.0, True),
    "smoothness": (False, 0.0, True),
    "strong_convexity": (False, 0.0, True),
    "loss_bound": (False, 0.0, True),
    "diameter": (False, 0.0, True),
    "init_distance": (False, 0.0, False),
    "optimal_risk": (False, 0.0, False),
    "train_loss": (False, 0.0, False),
    "gamma_split": (False, 0.0, True),
    "n_workers": (True, 1, False),
    "batch_size": (True, 1, False),
    "period": (True, 1, False),
    "step_weight": (False, 0.0, True),
    "arrivals": (True, 1, False),
    "clip": (False, 0.0, True),
}

#: API names that count things (integers).
COUNTS = frozenset(k for k, (is_int, _, _) in _RULES.items() if is_int)

#: Combinations of constants no loss has: (name, must be <= other, why).
_RELATIONS: tuple[tuple[str, str, str], ...] = (
    (
        "strong_convexity",
        "smoothness",
        "a gamma-strongly convex loss with beta-Lipschitz gradient has gamma <= beta",
    ),
    (
        "batch_size",
        "n_samples",
        "a minibatch draws its indices from the n training samples",
    ),
)

#: Values used when an argument is omitted.
DEFAULTS: dict[str, float] = {"max_delay": 0, "loss_bound": 1.0}

#: Defaults read from another argument *the caller gave* (docs/theory.md, "Names"):
#: ``||w_1 - w*|| <= r`` and ``F(w*) <= B`` for a loss in ``[0, B]``.
LINKED_DEFAULTS: dict[str, str] = {
    "init_distance": "diameter",
    "optimal_risk": "loss_bound",
}


def validate_parameter(name: str, value: Any) -> Value:
    """Validate one named argument (scalar or array) against its rule.

    Raises:
        InvalidParameterError: wrong type, NaN/inf, non-integer count, out of range.
    """
    is_int, minimum, strict = _RULES[name]
    if isinstance(value, np.ndarray | list | tuple):
        arr = check_array(value, name)
        if is_int and (arr != np.round(arr)).any():
            bad = arr[arr != np.round(arr)].ravel()[0]
            raise InvalidParameterError(f"{name}={float(bad)!r} must be an integer")
        low = arr <= minimum if strict else arr < minimum
        if low.any():
            rule = f"> {minimum:g}" if strict else f">= {minimum:g}"
            raise InvalidParameterError(
                f"{name}={float(arr[low].ravel()[0])!r} must be {rule}"
            )
        return arr
    if is_int:
        return float(check_int(value, name, min_value=int(minimum)))
    x = check_finite(value, name)
    if (strict and x <= minimum) or (not strict and x < minimum):
        rule = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise InvalidParameterError(f"{name}={value!r} must be {rule}")
    return x


def check_relations(values: Mapping[str, Any]) -> None:
    """Refuse constants that no loss can have together (``gamma > beta``).

    Raises:
        InvalidParameterError: naming both arguments, their values and the rule.

    Examples:
        >>> check_relations({"strong_convexity": 2.0, "smoothness": 1.0})
        Traceback (most recent call last):
        ...
        bounds._errors.InvalidParameterError: strong_convexity=2.0 must be <= smoothness=1.0 (a gamma-strongly convex loss with beta-Lipschitz gradient has gamma <= beta)
    """
    for small, large, why in _RELATIONS:
        if values.get(small) is None or values.get(large) is None:
            continue
        a, b = np.broadcast_arrays(
            np.asarray(values[small], dtype=np.float64),
            np.asarray(values[large], dtype=np.float64),
        )
        bad = a > b
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            raise InvalidParameterError(
                f"{small}={_shown(small, a.ravel()[i])} must be <= "
                f"{large}={_shown(large, b.ravel()[i])} ({why})"
            )


def _shown(name: str, value: Any) -> str:
    """A value as the user typed it: counts without a trailing ``.0``."""
    x = float(value)
    if name in COUNTS and x == int(x):
        return repr(int(x))
    return repr(x)


@dataclass(frozen=True)
class BoundValue:
    """A bound evaluated at one point.

    Attributes:
        value: the bound; ``inf`` above and ``0.0`` (or a subnormal) below the
            range of normal float64 numbers: ``log10_value`` holds it there.
        log10_value: ``log10`` of the bound, always finite.
        vacuous: the bound is at or above the loss range ``B`` (so it says nothing).
        theorem: key of the theorem.
    """

    value: float
    log10_value: float
    vacuous: bool
    theorem: str

    def __str__(self) -> str:
        return format_value(self.log10_value)


def format_value(log10_value: float) -> str:
    """Format a positive number from its log10, even beyond the float range.

    Four significant digits; a mantissa that rounds up to 10 moves to the
    exponent (``9.99996e14`` prints as ``1e+15``, never ``10e+14``).

    Examples:
        >>> format_value(-1.3979400086720375)
        '0.04'
        >>> format_value(500.25)
        '1.778e+500'
        >>> format_value(14.999999)
        '1e+15'
    """
    if math.isnan(log10_value):
        return "nan"
    if math.isinf(log10_value):
        return "inf" if log10_value > 0 else "0"
    if -4 <= log10_value < 6:
        return f"{10.0**log10_value:.4g}"
    exponent = math.floor(log10_value)
    mantissa = float(f"{10.0 ** (log10_value - exponent):.4g}")
    if mantissa >= 10.0:
        exponent, mantissa = exponent + 1, mantissa / 10.0
    return f"{mantissa:.4g}e{exponent:+d}"


def format_number(value: float) -> str:
    """A finite number for a table: integers as integers, others to 6 digits.

    Examples:
        >>> format_number(1e15), format_number(0.00410232456), format_number(2.0)
        ('1000000000000000', '0.00410232', '2')
        >>> format_number(1e300)
        '1e+300'
    """
    x = float(value)
    if x == int(x) and abs(x) < 1e16:
        return str(int(x))
    return f"{x:.6g}"


def is_normal(value: float) -> bool:
    """True for a normal float64: finite, of magnitude >= ``2.2e-308``.

    Outside that range a positive quantity has lost digits (subnormal) or its
    value (underflow to 0, overflow to inf).

    Examples:
        >>> is_normal(1e-300), is_normal(1e-320), is_normal(0.0), is_normal(1e308)
        (True, False, False, True)
    """
    x = abs(float(value))
    return sys.float_info.min <= x <= sys.float_info.max


def json_number(value: Any, *, integer: bool = False) -> int | float:
    """``value`` for JSON: an ``int`` for counts that float64 holds exactly.

    Examples:
        >>> json_number(1e15, integer=True), json_number(1e300, integer=True)
        (1000000000000000, 1e+300)
    """
    x = float(value)
    if integer and x == int(x) and abs(x) <= 2**53:
        return int(x)
    return x
