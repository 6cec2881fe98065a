"""The ``asyncstab`` command line: its parser, real runs of it, and the README's commands.

The parser is found through the console-script entry point declared in
``pyproject.toml`` (``asyncstab = "module:main"``), whose module must define
``build_parser()``; so the CLI reference follows the code wherever the CLI lives.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import tomllib

from .paths import README, ROOT

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class DocsBuildError(RuntimeError):
    """A page cannot be generated truthfully; the build stops with this message."""


def entry_module() -> str:
    """Module of the ``asyncstab`` console script, from ``pyproject.toml``."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    return str(scripts["asyncstab"]).split(":")[0]


def build_parser() -> argparse.ArgumentParser:
    """The CLI's own parser (``<entry module>.build_parser()``)."""
    module = importlib.import_module(entry_module())
    if not hasattr(module, "build_parser"):
        raise DocsBuildError(
            f"{module.__name__} has no build_parser(): no CLI reference"
        )
    parser: argparse.ArgumentParser = module.build_parser()
    return parser


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Subcommand name -> its parser, in the order they were added."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@dataclass(frozen=True)
class Run:
    """One real run of the CLI: the command as typed, its stdout and exit status."""

    command: str
    stdout: str
    returncode: int
    stderr: str = ""


def run_cli(command: str, cwd: Path, *, timeout: float = 900, status: int = 0) -> Run:
    """Run ``asyncstab ARGS`` (``command`` starts with ``asyncstab``) in ``cwd``.

    The interpreter running the build runs the entry module's ``main``, with the
    checkout first on ``PYTHONPATH``: the documented code is the code that runs.
    ``status`` is the exit status the example is meant to show (2: refused input).

    Raises:
        DocsBuildError: the command exits with another status than ``status``.
    """
    argv = command.split()
    if argv[0] != "asyncstab":
        raise DocsBuildError(f"command={command!r} must start with 'asyncstab'")
    code = f"import sys; from {entry_module()} import main; sys.exit(main())"
    env = dict(os.environ, MPLBACKEND="Agg", COLUMNS="200")
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != status:
        raise DocsBuildError(
            f"`{command}` exited with status {proc.returncode}:\n{proc.stderr[-2000:]}"
        )
    return Run(
        command, _ANSI.sub("", proc.stdout), proc.returncode, _ANSI.sub("", proc.stderr)
    )


def readme_commands(text: str | None = None) -> list[str]:
    """Every ``asyncstab ...`` command line of the README's code blocks.

    ``$ `` prompts, trailing ``# comments`` and ``\\`` continuations are handled.
    """
    text = README.read_text(encoding="utf-8") if text is None else text
    out: list[str] = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.strip().removeprefix("$ ").strip()
            line = re.sub(r"\s+#.*$", "", line)
            if line.startswith("asyncstab "):
                out.append(" ".join(line.split()))
    return out


def setup_commands(text: str | None = None) -> list[str]:
    """The code blocks of the README's "Set up" section, verbatim."""
    text = README.read_text(encoding="utf-8") if text is None else text
    match = re.search(r"^## Set up.*?$(.*?)^## ", text, flags=re.S | re.M)
    if match is None:
        raise DocsBuildError("README.md has no '## Set up' section")
    blocks = re.findall(r"```bash\n(.*?)```", match.group(1), flags=re.S)
    if not blocks:
        raise DocsBuildError("README.md's '## Set up' section has no bash block")
    return [b.strip() for b in blocks]
