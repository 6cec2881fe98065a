"""One validation vocabulary, used at every public boundary of the project.

Each checker returns the validated (and normalised) value, so call sites read
``n = check_int(n, "n_samples", min_value=2)``. Messages quote the argument:
``f"{name}={value!r} must be > 0"``. Internal helpers trust their inputs.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ._errors import InvalidParameterError

__all__ = [
    "check_array",
    "check_bool_array",
    "check_choice",
    "check_finite",
    "check_int",
    "check_int_array",
    "check_nonnegative",
    "check_positive",
    "check_probability",
]


def _is_bool(value: object) -> bool:
    return isinstance(value, bool | np.bool_)


def check_finite(value: object, name: str) -> float:
    """Return ``value`` as a float; raise unless it is a finite real number.

    Examples:
        >>> check_finite(2, "lipschitz")
        2.0
        >>> check_finite(float("nan"), "lipschitz")
        Traceback (most recent call last):
        ...
        bounds._errors.InvalidParameterError: lipschitz=nan must be a finite real number
    """
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(
            f"{name}={value!r} must be a finite real number, "
            f"got type {type(value).__name__}"
        )
    x = float(value)
    if not math.isfinite(x):
        raise InvalidParameterError(f"{name}={value!r} must be a finite real number")
    return x


def check_positive(value: object, name: str) -> float:
    """Return ``value`` as a float; raise unless it is finite and ``> 0``.

    Examples:
        >>> check_positive(0.1, "step_size")
        0.1
        >>> check_positive(0, "step_size")
        Traceback (most recent call last):
        ...
        bounds._errors.InvalidParameterError: step_size=0 must be > 0
    """
    x = check_finite(value, name)
    if x <= 0:
        raise InvalidParameterError(f"{name}={value!r} must be > 0")
    return x


def check_nonnegative(value: object, name: str) -> float:
    """Return ``value`` as a float; raise unless it is finite and ``>= 0``."""
    x = check_finite(value, name)
    if x < 0:
        raise InvalidParameterError(f"{name}={value!r} must be >= 0")
    return x


def check_probability(value: object, name: str, *, open_left: bool = False) -> float:
    """Return ``value`` as a float; raise unless it lies in ``[0, 1]``.

    With ``open_left=True`` the interval is ``(0, 1]``.
    """
    x = check_finite(value, name)
    if x > 1 or x < 0 or (open_left and x == 0):
        rule = "in (0, 1]" if open_left else "in [0, 1]"
        raise InvalidParameterError(f"{name}={value!r} must be {rule}")
    return x


def check_int(
    value: object,
    name: str,
    *,
    min_value: int | None = None,
    max_value: int | None = None,
) -> int:
    """Return ``value`` as an int; raise unless it is an integer in range.

    Floats with an integral value (``1000.0``) are accepted; ``1000.5`` is not.

    Examples:
        >>> check_int(10.0, "n_steps", min_value=1)
        10
        >>> check_int(1.5, "n_steps")
        Traceback (most recent call last):
        ...
        bounds._errors.InvalidParameterError: n_steps=1.5 must be an integer
    """
    if _is_bool(value):
        raise InvalidParameterError(f"{name}={value!r} must be an integer, got bool")
    if isinstance(value, numbers.Integral):
        k = int(value)
    elif isinstance(value, numbers.Real):
        if not math.isfinite(float(value)) or float(value) != int(float(value)):
            raise InvalidParameterError(f"{name}={value!r} must be an integer")
        k = int(float(value))
    else:
        raise InvalidParameterError(
            f"{name}={value!r} must be an integer, got type {type(value).__name__}"
        )
    if min_value is not None and k < min_value:
        raise InvalidParameterError(f"{name}={value!r} must be >= {min_value}")
    if max_value is not None and k > max_value:
        raise InvalidParameterError(f"{name}={value!r} must be <= {max_value}")
    return k


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """Return ``value``; raise unless it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidParameterError(
            f"{name}={value!r} must be one of {', '.join(map(repr, choices))}"
        )
    return value


def check_array(
    value: object,
    name: str,
    *,
    ndim: int | None = None,
    min_value: float | None = None,
    strictly_positive: bool = False,
) -> NDArray[np.float64]:
    """Return ``value`` as a float64 array; raise on NaN/inf, wrong rank or range.

    A boolean array is refused as a scalar ``True`` is: it is not a number.
    """
    if np.asarray(value).dtype == np.bool_:
        raise InvalidParameterError(
            f"{name}={np.asarray(value).tolist()!r} must be an array of real "
            "numbers, got a bool array"
        )
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{name}={value!r} must be an array of real numbers"
        ) from exc
    if ndim is not None and arr.ndim != ndim:
        raise InvalidParameterError(
            f"{name} must be a {ndim}-d array, got shape {arr.shape}"
        )
    if arr.size == 0:
        raise InvalidParameterError(f"{name} must not be empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise InvalidParameterError(
            f"{name}[{i}]={float(arr.ravel()[i])!r} must be a finite real number"
        )
    if strictly_positive and (arr <= 0).any():
        i = int(np.flatnonzero((arr <= 0).ravel())[0])
        raise InvalidParameterError(
            f"{name}[{i}]={float(arr.ravel()[i])!r} must be > 0"
        )
    if min_value is not None and (arr < min_value).any():
        i = int(np.flatnonzero((arr < min_value).ravel())[0])
        raise InvalidParameterError(
            f"{name}[{i}]={float(arr.ravel()[i])!r} must be >= {min_value}"
        )
    return arr


def check_int_array(
    value: object, name: str, *, min_value: int | None = None
) -> NDArray[np.int64]:
    """Return ``value`` as an int64 1-d array of integers (``3.0`` is accepted)."""
    arr = check_array(value, name, ndim=1, min_value=min_value)
    if (arr != np.round(arr)).any():
        i = int(np.flatnonzero(arr != np.round(arr))[0])
        raise InvalidParameterError(f"{name}[{i}]={float(arr[i])!r} must be an integer")
    return arr.astype(np.int64)


def check_bool_array(value: object, name: str) -> NDArray[np.bool_]:
    """Return ``value`` as a bool array; numbers are accepted only as 0 and 1.

    Examples:
        >>> check_bool_array([1, 0], "hits")
        array([ True, False])
        >>> check_bool_array([0.0, float("nan")], "hits")
        Traceback (most recent call last):
        ...
        bounds._errors.InvalidParameterError: hits[1]=nan must be True/False (or 0/1)
    """
    raw = np.asarray(value)
    if raw.dtype == np.bool_:
        return raw
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{name}={value!r} must be an array of True/False (or 0/1)"
        ) from exc
    bad = (arr != 0) & (arr != 1)  # NaN compares unequal to both: refused
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise InvalidParameterError(
            f"{name}[{i}]={float(arr.ravel()[i])!r} must be True/False (or 0/1)"
        )
    return arr == 1
