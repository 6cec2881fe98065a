"""Misuse of every subcommand (issue 19): refused by name before any work, or said.

Contradictory options, options that would be ignored, output paths, run folders
of another run, and the flag a message must name. Each refusal is one line on
stderr, exit status 2, with nothing computed (the points where work would begin
raise).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from empirical.cli._cli import main
from empirical.distributed import _ray_backend
from empirical.runs import _sweep

_TINY = ["--n-steps", "20", "--n-pairs", "2", "--n-samples", "50"]


def _no_work(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("work started before the input was validated")


REFUSED: list[tuple[list[str], str]] = [
    (
        shlex.split(
            "bound --theorem hardt-cvx --step-size 0.1 --n-samples 9 --n-steps 9"
        ),
        "needs lipschitz, smoothness (missing): add --lipschitz L --smoothness BETA",
    ),
    (
        shlex.split("compare --loss-family convex-smooth --step-size 0.05 --c 1"),
        "step_size=0.05 contradicts c=1",
    ),
    (
        shlex.split(
            "compare --loss-family convex-smooth --c 1 --grid step_size=0.1,0.2"
        ),
        "contradicts c=1",
    ),
    (
        shlex.split(
            "compare --loss-family convex-smooth --step-size 0.1"
            " --grid max_delay=0,2 --plot /missing-dir/x.png"
        ),
        "the folder '/missing-dir' does not exist",
    ),
    (
        shlex.split(
            "compare --loss-family convex-smooth --step-size 0.1"
            " --grid max_delay=0,2 --plot {dir}"
        ),
        "is a folder; it must name a figure file",
    ),
    (
        shlex.split(
            "compare --loss-family convex-smooth --step-size 0.1"
            " --grid max_delay=0,2 --plot {dir}/figure"
        ),
        "must end with one of .png",
    ),
    (
        shlex.split(
            "compare --loss-family convex-smooth --step-size 0.1"
            " --grid max_delay=0,2 --plot /proc/x.png"
        ),
        "plot='/proc/x.png' is not writable",
    ),
    (
        shlex.split("compare --loss-family convex-smooth --plot {dir}/x.png"),
        "needs a --grid axis to draw against: add --grid",
    ),
    (
        shlex.split("sweep --results R --backend serial --workers 2"),
        "workers=2 has no effect with backend='serial'",
    ),
    (
        shlex.split("sweep --results R --address auto"),
        "address='auto' has no effect with backend='local'",
    ),
    (
        shlex.split("sweep --results R --backend local --max-retries 2"),
        "--max-retries is read by --backend ray only",
    ),
    (
        shlex.split("sweep --results R --backend ray --address auto --ray-num-cpus 2"),
        "ray_num_cpus=2.0 contradicts address='auto'",
    ),
    (
        shlex.split("sweep --results R --backend ray --workers 2 --ray-num-cpus 2"),
        "workers=2 contradicts ray_num_cpus=2.0",
    ),
    (
        shlex.split("sweep --results R --delay trace:{trace} --max-delay 3"),
        "max_delay=3 has no effect with delay='trace:",
    ),
    (
        shlex.split("verify --max-delays 0,2 --delays-from {trace}"),
        "max_delays='0,2' contradicts delays_from=",
    ),
    (shlex.split("ps --tau 2"), "tau=2 has no effect with rule='constant'"),
    (shlex.split("ps --no-evaluate --n-pairs 8"), "n_pairs=8 has no effect with"),
    (shlex.split("ps --no-evaluate --theorems delayed-cvx"), "--theorems is read by"),
    (
        shlex.split("ps --address auto --ray-num-cpus 2"),
        "ray_num_cpus=2.0 contradicts address='auto'",
    ),
    (
        shlex.split("reproduce regatti2019 --workers 2"),
        "workers=2 has no effect with backend='serial'",
    ),
    (
        shlex.split("reproduce regatti2019 --backend ray --workers 2"),
        "workers=2 has no effect with backend='ray'",
    ),
    (
        shlex.split("reproduce regatti2019 --runtime-env {{}}"),
        "runtime_env='{}' has no effect with backend='serial'",
    ),
]


if not Path("/proc/self/stat").exists():  # a virtual file system: Linux only
    REFUSED = [r for r in REFUSED if "/proc/x.png" not in r[0]]


@pytest.mark.parametrize(
    ("argv", "match"),
    REFUSED,
    ids=lambda x: " ".join(x) if isinstance(x, list) else None,
)
def test_refused_by_name_before_any_work(
    argv: list[str],
    match: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    trace = tmp_path / "trace.txt"
    trace.write_text("0\n1\n2\n")
    argv = [a.format(dir=tmp_path, trace=trace) for a in argv]
    monkeypatch.setattr(_ray_backend, "ray_session", _no_work)
    monkeypatch.setattr(_sweep, "sweep", _no_work)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("asyncstab: error: ")
    assert err.count("\n") == 1, err
    assert match in err
    assert list(tmp_path.iterdir()) == [trace]  # nothing written


def test_compare_names_the_flag_to_add(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compare", "--loss-family", "convex-smooth", "--step-size", "0.05"]
    argv += ["--max-delay", "4", "--n-samples", "100", "--n-steps", "100"]
    assert main([*argv, "--smoothness", "0.25", "--json"]) == 0
    rows = {r["key"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["delayed-cvx"]["reason"] == (
        "requires 'L-Lipschitz loss': add --lipschitz L"
    )


def test_show_says_which_options_have_no_effect(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["show", "delayed-cvx", "--json", "--latex"]) == 0
    err = capsys.readouterr().err
    assert err == (
        "asyncstab: note: --latex has no effect here: the JSON already holds it\n"
    )


def test_ray_hint_installs_this_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from bounds import InvalidParameterError

    real = builtins.__import__

    def no_ray(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ray":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(InvalidParameterError, match=r'pip install -e "\.\[ray\]"'):
        _ray_backend.import_ray()


def _verify(out: Path, *extra: str, pairs: str = "2") -> list[str]:
    argv = ["verify", "--quick", "--losses", "huber", "--n-pairs", pairs]
    return [*argv, "--no-figures", "--workers", "1", "--output", str(out), *extra]


@pytest.mark.slow
def test_verify_resume_refuses_other_sizes_and_sums_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(_verify(out)) == 0
    stdout = capsys.readouterr().out
    last = stdout.strip().splitlines()[-1]
    # The closing line: the counts of every status, and the report's path.
    assert last.startswith("verdicts of 2 settings in ")
    for status in ("holds", "inconclusive", "violated", "not applicable"):
        assert f" {status}" in last
    assert last.endswith(f"report: {out / 'report.md'}")
    counts = {
        s: int(last.split(f" {s}")[0].rsplit(" ", 1)[-1])
        for s in ("holds", "inconclusive", "violated", "not applicable")
    }
    report = json.loads((out / "report.json").read_text())
    n_verdicts = sum(len(r["verdicts"]) for r in report["records"])
    assert sum(counts.values()) == n_verdicts > 0
    before = (out / "results.jsonl").read_bytes()
    # --resume at other sizes: refused, naming the setting, before any work
    assert main(_verify(out, "--resume", pairs="3")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "n_pairs=2 there, 3 now (--n-pairs)" in err
    assert (out / "results.jsonl").read_bytes() == before
    # the same options continue it
    assert main(_verify(out, "--resume")) == 0
    assert (out / "results.jsonl").read_bytes() == before


def test_reproduce_resume_refuses_a_quick_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("jax")
    from empirical.runs import _reproduce

    monkeypatch.setattr(_reproduce, "run_setting", _no_work)
    out = tmp_path / "r"
    out.mkdir()
    (out / "settings.json").write_text(
        json.dumps(
            {
                "experiment": "regatti2019",
                "quick": True,
                "device": "cpu",
                "seeds": None,
                "n_pairs": None,
                "epochs": None,
                "models": None,
            }
        )
    )
    assert main(["reproduce", "regatti2019", "--output", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "quick=True there, False now (--quick)" in err
    # without --resume, the earlier run is moved aside, and the command says so
    with pytest.raises(AssertionError, match="work started"):
        main(["reproduce", "regatti2019", "--output", str(out), "--quick"])
    (moved,) = tmp_path.glob("r.previous-*")
    assert "was moved to" in capsys.readouterr().err
    assert json.loads((moved / "settings.json").read_text())["quick"] is True
    assert json.loads((out / "settings.json").read_text())["quick"] is True


def test_sweep_resume_refuses_other_settings_and_may_grow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jsonl"
    argv = ["sweep", "--grid", "tau=0,1", "--n-steps", "20", "--n-samples", "50"]
    argv += ["--backend", "serial", "--results", str(out)]
    assert main([*argv, "--n-pairs", "2"]) == 0
    capsys.readouterr()
    before = out.read_bytes()
    assert main([*argv, "--n-pairs", "3", "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "holds 2 record(s) that are not points of this grid" in err
    assert "n_pairs=2 there, 3 now" in err
    assert out.read_bytes() == before
    # a grid that grows keeps the points it had and adds the new ones
    grown = [a.replace("tau=0,1", "tau=0,1,2") for a in argv]
    assert main([*grown, "--n-pairs", "2", "--resume"]) == 0
    assert out.read_bytes().startswith(before)
    assert out.read_bytes().count(b"\n") == 3


def test_ps_rerun_moves_the_earlier_run_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ps"
    out.mkdir()
    (out / "trace.txt").write_text("0\n1\n")
    (out / "summary.json").write_text("[]\n")
    (out / "notes.txt").write_text("mine")  # not a run file: stays
    monkeypatch.setattr(_ray_backend, "ray_session", _no_work)
    with pytest.raises(AssertionError, match="work started"):
        main(["ps", "--output", str(out)])
    (moved,) = tmp_path.glob("ps.previous-*")
    assert f"was moved to {str(moved)!r}" in capsys.readouterr().err
    assert sorted(p.name for p in moved.iterdir()) == ["summary.json", "trace.txt"]
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_verify_resume_of_a_folder_without_settings_checks_its_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder written before settings were recorded: its records must be
    settings of this suite (here one is not: refused before any work)."""
    out = tmp_path / "out"
    out.mkdir()
    record = {"task_id": "0123456789abcdef", "config": {}, "verdicts": []}
    (out / "results.jsonl").write_text(json.dumps(record) + "\n")
    monkeypatch.setattr(_sweep, "sweep", _no_work)
    assert main(_verify(out, "--resume")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "holds 1 result(s) of settings that are not in this suite" in err
    assert not (out / "settings.json").exists()
