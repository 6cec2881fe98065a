"""Every flag that changes results is compared by ``--resume`` (issue 28, item 3).

Generated from the parsers: each flag of ``reproduce``, ``verify`` and ``sweep``
is either in :data:`NOT_RESULTS` (with the reason it cannot change a result) or
in :data:`CHANGE`, which says how to change it. A new flag fails
:func:`test_every_flag_is_classified` until it is put in one of them; each
flag of :data:`CHANGE` is then changed on a ``--resume`` of a run folder (or
results file) and must be refused in one line, naming the flag, before any work.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from empirical.cli._cli import build_parser, main
from empirical.runs import _sweep

#: Flags that cannot change a result, by subcommand, and why.
NOT_RESULTS: dict[str, dict[str, str]] = {
    "reproduce": {
        "--output": "names the folder itself",
        "--resume": "the option under test",
        "--no-figures": "figures are drawn from results.json, not part of it",
        # RunTask records depend only on the task: every executor gives the same
        # results.json (empirical.runs._reproduce's module doc)
        "--backend": "where the runs go, not what they compute",
        "--workers": "processes of --backend local",
        "--address": "the Ray cluster of --backend ray",
        "--ray-num-cpus": "the size of a local Ray cluster",
        "--runtime-env": "the Ray workers' environment",
        "--max-retries": "Ray task retries",
    },
    "verify": {
        "--output": "names the folder itself",
        "--resume": "the option under test",
        "--no-figures": "figures are drawn from the records, not part of them",
        "--workers": "processes; a record depends only on its task",
        "--json": "the console format",
        # presentation only (issue 28, item 2), should they be added
        "--format": "the console format",
        "--table": "the console format",
        "--quick": "the default suite, kept for old scripts (--full is the change)",
    },
    "sweep": {
        "--results": "names the results file itself",
        "--resume": "the option under test",
        "--backend": "where the tasks go; a record depends only on its task",
        "--workers": "processes of --backend local",
        "--json": "the console format",
        "--format": "the console format",
        "--max-grid-points": "a limit on the grid's size, checked before any work",
        "--address": "the Ray cluster of --backend ray",
        "--ray-num-cpus": "the size of a local Ray cluster",
        "--runtime-env": "the Ray workers' environment",
        "--max-retries": "Ray task retries",
    },
}

#: How each result-changing flag is changed from the base command: the
#: arguments to drop (a flag, or a flag and its value) and to add, and the text
#: the refusal must hold (default: the flag in parentheses).
Change = tuple[list[str], list[str], str | None]

CHANGE: dict[str, dict[str, Change]] = {
    "reproduce": {
        "EXPERIMENT": (["regatti2019"], ["deng2024"], None),
        "--quick": (["--quick"], [], None),
        "--device": ([], ["--device", "gpu"], None),
        "--seeds": ([], ["--seeds", "3"], None),
        "--n-pairs": ([], ["--n-pairs", "3"], None),
        "--epochs": ([], ["--epochs", "3"], None),
        "--n-samples": ([], ["--n-samples", "500"], None),
        "--models": ([], ["--models", "mlp"], None),
        "--sampling": ([], ["--sampling", "uniform"], None),
    },
    "verify": {
        # the quick suite is the default (--quick kept for old scripts): --full
        # changes the recorded setting, --quick alone does not
        "--full": (["--quick"], ["--full"], "(--quick / --full)"),
        "--losses": (["--losses", "huber"], ["--losses", "logistic"], None),
        "--datasets": ([], ["--datasets", "diabetes"], None),
        "--max-delays": ([], ["--max-delays", "0,1"], None),
        "--delays-from": ([], ["--delays-from", "example:PIAG_sun_MNIST"], None),
        "--worst-case": ([], ["--no-worst-case"], "(--worst-case / --no-worst-case)"),
        "--theorems": ([], ["--theorems", "delayed-cvx"], None),
        "--n-pairs": (["--n-pairs", "2"], ["--n-pairs", "3"], None),
        "--seed": ([], ["--seed", "1"], None),
    },
    "sweep": {
        # a grid may grow (a superset of the points there); this one replaces them
        "--grid": ([], ["--grid", "tau=1,2"], "max_delay=0 there"),
        "--loss": ([], ["--loss", "sigmoid"], None),
        "--dataset": ([], ["--dataset", "synthetic"], None),
        "--n-samples": (["--n-samples", "50"], ["--n-samples", "60"], None),
        "--n-steps": (["--n-steps", "20"], ["--n-steps", "30"], None),
        "--max-delay": ([], ["--max-delay", "1"], None),
        "--delay": ([], ["--delay", "constant"], None),
        "--step-size": ([], ["--step-size", "0.05"], None),
        "--schedule": ([], ["--schedule", "decaying"], None),
        "--diameter": ([], ["--diameter", "10"], None),
        "--theorems": ([], ["--theorems", "delayed-cvx"], None),
        "--n-pairs": (["--n-pairs", "2"], ["--n-pairs", "3"], None),
        "--seed": ([], ["--seed", "1"], None),
    },
}


def _flags(command: str) -> set[str]:
    """The flags of a subcommand as typed (a positional by its metavariable)."""
    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        a.option_strings[0] if a.option_strings else a.dest.upper()
        for a in sub.choices[command]._actions
        if not isinstance(a, argparse._HelpAction)
    }


@pytest.mark.parametrize("command", sorted(CHANGE))
def test_every_flag_is_classified(command: str) -> None:
    flags = _flags(command)
    unclassified = flags - set(CHANGE[command]) - set(NOT_RESULTS[command])
    assert not unclassified, (
        f"{command} {sorted(unclassified)}: record the setting (run folder) and "
        "add it to CHANGE, or to NOT_RESULTS with the reason"
    )
    assert set(CHANGE[command]) <= flags  # no stale entries
    assert not set(CHANGE[command]) & set(NOT_RESULTS[command])


def _changed(base: list[str], change: Change) -> list[str]:
    drop, add, _ = change
    out = list(base)
    if drop:
        i = out.index(drop[0])
        assert out[i : i + len(drop)] == drop
        del out[i : i + len(drop)]
        out[i:i] = add
    else:
        out += add
    return out


class _Stop(Exception):
    """Raised where the work would start: the settings are recorded by then."""


def _stop(*args: Any, **kwargs: Any) -> Any:
    raise _Stop


def _no_work(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("work started before the resume was checked")


def _refused(argv: list[str], change: Change, flag: str, capsys: Any) -> None:
    assert main([*_changed(argv, change), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("asyncstab: error: resume: ")
    assert err.count("\n") == 1, err
    assert (change[2] or f"({flag})") in err, err


@pytest.mark.parametrize("flag", sorted(CHANGE["reproduce"]))
def test_reproduce_resume_refuses_a_changed_flag(
    flag: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for extra in ("jax", "mlxtend", "mnist1d"):  # reproduce needs the nets extra
        pytest.importorskip(extra)
    from empirical.runs import _reproduce
    from empirical.simulators.nets import _simulate

    # --device gpu is checked against this machine before the run folder: a
    # machine without a GPU would refuse it there, for another reason
    monkeypatch.setattr(_simulate, "check_device", lambda device: None)
    out = tmp_path / "r"
    base = ["reproduce", "regatti2019", "--quick", "--output", str(out)]
    monkeypatch.setattr(_reproduce, "reproduce", _stop)
    with pytest.raises(_Stop):
        main(base)
    assert (out / "settings.json").is_file()
    capsys.readouterr()
    monkeypatch.setattr(_reproduce, "reproduce", _no_work)
    _refused(base, CHANGE["reproduce"][flag], flag, capsys)
    # the same options continue it
    monkeypatch.setattr(_reproduce, "reproduce", _stop)
    with pytest.raises(_Stop):
        main([*base, "--resume"])


@pytest.mark.parametrize("flag", sorted(CHANGE["verify"]))
def test_verify_resume_refuses_a_changed_flag(
    flag: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "v"
    base = ["verify", "--quick", "--losses", "huber", "--n-pairs", "2"]
    base += ["--workers", "1", "--output", str(out)]
    monkeypatch.setattr(_sweep, "sweep", _stop)
    with pytest.raises(_Stop):
        main(base)
    assert (out / "settings.json").is_file()
    capsys.readouterr()
    monkeypatch.setattr(_sweep, "sweep", _no_work)
    _refused(base, CHANGE["verify"][flag], flag, capsys)


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], bytes]:
    """A finished sweep (one task, a few hundred milliseconds): its command and file."""
    results = tmp_path_factory.mktemp("sweep") / "r.jsonl"
    argv = ["sweep", "--n-steps", "20", "--n-pairs", "2", "--n-samples", "50"]
    argv += ["--backend", "serial", "--json", "--results", str(results)]
    assert main(argv) == 0
    return argv, results.read_bytes()


@pytest.mark.parametrize("flag", sorted(CHANGE["sweep"]))
def test_sweep_resume_refuses_a_changed_flag(
    flag: str,
    sweep_file: tuple[list[str], bytes],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv, before = sweep_file
    capsys.readouterr()
    monkeypatch.setattr(_sweep, "sweep", _no_work)
    _refused(argv, CHANGE["sweep"][flag], flag, capsys)
    assert Path(argv[-1]).read_bytes() == before
