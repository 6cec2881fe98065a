"""Calculator subcommands of the ``asyncstab`` CLI: bound, compare, step-size,
samples, list, show. Thin: parse, call the public API, print.

``register(subparsers)`` adds them to a parser (the full CLI lives in
``empirical.cli._cli``); ``python -m bounds`` runs the calculator alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from ._catalogue import catalogue
from ._cli_catalogue import run_list, run_show
from ._cli_help import EXAMPLES, HelpFormatter, epilog
from ._compare_cli import add_compare_arguments, run_compare
from ._errors import InvalidParameterError
from ._grid import (
    MAX_GRID_POINTS,
    PROGRESS_POINTS,
    parse_grid,
    parse_number,
    with_progress,
)
from ._names import HELP, NAMES
from ._parameters import (
    COUNTS,
    format_number,
    format_value,
    is_normal,
    json_number,
)
from ._protocol import AGGREGATIONS
from ._tables import add_format_arguments, check_format, output_format, print_table

if TYPE_CHECKING:
    from ._inverse import InverseSolution

__all__ = ["EXAMPLES", "HelpFormatter", "OneLineParser", "main", "register", "run"]

COMMANDS = ("bound", "compare", "step-size", "samples", "list", "show")


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"asyncstab: error: {one_line(message)}\n")


class _Once(argparse.Action):
    """Store an option's text; refuse the option when it is given twice."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        old = getattr(namespace, self.dest, None)
        if old is not None:
            parser.error(
                f"{self.dest}={values!r}: {option_string} is already given "
                f"({self.dest}={old!r}); give it once"
            )
        setattr(namespace, self.dest, values)


def _add_constants(p: argparse.ArgumentParser, *, skip: str = "") -> None:
    for name in NAMES:
        if name == skip:
            continue
        p.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            action=_Once,
            metavar=name.upper(),
            help=HELP[name],
        )
    p.add_argument(
        "--aggregation",
        dest="aggregation",
        action=_Once,
        choices=AGGREGATIONS,
        help="how the server combines a step's contributions: 'mean' (Regatti et "
        "al. 2019) or 'sum' (Deng et al. 2024); with --n-workers (part-3 theorems)",
    )
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="evaluate over a grid (repeatable, one axis each, cartesian product; "
        "an axis may not also be given as a constant)",
    )
    add_format_arguments(p)
    p.add_argument(
        "--max-grid-points",
        type=int,
        default=MAX_GRID_POINTS,
        metavar="N",
        help=f"refuse a --grid of more than N points (default {MAX_GRID_POINTS})",
    )


#: What a calculator subcommand runs: the parsed arguments -> exit status.
Command = Callable[[argparse.Namespace], int]
#: The parser class of the subcommands (:class:`OneLineParser` in ``asyncstab``).
P = TypeVar("P", bound=argparse.ArgumentParser)


def register(subparsers: argparse._SubParsersAction[P]) -> dict[str, P]:
    """Add the calculator subcommands to an argparse ``subparsers`` object.

    Each subcommand's parser carries its :data:`Command` as the default
    ``calculator`` (``set_defaults``), which :func:`run` calls. Returns the
    parsers by subcommand name.
    """
    parsers: dict[str, P] = {}

    def add(name: str, command: Command, **kwargs: Any) -> P:
        p = subparsers.add_parser(
            name,
            description=kwargs["help"][0].upper() + kwargs["help"][1:] + ".",
            epilog=epilog(name),
            formatter_class=HelpFormatter,
            **kwargs,
        )
        p.set_defaults(calculator=command)
        parsers[name] = p
        return p

    keys = ", ".join(catalogue().entries)
    theorem_help = (
        f"the theorem: one of {keys} (or its registry key, e.g. '[D-cvx]'; "
        "asyncstab list shows each one)"
    )
    target_help = (
        "the largest acceptable bound on the expected generalization gap (in loss "
        "units, > 0)"
    )
    p = add("bound", _run_bound, help="evaluate a theorem's bound")
    p.add_argument("--theorem", required=True, action=_Once, help=theorem_help)
    _add_constants(p)
    p = add(
        "compare",
        _run_compare,
        help="every registered bound at a setting, ranked as gap bounds",
    )
    add_compare_arguments(p)
    _add_constants(p)
    p = add(
        "step-size", _run_step_size, help="largest step size (or c) for a target gap"
    )
    p.add_argument("--theorem", required=True, action=_Once, help=theorem_help)
    p.add_argument("--target-gap", required=True, action=_Once, help=target_help)
    _add_constants(p)
    p = add("samples", _run_samples, help="smallest n_samples for a target gap")
    p.add_argument("--theorem", required=True, action=_Once, help=theorem_help)
    p.add_argument("--target-gap", required=True, action=_Once, help=target_help)
    _add_constants(p, skip="n_samples")
    p = add(
        "list", run_list, help="every theorem: key, assumptions, conditions, citation"
    )
    add_format_arguments(p)
    p = add("show", run_show, help="one theorem: statement, LaTeX, bibtex")
    p.add_argument(
        "theorem",
        help=f"the theorem or rate-only entry: one of {keys}, "
        f"{', '.join(catalogue().rates)} (or a registry key, e.g. '[D-cvx]')",
    )
    p.add_argument("--latex", action="store_true", help="add the LaTeX statement")
    p.add_argument("--bibtex", action="store_true", help="add the bibtex entry")
    p.add_argument(
        "--json", action="store_true", help="everything above, machine-readable"
    )
    return parsers


def _grid(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every point of the grid: the constants given, crossed with each ``--grid`` axis."""
    base: dict[str, Any] = {
        k: parse_number(getattr(args, k), k)
        for k in NAMES
        if getattr(args, k, None) is not None
    }
    axes = parse_grid(
        args.grid,
        names=[k for k in NAMES if hasattr(args, k)],
        convert=lambda name, text: parse_number(text, name),
        given=base,
        max_points=args.max_grid_points,
    )
    if getattr(args, "aggregation", None) is not None:
        base["aggregation"] = args.aggregation
    return [
        {**base, **dict(zip(axes, combo, strict=True))}
        for combo in itertools.product(*axes.values())
    ]


def _checked_params(params: dict[str, Any]) -> dict[str, Any]:
    """The arguments as numbers for output: counts as ints, the rest as floats.

    Called after the theorem validated them, so every value is a finite number.
    """
    return {
        k: v if isinstance(v, str) else json_number(v, integer=k in COUNTS)
        for k, v in params.items()
    }


def _cmd_bound(args: argparse.Namespace) -> list[dict[str, Any]]:
    # the catalogue's entry: the closed form without sympy (_catalogue.py)
    theorem = catalogue().get(args.theorem)
    out = []
    for params in with_progress(_grid(args), getattr(args, "command", "bound")):
        value = theorem.compute(**params)
        number = json_number(value.value) if is_normal(value.value) else None
        row = {
            **_checked_params(params),
            "quantity": theorem.quantity.label,
            "bound": number,
            "log10_bound": value.log10_value,
            "value": number,
            "vacuous": value.vacuous,
        }
        if theorem.is_reconstruction:
            row["note"] = f"{theorem.registry_key} is a RECONSTRUCTION ({theorem.key})"
        out.append(row)
    return out


def _cmd_inverse(
    args: argparse.Namespace, solve: Callable[..., InverseSolution]
) -> list[dict[str, Any]]:
    from ._registry import get_theorem

    theorem = get_theorem(args.theorem)
    target: Any = parse_number(args.target_gap, "target_gap")  # validated by solve
    out = []
    for params in with_progress(_grid(args), getattr(args, "command", "grid")):
        sol = solve(theorem, target, **params)
        finite = math.isfinite(sol.value)
        number = (
            json_number(sol.value, integer=sol.parameter in COUNTS) if finite else None
        )
        out.append(
            {
                **_checked_params(params),
                sol.parameter: number,
                "value": number,
                "binding": sol.binding,
                "method": sol.method,
            }
        )
    return out


def one_line(message: str) -> str:
    """``message`` with line breaks and other control characters escaped."""
    return "".join(
        ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in message
    )


def run(args: argparse.Namespace) -> int:
    """Run a calculator subcommand (the ``calculator`` default its parser set);
    errors propagate as InvalidParameterError (with a one-line message)."""
    command: Command = args.calculator
    contradiction = check_format(args)
    if contradiction is not None:
        raise InvalidParameterError(contradiction)
    args.format = output_format(args)
    args.json = args.format == "json"
    try:
        return command(args)
    except InvalidParameterError as exc:
        message = _with_flags(str(exc))
        if one_line(message) == message and message == str(exc):
            raise
        raise InvalidParameterError(one_line(message)) from None


#: "<theorem> needs lipschitz, smoothness (missing)" (bounds._conditions).
_MISSING = re.compile(r" needs (?P<names>[a-z_]+(?:, [a-z_]+)*) \(missing\)$")


def _with_flags(message: str) -> str:
    """A message about missing parameters, with the flags that give them.

    Examples:
        >>> _with_flags("hardt-cvx needs lipschitz, smoothness (missing)")
        'hardt-cvx needs lipschitz, smoothness (missing): add --lipschitz L --smoothness BETA'
    """
    m = _MISSING.search(message)
    if m is None:
        return message
    names = m.group("names").split(", ")
    flags = " ".join(
        f"--{n.replace('_', '-')} {n.upper() if n not in _METAVAR else _METAVAR[n]}"
        for n in names
    )
    return f"{message}: add {flags}"


#: Metavariables of the flags whose API name is long (the name table's symbols).
_METAVAR = {"smoothness": "BETA", "lipschitz": "L", "strong_convexity": "GAMMA"}


def _run_compare(args: argparse.Namespace) -> int:
    def grid(a: argparse.Namespace) -> list[dict[str, Any]]:
        points = _grid(a)
        if len(points) >= PROGRESS_POINTS:  # compare evaluates them in one call
            print(f"asyncstab: compare: {len(points):,} grid points", file=sys.stderr)
        return points

    return run_compare(args, grid, print_table)


def _run_bound(args: argparse.Namespace) -> int:
    return _print_rows(args, _cmd_bound(args))


def _run_step_size(args: argparse.Namespace) -> int:
    from ._inverse import max_step_size

    return _print_rows(args, _cmd_inverse(args, max_step_size))


def _run_samples(args: argparse.Namespace) -> int:
    from ._inverse import min_samples

    return _print_rows(args, _cmd_inverse(args, min_samples))


def _print_rows(args: argparse.Namespace, rows: list[dict[str, Any]]) -> int:
    """The rows of ``bound``, ``step-size`` or ``samples``: JSON or a table."""
    if args.format == "json":
        print(json.dumps(rows, indent=2, allow_nan=False))
        return 0
    hidden = {"log10_bound", "value"}
    if all(r.get("quantity") == "uniform stability" for r in rows):
        hidden.add("quantity")  # part 1: the column every README example omits
    columns = [k for k in rows[0] if k not in hidden]
    for r in rows:
        if "vacuous" in r:
            r["vacuous"] = "VACUOUS" if r["vacuous"] else ""
        if "log10_bound" in r:  # beyond the float range too: 1.778e+500
            r["bound"] = format_value(r["log10_bound"])
        for k in r:
            if k in HELP and r[k] is None:
                r[k] = "any"  # an inverse question every value answers
            elif k in HELP and not isinstance(r[k], str):
                r[k] = format_number(r[k])
    print_table(rows, columns, args.format)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bounds``: the calculator on its own."""
    parser = OneLineParser(prog="asyncstab")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except InvalidParameterError as exc:
        print(f"asyncstab: error: {exc}", file=sys.stderr)
        return 2
