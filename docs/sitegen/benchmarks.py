"""The benchmarks page: each script of ``benchmarks/`` with its own docstring.

The scripts print throughput measured on the machine that runs them; the page
describes what each measures (its docstring, so the two cannot disagree) and
stores no measured number.
"""

from __future__ import annotations

import ast

from .cli import DocsBuildError
from .paths import ROOT

_INTRO = """\
# Benchmarks

The scripts in `benchmarks/` measure throughput on the machine they run on and print
it, each against a baseline timed in the same run; this page holds no stored number,
so run them where you want to know. What each measures, from its docstring:
"""


def page() -> str:
    """Markdown of ``benchmarks.md``."""
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    if not scripts:
        raise DocsBuildError("benchmarks/ holds no bench_*.py script")
    lines = [_INTRO]
    for script in scripts:
        doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")))
        if not doc:
            raise DocsBuildError(f"benchmarks/{script.name} has no docstring")
        lines += [
            f"## `python benchmarks/{script.name}`",
            "",
            doc.replace("``", "`"),
            "",
        ]
    return "\n".join(lines)
