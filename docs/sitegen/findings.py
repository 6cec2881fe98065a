"""The measured findings: the reports that real runs wrote, with their figures.

Nothing on this page is pasted: it is the ``report.md`` (tables, findings,
figures) of the ``asyncstab verify`` run made for this build, and of the
``asyncstab reproduce`` run where the CLI has that subcommand. By default these
are the getting-started runs (``--quick`` sizes); ``ASYNCSTAB_DOCS_FULL=1 mkdocs
build`` runs ``asyncstab verify --full`` (the full suite) instead (minutes).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .cli import run_cli
from .getting_started import Example
from .paths import cached_dir

FULL_VERIFY = "asyncstab verify --full"


def full_requested() -> bool:
    """True when ``ASYNCSTAB_DOCS_FULL=1``: findings at the suite's full sizes."""
    return os.environ.get("ASYNCSTAB_DOCS_FULL", "") == "1"


def _reports(folder: Path) -> list[Path]:
    return sorted(folder.rglob("report.md"))


def _section(
    report: Path, folder: Path, prefix: str, files: dict[str, bytes]
) -> list[str]:
    text = report.read_text(encoding="utf-8")
    # Under this page's title and the section's own heading: two levels down.
    text = re.sub(r"^(#+) ", r"##\1 ", text, flags=re.M)
    rel = report.parent.relative_to(folder).as_posix()
    for png in sorted(report.parent.glob("*.png")):
        name = f"{prefix}/{rel}/{png.name}".replace("/./", "/")
        files[name] = png.read_bytes()
        text = text.replace(f"]({png.name})", f"]({name})")
    return [text, ""]


def page(examples: list[Example]) -> tuple[str, dict[str, bytes]]:
    """Markdown of the findings page and the figure files it links."""
    files: dict[str, bytes] = {}
    lines = [
        "# Measured findings",
        "",
        "Regenerated on every build, never pasted: each section below is the report",
        "a real run wrote. By default the runs are the getting-started ones at their",
        "quick sizes (`asyncstab verify`); for the full suite (minutes) run",
        "",
        "```bash",
        "ASYNCSTAB_DOCS_FULL=1 mkdocs build   # runs `asyncstab verify --full`",
        "```",
        "",
    ]
    for ex in examples:
        if ex.subcommand not in ("verify", "reproduce"):
            continue
        folder, command = ex.folder, ex.run.command if ex.run else ""
        if ex.subcommand == "verify" and full_requested():
            folder = cached_dir("run-verify-full", FULL_VERIFY, lambda d: _full(d))
            command = FULL_VERIFY
        lines += [f"## `asyncstab {ex.subcommand}`", ""]
        if folder is None:
            lines += ['!!! note "Not in this version"', "", f"    {ex.missing}", ""]
            continue
        reports = _reports(folder)
        lines += [f"From `{command}`.", ""]
        if not reports:
            lines += ["This run wrote no `report.md`; its output:", "", "```text"]
            lines += [ex.run.stdout.rstrip() if ex.run else "", "```", ""]
        for report in reports:
            lines += _section(report, folder, f"findings/{ex.subcommand}", files)
    return "\n".join(lines), files


def _full(folder: Path) -> None:
    run = run_cli(FULL_VERIFY, folder, timeout=3600)
    (folder / "stdout.txt").write_text(run.stdout, encoding="utf-8")
