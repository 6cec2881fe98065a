"""``report.md`` and figures of a reproduction (see :mod:`empirical.runs._reproduce`).

Figures (one per group of settings, the papers' figure types plus stability):
``|train - test|`` loss and error against epochs, one curve per delay, the mean
over seeds with a band from the smallest to the largest seed; and on-average
stability (mean over pairs of ``delta_t^2``) against epochs. Matplotlib's
object API only (no pyplot, no global backend change).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["delay_verdict", "write_report"]


def _ci(e: dict[str, Any]) -> str:
    return f"{e['mean']:.3g} [{e['low']:.3g}, {e['high']:.3g}]"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def delay_verdict(row: dict[str, Any]) -> str:
    """Words for a paired difference in the gap against the group's baseline."""
    d = row["paired_gap_loss"]
    if d["high"] < 0:
        return "smaller gap"
    if d["low"] > 0:
        return "larger gap"
    return "no detectable change"


def _figure(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 3.6))
    axes = fig.subplots(1, 3)
    panels = (
        ("curve_abs_gap_loss", "|test loss - train loss|"),
        ("curve_abs_gap_error", "|test error - train error|"),
        ("curve_stability_avg2", "on-average stability: mean delta_t^2"),
    )
    for ax, (field, label) in zip(axes, panels, strict=True):
        for r in rows:
            c = r[field]
            (line,) = ax.plot(r["epochs"], c["mean"], marker=".", label=r["curve"])
            ax.fill_between(
                r["epochs"], c["low"], c["high"], color=line.get_color(), alpha=0.2
            )
        ax.set_xlabel("epoch")
        ax.set_title(label, fontsize=9)
    axes[2].set_yscale("log")
    axes[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_report(results: dict[str, Any], out: Path, *, figures: bool = True) -> None:
    """Write ``out/report.md`` (and ``out/fig-<group>.png`` unless ``figures`` is false)."""
    name = results["experiment"]
    sz = results["sizes"]
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in results["summary"]:
        groups.setdefault(r["group"], []).append(r)
    lines = [
        f"# asyncstab reproduce {name}{' --quick' if results['quick'] else ''}",
        "",
        f"MNIST-1D, n = {sz['n_samples']} training points per run, {sz['n_pairs']} coupled "
        f"pairs per seed, {sz['n_seeds']} seeds, {sz['epochs']} epochs; device: "
        f"{results['device']}. Intervals: 95% Student-t over all pairs of all seeds; "
        "'paired' intervals are over per-pair differences against the group's first "
        "row (same seed and pair: same split, replaced point and start).",
        "",
        "Gap = test loss - train loss at the end (mean of the pair's two runs). "
        "On-average stability = mean over pairs of delta_T^2 (Lei & Ying 2020).",
        "",
    ]
    for group, rows in groups.items():
        rows.sort(key=lambda r: r["tau"])
        theorems = ", ".join(rows[0]["theorems"]) or "none (declared)"
        lines += [
            f"## {group}",
            "",
            f"Protocol ({rows[0]['protocol']}), model {rows[0]['model']}; registry "
            f"theorems that apply: {theorems}.",
            "",
            "| setting | eta | grads/update | updates | test error | gap (loss) | "
            "stability | paired d gap | paired d stability | verdict |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            paired = "paired_gap_loss" in r
            eta = r["step_size"]
            eta_s = eta if isinstance(eta, str) else f"{eta:.4g}"
            lines.append(
                f"| {r['curve']} | {eta_s} "
                f"| {r['gradients_per_update']:.3g} | {r['n_steps']} "
                f"| {_ci(r['test_error'])} | {_ci(r['gap_loss'])} "
                f"| {_ci(r['stability_avg2'])} "
                f"| {_ci(r['paired_gap_loss']) if paired else 'baseline'} "
                f"| {_ci(r['paired_stability_avg2']) if paired else 'baseline'} "
                f"| {delay_verdict(r) if paired else ''} |"
            )
        fig_name = f"fig-{_slug(group)}.png"
        if figures:
            _figure(rows, out / fig_name, f"{name}: {group}")
            lines += ["", f"![{group}]({fig_name})"]
        lines.append("")
    if name == "delay-question":
        lines += ["## Answer: does a larger delay change the gap?", ""]
        for group, rows in groups.items():
            last = rows[-1]
            if "paired_gap_loss" in last:
                lines.append(
                    f"- {group}: tau_bar {rows[0]['tau']} -> {last['tau']}: gap changes by "
                    f"{_ci(last['paired_gap_loss'])} ({delay_verdict(last)}); stability "
                    f"changes by {_ci(last['paired_stability_avg2'])}; gradients per "
                    f"update {rows[0]['gradients_per_update']:.3g} -> "
                    f"{last['gradients_per_update']:.3g}."
                )
        lines.append("")
    from ._disk import write_atomic

    write_atomic(out / "report.md", "\n".join(lines))  # whole or not at all
