"""A theorem's domain: its arguments checked, its conditions enforced.

:func:`validate` is the one gate of every level (closed form, inverse questions):
names, types and ranges of the arguments (``_parameters.py``), the relations
between constants, ``tau <= T``, and then the theorem's own step-size and delay
conditions, whose violation names the theorem (``StepSizeConditionError``).
:func:`step_size_limit` solves those conditions for the step size.

The conditions are read as compiled numpy functions (``theorem.compiled``, see
``_compiled.py``), so this module needs no sympy.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._errors import InvalidParameterError, StepSizeConditionError
from ._parameters import (
    COUNTS,
    DEFAULTS,
    LINKED_DEFAULTS,
    Value,
    check_relations,
    validate_parameter,
)
from ._protocol import PROTOCOL_DEFAULTS, resolve_protocol
from ._theorem_like import Evaluable

__all__ = ["show_count", "step_size_limit", "validate"]


def validate(theorem: Evaluable, params: Mapping[str, Any]) -> dict[str, Value]:
    """Check names, types, ranges and the theorem's conditions.

    Returns:
        the validated values (floats or arrays), defaults filled in.

    Raises:
        InvalidParameterError: unknown, missing or out-of-domain arguments.
        StepSizeConditionError: a condition of the theorem is violated.
    """
    params = resolve_protocol(theorem, params)
    takes = (*theorem.accepted, *theorem.optional, *theorem.options)
    unknown = sorted(set(params) - set(takes))
    if unknown:
        raise InvalidParameterError(
            f"{unknown[0]}={params[unknown[0]]!r} is not a parameter of "
            f"{theorem.label}; it takes {', '.join(takes)}"
        )
    values = {k: validate_parameter(k, v) for k, v in params.items()}
    for k, v in DEFAULTS.items():
        values.setdefault(k, v)
    for k, source in LINKED_DEFAULTS.items():
        if k in theorem.parameters and k not in values and source in params:
            values[k] = values[source]
    missing = [k for k in theorem.parameters if k not in values]
    if missing:
        raise InvalidParameterError(
            f"{theorem.label} needs {', '.join(missing)} (missing)"
        )
    arrays = {k: v for k, v in values.items() if np.ndim(v)}
    try:
        np.broadcast_shapes(*(np.shape(v) for v in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} of shape {np.shape(v)}" for k, v in arrays.items())
        raise InvalidParameterError(
            f"{shapes} must broadcast together (numpy broadcasting rules)"
        ) from None
    check_relations(values)
    if "n_steps" in values:
        tau, T = np.asarray(values["max_delay"]), np.asarray(values["n_steps"])
        bad = np.broadcast_to(tau > T, np.broadcast(tau, T).shape)
        if bad.any():
            raise InvalidParameterError(
                f"max_delay={show_count(values['max_delay'])} must be <= n_steps="
                f"{show_count(values['n_steps'])} (a delay cannot exceed the number "
                "of steps)"
            )
    _check_conditions(theorem, values)
    return values


def _check_conditions(theorem: Evaluable, values: Mapping[str, Value]) -> None:
    compiled = theorem.compiled
    for cond, (lhs, rhs) in zip(
        compiled.conditions, compiled.condition_fns, strict=True
    ):
        # float64 arrays, not Python floats: a denominator that underflows
        # (K beta = 1e-162 * 1e-162) gives an infinite limit, not an exception
        vals = [np.asarray(values[k], dtype=np.float64) for k in compiled.args]
        with np.errstate(divide="ignore", over="ignore"):
            left, right = np.asarray(lhs(*vals)), np.asarray(rhs(*vals))
        ok = {"<=": left <= right, ">=": left >= right, "==": left == right}[cond.op]
        if not np.all(ok):
            name = cond.name
            i = np.unravel_index(np.argmin(ok), np.shape(ok)) if np.ndim(ok) else ()
            val = np.broadcast_to(np.asarray(values[name]), np.shape(ok))[i]
            limit = np.broadcast_to(right, np.shape(ok))[i]
            shown = show_count(val) if name in COUNTS else repr(float(val))
            raise StepSizeConditionError(
                f"{name}={shown} violates {cond.text} (= {float(limit):.6g}) "
                f"required by {theorem.reference.short} {theorem.registry_key}"
            )


def step_size_limit(theorem: Evaluable, **constants: Any) -> float:
    """Largest ``step_size`` (or ``c``) the theorem's conditions allow.

    Args:
        theorem: the bound.
        **constants: values of the symbols the conditions use (``smoothness``;
            ``step_weight``, default 1, for the part-3 theorems); others are
            ignored.

    Returns:
        the limit, e.g. ``2 / smoothness`` for [H-cvx]; ``inf`` if none.

    Raises:
        InvalidParameterError: a constant a condition needs is missing or bad.
    """
    limit = math.inf
    for names, fn in theorem.compiled.limit_fns:
        constants = {**PROTOCOL_DEFAULTS, **constants}  # part 3: one worker
        for name in names:
            if constants.get(name) is None:
                raise InvalidParameterError(
                    f"{name}=None must be given: {theorem.key}'s condition uses it"
                )
        vals = [float(validate_parameter(k, constants[k])) for k in names]
        # a denominator below the float64 range (say K beta = 1e-162 * 1e-162):
        # the limit is above it, so no finite step violates it
        with contextlib.suppress(ZeroDivisionError, OverflowError):
            limit = min(limit, float(fn(*vals)))
    return limit


def show_count(value: Value) -> str:
    """Print a validated count the way the user typed it (no trailing ``.0``)."""
    if np.ndim(value) == 0:
        x = float(value)
        return repr(int(x)) if x == int(x) and abs(x) < 1e16 else repr(x)
    return np.array2string(np.asarray(value))
