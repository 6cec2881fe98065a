"""The CLI under inputs that once gave a traceback or a silent wrong answer (issue 12).

Bad input: one line on stderr, exit status 2, before any work. Output: the
table fits the terminal, progress lines without a terminal, an output folder
holds one run, resume keeps every line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from empirical.cli._cli import main
from empirical.distributed import _ray_backend
from empirical.distributed._ps_replay import TraceEvaluation
from empirical.measurement._table import COLUMNS, format_table

_PROC = Path("/proc/self/stat").exists()
_TINY = ["--n-steps", "20", "--n-pairs", "2", "--n-samples", "50"]


def _trace(tmp_path: Path, text: str) -> str:
    p = tmp_path / "trace.txt"
    p.write_text(text)
    return str(p)


CASES: list[tuple[list[str], str]] = [
    (["verify", "--theorems", ""], "theorems='' must name at least one"),
    (["verify", "--theorems", ","], "theorems='' must name at least one"),
    (["sweep", "--results", "R", "--theorems", ""], "theorems=''"),
    (["ps", "--theorems", ""], "theorems=''"),
    (["ps", "--rule", ""], "rule='' must name at least one"),
    (["verify", "--output", "{file}"], "is an existing file"),
    (["sweep", "--results", "{dir}"], "is a folder"),
    (
        ["sweep", "--results", "R", "--delay", "geometric"],
        "delay='geometric' is missing P",
    ),
    (
        ["sweep", "--results", "R", "--delay", "geometric:0.3:8"],
        "delay='geometric:0.3:8' has 1 field(s) too many ('8')",
    ),
    (
        ["sweep", "--results", "R", "--delay", "uniform:8"],
        "delay='uniform:8' takes no field",
    ),
    (
        ["sweep", "--results", "R", "--delay", "trace:"],
        "delay='trace:' is missing PATH",
    ),
    (
        ["sweep", "--results", "R", "--delay", "workers:0"],
        "K=0 must be an integer >= 1",
    ),
    (["sweep", "--results", "R", "--delay", "poisson"], "the kind 'poisson'"),
    (["sweep", "--results", "R", "--delay", "trace:{empty}"], "holds no delays"),
    (["sweep", "--results", "R", "--delay", "trace:{comments}"], "holds no delays"),
    (["sweep", "--results", "R", "--delay", "trace:{huge}"], "line 2: the delay 1e300"),
    (["verify", "--delays-from", "{empty}"], "holds no delays"),
    (["verify", "--delays-from", "{huge}"], "line 2: the delay 1e300"),
    (["verify", "--delays-from", "{binary}"], "is not a text trace"),
    (["ps", "--loss", "mlp", "--dataset", "breast_cancer"], "needs a multiclass"),
    (["ps", "--n-samples", "100000"], "n_samples=100000 must be <= "),
    (["ps", "-K", "30", "--n-samples", "20"], "n_workers=30 must be <= n_samples=20"),
    (["ps", "--output", "{file}"], "is an existing file"),
    (["ps", "--runtime-env", "[1]"], "must be a JSON object"),
    (
        ["sweep", "--results", "R", "--max-delay", "3", "--grid", "max_delay=0,1"],
        "sets max_delay, which is also given as a constant (max_delay=3)",
    ),
    (
        ["sweep", "--results", "R", "--grid", "tau=0,1", "--max-delay", "0"],
        "sets max_delay, which is also given as a constant (max_delay=0)",
    ),
    (
        ["sweep", "--results", "R", "--seed", "1", "--grid", "seed=0,1"],
        "sets seed, which is also given as a constant (seed=1)",
    ),
    (
        ["sweep", "--results", "R", "--loss", "sigmoid", "--grid", "loss=logistic"],
        "sets loss, which is also given as a constant (loss='sigmoid')",
    ),
]
if _PROC:
    CASES += [
        (["verify", "--output", "/proc/asyncstab-out"], "is not writable"),
        (["verify", "--output", "/sys/asyncstab-out"], "is not writable"),
        (["sweep", "--results", "/proc/asyncstab.jsonl"], "is not writable"),
        (["ps", "--output", "/proc/asyncstab-out"], "is not writable"),
    ]


@pytest.mark.parametrize(
    ("argv", "match"), CASES, ids=lambda x: " ".join(x) if isinstance(x, list) else None
)
def test_refused_in_one_line_before_any_work(
    argv: list[str],
    match: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    files = {
        "file": _trace(tmp_path, "a file\n"),
        "dir": str(tmp_path),
        "empty": str(_write(tmp_path / "empty.txt", b"")),
        "comments": str(_write(tmp_path / "c.txt", b"# a trace\n\n# no values\n")),
        "huge": str(_write(tmp_path / "huge.txt", b"0\n1e300\n2\n")),
        "binary": str(_write(tmp_path / "bin.txt", b"\xff\xfe\x00\x01")),
    }
    argv = [a.format(**files) for a in argv]

    def no_ray(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("Ray was started before the input was validated")

    monkeypatch.setattr(_ray_backend, "ray_session", no_ray)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("asyncstab: error: ")
    assert err.count("\n") == 1, err
    assert match in err


def _write(p: Path, data: bytes) -> Path:
    p.write_bytes(data)
    return p


def test_delay_grammar_is_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for form in (
        "'geometric:P'",
        "'workers:K[:exponential|lognormal[:CAP]]'",
        "'trace:PATH'",
    ):
        assert form in text


def _row(**kw: Any) -> dict[str, Any]:
    est = {"mean": 0.0123, "low": 0.011, "high": 0.0136, "n": 400, "method": "t"}
    base = {
        "theorem": "[D-cvx]",
        "setting": "logistic/breast_cancer n=300 T=4000 eta=0.5 rule-tau tau=16 (constant)",
        "stability": est,
        "gap": est,
        "bound": 28.4,
        "recursion": 27.9,
        "ratio": 2.5e-4,
        "status": "holds",
        "flags": ["vacuous", "constants estimated", "pathwise [D-cvx] holds"] * 8,
        "key": "delayed-cvx",
        "task_id": "0" * 16,
    }
    return {**base, **kw}


@pytest.mark.parametrize("width", [80, 100, 120])
def test_table_fits_the_terminal(width: int) -> None:
    rows = [
        _row(),
        _row(theorem="[R-ncvx]", key="regatti-ncvx", status="inconclusive"),
        _row(theorem="[H-scvx]", flags=[], status="not applicable"),
    ]
    full = format_table(rows)
    assert max(len(line) for line in full.splitlines()) > 200  # the problem
    text = format_table(rows, width=width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert all(line == line.rstrip() for line in lines)  # no trailing padding
    for must in (
        "[D-cvx]",
        "(reconstruction)",
        "holds",
        "inconclusive",
        "applicable",  # may wrap to "not" and "applicable"
    ):
        assert must in text
    assert lines[0].split()[0] == "theorem"
    assert "gap" in lines[0]  # the measurement stays at 80 columns
    if "recursion" not in lines[0]:
        assert "(left out at this width:" in text
        assert "report.md)" in text


def test_full_table_keeps_every_column_for_report_md() -> None:
    text = format_table([_row()], markdown=True)
    assert text.splitlines()[0] == "| " + " | ".join(COLUMNS) + " |"
    assert "pathwise [D-cvx] holds" in text


def test_replay_says_why_its_mean_delay_differs_from_the_trace() -> None:
    ev = TraceEvaluation(
        trace="t.txt",
        n_steps=2000,
        max_delay=13,
        mean_delay=2.993,
        trace_mean=2.997,
        sim_gap=0.01,
        sim_gap_low=0.0,
        sim_gap_high=0.02,
        real_gap=0.01,
        rows=(),
    )
    head = ev.table().splitlines()[0]
    assert "mean 2.997" in head
    assert "mean delay in the replay 2.993" in head
    assert "random offsets" in head


@pytest.mark.slow
def test_verify_over_an_earlier_run_moves_it_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    old = {"results.jsonl": b"old results\n", "delta_t.png": b"old figure"}
    for name, data in old.items():
        (out / name).write_bytes(data)
    (out / "notes.txt").write_text("mine")  # not a run file: stays
    argv = ["verify", "--quick", "--losses", "huber", "--n-pairs", "2"]
    argv += ["--no-figures", "--workers", "1", "--output", str(out)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    (moved,) = tmp_path.glob("out.previous-*")
    assert f"moved to {str(moved)!r}" in err
    assert {p.name: p.read_bytes() for p in moved.iterdir()} == old
    assert sorted(p.name for p in out.iterdir()) == [
        "notes.txt",
        "report.json",
        "report.md",
        "results.jsonl",
        "settings.json",
    ]
    # stderr is not a terminal here: one progress line per finished setting
    assert "verify: 2 settings to run" in err
    assert "verify: 1/2 settings done" in err
    assert "verify: 2/2 settings done" in err


@pytest.mark.slow
def test_sweep_labels_worker_delays_with_the_tau_the_bound_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "r.jsonl"
    argv = ["sweep", "--delay", "workers:4", "--theorems", "delayed-cvx", *_TINY]
    argv += ["--backend", "serial", "--results", str(results), "--json"]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    (rec,) = [json.loads(x) for x in results.read_text().splitlines()]
    tau = rec["realised"]["max_delay"]
    (verdict,) = rec["verdicts"]
    assert tau > 0  # 4 workers: delays up to at least 3 in 20 steps
    assert rows[0]["setting"].endswith(f"tau={tau} (max of workers:4)")
    assert "tau=0" not in rows[0]["setting"]
    assert verdict["bound"] == rows[0]["bound"]


@pytest.mark.slow
def test_resume_of_a_file_with_non_utf8_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "r.jsonl"
    results.write_bytes(b"\xff\xfe garbage\n")
    argv = ["sweep", "--theorems", "hardt-cvx", *_TINY, "--backend", "serial"]
    assert main([*argv, "--results", str(results), "--resume"]) == 0
    err = capsys.readouterr().err
    rejected = tmp_path / "r.jsonl.rejected"
    assert rejected.read_bytes() == b"\xff\xfe garbage\n"
    assert "asyncstab: note: 1 line(s)" in err
    assert str(rejected) in err
    assert len(results.read_text().splitlines()) == 1
