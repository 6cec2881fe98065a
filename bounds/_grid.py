"""The one parser for numbers, value lists and grids typed on the command line.

Every command that reads ``NAME=V1,V2,...`` grids or ``V1,V2,...`` lists (the
calculator's ``--grid``, ``sweep --grid``, ``verify --max-delays``) calls these
functions, so one input gives one behaviour everywhere:

* a number that float64 cannot hold is refused by name (``1e400`` overflows,
  ``1e-400`` underflows to 0, ``1e-320`` is subnormal and keeps only a few
  digits), never silently rounded to ``inf`` or ``0.0``;
* an empty element (``0,,2``, ``0,2,``) is refused;
* an axis given twice (``--grid max_delay=1 --grid max_delay=2``) is refused;
* an axis that is also given as a constant (``--max-delay 3 --grid
  max_delay=0,8``) is refused.
"""

from __future__ import annotations

import decimal
import math
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar

from ._errors import InvalidParameterError

__all__ = ["parse_grid", "parse_number", "parse_values"]

V = TypeVar("V")

#: Smallest positive normal float64; below it a float keeps fewer than 15 digits.
_TINY = sys.float_info.min


def parse_number(text: str, name: str) -> int | float | str:
    """Read a number as typed: an ``int`` for integer literals, else a ``float``.

    Text that is not a number comes back unchanged, so the caller's validation
    refuses it with its own rule (``must be a finite real number``). ``nan`` and
    ``inf`` come back as floats for the same reason.

    Raises:
        InvalidParameterError: a literal float64 cannot represent: beyond
            ``1.8e308`` (overflow), or a nonzero value below ``2.2e-308``
            (underflow to 0, or a subnormal that keeps only a few digits).

    Examples:
        >>> parse_number("1000", "n_steps"), parse_number("1e-3", "step_size")
        (1000, 0.001)
        >>> parse_number("1e-400", "step_size")
        Traceback (most recent call last):
        ...
        bounds._errors.InvalidParameterError: step_size='1e-400' is below the float64 range (nonzero values must be >= 2.2250738585072014e-308)
    """
    s = text.strip()
    try:
        k = int(s)
    except ValueError:
        pass
    else:
        if abs(k) > sys.float_info.max:
            raise InvalidParameterError(
                f"{name}={text!r} is beyond the float64 range (|value| must be <= "
                f"{sys.float_info.max!r})"
            )
        return k
    try:
        x = float(s)
    except ValueError:
        return text
    try:
        exact = decimal.Decimal(s.replace("_", ""))
    except decimal.InvalidOperation:  # pragma: no cover - float() accepted it
        exact = decimal.Decimal(x)
    if exact.is_finite() and math.isinf(x):
        raise InvalidParameterError(
            f"{name}={text!r} is beyond the float64 range (|value| must be <= "
            f"{sys.float_info.max!r})"
        )
    if exact.is_finite() and exact != 0 and abs(x) < _TINY:
        raise InvalidParameterError(
            f"{name}={text!r} is below the float64 range (nonzero values must be "
            f">= {_TINY!r})"
        )
    return x


def parse_values(text: str, name: str, convert: Callable[[str], V]) -> list[V]:
    """Split ``"V1,V2,..."`` and convert each element; no element may be empty.

    Examples:
        >>> parse_values("0, 2,8", "max_delays", int)
        [0, 2, 8]
        >>> parse_values("0,,2", "max_delays", int)
        Traceback (most recent call last):
        ...
        bounds._errors.InvalidParameterError: max_delays='0,,2' has an empty value at position 2; separate values by single commas
    """
    parts = text.split(",")
    for i, part in enumerate(parts, start=1):
        if not part.strip():
            raise InvalidParameterError(
                f"{name}={text!r} has an empty value at position {i}; "
                "separate values by single commas"
            )
    return [convert(p.strip()) for p in parts]


def _bind(convert: Callable[[str, str], Any], name: str) -> Callable[[str], Any]:
    return lambda text: convert(name, text)


def parse_grid(
    specs: Sequence[str],
    *,
    names: Collection[str],
    convert: Callable[[str, str], Any],
    aliases: Mapping[str, str] | None = None,
    given: Mapping[str, Any] | None = None,
) -> dict[str, list[Any]]:
    """Parse ``["NAME=V1,V2", ...]`` into ``{name: [values]}``, in the given order.

    Args:
        specs: the ``--grid`` arguments.
        names: the axes that exist (canonical names).
        convert: ``convert(name, text)`` turns one element into its value.
        aliases: other spellings of an axis (``tau`` -> ``max_delay``); a ``-``
            in a name reads as ``_``.
        given: constants already set by other arguments; an axis may not repeat
            one of them.

    Raises:
        InvalidParameterError: malformed spec, unknown axis, an empty element,
            an axis given twice, or an axis that repeats a constant.

    Examples:
        >>> parse_grid(["tau=0,2"], names=["max_delay"], aliases={"tau": "max_delay"},
        ...            convert=lambda name, text: int(text))
        {'max_delay': [0, 2]}
    """
    aliases = aliases or {}
    given = given or {}
    grid: dict[str, list[Any]] = {}
    source: dict[str, str] = {}
    for spec in specs:
        raw, sep, values = spec.partition("=")
        key = raw.strip().replace("-", "_")
        name = aliases.get(key, key)
        if not sep or not key or not values.strip():
            raise InvalidParameterError(
                f"grid={spec!r} must look like NAME=V1,V2,... with NAME one of "
                f"{', '.join(sorted({*names, *aliases}))}"
            )
        if name not in names:
            raise InvalidParameterError(
                f"grid={spec!r}: {key!r} must be one of "
                f"{', '.join(sorted({*names, *aliases}))}"
            )
        if name in grid:
            raise InvalidParameterError(
                f"grid={spec!r} repeats the axis {name} (already given by "
                f"grid={source[name]!r}); give each axis once"
            )
        if given.get(name) is not None:
            raise InvalidParameterError(
                f"grid={spec!r} sets {name}, which is also given as a constant "
                f"({name}={given[name]!r}); give it once"
            )
        grid[name] = parse_values(
            values, f"grid={spec!r}: {name}", _bind(convert, name)
        )
        source[name] = spec
    return grid
