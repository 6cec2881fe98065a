"""The name table: every parameter's symbol, API name, CLI flag, rule and meaning.

Generated from the code: the symbols from ``bounds.symbols.SYMBOL`` (rendered
by sympy), the meanings from the name table in that module's docstring, the
validation rule and defaults from ``bounds._parameters``, and the CLI flags from
the argument parser of ``asyncstab bound`` and ``asyncstab compare``.
"""

from __future__ import annotations

import argparse
import re

from .cli import DocsBuildError, build_parser, subcommands


def docstring_meanings(doc: str) -> dict[str, str]:
    """API name -> meaning, read from the reST simple table of a docstring.

    A row is ``math  ``name``  meaning``; an indented line continues the row above.
    """
    out: dict[str, str] = {}
    last = ""
    for line in doc.splitlines():
        row = re.match(r"^\S.*?\s{2,}``(\w+)``\s{2,}(.+)$", line)
        if row:
            last = row.group(1)
            out[last] = row.group(2).strip()
        elif last and re.match(r"^\s{20,}\S", line):
            out[last] += " " + line.strip()
        elif line.startswith("===") and out:
            last = ""
    return out


def cli_flags() -> dict[str, str]:
    """API name -> its option in ``asyncstab bound`` or ``asyncstab compare``."""
    subs = subcommands(build_parser())
    out: dict[str, str] = {}
    for name in ("bound", "compare"):
        for action in subs[name]._actions if name in subs else []:
            if action.option_strings and not isinstance(action, argparse._HelpAction):
                out.setdefault(action.dest, action.option_strings[-1])
    return out


def _rule(name: str) -> str:
    from bounds.internal import parameters as p

    rules = getattr(p, "_RULES", {})
    if name not in rules:
        return ""
    is_int, minimum, strict = rules[name]
    kind = "integer" if is_int else "real"
    rule = f"{kind} {'>' if strict else '>='} {minimum:g}"
    if name in p.DEFAULTS:
        rule += f"; default {p.DEFAULTS[name]:g}"
    if name in p.LINKED_DEFAULTS:
        rule += f"; default: `{p.LINKED_DEFAULTS[name]}`"
    return rule


def page() -> str:
    """Markdown of ``names.md``."""
    import sympy as sp

    from bounds.internal import symbols

    meanings = docstring_meanings(symbols.__doc__ or "")
    if not meanings:
        raise DocsBuildError("bounds/_symbols.py's docstring has no name table")
    flags = cli_flags()
    lines = [
        "# Name table",
        "",
        "The vocabulary of the API, the CLI and the docs, generated from the code when",
        "this site was built: the symbols of `bounds._symbols`, the meanings of its name",
        "table, the rules that `Theorem.validate` applies (`bounds._parameters`) and the",
        "flags of `asyncstab bound` and `asyncstab compare`. A parameter of the calculator",
        "is the same name everywhere: `n_samples=` in Python, `--n-samples` on the command",
        "line, $n$ in the statements.",
        "",
        "| math | API name | CLI flag | rule | meaning |",
        "|---|---|---|---|---|",
    ]
    names = [*symbols.SYMBOL, *(k for k in meanings if k not in symbols.SYMBOL)]
    for name in names:
        if name not in flags:
            continue  # internal (a burn-in step): no API or CLI name to document
        symbol = symbols.SYMBOL.get(name)
        math = f"${sp.latex(symbol)}$" if symbol is not None else "(none)"
        meaning = meanings.get(name, "").replace("``", "`").replace("|", "\\|")
        lines.append(
            f"| {math} | `{name}` | `{flags[name]}` | {_rule(name)} | {meaning} |"
        )
    lines += [
        "",
        "`n_workers`, `aggregation` and `period` describe a protocol; the part-3",
        "theorems read them as `step_weight`, `arrivals` and `max_delay`",
        "(`bounds.protocol_constants`). Every flag of every subcommand:",
        "[CLI reference](cli.md).",
        "",
    ]
    return "\n".join(lines)
