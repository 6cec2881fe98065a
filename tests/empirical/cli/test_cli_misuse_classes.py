"""Misuse by class (issue 28, item 3), each refused in one line before any work.

* a parameter that no bound reads, in every calculator subcommand;
* a value given twice in a grid or a list, in every command that reads one;
* a grid over ``--max-grid-points`` (the limit and the count named), with
  progress on a large one;
* a suite that adds or drops delays beside ``--max-delays`` says so;
* ``--device gpu`` without a GPU: one line, JAX's own warning silenced.

The resume flags and the output paths have files of their own
(``test_resume_flags.py``, ``test_cli_paths.py``).
"""

from __future__ import annotations

import logging
import shlex
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import bounds
from bounds import InvalidParameterError
from empirical.cli._cli import main
from empirical.runs import _sweep

_CVX = "--lipschitz 1 --smoothness 1 --n-samples 100 --n-steps 100"


def _no_work(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("work started before the input was validated")


def _one_line(argv: list[str], match: str, capsys: Any) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("asyncstab: error: ")
    assert err.count("\n") == 1, err
    assert match in err, err
    return err


UNUSED = [
    (
        "compare --loss-family convex-smooth --step-size 0.1 --strong-convexity 0.5",
        "strong_convexity=0.5 is read by no bound compared for loss_family="
        "'convex-smooth'",
    ),
    (
        "compare --loss-family nonconvex-smooth --step-size 0.1",
        "step_size=0.1 is read by no bound",
    ),
    (
        "compare --loss-family nonconvex-smooth --c 1 --grid init_distance=1,2",
        "init_distance=1 is read by no bound",
    ),
    (
        "compare --loss-family nonconvex-smooth --c 1 --train-loss 0.1",
        "train_loss=0.1 is read by no bound",
    ),
    (
        f"bound --theorem hardt-cvx --step-size 0.1 {_CVX} --train-loss 1",
        "train_loss=1 is not a parameter of hardt-cvx",
    ),
    (
        f"step-size --theorem hardt-cvx --target-gap 0.1 {_CVX} --strong-convexity 1",
        "strong_convexity=1 is not a parameter of hardt-cvx",
    ),
    (
        "samples --theorem hardt-cvx --target-gap 0.1 --step-size 0.1 --lipschitz 1 "
        "--smoothness 1 --n-steps 10 --clip 1",
        "clip=1 is not a parameter of hardt-cvx",
    ),
]


@pytest.mark.parametrize(("argv", "match"), UNUSED, ids=[u[0][:40] for u in UNUSED])
def test_unused_parameter_refused_by_name(
    argv: str, match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _one_line(shlex.split(argv), match, capsys)


def test_compare_api_refuses_an_unused_parameter_and_keeps_used_ones() -> None:
    with pytest.raises(InvalidParameterError, match=r"strong_convexity=0\.5 is read"):
        bounds.compare("convex-smooth", strong_convexity=0.5, step_size=0.1)
    # the family whose bounds read it takes it
    table = bounds.compare(
        "strongly-convex-smooth",
        strong_convexity=0.5,
        step_size=0.1,
        lipschitz=1,
        smoothness=1,
        n_samples=100,
        n_steps=100,
        diameter=1,
    )
    assert any(r.applies for r in table.rows)


#: A value given twice, in every command that reads a list of settings.
DUPLICATES = [
    f"bound --theorem hardt-cvx --step-size 0.1 {_CVX.replace('--n-steps 100', '')}"
    " --grid n_steps=10,20,10",
    "compare --loss-family convex-smooth --step-size 0.1 --lipschitz 1 --grid "
    "max_delay=0,2,0",
    f"step-size --theorem hardt-cvx --target-gap 0.1 {_CVX.replace('--n-steps 100', '')}"
    " --grid n_steps=10,20,10",
    "samples --theorem hardt-cvx --target-gap 0.1 --step-size 0.1 --lipschitz 1 "
    "--smoothness 1 --grid n_steps=10,20,10",
    "sweep --results R --grid tau=0,2,0",
    "verify --quick --max-delays 0,2,0",
]


@pytest.mark.parametrize("argv", DUPLICATES, ids=[d.split()[0] for d in DUPLICATES])
def test_repeated_grid_value_refused_everywhere(
    argv: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_sweep, "sweep", _no_work)
    err = _one_line(shlex.split(argv), "repeats the value", capsys)
    assert "(position 3, equal to position 1); give each value once" in err
    assert list(tmp_path.iterdir()) == []


def test_equal_values_written_differently_are_one_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = f"bound --theorem hardt-cvx {_CVX} --grid step_size=0.1,1e-1"
    _one_line(shlex.split(argv), "repeats the value '1e-1'", capsys)


def test_build_suite_refuses_a_repeated_delay() -> None:
    from empirical.runs._suite import build_suite

    with pytest.raises(InvalidParameterError, match="repeats the value 2"):
        build_suite(quick=True, max_delays=[0, 2, 2])


def _values(lo: int, hi: int) -> str:
    return ",".join(map(str, range(lo, hi)))


#: Grids one point over the default limit (calculator 10,000, sweep 1,000).
OVER = [
    (
        f"bound --theorem hardt-cvx --step-size 0.001 --lipschitz 1 --smoothness 1 "
        f"--grid n_samples={_values(2, 103)} --grid n_steps={_values(1, 101)}",
        "max_grid_points=10000: the grid has 10,100 points (101 n_samples x 100 "
        "n_steps); give --max-grid-points 10100",
    ),
    (
        f"compare --loss-family convex-smooth --step-size 0.001 --grid "
        f"n_samples={_values(2, 103)} --grid n_steps={_values(1, 101)}",
        "the grid has 10,100 points",
    ),
    (
        f"samples --theorem hardt-cvx --target-gap 0.1 --lipschitz 1 --smoothness 1 "
        f"--grid step_size={','.join(f'0.{k:03d}' for k in range(1, 102))} "
        f"--grid n_steps={_values(1, 101)}",
        "the grid has 10,100 points",
    ),
    (
        f"sweep --results R --grid tau={_values(0, 91)} --grid n={_values(10, 21)}",
        "max_grid_points=1000: the grid has 1,001 points (91 max_delay x 11 "
        "n_samples); give --max-grid-points 1001",
    ),
    (
        "bound --theorem hardt-cvx --step-size 0.1 --lipschitz 1 --smoothness 1 "
        "--n-samples 100 --grid n_steps=1,2,3 --max-grid-points 2",
        "max_grid_points=2: the grid has 3 points",
    ),
    (
        "bound --theorem hardt-cvx --step-size 0.1 --lipschitz 1 --smoothness 1 "
        "--n-samples 100 --grid n_steps=1,2,3 --max-grid-points 0",
        "max_grid_points=0 must be >= 1",
    ),
]


@pytest.mark.parametrize(("argv", "match"), OVER, ids=[o[0][:24] for o in OVER])
def test_grid_over_the_limit_refused_naming_both_counts(
    argv: str,
    match: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_sweep, "sweep", _no_work)
    _one_line(shlex.split(argv), match, capsys)
    assert list(tmp_path.iterdir()) == []


def test_max_grid_points_raises_the_limit_and_a_large_grid_shows_progress(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = "bound --theorem hardt-cvx --step-size 0.001 --lipschitz 1 --smoothness 1"
    argv += f" --n-samples 100 --grid n_steps={_values(1, 1001)} --json"
    assert main([*shlex.split(argv), "--max-grid-points", "999"]) == 2
    capsys.readouterr()
    assert main([*shlex.split(argv), "--max-grid-points", "1000"]) == 0
    out, err = capsys.readouterr()
    assert out.count('"n_steps"') == 1000
    lines = err.splitlines()
    assert lines[0] == "asyncstab: bound: 1,000 grid points"
    assert lines[-1] == "asyncstab: bound: 1,000/1,000 points done"


def _verify(capsys: Any, monkeypatch: pytest.MonkeyPatch, *extra: str) -> str:
    class Stop(Exception):
        pass

    def stop(*args: Any, **kwargs: Any) -> Any:
        raise Stop

    monkeypatch.setattr(_sweep, "sweep", stop)
    with pytest.raises(Stop):
        main(["verify", "--quick", "--workers", "1", *extra])
    return str(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("extra", "note"),
    [
        (
            ["--max-delays", "0"],
            "max_delays=[0]: the suite runs max_delay 0, 1; added 1 (dsl-cor1)",
        ),
        (
            ["--losses", "huber", "--max-delays", "0,2,8"],
            "max_delays=[0, 2, 8]: the suite runs max_delay 0, 8; dropped 2 (no "
            "kept family runs it)",
        ),
    ],
)
def test_suite_says_which_delays_it_adds_or_drops(
    extra: list[str],
    note: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = _verify(capsys, monkeypatch, *extra, "--output", str(tmp_path / "v"))
    assert f"asyncstab: note: {note}\n" in err


def test_suite_of_the_asked_delays_says_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--losses", "huber", "--max-delays", "0,8"]
    err = _verify(capsys, monkeypatch, *extra, "--output", str(tmp_path / "v"))
    assert "max_delays=" not in err


def test_gpu_without_a_gpu_is_one_line_without_jax_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra in ("jax", "mlxtend", "mnist1d"):  # reproduce needs the nets extra
        pytest.importorskip(extra)
    import jax

    from empirical.runs import _reproduce

    def no_gpu(backend: str | None = None) -> Any:
        # what JAX does on a machine without a CUDA jaxlib: it logs and warns,
        # then finds no such platform
        logging.getLogger("jax._src.xla_bridge").warning(
            "An NVIDIA GPU may be present on this machine, but a CUDA-enabled "
            "jaxlib is not installed. Falling back to cpu."
        )
        warnings.warn("no GPU here", UserWarning, stacklevel=2)
        raise RuntimeError(f"Unknown backend {backend}")

    monkeypatch.setattr(jax, "devices", no_gpu)
    monkeypatch.setattr(_reproduce, "reproduce", _no_work)
    # JAX's log lines go to the captured stderr, as they would to a terminal
    handler = logging.StreamHandler(sys.stderr)
    logging.getLogger("jax").addHandler(handler)
    out = tmp_path / "r"
    argv = ["reproduce", "regatti2019", "--quick", "--device", "gpu"]
    try:
        _one_line([*argv, "--output", str(out)], "device='gpu': JAX sees no", capsys)
    finally:
        logging.getLogger("jax").removeHandler(handler)
    assert not out.exists()
