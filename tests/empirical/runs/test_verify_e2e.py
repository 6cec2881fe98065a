"""End to end: `asyncstab verify --quick` writes the report, the figures and a table
with every theorem; a sweep gives the same records on one process and on two."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bounds import THEOREMS
from empirical.cli._cli import main
from empirical.distributed._executors import LocalProcessExecutor, SerialExecutor
from empirical.runs._sweep import sweep
from empirical.runs._task import make_tasks, parse_grid


@pytest.mark.slow
def test_verify_quick_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "res"
    rc = main(["verify", "--quick", "--output", str(out), "--workers", "2"])
    table = capsys.readouterr().out
    assert rc == 0  # 1 would mean a pathwise bound was exceeded (a bug)
    for name in (
        "report.json",
        "report.md",
        "results.jsonl",
        "delta_t.png",
        "gap_vs_tau.png",
        "gap_vs_step_size.png",
    ):
        assert (out / name).stat().st_size > 0, name
    for t in THEOREMS.values():
        assert t.registry_key in table, t.registry_key
    report = json.loads((out / "report.json").read_text())
    assert {r["theorem"] for r in report["table"]} >= {
        t.registry_key for t in THEOREMS.values()
    }
    assert report["pathwise_bugs"] == []
    assert {
        "gap_vs_tau",
        "rule_tau",
        "regatti_vs_delayed",
        "delta_vs_T",
        "gap_vs_n",
        "model_stability_vs_tau",
        "quadratic",
        "tightness",
    } <= set(report["findings"])
    ms = report["findings"]["model_stability_vs_tau"]
    assert {"fixed_step", "cor1"} <= set(ms)
    assert set(report["findings"]["tightness"]) >= {"[H-scvx]", "[D-cvx]", "[DSL-cvx]"}
    # [DSL-gen] and part 1 bound the same quantity (the gap) on the projected runs
    dv = report["findings"]["deng_vs_part1"]
    assert dv
    assert all(r["deng_gen_over_tightest_part1"] > 0 for r in dv)
    dsl = [r for r in report["table"] if r["key"] == "deng-cvx"]
    assert dsl
    assert all("measured: on-average model stability" in r["flags"] for r in dsl)
    # [DSL-excess] against the measured excess risk on every projected setting
    exc = [r for r in report["table"] if r["key"] == "deng-excess"]
    assert exc
    assert all(r["status"] != "not applicable" for r in exc)
    assert all("measured: excess risk" in r["flags"] for r in exc)
    assert "[DSL-excess]" in report["findings"]["tightness"]
    assert report["versions"]["numpy"]
    md = (out / "report.md").read_text()
    assert "## Findings" in md
    assert "[D-ncvx]" in md
    # [H-scvx]: the projected L2-logistic row (tau = 0) is its applicable setting.
    hs = [r for r in report["table"] if r["key"] == "hardt-scvx"]
    assert [r["status"] for r in hs] == ["holds"]
    assert "logistic-l2" in hs[0]["setting"]
    assert hs[0]["bound_over_average"] > 1
    assert report["multiplicity"]["verdicts"] == sum(
        r["status"] != "not applicable" for r in report["table"]
    )
    assert "conditional on the fixed data pool" in md
    assert "without replacement" in md
    assert "bound/avg" in table
    # The worst-case search runs by default: every uniform-stability row of a linear
    # loss carries its estimate and bound/worst; the on-average rows carry neither.
    worst = [r for r in report["table"] if r.get("bound_over_worst") is not None]
    assert {r["theorem"] for r in worst} >= {"[H-cvx]", "[H-scvx]", "[D-cvx]"}
    assert all(r["worst_case"]["low"] > 0 for r in worst)
    assert all(r["worst_case"] is None for r in dsl)
    assert "bound/worst" in md
    # Every verdict of an applicable theorem is one of the three outcomes.
    assert {r["status"] for r in report["table"]} <= {
        "holds",
        "inconclusive",
        "violated",
        "not applicable",
    }


@pytest.mark.slow
def test_real_tasks_identical_on_serial_and_process_executors() -> None:
    tasks = make_tasks(
        {"n_pairs": 8, "n_steps": 200, "n_samples": 100},
        parse_grid(["tau=0,3", "loss=logistic,sigmoid"]),
    )
    strip = lambda recs: [{k: v for k, v in r.items() if k != "timing"} for r in recs]  # noqa: E731
    serial = sweep(tasks, executor=SerialExecutor())
    parallel = sweep(tasks, executor=LocalProcessExecutor(2))
    # Same seeds, same float64 operations in each process: bitwise equal records.
    assert strip(serial) == strip(parallel)


def test_worst_case_task_adds_estimate_and_tightness() -> None:
    from empirical.measurement._table import WORST_COLUMNS, format_table, table_rows
    from empirical.runs._sweep import run_task
    from empirical.runs._task import SweepTask

    task = SweepTask(n_pairs=8, n_steps=300, n_samples=100, worst_case=True)
    rec = run_task(task)
    wc = rec["worst_case"]
    assert wc["selection_seed"] != wc["report_seed"]
    assert wc["estimate"]["n"] == wc["n_report"]
    v = next(v for v in rec["verdicts"] if v["theorem"] == "hardt-cvx")
    assert v["bound_over_worst"] == pytest.approx(v["bound"] / wc["estimate"]["mean"])
    assert v["worst_status"] in ("consistent", "violated")
    text = format_table(table_rows([rec]))
    assert all(c in text for c in WORST_COLUMNS)
    plain = SweepTask(n_pairs=8, n_steps=300, n_samples=100)
    assert "worst_case" not in run_task(plain)


def test_tightness_picks_the_smallest_ratio_per_theorem() -> None:
    from empirical.measurement._tightness import tightness

    def row(key: str, avg: float | None, worst: float | None, setting: str) -> dict:
        return {
            "theorem": key,
            "status": "holds",
            "setting": setting,
            "bound_over_average": avg,
            "bound_over_worst": worst,
        }

    rows = [
        row("[H-cvx]", 50.0, 3.0, "a"),
        row("[H-cvx]", 20.0, 7.0, "b"),
        row("[D-cvx]", 1e4, None, "c"),
        {**row("[H-scvx]", 0.5, 0.1, "d"), "status": "not applicable"},
    ]
    t = tightness(rows)
    assert t["[H-cvx]"]["bound_over_average"] == {"value": 20.0, "setting": "b"}
    assert t["[H-cvx]"]["bound_over_worst"] == {"value": 3.0, "setting": "a"}
    assert "bound_over_worst" not in t["[D-cvx]"]
    assert "[H-scvx]" not in t


def test_tightness_says_why_a_theorem_has_no_worst_case_ratio() -> None:
    from empirical.measurement._tightness import tightness, tightness_markdown

    def row(key: str, flags: list[str]) -> dict:
        return {
            "theorem": key,
            "status": "holds",
            "setting": "s",
            "flags": flags,
            "bound_over_average": 10.0,
            "bound_over_worst": None,
        }

    rows = [
        row("[DSL-cvx]", ["measured: on-average model stability"]),
        row("[H-cvx]", []),
    ]
    t = tightness(rows)
    assert t["[DSL-cvx]"]["quantity"] == "on-average model stability"
    assert t["[H-cvx]"]["quantity"] is None
    searched = "\n".join(tightness_markdown({"tightness": t, "worst_case_run": True}))
    assert "this bound the on-average model stability" in searched
    assert "no worst-case estimate on its rows" in searched
    assert "--no-worst-case" not in searched
    plain = "\n".join(tightness_markdown({"tightness": t, "worst_case_run": False}))
    assert "run without --no-worst-case" in plain


def test_verify_no_worst_case_flag() -> None:
    from empirical.cli._cli import build_parser

    p = build_parser()
    assert p.parse_args(["verify"]).worst_case is True
    assert p.parse_args(["verify", "--no-worst-case"]).worst_case is False
    assert p.parse_args(["verify", "--worst-case"]).worst_case is True
