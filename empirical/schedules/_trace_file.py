"""Reading a staleness trace file: one step a line, one or more comma-separated columns.

The format of ``../shared/data/delay-traces/`` (beside the checkout) and of
:meth:`empirical.distributed._ps.PSResult.write_trace`: integers, possibly written as floats
(``3.000000000000000000e+00``), ``#`` starts a comment, blank lines are skipped.
Every error names the file, the line and the value as written, so that a bad
trace is found in the file and not in a cast that overflowed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from bounds import InvalidParameterError
from bounds.internal import check_int

__all__ = ["MAX_TRACE_DELAY", "read_trace"]

#: The largest delay a trace may hold: every integer up to 2**53 is exact in the
#: float64 the values are written as, and a larger one is no recorded staleness.
MAX_TRACE_DELAY = 2**53


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
        path: the file.
        column: ``"min"``: the row minimum (for multi-column PIAG files, the
            freshest gradient, the one that just arrived); an int: that column.

    Raises:
        InvalidParameterError: the file is missing, unreadable, not UTF-8 text,
            empty or only comments, has rows of different lengths, or holds a
            value that is not an integer in ``[0, 2**53]`` (the message names the
            file, the line and the value as written).
    """
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
