"""The runs kept in ``docs/kept-runs/`` and the page section generated from them.

Each kept run is a reproduction's ``results.json`` as its command wrote it,
with ``run.json`` (wall time, machine, date); the Reproductions page shows, for
each, the delay table generated from the results, and nothing typed by hand.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from empirical.runs._fidelity import regime_rows
from empirical.runs._kept import kept_regime, with_staleness
from empirical.runs._reproduce_report import delay_table

ROOT = Path(__file__).resolve().parents[2]
KEPT = ROOT / "docs" / "kept-runs"


@pytest.fixture(scope="module")
def reproductions() -> Iterator[ModuleType]:
    docs = str(ROOT / "docs")
    sys.path.insert(0, docs)
    try:
        yield importlib.import_module("sitegen.reproductions")
    finally:
        sys.path.remove(docs)


def _folders() -> list[Path]:
    return sorted(p for p in KEPT.iterdir() if p.is_dir())


def test_every_kept_run_is_complete() -> None:
    folders = _folders()
    assert folders, "no kept run"
    for folder in folders:
        results = json.loads((folder / "results.json").read_text())
        run = json.loads((folder / "run.json").read_text())
        assert results["command"].startswith("asyncstab reproduce ")
        assert run["wall_s"] > 0
        assert run["machine"]
        # Every setting of the experiment at those sizes has its summary row.
        assert len(results["summary"]) == len({r["key"] for r in results["summary"]})


def test_the_page_shows_each_kept_runs_generated_table(
    reproductions: ModuleType,
) -> None:
    section = "\n".join(reproductions.results_section())
    for folder in _folders():
        results = json.loads((folder / "results.json").read_text())
        assert f"### `{results['command']}`" in section
        assert delay_table(with_staleness(results)) in section
        regime = regime_rows(
            results["experiment"], [("this run", kept_regime(results))]
        )
        assert "\n".join(regime) in section
        for fig in folder.glob("fig-*.png"):
            assert f"kept-runs/{folder.name}/{fig.name}" in section


def test_every_kept_row_has_its_staleness_in_versions() -> None:
    """Recorded by the runs, or (earlier results) computed from the schedule."""
    for folder in _folders():
        results = with_staleness(json.loads((folder / "results.json").read_text()))
        for row in results["summary"]:
            assert row["staleness_max"] >= 0
            # never more than the nominal delay in steps (idle steps are not versions)
            assert row["staleness_max"] <= max(row["tau"], 64)


def test_the_lenet_control_is_labelled_by_its_staleness_not_its_period() -> None:
    """4 workers of fixed period 17 apply 4 updates in 17 steps: 3 versions."""
    results = json.loads((KEPT / "delay-question-lenet" / "results.json").read_text())
    rows = {r["key"]: r for r in with_staleness(results)["summary"]}
    assert rows["lenet-c-fixed-i-eta-0.01-tau16"]["staleness_max"] == 3
    assert (
        rows["lenet-c-fixed-i-eta-0.01-iii-4-grads-update-tau16"]["staleness_max"] == 16
    )


def _bound_runs() -> list[dict]:
    from empirical.runs._bound_report import bound_lines

    runs = [json.loads((f / "results.json").read_text()) for f in _folders()]
    return [r for r in runs if bound_lines(r["summary"])]


def test_kept_runs_put_bounds_beside_measurements_on_the_page(
    reproductions: ModuleType,
) -> None:
    """Every (setting, theorem) of a kept run with certified constants has its
    row on the page, with the theorem, the recursion's value and the measured
    uniform stability's interval on the same line."""
    from empirical.runs._bound_report import bound_lines

    runs = _bound_runs()
    # issue 27: the regatti2019 and deng2024 certified models are kept
    assert {r["experiment"] for r in runs} >= {"regatti2019", "deng2024"}
    lines = "\n".join(reproductions.results_section()).splitlines()
    for results in runs:
        for e in bound_lines(results["summary"]):
            r, m = e["row"], e["bounds"]["measured"]
            want = (
                e["key"],
                f"{e['recursion']['value']:.3g} (",
                f"{m['mean']:.3g} [{m['low']:.3g}, {m['high']:.3g}]",
            )
            assert any(
                line.startswith(f"| {r['group']}, {r['curve']} |")
                and all(w in line for w in want)
                for line in lines
            ), (r["key"], e["key"])


def test_readme_bounds_rows_count_every_setting_and_verdict(
    reproductions: ModuleType,
) -> None:
    """The README's bounds table: per run, model and theorem, the number of
    settings, the smallest bound / measured ratio (recomputed here from the raw
    values) and every verdict, a violation included, as recorded."""
    from empirical.runs._bound_report import bound_lines

    table = reproductions.bounds_summary().splitlines()
    for results in _bound_runs():
        groups: dict[tuple[str, str], list] = {}
        for e in bound_lines(results["summary"]):
            groups.setdefault((e["row"]["model"], e["key"]), []).append(e)
        for (model, key), es in groups.items():
            rows = [
                line
                for line in table
                if f"| {results['experiment']}, " in line
                and f"| {model} | {key} | {len(es)} |" in line
            ]
            assert len(rows) == 1, (model, key)
            ratios = [
                e["recursion"]["value"] / e["bounds"]["measured"]["mean"]
                for e in es
                if e["bounds"]["measured"]["mean"] > 0
            ]
            if ratios:
                assert f"| {min(ratios):.3g}" in rows[0]
            if len(ratios) < len(es):  # settings where no pair read its replaced point
                assert f"({len(es) - len(ratios)} measured 0: no ratio)" in rows[0]
            verdicts = [e["recursion"]["verdict"] for e in es]
            for v in set(verdicts):
                assert f"{verdicts.count(v)} {v}" in rows[0]


def test_the_delay_question_kept_run_reports_edges_and_matched_progress(
    reproductions: ModuleType,
) -> None:
    """The latest kept delay-question run with a step grid: every staleness's
    measured edge and heuristic on the page and in the README's block, and at
    least one grid step where both ends train compared at matched progress."""
    latest = reproductions._latest_delay_analysis()
    assert latest is not None, "no kept delay-question run with the step grid"
    _raw, analysis = latest
    assert len({e["staleness_max"] for e in analysis["edges"]}) >= 2
    page = "\n".join(reproductions.results_section())
    readme = reproductions.edge_summary()
    stal = ", ".join(str(e["staleness_max"]) for e in analysis["edges"])
    assert f"trains at staleness {stal}" in readme
    for e in analysis["edges"]:
        if e["heuristic_edge"] is not None:
            assert f"{e['heuristic_edge']:.3g} ({e['curvature']:.3g})" in readme
        # the edge: the largest grid step marked "yes" for this staleness
        assert e["edge"] is None or e["trains"][e["grid"].index(e["edge"])]
    stable = [
        m
        for m in analysis["matched"]
        if " grid eta=" in m["group"] and all(m["trained"]) and m.get("target")
    ]
    assert stable, "no grid step at which both staleness ends train"
    for m in stable:
        assert f"**{m['group']}**" in page
        eta = m["group"].rsplit("=", 1)[1]
        want = f"| {eta} | "
        row = next(line for line in readme.splitlines() if line.startswith(want))
        assert f"| {m['staleness'][0]} -> {m['staleness'][1]} |" in row
