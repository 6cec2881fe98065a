"""Getting started: the README's set-up commands and real runs of four subcommands.

Each example is the README's command for that subcommand where the README shows
one (so the two never disagree), else the command of :data:`EXAMPLES`; its
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

#: (subcommand, section title, what the example shows, command where the README
#: shows none), in page order.
EXAMPLES: tuple[tuple[str, str, str, str], ...] = (
    (
        "bound",
        "Evaluate a bound",
        "One theorem's closed form over a grid of delays.",
        "asyncstab bound --theorem delayed-cvx --n-samples 500 --n-steps 1000 "
        "--step-size 0.01 --lipschitz 1 --smoothness 1 --grid max_delay=0,8,32",
    ),
    (
        "compare",
        "Which bound is tightest?",
        "Every registry entry for one setting, ranked among those that apply "
        "([Comparing bounds](comparing.md) explains the columns).",
        "asyncstab compare --loss-family convex-smooth --n-samples 5000 "
        "--n-steps 20000 --step-size 0.05 --max-delay 16 --smoothness 0.25 "
        "--lipschitz 1 --diameter 4 --optimal-risk 0.6931 --train-loss 0.3",
    ),
    (
        "verify",
        "Check the bounds against measurements",
        "The built-in verification suite (its quick sizes, the default): delayed SGD on coupled "
        "pairs of neighbouring data sets, one verdict per theorem and setting "
        "([the verification suite](verify.md) explains the columns).",
        "asyncstab verify",
    ),
    (
        "reproduce",
        "Reproduce a published experiment",
        "A paper's experiment at small scale, with coupled-pair stability added "
        "([networks and the published experiments](networks.md)).",
        "asyncstab reproduce regatti2019 --quick",
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
    for sub, title, blurb, default in EXAMPLES:
        if sub not in available:
            why = f"`asyncstab {sub}` is not a subcommand of this version of the CLI."
            out.append(Example(sub, title, blurb, None, None, why))
            continue
        command = example_for(sub, commands) or default
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
        "The set-up commands are the README's; every output on this page was",
        "produced by running the command when this site was built.",
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
        "One example per theorem: [Worked examples](examples.md). Every flag of every",
        "subcommand: [CLI reference](cli.md). The numbers the verification suite",
        "measured, with its figures: [Findings](findings.md).",
        "",
    ]
    return "\n".join(lines)
