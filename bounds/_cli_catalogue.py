"""The catalogue subcommands of the calculator, ``list`` and ``show``, and the
plain-text table every calculator subcommand prints.

Registered by ``register`` in ``_cli.py``, which sets :func:`run_list` and
:func:`run_show` as their commands.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from ._codegen import cond_text
from ._errors import InvalidParameterError
from ._rate import RATES
from ._registry import REGISTRY, get_theorem

__all__ = ["print_table", "run_list", "run_show"]


def print_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    """Print ``rows`` as a left-aligned table of ``columns`` (missing cells blank)."""
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for x in cells:
        print("  ".join(v.ljust(w) for v, w in zip(x, widths, strict=True)).rstrip())


def _list_rows() -> list[dict[str, Any]]:
    rows = [
        {
            "key": t.key,
            "registry": t.registry_key,
            "schedule": t.schedule,
            "assumptions": ", ".join(sorted(a.name.lower() for a in t.assumptions)),
            "conditions": "; ".join(map(cond_text, t.conditions)) or "-",
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
    return rows


def _show(args: argparse.Namespace) -> None:
    t = get_theorem(args.theorem)
    if args.json:
        print(
            json.dumps(
                {
                    "key": t.key,
                    "registry": t.registry_key,
                    "title": t.title,
                    "statement": t.statement(),
                    "latex": t.latex(),
                    "assumptions": sorted(a.value for a in t.assumptions),
                    "conditions": [cond_text(c) for c in t.conditions],
                    "parameters": list(t.parameters),
                    "schedule": t.schedule,
                    "scaling": t.scaling,
                    "source": t.reference.short,
                    "reconstruction": t.is_reconstruction,
                    "bibtex": t.reference.bibtex(),
                },
                indent=2,
            )
        )
        return
    print(t.statement())
    if args.latex:
        print(t.latex())
    if args.bibtex:
        print(t.reference.bibtex())


def _note_ignored(args: argparse.Namespace) -> None:
    """Say, by name, which options of ``show`` have no effect (one line each)."""
    rate = args.theorem in RATES
    if not rate:
        try:
            get_theorem(args.theorem)
        except InvalidParameterError:
            return  # refused below, in one line
    for flag, on in (("--latex", args.latex), ("--bibtex", args.bibtex)):
        if not on:
            continue
        if args.json and not (rate and flag == "--latex"):
            why = "the JSON already holds it"
        elif rate and flag == "--latex":
            why = f"{args.theorem} is rate only: it has no LaTeX statement"
        else:
            continue
        print(f"asyncstab: note: {flag} has no effect here: {why}", file=sys.stderr)


def run_list(args: argparse.Namespace) -> int:
    """``asyncstab list``: every theorem and rate, as a table or JSON."""
    rows = _list_rows()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(
            rows,
            ["key", "registry", "quantity", "schedule", "conditions", "source"],
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    """``asyncstab show KEY``: one theorem's statement (LaTeX, bibtex, JSON)."""
    _note_ignored(args)
    if args.theorem in RATES:
        rate = RATES[args.theorem]
        if args.json:
            doc = {"key": rate.key, "registry": rate.registry_key, "rate_only": True}
            doc |= {"statement": rate.statement(), "bibtex": rate.reference.bibtex()}
            print(json.dumps(doc, indent=2))
            return 0
        print(rate.statement())
        if args.bibtex:
            print(rate.reference.bibtex())
        return 0
    _show(args)
    return 0
