"""Getting started: the README's set-up commands and real runs of four subcommands.

Each example command is the README's own (so the two never disagree) and its
output is produced by running it at build time. A subcommand that this version
of the CLI does not have yet is skipped with a visible note; one that exists
but fails, fails the build.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from .cli import (
    Run,
    build_parser,
    readme_commands,
    run_cli,
    setup_commands,
    subcommands,
)
from .paths import cached_dir

#: (subcommand, section title, what the example shows), in page order.
EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("bound", "Evaluate a bound", "One theorem's closed form over a grid of delays."),
    (
        "compare",
        "Which bound is tightest?",
        "Every registry entry for one setting, ranked among those that apply.",
    ),
    (
        "verify",
        "Check the bounds against measurements",
        "The built-in verification suite at its quick sizes: delayed SGD on coupled "
        "pairs of neighbouring data sets, one verdict per theorem and setting.",
    ),
    (
        "reproduce",
        "Reproduce a published experiment",
        "A paper's experiment at small scale, with coupled-pair stability added.",
    ),
)


@dataclass(frozen=True)
class Example:
    """One section: the README's command and its real run, or why it is absent."""

    subcommand: str
    title: str
    blurb: str
    run: Run | None
    folder: Path | None  # where it ran: its result files are there
    missing: str = ""


def run_examples() -> list[Example]:
    """Run the README's example of each subcommand of :data:`EXAMPLES` (cached)."""
    available = subcommands(build_parser())
    commands = readme_commands()
    out = []
    for sub, title, blurb in EXAMPLES:
        if sub not in available:
            why = f"`asyncstab {sub}` is not a subcommand of this version of the CLI."
            out.append(Example(sub, title, blurb, None, None, why))
            continue
        command = example_for(sub, commands)
        if command is None:
            why = f"The README shows no `asyncstab {sub}` command to run yet."
            out.append(Example(sub, title, blurb, None, None, why))
            continue
        folder = cached_dir(f"run-{sub}", command, functools.partial(_record, command))
        stdout = (folder / "stdout.txt").read_text(encoding="utf-8")
        out.append(Example(sub, title, blurb, Run(command, stdout, 0), folder))
    return out


def example_for(sub: str, commands: list[str]) -> str | None:
    """The README's example of ``sub``: the first with ``--quick``, else the first."""
    mine = [c for c in commands if c.split()[1:2] == [sub]]
    quick = [c for c in mine if "--quick" in c.split()]
    return (quick or mine)[0] if mine else None


def _record(command: str, folder: Path) -> None:
    run = run_cli(command, folder)
    (folder / "stdout.txt").write_text(run.stdout, encoding="utf-8")


def page(examples: list[Example]) -> str:
    """Markdown of the getting-started page."""
    lines = [
        "# Getting started",
        "",
        "The commands below are the README's; every output on this page was produced",
        "by running the command when this site was built.",
        "",
        "## Set up",
        "",
    ]
    for block in setup_commands():
        lines += ["```bash", block, "```", ""]
    for ex in examples:
        lines += [f"## {ex.title}", "", ex.blurb, ""]
        if ex.run is None:
            lines += ['!!! note "Not in this version"', "", f"    {ex.missing}", ""]
            continue
        lines += ["```text", f"$ {ex.run.command}", ex.run.stdout.rstrip(), "```", ""]
    lines += [
        "Every flag of every subcommand: [CLI reference](cli.md). The numbers the",
        "verification suite measured, with its figures: [Findings](findings.md).",
        "",
    ]
    return "\n".join(lines)
