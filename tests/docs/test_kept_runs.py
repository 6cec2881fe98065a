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
