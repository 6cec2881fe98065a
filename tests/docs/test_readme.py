"""The README: short, its set-up commands CI's, and every example it shows true.

A newcomer reads the README in five minutes and follows it from a fresh clone,
so: it stays within :data:`MAX_LINES`; its two set-up commands install what CI
installs and run CI's test command; each ``$ asyncstab ...`` block shows what
the CLI prints; the Python example prints the block shown under it; every
command in a code block parses; the theorem table is the one generated from the
registry; and the site pages it sends readers to exist.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from empirical.cli._cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
#: A README a newcomer reads in five minutes (the length of optax's).
MAX_LINES = 150


@pytest.fixture(scope="module")
def sitegen() -> Iterator[ModuleType]:
    docs = str(ROOT / "docs")
    sys.path.insert(0, docs)
    try:
        yield importlib.import_module("sitegen")
    finally:
        sys.path.remove(docs)


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README, flags=re.S | re.M)


def _extras(command: str) -> set[str]:
    match = re.search(r'pip install (?:--quiet )?-e "\.\[([a-z,]+)\]"', command)
    assert match, f"no pip install of extras in {command!r}"
    return set(match.group(1).split(","))


def test_readme_is_short() -> None:
    n = len(README.splitlines())
    assert n <= MAX_LINES, f"README.md has {n} lines; at most {MAX_LINES}"


def test_setup_commands_are_what_ci_runs(sitegen: ModuleType) -> None:
    cli = importlib.import_module("sitegen.cli")
    install, tests = cli.setup_commands()
    # The main job: a fresh venv, the package alone, then the verification suite.
    assert install == (
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . "
        "&& asyncstab verify"
    )
    ci_lines = [line.strip() for line in CI.splitlines()]
    # CI's main venv (it also builds the site once in a venv with the docs extra alone).
    ci_install = next(
        x for x in ci_lines if "pip install" in x and "-e" in x and "test" in x
    )
    assert _extras(tests) == _extras(ci_install)
    ci_pytest = next(x for x in ci_lines if x.startswith("python -m pytest"))
    assert tests.endswith("&& " + ci_pytest)


def test_shown_cli_output_is_what_the_cli_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    examples = [b for b in _blocks("text") if b.startswith("$ asyncstab ")]
    assert examples, "the README shows no calculator example"
    for block in examples:
        first, *shown = block.rstrip("\n").splitlines()
        argv = shlex.split(first.removeprefix("$ asyncstab "))
        assert main(argv) == 0, first
        printed = capsys.readouterr().out.rstrip("\n").splitlines()
        assert [x.rstrip() for x in printed] == [x.rstrip() for x in shown], first


def test_python_example_prints_the_block_below_it() -> None:
    match = re.search(
        r"^```python\n(.*?)^```\n\n```text\n(.*?)^```", README, flags=re.S | re.M
    )
    assert match, "the README's Python example has no printed output below it"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(match.group(1), "README.md", "exec"), {})
    assert out.getvalue().rstrip("\n") == match.group(2).rstrip("\n")


def test_every_command_in_a_code_block_parses(sitegen: ModuleType) -> None:
    commands = importlib.import_module("sitegen.cli").readme_commands()
    assert commands
    parser = build_parser()
    for command in commands:
        parser.parse_args(shlex.split(command)[1:])  # SystemExit on a bad flag


def test_theorem_table_is_the_generated_one(sitegen: ModuleType) -> None:
    table = importlib.import_module("sitegen.theorems").summary_table()
    assert f"\n{table}\n" in README


def test_delay_question_summary_is_the_one_generated_from_the_kept_runs(
    sitegen: ModuleType,
) -> None:
    summary = importlib.import_module("sitegen.reproductions").readme_summary()
    assert summary.count("\n") >= 3  # a header, a rule and at least two runs' rows
    begin, end = "<!-- begin: generated", "<!-- end: generated -->"
    block = README[README.index(begin) : README.index(end)]
    assert f"\n{summary}\n" in block


def test_site_pages_named_by_the_readme_exist(sitegen: ModuleType) -> None:
    nav = importlib.import_module("sitegen.pages").nav()

    def flat(entries: object) -> Iterator[str]:
        if isinstance(entries, str):
            yield entries
        elif isinstance(entries, dict):
            for v in entries.values():
                yield from flat(v)
        elif isinstance(entries, list):
            for v in entries:
                yield from flat(v)

    pages = set(flat(nav))
    for url in re.findall(r"http://127\.0\.0\.1:8000/([a-z-]+)/", README):
        assert f"{url}.md" in pages, f"README links {url}/, which is not a site page"
    assert 'pip install -e ".[docs]" && mkdocs serve' in README
