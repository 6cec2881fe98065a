"""Parameters of the theorems: validation rules, defaults, and the value of a bound.

Every API name of the name table has one rule here (integer or real, minimum),
used by :meth:`Theorem.validate`, the recursions and the CLI alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._errors import InvalidParameterError
from ._validation import check_array, check_finite, check_int

__all__ = [
    "DEFAULTS",
    "LINKED_DEFAULTS",
    "BoundValue",
    "Value",
    "format_value",
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
}

#: Values used when an argument is omitted.
DEFAULTS: dict[str, float] = {"max_delay": 0, "loss_bound": 1.0}

#: Defaults read from another argument *the caller gave* (THEORY.md, part 2):
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


@dataclass(frozen=True)
class BoundValue:
    """A bound evaluated at one point.

    Attributes:
        value: the bound (``inf`` only if it exceeds the float range; see
            ``log10_value``).
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

    Examples:
        >>> format_value(-1.3979400086720375)
        '0.04'
        >>> format_value(500.25)
        '1.778e+500'
    """
    if -4 <= log10_value < 6:
        return f"{10.0**log10_value:.4g}"
    exponent = int(np.floor(log10_value))
    mantissa = 10.0 ** (log10_value - exponent)
    return f"{mantissa:.4g}e{exponent:+d}"
