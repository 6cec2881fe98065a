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
  max_delay=0,8``) is refused;
* a value given twice in one list (``0,2,0``, or ``0.1,1e-1``: equal once
  read) is refused, naming it: every command runs each value once;
* a grid of more points than ``max_points`` (``--max-grid-points``) is refused,
  naming both counts; :func:`with_progress` reports on a large one as it runs.
"""

from __future__ import annotations

import decimal
import math
import sys
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, TextIO, TypeVar

from ._errors import InvalidParameterError

__all__ = [
    "MAX_GRID_POINTS",
    "PROGRESS_POINTS",
    "parse_grid",
    "parse_number",
    "parse_values",
    "with_progress",
]

#: The calculator's default limit on a grid's points (``--max-grid-points``):
#: ten thousand closed forms take seconds; a million would run for minutes with
#: nothing to show.
MAX_GRID_POINTS = 10_000

#: From this many points on, :func:`with_progress` reports how far a grid is.
PROGRESS_POINTS = 1_000

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
    values = [convert(p.strip()) for p in parts]
    seen: dict[Any, int] = {}
    for i, v in enumerate(values, start=1):
        try:
            first = seen.setdefault(v, i)
        except TypeError:  # an unhashable value: not a grid value of ours
            continue
        if first != i:
            raise InvalidParameterError(
                f"{name}={text!r} repeats the value {parts[i - 1].strip()!r} (position "
                f"{i}, equal to position {first}); give each value once"
            )
    return values


def _bind(convert: Callable[[str, str], Any], name: str) -> Callable[[str], Any]:
    return lambda text: convert(name, text)


def parse_grid(
    specs: Sequence[str],
    *,
    names: Collection[str],
    convert: Callable[[str, str], Any],
    aliases: Mapping[str, str] | None = None,
    given: Mapping[str, Any] | None = None,
    max_points: int | None = None,
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
        max_points: the most points the grid may have (``None``: no limit).

    Raises:
        InvalidParameterError: malformed spec, unknown axis, an empty element,
            a value or an axis given twice, an axis that repeats a constant, or
            more points than ``max_points``.

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
    if max_points is not None:
        _check_size(grid, max_points)
    return grid


def _check_size(grid: Mapping[str, Sequence[Any]], max_points: int) -> None:
    """Refuse a grid of more than ``max_points`` points, naming both counts."""
    if (
        isinstance(max_points, bool)
        or not isinstance(max_points, int)
        or max_points < 1
    ):
        raise InvalidParameterError(f"max_grid_points={max_points!r} must be >= 1")
    n = math.prod(len(v) for v in grid.values())
    if n > max_points:
        shape = " x ".join(f"{len(v)} {k}" for k, v in grid.items())
        raise InvalidParameterError(
            f"max_grid_points={max_points}: the grid has {n:,} points ({shape}); "
            f"give --max-grid-points {n} to run them all"
        )


def with_progress(
    points: Sequence[V],
    what: str,
    *,
    every: float = 2.0,
    stream: TextIO | None = None,
) -> Iterator[V]:
    """Yield ``points``; on a grid of :data:`PROGRESS_POINTS` or more, say on
    ``stream`` (standard error) how many are done, at most every ``every`` s."""
    n = len(points)
    if n < PROGRESS_POINTS:
        yield from points
        return
    out = sys.stderr if stream is None else stream
    print(f"asyncstab: {what}: {n:,} grid points", file=out, flush=True)
    last = time.monotonic()
    for i, p in enumerate(points, start=1):
        yield p
        now = time.monotonic()
        if now - last >= every or i == n:
            print(f"asyncstab: {what}: {i:,}/{n:,} points done", file=out, flush=True)
            last = now
