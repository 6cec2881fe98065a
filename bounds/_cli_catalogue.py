"""The catalogue subcommands of the calculator, ``list`` and ``show``.

Registered by ``register`` in ``_cli.py``, which sets :func:`run_list` and
:func:`run_show` as their commands. Both print texts the on-disk catalogue
holds (``_catalogue.py``), so they load no sympy.
"""

from __future__ import annotations

import argparse
import json
import sys

from ._catalogue import Catalogue, catalogue
from ._tables import print_table

__all__ = ["run_list", "run_show"]


def _rate_key(cat: Catalogue, key: str) -> str | None:
    """The rate-only entry ``show`` prints for ``key`` (its API key), or None."""
    return key if key in cat.rates else None


def _note_ignored(args: argparse.Namespace, rate: bool) -> None:
    """Say, by name, which options of ``show`` have no effect (one line each)."""
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
    rows = catalogue().list_rows
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        print_table(
            rows,
            ["key", "registry", "quantity", "schedule", "conditions", "source"],
            args.format,
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    """``asyncstab show KEY``: one theorem's statement (LaTeX, bibtex, JSON)."""
    cat = catalogue()
    rate_key = _rate_key(cat, args.theorem)
    if rate_key is not None:
        _note_ignored(args, rate=True)
        rate = cat.rates[rate_key]
        if args.json:
            print(json.dumps(rate["json"], indent=2))
            return 0
        print(rate["statement"])
        if args.bibtex:
            print(rate["bibtex"])
        return 0
    entry = cat.get(args.theorem)  # an unknown key is refused here, in one line
    _note_ignored(args, rate=False)
    texts = entry.texts
    if args.json:
        print(json.dumps(texts["json"], indent=2))
        return 0
    print(texts["statement"])
    if args.latex:
        print(texts["latex"])
    if args.bibtex:
        print(texts["bibtex"])
    return 0
