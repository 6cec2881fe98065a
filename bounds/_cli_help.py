"""The help of the calculator subcommands: its formatter and each one's examples.

The examples end each subcommand's help (``epilog``); a test runs every one.
"""

from __future__ import annotations

import argparse
import textwrap

__all__ = ["EXAMPLES", "HelpFormatter", "epilog"]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help with the examples as written (one command a line, to copy), and the
    description and option help wrapped at spaces only (a key such as
    ``delayed-cvx-workers`` stays whole)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return super()._fill_text(text, width, indent)
        return "\n\n".join(
            textwrap.fill(
                " ".join(part.split()),
                width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
            )
            for part in text.split("\n\n")
        )


_EXAMPLE_SETTING = "--n-samples 500 --n-steps 1000 --lipschitz 1 --smoothness 1"

#: One or two examples per subcommand, shown at the end of its help (a test runs
#: each one).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "bound": (
        "asyncstab bound --theorem delayed-cvx --n-samples 500 --n-steps 1000 "
        "--step-size 0.01 --lipschitz 1 --smoothness 1 --grid max_delay=0,8,32",
        "asyncstab bound --theorem delayed-ncvx-workers --n-samples 50000 "
        "--n-steps 100000 --c 0.5 --lipschitz 1 --smoothness 1 --n-workers 4 "
        "--aggregation sum --format csv",
    ),
    "compare": (
        "asyncstab compare --loss-family convex-smooth --step-size 0.01 "
        f"{_EXAMPLE_SETTING} --max-delay 8",
        "asyncstab compare --loss-family convex-smooth --step-size 0.01 "
        f"{_EXAMPLE_SETTING} --grid max_delay=0,8,32 --plot compare.png",
    ),
    "step-size": (
        "asyncstab step-size --theorem delayed-cvx --target-gap 0.05 "
        f"{_EXAMPLE_SETTING} --grid max_delay=0,8,32",
    ),
    "samples": (
        "asyncstab samples --theorem delayed-cvx --target-gap 0.05 --n-steps 1000 "
        "--step-size 0.001 --lipschitz 1 --smoothness 1 --max-delay 8",
    ),
    "list": ("asyncstab list", "asyncstab list --format markdown"),
    "show": (
        "asyncstab show delayed-cvx --latex --bibtex",
        "asyncstab show '[D-cvx]' --json",
    ),
}


def epilog(command: str, examples: dict[str, tuple[str, ...]] = EXAMPLES) -> str:
    """The end of a subcommand's help: its examples, one a line."""
    lines = "\n".join(f"  {e}" for e in examples[command])
    return f"examples:\n{lines}"
