"""Reading a staleness trace file: one step a line, one or more comma-separated columns.

The format of the example traces shipped with the package (:func:`example_trace`,
recorded from real asynchronous runs; their source is in the ``README.md`` beside
them, ``empirical/data/delay_traces/``) and of
:meth:`empirical.distributed._ps.PSResult.write_trace`: integers, possibly written as floats
(``3.000000000000000000e+00``), ``#`` starts a comment, blank lines are skipped.
Every error names the file, the line and the value as written, so that a bad
trace is found in the file and not in a cast that overflowed.

Wherever a trace file is read, ``example:NAME`` names a shipped example instead of
a path (``--delays-from example:BCD_sun_MNIST``, ``--delay
trace:example:PIAG_sun_MNIST``); a file whose name starts with ``example:`` is
written ``./example:...``.
"""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path
from typing import Literal

from bounds import InvalidParameterError
from bounds.internal import check_choice, check_int, checked

__all__ = [
    "EXAMPLE_PREFIX",
    "EXAMPLE_TRACES",
    "MAX_TRACE_DELAY",
    "example_trace",
    "read_trace",
    "resolve_trace",
]

#: The largest delay a trace may hold: every integer up to 2**53 is exact in the
#: float64 the values are written as, and a larger one is no recorded staleness.
MAX_TRACE_DELAY = 2**53

#: The staleness traces shipped with the package (``empirical/data/delay_traces/``).
EXAMPLE_TRACES = ("BCD_sun_MNIST", "BCD_Davis_RCV1", "PIAG_sun_MNIST")

#: A trace path that starts with this names a shipped example: ``example:NAME``.
EXAMPLE_PREFIX = "example:"


@checked
def example_trace(name: str) -> Path:
    """The file of a staleness trace shipped with the package.

    Delays logged from real asynchronous runs (MPI, 8 workers on a 10-core
    machine) in the experiments of Wu, Magnusson, Feyzmahdavian and Johansson,
    "Delay-Adaptive Step-sizes for Asynchronous Learning", ICML 2022; the
    ``README.md`` beside the files gives their source and what each column is:

    * ``"BCD_sun_MNIST"`` (3001 steps, largest delay 16) and ``"BCD_Davis_RCV1"``
      (2001 steps, largest 22): Async-BCD, the staleness of each update;
    * ``"PIAG_sun_MNIST"`` (1500 steps x 8 workers, largest 29): PIAG, the age of
      the gradient held for each worker (read with the row minimum by default).

    The same files are named ``example:NAME`` on the command line
    (``asyncstab verify --delays-from example:BCD_sun_MNIST``) and in a delay
    spec (``make_delay("trace:example:BCD_sun_MNIST")``).

    Args:
        name: one of :data:`EXAMPLE_TRACES`.

    Returns:
        The path of the CSV file inside the installed package.

    Raises:
        InvalidParameterError: ``name`` is not a shipped trace (the message
            lists them).
        FileNotFoundError: the package was installed without its data files.

    Examples:
        >>> example_trace("BCD_sun_MNIST").name
        'BCD_sun_MNIST.csv'
        >>> max(read_trace(example_trace("BCD_sun_MNIST")))
        16
    """
    check_choice(name, "name", EXAMPLE_TRACES)
    resource = files("empirical") / "data" / "delay_traces" / f"{name}.csv"
    if not (isinstance(resource, Path) and resource.is_file()):
        raise FileNotFoundError(
            f"the example trace {name!r} is not in the installed package "
            f"(looked for {str(resource)!r}); reinstall asyncstab from a wheel "
            "or a source tree with its data files"
        )
    return resource


def resolve_trace(path: str | Path) -> str | Path:
    """``example:NAME`` -> :func:`example_trace` of ``NAME``; any other path unchanged.

    Raises:
        InvalidParameterError: ``example:`` names no shipped trace.

    Examples:
        >>> resolve_trace("example:PIAG_sun_MNIST").name
        'PIAG_sun_MNIST.csv'
        >>> resolve_trace("my-trace.csv")
        'my-trace.csv'
    """
    if isinstance(path, str) and path.startswith(EXAMPLE_PREFIX):
        name = path[len(EXAMPLE_PREFIX) :]
        if name not in EXAMPLE_TRACES:
            shipped = ", ".join(repr(EXAMPLE_PREFIX + n) for n in EXAMPLE_TRACES)
            raise InvalidParameterError(
                f"path={path!r} names no shipped trace: the examples are {shipped} "
                f"(a file whose name starts with 'example:' is written './{path}')"
            )
        return example_trace(name)
    return path


def _lines(path: str | Path) -> list[tuple[int, list[str]]]:
    """``(line number, fields)`` of every line that holds data."""
    p, shown = Path(path), str(path)
    if not p.is_file():
        raise InvalidParameterError(f"path={shown!r} must be an existing file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidParameterError(
            f"path={shown!r} is not a text trace (byte {exc.start} is not UTF-8)"
        ) from exc
    except OSError as exc:
        raise InvalidParameterError(
            f"path={shown!r} cannot be read ({exc.strerror})"
        ) from exc
    out = []
    for i, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if body:
            out.append((i, [f.strip() for f in body.split(",")]))
    if not out:
        raise InvalidParameterError(
            f"path={shown!r} holds no delays (the file is empty or only comments); "
            "a trace has one delay, an integer >= 0, a line"
        )
    return out


def _delay(text: str, shown: str, line: int) -> int:
    where = f"path={shown!r}, line {line}"
    try:
        value = float(text)
    except ValueError:
        raise InvalidParameterError(
            f"{where}: {text!r} must be a number (a delay, an integer >= 0)"
        ) from None
    if not (math.isfinite(value) and value == int(value)) or not (
        0 <= value <= MAX_TRACE_DELAY
    ):
        shown_value = text if text == repr(value) else f"{text} (= {value!r})"
        raise InvalidParameterError(
            f"{where}: the delay {shown_value} must be an integer in [0, 2**53]"
        )
    return int(value)


def read_trace(path: str | Path, column: Literal["min"] | int = "min") -> list[int]:
    """The delays of a trace file, one per data line.

    Args:
        path: the file, or ``example:NAME`` for a shipped example
            (:func:`example_trace`).
        column: ``"min"``: the row minimum (for multi-column PIAG files, the
            freshest gradient, the one that just arrived); an int: that column.

    Raises:
        InvalidParameterError: ``example:`` names no shipped trace; the file is
            missing, unreadable, not UTF-8 text,
            empty or only comments, has rows of different lengths, or holds a
            value that is not an integer in ``[0, 2**53]`` (the message names the
            file, the line and the value as written).
    """
    path = resolve_trace(path)
    shown = str(path)
    rows = _lines(path)
    width = len(rows[0][1])
    for line, fields in rows:
        if len(fields) != width:
            raise InvalidParameterError(
                f"path={shown!r}, line {line}: {len(fields)} columns, but line "
                f"{rows[0][0]} has {width}"
            )
    if column != "min":
        c = check_int(column, "column", min_value=0, max_value=width - 1)
        return [_delay(f[c], shown, line) for line, f in rows]
    return [min(_delay(x, shown, line) for x in f) for line, f in rows]
