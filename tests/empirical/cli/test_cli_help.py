"""Every option of every subcommand explains itself, every subcommand ends its
help with examples that run, and the calculator's tables export."""

from __future__ import annotations

import argparse
import csv
import io
import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from bounds import REGISTRY
from bounds._cli import EXAMPLES
from bounds._tables import render
from empirical.cli import _choices
from empirical.cli._cli import build_parser, main


def _subparsers(
    parser: argparse.ArgumentParser, path: str = "asyncstab"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subparsers(sub, f"{path} {name}")


SUBPARSERS = dict(_subparsers(build_parser()))


def test_the_walk_reaches_every_subcommand() -> None:
    names = {p.split()[-1] for p in SUBPARSERS}
    assert {"bound", "compare", "step-size", "samples", "list", "show"} <= names
    assert {"verify", "sweep", "ps", "reproduce"} <= names


@pytest.mark.parametrize("path", sorted(SUBPARSERS))
def test_every_option_has_help(path: str) -> None:
    empty = [
        "/".join(a.option_strings) or a.dest
        for a in SUBPARSERS[path]._actions
        if not isinstance(a, argparse._HelpAction) and not (a.help or "").strip()
    ]
    assert empty == [], f"{path}: no help for {empty}"


@pytest.mark.parametrize("path", sorted(SUBPARSERS))
def test_every_help_ends_with_examples(path: str) -> None:
    parser = SUBPARSERS[path]
    assert (parser.epilog or "").startswith("examples:\n  asyncstab"), path
    assert isinstance(parser.formatter_class, type)
    assert issubclass(parser.formatter_class, argparse.RawDescriptionHelpFormatter)
    for line in parser.epilog.splitlines()[1:]:
        if line.startswith("  asyncstab "):  # each example parses
            build_parser().parse_args(shlex.split(line)[1:])


def test_choices_are_listed() -> None:
    bound = SUBPARSERS["asyncstab bound"].format_help()
    for key in REGISTRY:
        assert key in bound
    sweep = SUBPARSERS["asyncstab sweep"].format_help()
    for name in (*_choices.DATASET_NAMES, *_choices.LOSS_NAMES):
        assert name in sweep


def test_the_help_copies_of_the_names_are_current() -> None:
    from empirical.problems._data import DATASETS
    from empirical.problems._losses import LOSSES
    from empirical.schedules._step_sizes import SCHEDULES

    assert _choices.DATASET_NAMES == DATASETS
    assert tuple(LOSSES) == _choices.LOSS_NAMES
    assert _choices.SCHEDULE_NAMES == SCHEDULES


@pytest.mark.parametrize(
    "example", [e for examples in EXAMPLES.values() for e in examples]
)
def test_calculator_examples_run(
    example: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # compare --plot writes compare.png here
    assert main(shlex.split(example)[1:]) == 0
    assert capsys.readouterr().out


# ------------------------------------------------------------------- formats
_BOUND = [
    "bound",
    "--theorem",
    "delayed-cvx",
    "--n-samples",
    "500",
    "--n-steps",
    "1000",
    "--step-size",
    "0.01",
    "--lipschitz",
    "1",
    "--smoothness",
    "1",
    "--grid",
    "max_delay=0,8,32",
]


def _out(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def test_formats_hold_the_table_cells(capsys: pytest.CaptureFixture[str]) -> None:
    table = _out(_BOUND, capsys).splitlines()
    rows = list(csv.reader(io.StringIO(_out([*_BOUND, "--format", "csv"], capsys))))
    assert rows[0] == table[0].split()
    assert [r[-2] for r in rows[1:]] == ["0.04", "1.637", "6.427"]
    md = _out([*_BOUND, "--format", "markdown"], capsys).splitlines()
    assert md[0].startswith("| n_samples | n_steps |")
    assert md[2] == "| 500 | 1000 | 0.01 | 1 | 1 | 0 | 0.04 |  |"
    tex = _out([*_BOUND, "--format", "latex"], capsys)
    assert r"n\_samples & n\_steps" in tex
    assert tex.startswith(r"\begin{tabular}{llllllll}")
    as_json = _out([*_BOUND, "--format", "json"], capsys)
    assert as_json == _out([*_BOUND, "--json"], capsys)
    assert [r["bound"] for r in json.loads(as_json)] == pytest.approx(
        [0.04, 1.6368, 6.4272]
    )


def test_json_numbers_are_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "samples",
        "--theorem",
        "delayed-cvx",
        "--target-gap",
        "0.05",
        "--n-steps",
        "1000",
        "--step-size",
        "0.001",
        "--lipschitz",
        "1",
        "--smoothness",
        "1",
        "--max-delay",
        "8",
        "--json",
    ]
    (row,) = json.loads(_out(argv, capsys))
    assert isinstance(row["n_samples"], int)
    assert row["n_samples"] == row["value"]
    assert isinstance(row["step_size"], float)


def test_json_and_another_format_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*_BOUND, "--json", "--format", "csv"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "format='csv' contradicts --json" in err


def test_a_table_wraps_only_on_a_terminal() -> None:
    rows = [{"key": "k", "why": "one two three four five six seven eight nine " * 3}]
    flat = render(rows, ["key", "why"])
    assert len(flat.splitlines()) == 3  # a file: one row a line
    wrapped = render(rows, ["key", "why"], width=40).splitlines()
    assert max(map(len, wrapped)) <= 40
    # wrapped at spaces, several words a line
    assert all(len(line.split()) >= 3 for line in wrapped[2:])


# ------------------------------------------------------------------- compare
_COMPARE = [
    "compare",
    "--loss-family",
    "convex-smooth",
    "--step-size",
    "0.01",
    "--n-samples",
    "500",
    "--n-steps",
    "1000",
    "--lipschitz",
    "1",
    "--smoothness",
    "1",
    "--grid",
    "max_delay=0,8,32",
]


def test_compare_collapses_a_bound_that_applies_nowhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = _out(_COMPARE, capsys).splitlines()
    scvx = [line for line in lines if " hardt-scvx " in f" {line} "]
    assert len(scvx) == 1
    assert scvx[0].startswith("all ")
    assert "at no grid point: requires 'strongly convex loss'" in scvx[0]
    cvx = [line for line in lines if line.split()[1:2] == ["hardt-cvx"]]
    assert len(cvx) == 3  # applies at tau = 0: one row per point


def test_compare_plot_names_the_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figure = tmp_path / "c.png"
    out = _out([*_COMPARE, "--plot", str(figure)], capsys)
    assert figure.exists()
    assert out.rstrip().endswith(f"figure: {figure}")


def test_compare_plot_with_nothing_to_draw_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figure = tmp_path / "c.png"
    # nonconvex bounds need the loss bound B, not given: none has a gap value
    # (and the convex family's --step-size is refused here as a parameter no
    # nonconvex bound reads: --c instead)
    argv = [*_COMPARE[:2], "nonconvex-smooth", "--c", "0.1", *_COMPARE[5:]]
    argv += ["--plot", str(figure)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert not figure.exists()
    assert err.count("\n") == 1
    assert f"no figure written to {str(figure)!r}" in err


# -------------------------------------------------------------------- verify
@pytest.mark.slow
def test_verify_prints_a_summary_and_the_table_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["verify", "--losses", "huber", "--n-pairs", "2", "--no-figures"]
    argv += ["--workers", "1", "--output", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("summary by theorem")
    assert "[D-cvx] delayed-cvx: " in printed
    assert "  tightest: bound/avg " in printed
    assert "stability [95% CI]" not in printed  # the table's header: not shown
    assert printed.rstrip().endswith(f"report: {out / 'report.md'}")
    assert json.loads((out / "settings.json").read_text())["quick"] is True
    assert main([*argv, "--resume", "--table"]) == 0  # every setting already done
    printed = capsys.readouterr().out
    assert "stability [95% CI]" in printed
    assert "summary by theorem" not in printed


def test_verify_quick_and_full_are_exclusive(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--quick", "--full"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--full: not allowed with argument --quick" in err
