"""What is public, and the floors of ``empirical``, from the code.

The floors are ``FLOORS`` of ``tests/test_layout.py`` (the test that checks
them, read as a literal without importing pytest); what each holds is the
first line of its package docstring.
"""

from __future__ import annotations

import ast
import re

from .cli import DocsBuildError
from .paths import ROOT

_INTRO = """\
# What is public, and how the code is laid out

Only the names in `bounds.__all__` and `empirical.__all__` (and the `asyncstab`
command) are public: the [API reference](reference/index.md) lists them, and
modules whose names start with an underscore are private and may change. `bounds`
never imports `empirical`: the calculator stands alone (`python -m bounds` runs it
without the simulator). `bounds.strategies` holds Hypothesis strategies that draw
admissible parameters for a theorem, so you can property-test your own code against
these bounds (walkthrough *05 property testing*).

Inside `empirical/` the subpackages are floors, lowest first: a module imports only
from its own floor or the ones below, there is no import cycle, and
`tests/test_layout.py` checks both from the source. This table is read from that
test and from each package's docstring when the site is built:
"""


def floors() -> tuple[str, ...]:
    """``FLOORS`` of ``tests/test_layout.py``, read as a literal."""
    tree = ast.parse((ROOT / "tests" / "test_layout.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "FLOORS" for t in node.targets
        ):
            value: tuple[str, ...] = ast.literal_eval(node.value)
            return value
    raise DocsBuildError("tests/test_layout.py defines no FLOORS literal")


def _summary(package: str) -> str:
    init = ROOT.joinpath(*package.split("."), "__init__.py")
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    first = doc.strip().split("\n\n")[0]
    text = " ".join(first.split()).replace("``", "`")
    return re.sub(r"^Floor \d+, ", "", text)


def page() -> str:
    """Markdown of ``layout.md``."""
    lines = [_INTRO, "| floor | package | what it holds |", "|---|---|---|"]
    packages = [
        f for f in floors() if f.count(".") == 1 and not f.split(".")[1].startswith("_")
    ]
    if not packages:
        raise DocsBuildError("tests/test_layout.py's FLOORS names no subpackage")
    for i, package in enumerate(packages, start=1):
        path = package.replace(".", "/") + "/"
        lines.append(f"| {i} | `{path}` | {_summary(package)} |")
    lines.append("")
    return "\n".join(lines)
