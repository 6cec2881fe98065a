"""`asyncstab verify` / `sweep`: bad input is one line on stderr and exit status 2."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from empirical.cli._cli import EXIT_BROKEN_PIPE, main


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["verify", "--losses", "hinge"], "losses='hinge'"),
        (["verify", "--datasets", "mnist"], "datasets='mnist'"),
        (["verify", "--max-delays", "0,-2"], "max_delays=-2"),
        (["verify", "--max-delays", "0,x"], "max_delays='x'"),
        (["verify", "--n-pairs", "1"], "n_pairs=1"),
        (["verify", "--theorems", "hardt-xyz"], "hardt-xyz"),
        (["verify", "--workers", "0"], "workers=0"),
        (["verify", "--delays-from", "/nonexistent/trace.txt"], "trace"),
        (["sweep", "--results", "R", "--loss", "hinge"], "loss='hinge'"),
        (["sweep", "--results", "R", "--grid", "tau=0,-1"], "max_delay=-1"),
        (["sweep", "--results", "R", "--grid", "eta=0.1,0"], "step_size=0.0"),
        (["sweep", "--results", "R", "--step-size", "-1"], "step_size=-1"),
        (["sweep", "--results", "R", "--n-pairs", "1"], "n_pairs=1"),
        (["sweep", "--results", "R", "--grid", "colour=1"], "'colour'"),
        (["sweep", "--results", "R", "--backend", "spark"], "backend='spark'"),
        (["sweep", "--results", "R", "--schedule", "adam"], "schedule='adam'"),
    ],
    ids=lambda x: "-".join(x) if isinstance(x, list) else None,
)
def test_bad_input_is_one_line_exit_2(
    argv: list[str],
    match: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("asyncstab: error: ")
    assert err.count("\n") == 1, err  # one line, no traceback
    assert match in err


def test_argparse_errors_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--n-pairs", "many"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("asyncstab: error:")
    assert err.count("\n") == 1


def test_calculator_does_not_import_the_simulator() -> None:
    code = (
        "import sys; from empirical.cli._cli import main; "
        "rc = main(['bound', '--theorem', 'hardt-cvx', '--n-samples', '100', "
        "'--n-steps', '100', '--step-size', '0.01', '--lipschitz', '1', "
        "'--smoothness', '1']); "
        "assert rc == 0; "
        "assert 'empirical.simulators.linear._simulate' not in sys.modules, 'simulator loaded'; "
        "assert 'empirical.runs._sweep' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def _run_into_closed_pipe(module: str, argv: list[str]) -> tuple[int, str]:
    """Run ``python -m module argv`` with stdout a pipe whose reader is already gone.

    The read end is closed before the child starts, so its first write to stdout
    fails with EPIPE whatever the timing: what ``asyncstab list | head -1`` does
    when ``head`` exits before ``asyncstab`` writes. Returns (exit status, stderr).
    """
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", module, *argv],
            stdout=w,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(w)
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["list"], EXIT_BROKEN_PIPE),
        (["show", "hardt-cvx"], EXIT_BROKEN_PIPE),
        # argparse itself ignores a failed write of --help and exits 0
        (["--help"], 0),
        (["verify", "--help"], 0),
    ],
)
def test_closed_stdout_pipe_exits_quietly(argv: list[str], status: int) -> None:
    """``asyncstab ... | head``: nothing on stderr (no traceback), a fixed status."""
    rc, err = _run_into_closed_pipe("empirical.cli._cli", argv)
    assert err == ""
    assert rc == status
    assert EXIT_BROKEN_PIPE == 141  # 128 + SIGPIPE, as a shell reports it


@pytest.mark.slow
def test_sweep_command_writes_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jsonl"
    argv = shlex.split(
        "sweep --grid tau=0,2 --n-pairs 4 --n-steps 50 --n-samples 50"
        f" --results {shlex.quote(str(out))} --backend serial --json"
    )
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["theorem"] for r in rows} >= {"[H-cvx]", "[D-cvx]"}
    assert len(out.read_text().splitlines()) == 2
    assert main(argv) == 2  # the file exists: refuses to overwrite
    assert "already exists" in capsys.readouterr().err
    assert main([*argv, "--resume"]) == 0
    assert len(out.read_text().splitlines()) == 2
