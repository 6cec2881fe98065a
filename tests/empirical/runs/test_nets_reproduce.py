"""``asyncstab reproduce``: end to end at small sizes, deterministic, resumable."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("jax")
pytest.importorskip("mnist1d")

from empirical.cli._cli import main
from empirical.runs._reproduce_report import delay_verdict
from empirical.simulators.nets._datasets import load_net_data

SMALL = ["--quick", "--seeds", "1", "--n-pairs", "3", "--epochs", "3", "--no-figures"]


def _summary(folder: Path) -> list[dict[str, object]]:
    return json.loads((folder / "results.json").read_text())["summary"]


@pytest.mark.slow
def test_reproduce_deng_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["reproduce", "deng2024", *SMALL, "--output", str(a)]) == 0
    assert (a / "report.md").exists()
    res = json.loads((a / "results.json").read_text())
    rows = res["summary"]
    assert {r["tau"] for r in rows} == {4, 16}
    assert {r["model"] for r in rows} == {"mlp-40-64-10", "affine-30-2"}
    # The closing line: runs done and kept, the verdicts by count, the report.
    last = capsys.readouterr().out.strip().splitlines()[-1]
    # each paired setting counted once, by the first words of its verdict
    words = (
        "did not train",
        "smaller gap",
        "larger gap",
        "no detectable change",
        "not estimable",
    )
    counts = {
        w: sum("paired_gap_loss" in r and delay_verdict(r).startswith(w) for r in rows)
        for w in words
    }
    assert sum(counts.values()) == sum("paired_gap_loss" in r for r in rows)
    n_runs, base = len(res["runs"]), sum("paired_gap_loss" not in r for r in rows)
    assert last == (
        f"{n_runs} runs of {len(rows)} settings ({n_runs} run now, 0 kept): "
        + ", ".join(f"{n} {w}" for w, n in counts.items())
        + f", {base} baselines; report: {a}/report.md"
    )
    # A trained network beats the majority class on the test points.
    y = load_net_data("mnist1d").y
    majority_error = 1.0 - np.bincount(y).max() / len(y)
    best = min(r["test_error"]["mean"] for r in rows if r["model"].startswith("mlp"))
    assert best < majority_error - 0.05
    # Intervals and paired intervals are present, ordered and in range.
    for r in rows:
        assert r["gap_loss"]["low"] <= r["gap_loss"]["mean"] <= r["gap_loss"]["high"]
        assert 0.0 <= r["test_error"]["low"] <= r["test_error"]["high"] <= 1.0
        assert r["stability_avg2"]["low"] >= 0.0
        assert ("paired_gap_loss" in r) == (r["tau"] != 4)
    # Every curve of a group is sampled at the same updates (the figures' x).
    groups: dict[str, list[list[int]]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r["updates"])
    for xs in groups.values():
        assert all(x == xs[0] for x in xs)
    # The report opens with the command run and the fidelity table.
    text = (a / "report.md").read_text()
    assert text.startswith("# `asyncstab reproduce deng2024 --quick --seeds 1")
    assert text.index("## Fidelity") < text.index("## Results")
    # Same seed, same results (a fresh folder).
    assert main(["reproduce", "deng2024", *SMALL, "--output", str(b)]) == 0
    assert _summary(a) == _summary(b)
    # Resume: every run is read back, none recomputed.
    capsys.readouterr()
    assert main(["reproduce", "deng2024", *SMALL, "--output", str(a), "--resume"]) == 0
    out, err = capsys.readouterr()
    assert "seed 0" not in err
    assert f"(0 run now, {n_runs} kept)" in out.strip().splitlines()[-1]
    assert _summary(a) == _summary(b)
    # Resume with other sizes: refused before any run, naming the size ...
    other = [*SMALL[:-2], "2", "--no-figures"]  # --epochs 2
    assert main(["reproduce", "deng2024", *other, "--output", str(a), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "epochs=3 there, 2 now (--epochs)" in err
    assert _summary(a) == _summary(b)
    # ... and without --resume the earlier run is moved aside, and said so.
    assert main(["reproduce", "deng2024", *other, "--output", str(a)]) == 0
    err = capsys.readouterr().err
    assert "seed 0" in err
    (moved,) = tmp_path.glob("a.previous-*")
    assert f"was moved to {str(moved)!r}" in err
    assert _summary(moved) == _summary(b)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["regatti2019", "delay-question"])
def test_reproduce_regatti_and_question_run(name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    assert main(["reproduce", name, *SMALL[:-1], "--output", str(out)]) == 0
    assert list(out.glob("fig-*.png"))
    text = (out / "report.md").read_text()
    if name == "delay-question":
        assert "## Answer" in text
        assert "(iii)" in text


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--seeds", "0"], "n_seeds=0"),
        (["--n-pairs", "1"], "n_pairs=1"),
        (["--epochs", "0"], "epochs=0"),
        (["--output", "{file}"], "is an existing file"),
        (["--models", "resnet"], "models='resnet' must be one of"),
        (["--models", ","], "models=[] must name at least one of ['affine'"),
        (["--n-samples", "4999"], "n_samples=4999 must be <= 4998"),
    ],
)
def test_reproduce_bad_sizes_exit_2(
    argv: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    argv = [a.replace("{file}", str(a_file)) for a in argv]
    if "--output" not in argv:
        argv += ["--output", str(tmp_path / "out")]
    rc = main(["reproduce", "deng2024", "--quick", *argv])
    err = capsys.readouterr().err
    assert rc == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_reproduce_models_runs_only_those_networks(tmp_path: Path) -> None:
    out = tmp_path / "mlp-only"
    tiny = ["--quick", "--seeds", "1", "--n-pairs", "2", "--epochs", "1"]
    argv = ["reproduce", "regatti2019", *tiny, "--no-figures", "--models", "mlp"]
    assert main([*argv, "--output", str(out)]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["models"] == ["mlp"]
    assert {r["model"].split("-")[0] for r in res["summary"]} == {"mlp"}
    assert {r["key"].split("-")[0] for r in res["runs"]} == {"mlp"}
    assert not list((out / "runs").glob("cnn*"))
