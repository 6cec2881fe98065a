"""``report.md`` and figures of a reproduction (see :mod:`empirical.runs._reproduce`).

The report opens with the command actually run and its sizes, a plain-language
answer generated from the paired intervals (:func:`answer_paragraph`), the
legend of every label (:data:`LEGEND`), then the fidelity table
(:mod:`empirical.runs._fidelity`). Figures (one per group of settings): the
|train - test| loss gap, on-average stability (mean delta_t^2) and the test error,
against updates applied (top; idle steps are not updates) and against minibatch
gradients computed (bottom): never against a per-protocol "epoch", so the same
number of updates sits at the same place for every delay. Curves are means over seeds of the per-seed means over
pairs that did not diverge; the band runs from the smallest to the largest seed
mean (a spread, not a confidence interval; the tables hold the intervals).
Matplotlib's object API only (no pyplot, no global backend change).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ._answer import LEGEND, answer_paragraph
from ._bound_report import bound_section, edge_section
from ._disk import write_atomic
from ._edge import edge_answer
from ._fidelity import fidelity_table
from ._flags import at_chance, ci_text, did_not_train, error_cell, staleness_cell
from ._settings import Sizes

__all__ = [
    "at_chance",
    "change_cell",
    "delay_table",
    "delay_verdict",
    "error_cell",
    "write_report",
]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def delay_verdict(row: dict[str, Any]) -> str:
    """Words for the paired change of the gap against the group's baseline.

    Says no more than the interval: "no detectable change" comes with how much
    change the interval still allows, relative to the baseline's mean gap.
    """
    d = row.get("paired_gap_loss")
    div = row.get("diverged", 0)
    note = f" (diverged: {div} of {row['n_pairs_total']} pairs)" if div else ""
    if did_not_train(row):
        return "did not train: no gap comparison" + note
    if d is None:
        return "not estimable" + note
    if d["high"] < 0:
        return "smaller gap" + note
    if d["low"] > 0:
        return "larger gap" + note
    base = (row.get("paired_base") or {}).get("gap_loss")
    if base and base["mean"] != 0:
        pct = 100 * max(abs(d["low"]), abs(d["high"])) / abs(base["mean"])
        return f"no detectable change: the interval allows +-{pct:.0f}%" + note
    return "no detectable change" + note


def change_cell(row: dict[str, Any], field: str) -> str:
    """The paired change of ``field`` against the group's baseline, with its words.

    For the gap the verdict says how much change the interval still allows; for
    the other quantities only "no detectable change" is added when the interval
    holds zero (their baselines can be near zero, so a percentage can mislead).
    """
    d = row.get(f"paired_{field}")
    if d is None:
        return "not estimable"
    text = ci_text(d)
    if did_not_train(row):
        return text + " (did not train: not evidence about generalization)"
    if field == "gap_loss":
        verdict = delay_verdict({**row, "diverged": 0})
        if verdict.startswith("no detectable"):
            text += f": {verdict}"
    elif d["low"] <= 0 <= d["high"]:
        text += ": no detectable change"
    return text


def delay_table(results: dict[str, Any]) -> str:
    """Markdown: for every group, the paired change from its smallest to its largest delay.

    The delay axis is the staleness in parameter versions (updates applied
    between a gradient's read and its write; idle steps are not versions), mean
    and largest, with each experiment's nominal parameter beside it: the delay
    question's tau, Regatti et al.'s D, Deng et al.'s d. One row per group of
    ``results["summary"]`` (a reproduction's results): the gradients per update
    at both ends, the gap at the smallest delay, the paired
    changes (95%) of the gap (test - train loss), of on-average model stability
    (mean delta_T^2, Lei & Ying 2020) and of the test error, the test error at
    both ends (flagged where a model learned nothing detectable, see
    :func:`error_cell`), and the pairs that diverged at both ends (kept out of
    every interval). Generated from the results, so the report, the documentation
    site and the README's summary cannot disagree.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in results["summary"]:
        groups.setdefault(r["group"], []).append(r)
    lines = [
        "| group | staleness (versions) | nominal delay "
        "| gradients per update | gap at the smallest delay "
        "| gap change | mean delta_T^2 change "
        "| test error at the smallest and the largest delay "
        "| test error change | diverged (pairs) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for group, rows in groups.items():
        rows = sorted(rows, key=lambda r: r["tau"])
        first, last = rows[0], rows[-1]
        if "paired_against" not in last:
            continue
        lines.append(
            f"| {group} | {staleness_cell(first)} -> {staleness_cell(last)} "
            f"| {first['tau']} -> {last['tau']} "
            f"| {first['gradients_per_update']:.3g} -> "
            f"{last['gradients_per_update']:.3g} | {ci_text(first['gap_loss'])} "
            f"| {change_cell(last, 'gap_loss')} | {change_cell(last, 'stability_avg2')} "
            f"| {error_cell(first)}; {error_cell(last)} "
            f"| {change_cell(last, 'test_error')} "
            f"| {first['diverged']} of {first['n_pairs_total']}, "
            f"{last['diverged']} of {last['n_pairs_total']} |"
        )
    return "\n".join(lines)


def _figure(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    # matplotlib is loaded only when a figure is drawn
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 6.4))
    axes = fig.subplots(2, 3)
    panels = (
        ("curve_abs_gap_loss", "|test loss - train loss|", "linear"),
        ("curve_stability_avg2", "on-average stability: mean delta_t^2", "log"),
        ("curve_test_error_curve", "test error", "linear"),
    )
    for i, xfield in enumerate(("applied", "gradients")):
        for ax, (field, label, scale) in zip(axes[i], panels, strict=True):
            for r in rows:
                c = r[field]
                pts = [
                    (x, m, lo, hi)
                    for x, m, lo, hi in zip(
                        r.get(xfield) or r["updates"],
                        c["mean"],
                        c["low"],
                        c["high"],
                        strict=True,
                    )
                    if m is not None and (scale == "linear" or m > 0)
                ]
                name = f"{r['curve']}, staleness {staleness_cell(r)}"
                if r["diverged"]:
                    name += f" ({r['diverged']} of {r['n_pairs_total']} pairs diverged)"
                if not pts:  # still named in the legend, so it is not lost
                    ax.plot([], [], marker="x", linestyle="none", label=name)
                    continue
                xs, ms, los, his = (list(v) for v in zip(*pts, strict=True))
                (line,) = ax.plot(xs, ms, marker=".", label=name)
                ax.fill_between(xs, los, his, color=line.get_color(), alpha=0.2)
            ax.set_yscale(scale)
            ax.set_xlabel(
                "updates applied (idle steps not counted)"
                if xfield == "applied"
                else "minibatch gradients computed"
            )
            ax.set_title(label, fontsize=9)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(
        f"{title}\nlines: mean over seeds of the mean over non-diverged pairs; "
        "bands: smallest to largest seed mean (not a confidence interval)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)


_SHARDS_NOTE = (
    "shards, the authors' loaders (a fixed shard per worker, read in order, "
    "reshuffled each pass; both runs of a pair share them). The registry's bounds "
    "are proved for uniform sampling only (every slot drawn independently and "
    "uniformly); under shards a worker that arrives more often reads its shard, "
    "and the replaced point in it, more often."
)
_UNIFORM_NOTE = (
    "uniform (every minibatch slot drawn independently and uniformly from the n "
    "training points), the assumption the registry's bounds are proved for"
)


def _sampling_note(results: dict[str, Any]) -> str:
    """Which sampling ran (per group where they differ), and what the theorems assume."""
    by: dict[str, list[str]] = {}
    for r in results.get("summary") or []:
        how = r.get("sampling") or results.get("sampling", "uniform")
        if r["group"] not in by.setdefault(how, []):
            by[how].append(r["group"])
    if len(by) > 1:
        uni = "; ".join(by.get("uniform", []))
        return (
            f"Sampling: {_SHARDS_NOTE} Uniform sampling instead ({_UNIFORM_NOTE}) "
            f"in these groups: {uni}."
        )
    how = next(iter(by), results.get("sampling", "uniform"))
    if how == "shards":
        return f"Sampling: {_SHARDS_NOTE}"
    return (
        f"Sampling: {_UNIFORM_NOTE}; the authors' code reads per-worker shards "
        "instead (`--sampling shards`)."
    )


def _heading(results: dict[str, Any], settings: list[Any] | None) -> list[str]:
    sz = results["sizes"]
    over = results.get("overridden") or []
    note = ""
    if over:
        which = "--quick" if results["quick"] else "full"
        note = f" Sizes overridden ({', '.join(over)}): not the {which} defaults."
    run = None
    if settings is not None:
        run = (settings, Sizes(**sz), results.get("command", ""))
    return [
        f"# `{results.get('command', 'asyncstab reproduce ' + results['experiment'])}`",
        "",
        f"Sizes: n = {sz['n_samples']} training points (image data; the convex "
        f"experiment's own n is in the table), {sz['n_pairs']} coupled pairs per seed, "
        f"{sz['n_seeds']} seeds, {sz['epochs']} epochs; device {results['device']}."
        + note,
        "",
        "## Answer",
        "",
        answer_paragraph(results),
        "",
        *(
            ["At stable steps and matched progress:", "", edge_answer(a), ""]
            if (a := results.get("delay_analysis"))
            else []
        ),
        _sampling_note(results),
        "",
        "## Legend",
        "",
        LEGEND,
        "## Fidelity: this experiment against the authors' code",
        "",
        fidelity_table(results["experiment"], run=run),
        "",
        "## Results",
        "",
        "Intervals: 95%, over all non-diverged pairs of all seeds. Test error, "
        "delta_T^2 and the seed's normalised distance: BCa bootstrap over pairs (it "
        "stays in the quantity's range; few pairs make it too narrow); gaps and "
        "paired differences: Student-t. 'Paired': per-pair differences against the "
        "group's first row (same seed and pair: same split, replaced point and "
        "start; minibatch positions are drawn per step and worker, so they are "
        "shared too, except in the (iii) rows, whose number of workers grows with "
        "the delay). "
        "A pair has diverged when a run's final training loss is non-finite or above "
        "10 times the zero predictor's; diverged pairs are counted and left out.",
        "",
        "Gap = test loss - train loss at the end (mean of the pair's two runs). "
        "Stability = on-average model stability, mean over pairs of delta_T^2 (Lei & "
        "Ying 2020). Normalised distance = sqrt(|w - w'|^2 / (|w|^2 + |w'|^2)), the "
        "seed's own measure.",
        "",
    ]


def write_report(
    results: dict[str, Any],
    out: Path,
    *,
    figures: bool = True,
    settings: list[Any] | None = None,
) -> None:
    """Write ``out/report.md`` (and ``out/fig-<group>.png`` unless ``figures`` is false)."""
    name = results["experiment"]
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in results["summary"]:
        groups.setdefault(r["group"], []).append(r)
    lines = _heading(results, settings)
    for group, rows in groups.items():
        rows.sort(key=lambda r: r["tau"])
        r0 = rows[0]
        theorems = ", ".join(r0["theorems"]) or "none"
        if r0.get("theorems_why"):
            theorems += f" ({r0['theorems_why']})"
        sub = f" {r0['substitute']}." if r0["substitute"] else ""
        lines += [
            f"### {group}",
            "",
            f"Protocol ({r0['protocol']}), model {r0['model']} on {r0['data']} "
            f"(n = {r0['n_samples']}); step size: {r0['step_rule']}.{sub} "
            f"Registry theorems that apply: {theorems}.",
            "",
            "| setting | staleness (versions) | eta | grads/update | steps (updates "
            "applied) | diverged | test error | gap (loss) | stability | normalised "
            "distance | paired d gap | paired d stability | paired d test error "
            "| verdict |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            paired = "paired_against" in r
            eta = r["step_size"]
            eta_s = eta if isinstance(eta, str) else f"{eta:.4g}"
            applied = (r.get("applied") or [None])[-1]
            steps = f"{r['n_steps']:,}" + (
                f" ({applied:,.0f})" if applied is not None else ""
            )
            lines.append(
                f"| {r['curve']} | {staleness_cell(r)} | {eta_s} "
                f"| {r['gradients_per_update']:.3g} | {steps} "
                f"| {r['diverged']} of {r['n_pairs_total']} "
                f"| {error_cell(r)} | {ci_text(r['gap_loss'])} "
                f"| {ci_text(r['stability_avg2'])} | {ci_text(r['normalised_distance'])} "
                f"| {ci_text(r['paired_gap_loss']) if paired else 'baseline'} "
                f"| {ci_text(r['paired_stability_avg2']) if paired else 'baseline'} "
                f"| {ci_text(r['paired_test_error']) if paired else 'baseline'} "
                f"| {delay_verdict(r) if paired else ''} |"
            )
        fig_name = f"fig-{_slug(group)}.png"
        if figures:
            _figure(rows, out / fig_name, f"{name}: {group}")
            lines += ["", f"![{group}]({fig_name})"]
        lines.append("")
    lines += bound_section(results, out, figures=figures)
    lines += edge_section(results)
    if any(r["model"].startswith("affine") for r in results["summary"]):
        lines += [
            "## The convex experiment against the theory",
            "",
            "Deng et al.'s theorems, and every convex bound of the registry, are stated "
            "for one stale gradient per update (and Deng et al.'s Thm 1 for steps "
            "projected onto a ball). This experiment runs their code's algorithm "
            "instead: each update sums the minibatch gradients (16 samples each) of "
            "the workers that arrive, from 0 to 16 of them, an update with no arrival "
            "leaves the parameters unchanged (an idle step), and nothing is projected; "
            "the squared loss of a linear model is convex and smooth but not "
            "Lipschitz without a projection. The theorems listed as applicable above "
            "are the ones whose declared assumptions this protocol, model and loss "
            "meet; none is evaluated against these runs unless listed.",
            "",
        ]
    if name == "delay-question":
        lines += [
            "## Answer: does a larger delay change the gap? (at these sizes only)",
            "",
            "Paired over the same seeds and pairs; 95% intervals; diverged pairs "
            "left out.",
            "",
            delay_table(results),
            "",
        ]
    write_atomic(out / "report.md", "\n".join(lines))  # whole or not at all
