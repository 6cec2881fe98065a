"""The tables of the calculator subcommands, as text or exported.

One renderer for every table the calculator prints (``bound``, ``step-size``,
``samples``, ``compare``, ``list``): ``--format table`` (the default: aligned
plain text), ``csv``, ``markdown`` or ``latex``; ``json`` (or ``--json``) is
written by each subcommand from its own rows, with numbers as numbers.

A plain table on a terminal narrower than the table wraps its longest text
columns at spaces, never below 20 characters or a column's longest word; written
to a file or a pipe it is never wrapped (one row a line, for ``grep`` and
``diff``).
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

__all__ = [
    "FORMATS",
    "add_format_arguments",
    "check_format",
    "output_format",
    "print_table",
    "render",
]

#: Output formats of the calculator subcommands.
FORMATS = ("table", "csv", "markdown", "latex", "json")

#: The narrowest a wrapped column gets on a terminal.
_MIN_WRAP = 20


def add_format_arguments(p: argparse.ArgumentParser) -> None:
    """``--format`` and its alias ``--json``."""
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format: an aligned 'table' (default), 'csv', 'markdown', "
        "'latex' (a tabular), or 'json' (numbers as numbers, full precision)",
    )
    p.add_argument("--json", action="store_true", help="the same as --format json")


def output_format(args: argparse.Namespace) -> str:
    """The format asked for: ``--format``, or ``json`` for ``--json`` (a
    contradiction of both is refused first, by :func:`check_format`)."""
    fmt: str | None = getattr(args, "format", None)
    if getattr(args, "json", False):
        return "json"
    return fmt or "table"


def check_format(args: argparse.Namespace) -> str | None:
    """A one-line refusal of ``--json`` beside another ``--format``, or None."""
    fmt = getattr(args, "format", None)
    if getattr(args, "json", False) and fmt not in (None, "json"):
        return (
            f"format={fmt!r} contradicts --json (the same as --format json): give one"
        )
    return None


def _terminal_width() -> int | None:
    """Columns of the terminal standard output is, or None (a file or a pipe)."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return shutil.get_terminal_size((100, 24)).columns


def _fit(cells: list[list[str]], widths: list[int], width: int) -> list[int]:
    """Column widths that fit ``width`` by narrowing the widest wrappable column."""
    floors = [
        max(_MIN_WRAP, *(len(w) for row in cells for w in row[i].split()), 1)
        for i in range(len(widths))
    ]
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > width:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        i = max(shrinkable, key=lambda k: widths[k])
        widths[i] -= 1
    return widths


def _plain(
    columns: Sequence[str], cells: list[list[str]], width: int | None
) -> list[str]:
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(columns)]
    if width is not None:
        widths = _fit([list(columns), *cells], widths, width)

    def lines(row: Sequence[str]) -> list[str]:
        parts = [
            textwrap.wrap(v, w, break_long_words=False) or [""] if len(v) > w else [v]
            for v, w in zip(row, widths, strict=True)
        ]
        height = max(len(p) for p in parts)
        return [
            "  ".join(
                (p[k] if k < len(p) else "").ljust(w)
                for p, w in zip(parts, widths, strict=True)
            ).rstrip()
            for k in range(height)
        ]

    out = lines(columns)
    out.append("  ".join("-" * w for w in widths))
    for x in cells:
        out += lines(x)
    return out


def _markdown(columns: Sequence[str], cells: list[list[str]]) -> list[str]:
    def row(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.replace("|", r"\|") for v in values) + " |"

    return [
        row(columns),
        "|" + "|".join("---" for _ in columns) + "|",
        *map(row, cells),
    ]


_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _latex(columns: Sequence[str], cells: list[list[str]]) -> list[str]:
    def row(values: Sequence[str]) -> str:
        text = " & ".join(
            "".join(_LATEX_ESCAPES.get(ch, ch) for ch in v) for v in values
        )
        return text + r" \\"

    return [
        r"\begin{tabular}{" + "l" * len(columns) + "}",
        r"\hline",
        row(columns),
        r"\hline",
        *map(row, cells),
        r"\hline",
        r"\end{tabular}",
    ]


def render(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    fmt: str = "table",
    *,
    width: int | None = None,
) -> str:
    """``rows`` as a table of ``columns`` (missing cells blank), in ``fmt``.

    Args:
        rows: the rows; each cell is printed with ``str``.
        columns: the columns, in order.
        fmt: ``"table"``, ``"csv"``, ``"markdown"`` or ``"latex"``.
        width: for ``"table"``, the width to wrap to; None: never wrap.

    Examples:
        >>> print(render([{"a": 1, "b": "x y"}], ["a", "b"], "markdown"))
        | a | b |
        |---|---|
        | 1 | x y |
    """
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(cells)
        return buf.getvalue().rstrip("\n")
    if fmt == "markdown":
        return "\n".join(_markdown(columns, cells))
    if fmt == "latex":
        return "\n".join(_latex(columns, cells))
    assert fmt == "table", fmt
    return "\n".join(_plain(columns, cells, width))


def print_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str = "table"
) -> None:
    """Print ``rows`` (see :func:`render`); a plain table fits the terminal."""
    print(
        render(rows, columns, fmt, width=_terminal_width() if fmt == "table" else None)
    )
