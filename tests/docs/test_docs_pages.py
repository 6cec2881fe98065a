"""The generators of the documentation site's pages (``docs/sitegen/``), without a build.

What must stop a build does (a failing notebook cell, a failing example
command), and the pieces that turn code and runs into pages keep what they are
given (the README's commands, a notebook's figures and math, a report's figures).
"""

from __future__ import annotations

import base64
import gc
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def sitegen() -> Iterator[ModuleType]:
    sys.path.insert(0, str(DOCS))
    try:
        yield importlib.import_module("sitegen")
    finally:
        sys.path.remove(str(DOCS))


README = """
## Set up (two commands)

```bash
python3 -m venv .venv && pip install -e .
```

## Examples

```text
$ asyncstab bound --theorem hardt-cvx --n-samples 500
n_samples  bound
```

```bash
asyncstab verify                               # about a minute
asyncstab verify --quick                       # about 20 s
asyncstab sweep --loss logistic \\
    --grid max_delay=0,2 --results s.jsonl
```

## Next
"""


def test_readme_commands_and_examples(sitegen: ModuleType) -> None:
    cli = importlib.import_module("sitegen.cli")
    gs = importlib.import_module("sitegen.getting_started")
    commands = cli.readme_commands(README)
    assert commands == [
        "asyncstab bound --theorem hardt-cvx --n-samples 500",
        "asyncstab verify",
        "asyncstab verify --quick",
        "asyncstab sweep --loss logistic --grid max_delay=0,2 --results s.jsonl",
    ]
    assert gs.example_for("verify", commands) == "asyncstab verify --quick"
    assert gs.example_for("bound", commands) == commands[0]
    assert gs.example_for("compare", commands) is None
    assert cli.setup_commands(README) == ["python3 -m venv .venv && pip install -e ."]


def test_the_real_readme_has_what_getting_started_needs(sitegen: ModuleType) -> None:
    cli = importlib.import_module("sitegen.cli")
    gs = importlib.import_module("sitegen.getting_started")
    assert len(cli.setup_commands()) == 2
    commands = cli.readme_commands()
    # The README's calculator example is the page's; the others are the page's own.
    assert gs.example_for("bound", commands)
    parser = cli.build_parser()
    for sub, _, _, default in gs.EXAMPLES:
        assert default.split()[1] == sub
        parser.parse_args(default.split()[1:])  # SystemExit on a bad flag
    assert gs.EXAMPLES[2][3] == "asyncstab verify"  # the quick suite is the default


def test_worked_examples_cover_every_evaluable_theorem(sitegen: ModuleType) -> None:
    import bounds

    we = importlib.import_module("sitegen.worked_examples")
    cli = importlib.import_module("sitegen.cli")
    parser = cli.build_parser()
    shown = set()
    for _, command, status in we.COMMANDS:
        args = parser.parse_args(command.split()[1:])
        shown.add(getattr(args, "theorem", None))
        assert status in (0, 2)
    assert set(bounds.REGISTRY) <= shown
    assert any(status == 2 for _, _, status in we.COMMANDS)  # a refused input


def test_name_table_comes_from_the_symbols_and_the_parser(sitegen: ModuleType) -> None:
    from bounds import _symbols

    names = importlib.import_module("sitegen.names")
    meanings = names.docstring_meanings(_symbols.__doc__ or "")
    assert meanings["n_samples"] == "training-set size"
    assert meanings["period"].endswith("(staleness d - 1; Deng et al.'s fixed delays)")
    page = names.page()
    for name, flag in names.cli_flags().items():
        if name in _symbols.SYMBOL:
            assert f"| `{name}` | `{flag}` |" in page
    assert "| `n_samples` | `--n-samples` | integer >= 2 |" in page


def test_comparing_answer_reads_the_ranks(sitegen: ModuleType) -> None:
    comparing = importlib.import_module("sitegen.comparing")
    rows = [
        {"key": "b", "rank": 2, "gap": 3.0, "quantity": "generalization gap"},
        {"key": "x", "rank": None, "gap": None, "quantity": "excess risk"},
        {"key": "a", "rank": 1, "gap": 2.0, "quantity": "uniform stability"},
    ]
    payload = json.dumps({"rows": rows})
    assert comparing.answer(payload) == (
        "the tightest bound on the gap is `a` (2, bounding uniform stability); "
        "the next is `b` (3 as a gap), 1.5 times larger."
    )
    assert comparing.answer(json.dumps({"rows": rows[1:2]})).startswith("no ")


def test_layout_benchmarks_and_walkthrough_index_follow_the_code(
    sitegen: ModuleType,
) -> None:
    layout = importlib.import_module("sitegen.layout")
    text = layout.page()
    for floor in layout.floors():
        if floor.count(".") == 1 and not floor.split(".")[1].startswith("_"):
            assert f"`{floor.replace('.', '/')}/`" in text
    bench = importlib.import_module("sitegen.benchmarks").page()
    for script in sorted((DOCS.parent / "benchmarks").glob("bench_*.py")):
        assert f"## `python benchmarks/{script.name}`" in bench
    nbs = importlib.import_module("sitegen.notebooks")
    index = nbs.index_page()
    for path in nbs.notebook_paths():
        assert f"]({path.stem}.md)" in index


def test_a_failing_example_command_stops_the_build(
    sitegen: ModuleType, tmp_path: Path
) -> None:
    cli = importlib.import_module("sitegen.cli")
    with pytest.raises(cli.DocsBuildError, match="exited with status 2"):
        cli.run_cli("asyncstab bound --theorem no-such-theorem", tmp_path)
    run = cli.run_cli("asyncstab list", tmp_path)
    assert "hardt-cvx" in run.stdout


def test_the_cli_reference_lists_every_subcommand(sitegen: ModuleType) -> None:
    cli = importlib.import_module("sitegen.cli")
    page = importlib.import_module("sitegen.cli_reference").page()
    for name in cli.subcommands(cli.build_parser()):
        assert f"## `asyncstab {name}` {{#{name}}}" in page
    assert "`--n-samples" in page


def test_a_notebook_renders_its_figures_math_and_text(sitegen: ModuleType) -> None:
    nbs = importlib.import_module("sitegen.notebooks")
    png = base64.b64encode(b"\x89PNG fake").decode()
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": "# 07 · Title\n\nMath $x^2$."},
            {
                "cell_type": "code",
                "source": "plot()",
                "outputs": [
                    {
                        "output_type": "stream",
                        "name": "stdout",
                        "text": "\x1b[31mhi\x1b[0m\n",
                    },
                    {"output_type": "display_data", "data": {"image/png": png}},
                    {
                        "output_type": "display_data",
                        "data": {"text/latex": "$\\displaystyle \\frac{1}{n}$"},
                    },
                ],
            },
        ]
    }
    w = nbs.render("07_title", nb, {"n_pairs": 4})
    assert w.title == "07 · Title"
    assert w.files == {"07_title/figure-1.png": b"\x89PNG fake"}
    assert "![figure 1 of 07_title](07_title/figure-1.png)" in w.markdown
    assert "$$\n\\displaystyle \\frac{1}{n}\n$$" in w.markdown
    assert "```text\nhi\n```" in w.markdown
    assert "`n_pairs = 4`" in w.markdown


# The kernel client's zmq sockets are closed when garbage-collected (as in
# tests/test_notebooks.py): collect them inside this test's warning filters.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_failing_notebook_stops_the_build(
    sitegen: ModuleType, tmp_path: Path
) -> None:
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nbs = importlib.import_module("sitegen.notebooks")
    cli = importlib.import_module("sitegen.cli")
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("size = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("assert size == 2, 'claim broken'")]
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "run").mkdir()
    with pytest.raises(cli.DocsBuildError, match="claim broken"):
        nbs._execute(path, {"size": 3}, tmp_path / "run")
    gc.collect()


def test_findings_keep_the_reports_figures(sitegen: ModuleType, tmp_path: Path) -> None:
    findings = importlib.import_module("sitegen.findings")
    gs = importlib.import_module("sitegen.getting_started")
    cli = importlib.import_module("sitegen.cli")
    out = tmp_path / "asyncstab-results"
    out.mkdir()
    (out / "report.md").write_text("# Report\n\n## Figures\n\n![a.png](a.png)\n")
    (out / "a.png").write_bytes(b"png")
    run = cli.Run("asyncstab verify --quick", "table", 0)
    examples = [
        gs.Example("verify", "t", "b", run, tmp_path),
        gs.Example("reproduce", "t", "b", None, None, "not a subcommand yet"),
    ]
    text, files = findings.page(examples)
    name = "findings/verify/asyncstab-results/a.png"
    assert files == {name: b"png"}
    assert f"![a.png]({name})" in text
    assert "### Report" in text
    assert "#### Figures" in text
    assert "not a subcommand yet" in text


def test_reproductions_page_holds_the_generated_fidelity_tables(
    sitegen: ModuleType,
) -> None:
    from empirical.runs._experiments import EXPERIMENTS
    from empirical.runs._fidelity import fidelity_table

    text = importlib.import_module("sitegen.reproductions").page()
    for name in EXPERIMENTS:
        assert fidelity_table(name) in text
    pages = importlib.import_module("sitegen.pages")
    assert {"Reproductions": "reproductions.md"} in pages.nav()
