"""The report's sections for bounds beside measurements and the stability edge.

:func:`bound_section`: for every row with a bound block
(:mod:`empirical.runs._bound_rows`), one table line per applicable theorem
(closed form and recursion, the measured uniform stability with its 95%
interval, ratio bound / measured, the one-sided verdict, vacuity against the
loss range ``B``, the gap check, the pathwise check), any violation listed
first as a finding; the paired slopes against staleness; one figure per
experiment (bound and measurement against the staleness in versions, log y).
:func:`edge_section`: the delay question's stability edges and matched-progress
comparisons (:mod:`empirical.runs._edge`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ._edge import edge_answer
from ._flags import staleness_cell

__all__ = [
    "bound_figure",
    "bound_lines",
    "bound_section",
    "edge_section",
    "stored_ratio",
]


def _ci(e: dict[str, Any] | None) -> str:
    if e is None:
        return "not estimable"
    return f"{e['mean']:.3g} [{e['low']:.3g}, {e['high']:.3g}]"


def _num(x: float | None) -> str:
    if x is None:
        return "n/a"
    return "0" if abs(x) < 1e-9 else f"{x:.3g}"  # an exact fit of a flat bound


def stored_ratio(c: dict[str, Any]) -> float | None:
    """A check's bound / measured, or ``None`` where every pair measured 0
    (results recorded before that case had no ratio stored it as infinite)."""
    r = c.get("ratio")
    return None if r is None or r == math.inf else float(r)


def _level(c: dict[str, Any]) -> str:
    """``value (ratio x; verdict; vacuous: k B)``."""
    if c.get("value") is None:
        return "n/a"
    r = stored_ratio(c)
    ratio = "no ratio: measured 0" if r is None else f"{_num(r)}x"
    text = f"{c['value']:.3g} ({ratio}, {c['verdict']}"
    if c.get("vacuous"):
        text += f"; vacuous: {c['over_range']:.3g} B"
    return text + ")"


def bound_lines(summary: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One flat entry per (row, theorem) with bounds, for tables and tests."""
    out = []
    for r in summary:
        b = r.get("bounds")
        if not b:
            continue
        for key, t in b["theorems"].items():
            out.append({"row": r, "key": key, **t, "bounds": b})
    return out


def _findings(lines: list[dict[str, Any]]) -> list[str]:
    found = []
    for e in lines:
        r = e["row"]
        for level in ("closed_form", "recursion"):
            if e[level].get("verdict") == "violated":
                found.append(
                    f"- **Finding: {e['key']} ({level.replace('_', ' ')}) violated** "
                    f"at {r['group']}, {r['curve']}: bound {e[level]['value']:.3g} "
                    f"below the measured {_ci(e['bounds']['measured'])}."
                )
        if e.get("gap", {}).get("verdict") == "violated":
            found.append(
                f"- **Finding: the gap bound of {e['key']} violated** at {r['group']}, "
                f"{r['curve']}: |E gap| <= {e['gap']['bound']:.3g} against the "
                f"measured gap {_ci(r.get('gap_loss'))}."
            )
        if e.get("pathwise_violations"):
            found.append(
                f"- **Finding (a bug): {e['pathwise_violations']} pathwise "
                f"violations of {e['key']}** at {r['group']}, {r['curve']}."
            )
    return found


def bound_section(
    results: dict[str, Any], out: Path, *, figures: bool = True
) -> list[str]:
    """Markdown lines (empty when no row carries bounds)."""
    lines_ = bound_lines(results["summary"])
    if not lines_:
        return []
    md = [
        "## Bounds beside measurements (models with certified constants)",
        "",
        "Each applicable registry theorem, at two levels: the closed form at the "
        "envelope of the realised schedules, and the recursion on each pair's "
        "realised schedule (mean over pairs). Measured: uniform stability, the "
        "mean over pairs of max_z |f(w_T; z) - f(w'_T; z)| over the pair's "
        "training sets, replacement and test set (95% BCa interval). Ratio = "
        "bound / measured mean; verdict one-sided (the upper limit below the "
        "bound: holds; the lower limit above it: violated; else inconclusive). "
        "Vacuous: the bound is at least the loss range B. Gap: uniform stability "
        "bounds |E gap| (Hardt et al. 2016, Thm 2.2), checked against the measured "
        "gap. L E delta_T: the quantity the convex proof bounds. Pathwise: "
        "violations of each pair's deterministic bound on delta_t (a bug if any).",
        "",
    ]
    found = _findings(lines_)
    md += found or ["No bound is violated at any level."]
    md += [
        "",
        "| setting | staleness (versions) | theorem | closed form (ratio, verdict) "
        "| recursion (ratio, verdict) | measured stability | B | L E delta_T "
        "(recursion ratio, verdict) | gap bound: measured gap, verdict | pathwise "
        "violations |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in lines_:
        r, b = e["row"], e["bounds"]
        ld = e.get("recursion_vs_L_delta")
        ld_s = _ci(b["L_delta"]) + (f" ({_level(ld)})" if ld else "")
        gap = e.get("gap")
        gap_s = (
            "n/a"
            if not gap
            else f"{gap['bound']:.3g}: {_ci(r.get('gap_loss'))}, {gap['verdict']}"
        )
        reason = f" ({e['reason']})" if e.get("reason") else ""
        md.append(
            f"| {r['group']}, {r['curve']} | {staleness_cell(r)} | {e['key']}{reason} "
            f"| {_level(e['closed_form'])} | {_level(e['recursion'])} "
            f"| {_ci(b['measured'])} | {b['loss_bound']:.3g} | {ld_s} | {gap_s} "
            f"| {e['pathwise_violations']} of {e['pathwise_checked']} |"
        )
    slopes = results.get("bound_slopes") or []
    if slopes:
        md += [
            "",
            "Does the measurement move with the staleness as the bound does? "
            "Log-log slopes against 1 + staleness (versions, largest): the "
            "measurement's is paired over (seed, pair) (bootstrap over pairs, 95%); "
            "the bounds' are exact fits through their values.",
            "",
            "| group | points | measured slope | bound slopes (closed form; recursion) |",
            "|---|---|---|---|",
        ]
        for s in slopes:
            m = s["measured"]
            ms = (
                m.get("reason", "n/a")
                if m.get("slope") is None
                else f"{m['slope']:.3g} [{m['low']:.3g}, {m['high']:.3g}]"
            )
            bs = "; ".join(
                f"{k}: {_num(v['closed_form'])}; {_num(v['recursion'])}"
                for k, v in s["bounds"].items()
            )
            md.append(f"| {s['group']} | {len(s['x'])} | {ms} | {bs} |")
    if figures:
        name = "fig-bounds.png"
        bound_figure(results, out / name)
        md += ["", f"![bounds beside measurements]({name})"]
    return [*md, ""]


def bound_figure(results: dict[str, Any], path: Path) -> None:
    """One figure: per group, bound and measurement against staleness (log y)."""
    from matplotlib.figure import Figure

    groups: dict[str, list[dict[str, Any]]] = {}
    for r in results["summary"]:
        if r.get("bounds"):
            groups.setdefault(r["group"], []).append(r)
    k = len(groups)
    cols = min(3, k)
    rows_n = -(-k // cols)
    fig = Figure(figsize=(5 * cols, 3.8 * rows_n))
    axes = fig.subplots(rows_n, cols, squeeze=False).ravel()
    for ax, (group, rows) in zip(axes, groups.items(), strict=False):
        rows = sorted(rows, key=lambda r: r["staleness_max"])
        x = [r["staleness_max"] for r in rows]
        ms = [r["bounds"]["measured"] for r in rows]
        ok = [(xi, m) for xi, m in zip(x, ms, strict=True) if m and m["mean"] > 0]
        if ok:
            ax.errorbar(
                [o[0] for o in ok],
                [o[1]["mean"] for o in ok],
                yerr=[
                    [o[1]["mean"] - max(o[1]["low"], 1e-300) for o in ok],
                    [o[1]["high"] - o[1]["mean"] for o in ok],
                ],
                marker="o",
                color="k",
                label="measured stability (95%)",
            )
        for key in rows[0]["bounds"]["theorems"]:
            for level, style in (("closed_form", "--"), ("recursion", "-")):
                ys = [r["bounds"]["theorems"][key][level]["value"] for r in rows]
                pts = [(a, y) for a, y in zip(x, ys, strict=True) if y]
                if pts:
                    ax.plot(
                        [p[0] for p in pts],
                        [p[1] for p in pts],
                        style,
                        marker=".",
                        label=f"{key}, {level.replace('_', ' ')}",
                    )
        ax.axhline(rows[0]["bounds"]["loss_bound"], color="grey", lw=0.8, ls=":")
        ax.set_yscale("log")
        ax.set_xlabel("staleness (parameter versions, largest)")
        ax.set_title(group, fontsize=8)
        ax.legend(fontsize=6)
    for ax in axes[k:]:
        ax.set_visible(False)
    fig.suptitle(
        f"{results['experiment']}: bounds (lines) and measured uniform stability "
        "(points); dotted: the loss range B",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def edge_section(results: dict[str, Any]) -> list[str]:
    """Markdown lines of the delay question's stability edges and matched progress."""
    a = results.get("delay_analysis")
    if not a:
        return []
    md = [
        "## Stability edge and matched progress",
        "",
        "Stability edge: the largest step of the grid at which a staleness still "
        "trains (not flagged 'did not train', no pair diverged); heuristic: "
        "delayed gradient descent on a direction of curvature lambda is stable "
        "only when eta lambda < 2 sin(pi/(2(2 tau + 1))), lambda the largest "
        "top Hessian eigenvalue of the training loss estimated along the trained "
        "runs (power iteration on Hessian-vector products, pair 0's run on S, at "
        "every evaluation), tau the staleness in versions. Matched progress: the "
        "first evaluation at which a pair's training loss reaches the target (the "
        "largest final training loss over the kept pairs of both ends: every pair "
        "reaches it), paired over (seed, pair); differences are larger staleness minus smaller, 95% Student-t.",
        "",
    ]
    if a["edges"]:
        md += [
            "| family | staleness | grid (trains?) | measured edge | heuristic edge "
            "| lambda |",
            "|---|---|---|---|---|---|",
        ]
        for e in a["edges"]:
            grid = ", ".join(
                f"{eta:g}{'' if ok else ' (no)'}"
                for eta, ok in zip(e["grid"], e["trains"], strict=True)
            )
            md.append(
                f"| {e['family']} | {e['staleness_max']} | {grid} | {_num(e['edge'])} "
                f"| {_num(e['heuristic_edge'])} | {_num(e['curvature'])} |"
            )
        md.append("")
    md += [edge_answer(a), ""]
    return md
