"""Calculator subcommands of the ``asyncstab`` CLI: bound, compare, step-size,
samples, list, show. Thin: parse, call the public API, print.

``register(subparsers)`` adds them to a parser (the full CLI lives in
``empirical._cli``); ``python -m bounds`` runs the calculator alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from ._compare_cli import add_compare_arguments, run_compare
from ._errors import InvalidParameterError
from ._inverse import max_step_size, min_samples
from ._parameters import format_value
from ._rate import RATES
from ._registry import REGISTRY, get_theorem
from ._symbols import SYMBOL
from ._theorem import _cond_text

__all__ = ["OneLineParser", "main", "register", "run"]

COMMANDS = ("bound", "compare", "step-size", "samples", "list", "show")


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"asyncstab: error: {message}\n")


def _number(text: str) -> int | float | str:
    """Parse a CLI number; leave anything else to the API's validation."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _add_constants(p: argparse.ArgumentParser, *, skip: str = "") -> None:
    for name in SYMBOL:
        if name == skip:
            continue
        p.add_argument(
            f"--{name.replace('_', '-')}", dest=name, type=_number, metavar=name.upper()
        )
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="evaluate over a grid (repeatable; cartesian product)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")


def register(subparsers: Any) -> None:
    """Add the calculator subcommands to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("bound", help="evaluate a theorem's bound")
    p.add_argument("--theorem", required=True, help=f"one of {', '.join(REGISTRY)}")
    _add_constants(p)
    p = subparsers.add_parser(
        "compare", help="every registered bound at a setting, ranked as gap bounds"
    )
    add_compare_arguments(p)
    _add_constants(p)
    p = subparsers.add_parser(
        "step-size", help="largest step size (or c) for a target gap"
    )
    p.add_argument("--theorem", required=True)
    p.add_argument("--target-gap", required=True, type=_number)
    _add_constants(p)
    p = subparsers.add_parser("samples", help="smallest n_samples for a target gap")
    p.add_argument("--theorem", required=True)
    p.add_argument("--target-gap", required=True, type=_number)
    _add_constants(p, skip="n_samples")
    p = subparsers.add_parser(
        "list", help="every theorem: key, assumptions, conditions, citation"
    )
    p.add_argument("--json", action="store_true")
    p = subparsers.add_parser("show", help="one theorem: statement, LaTeX, bibtex")
    p.add_argument("theorem")
    p.add_argument("--latex", action="store_true")
    p.add_argument("--bibtex", action="store_true")


def _grid(args: argparse.Namespace) -> list[dict[str, Any]]:
    base = {k: getattr(args, k) for k in SYMBOL if getattr(args, k, None) is not None}
    axes: list[tuple[str, list[Any]]] = []
    for spec in args.grid:
        name, _, values = spec.partition("=")
        name = name.strip().replace("-", "_")
        if name not in SYMBOL or not values:
            raise InvalidParameterError(
                f"grid={spec!r} must look like NAME=V1,V2 with NAME one of {', '.join(SYMBOL)}"
            )
        axes.append((name, [_number(v.strip()) for v in values.split(",")]))
    rows = []
    for combo in itertools.product(*[vals for _, vals in axes]):
        rows.append(
            {**base, **{name: v for (name, _), v in zip(axes, combo, strict=True)}}
        )
    return rows


def _print_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for x in cells:
        print("  ".join(v.ljust(w) for v, w in zip(x, widths, strict=True)))


def _cmd_bound(args: argparse.Namespace) -> list[dict[str, Any]]:
    theorem = get_theorem(args.theorem)
    out = []
    for params in _grid(args):
        value = theorem.compute(**params)
        row = {
            **params,
            "quantity": theorem.quantity.label,
            "bound": format_value(value.log10_value),
            "log10_bound": value.log10_value,
            "value": value.value,
            "vacuous": value.vacuous,
        }
        if theorem.is_reconstruction:
            row["note"] = f"{theorem.registry_key} is a RECONSTRUCTION ({theorem.key})"
        out.append(row)
    return out


def _cmd_inverse(args: argparse.Namespace) -> list[dict[str, Any]]:
    theorem = get_theorem(args.theorem)
    solve = max_step_size if args.command == "step-size" else min_samples
    out = []
    for params in _grid(args):
        sol = solve(theorem, args.target_gap, **params)
        out.append(
            {
                **params,
                sol.parameter: f"{sol.value:.6g}",
                "value": sol.value,
                "binding": sol.binding,
                "method": sol.method,
            }
        )
    return out


def run(args: argparse.Namespace) -> int:
    """Run a calculator subcommand; errors propagate as InvalidParameterError."""
    if args.command == "list":
        rows = [
            {
                "key": t.key,
                "registry": t.registry_key,
                "schedule": t.schedule,
                "assumptions": ", ".join(sorted(a.name.lower() for a in t.assumptions)),
                "conditions": "; ".join(map(_cond_text, t.conditions)) or "-",
                "quantity": t.quantity.label,
                "source": t.reference.short
                + (" (reconstruction)" if t.is_reconstruction else ""),
            }
            for t in REGISTRY.values()
        ]
        rows += [
            {
                "key": r.key,
                "registry": r.registry_key,
                "schedule": "rate only",
                "assumptions": ", ".join(r.assumptions),
                "conditions": r.label,
                "quantity": r.quantity.label,
                "source": r.reference.short + " (rate only)",
            }
            for r in RATES.values()
        ]
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            _print_table(
                rows,
                ["key", "registry", "quantity", "schedule", "conditions", "source"],
            )
        return 0
    if args.command == "show" and args.theorem in RATES:
        print(RATES[args.theorem].statement())
        return 0
    if args.command == "show":
        t = get_theorem(args.theorem)
        print(t.latex() if args.latex else t.statement())
        if args.bibtex:
            print(t.reference.bibtex())
        return 0
    if args.command == "compare":
        return run_compare(args, _grid, _print_table)
    rows = _cmd_bound(args) if args.command == "bound" else _cmd_inverse(args)
    if args.json:
        print(json.dumps(rows, indent=2, default=float))
        return 0
    hidden = {"log10_bound", "value"}
    if all(r.get("quantity") == "uniform stability" for r in rows):
        hidden.add("quantity")  # part 1: the column every README example omits
    columns = [k for k in rows[0] if k not in hidden]
    for r in rows:
        if r.get("vacuous"):
            r["vacuous"] = "VACUOUS"
        elif "vacuous" in r:
            r["vacuous"] = ""
    _print_table(rows, columns)
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
