"""Reports of a verification run: report.json and report.md (table, findings, figures).

Works on the JSON records of :func:`~empirical.runs._sweep.run_task`, so a report can be
rebuilt from a results file without simulating again. The table is built in
:mod:`empirical.measurement._table` and the findings in :mod:`empirical.measurement._findings`; both are
re-exported here.
"""

from __future__ import annotations

import json
import math
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, get_args

from bounds.internal import checked
from empirical.measurement._findings import findings as findings
from empirical.measurement._status import CheckStatus
from empirical.measurement._table import _est, _num, pathwise_bugs
from empirical.measurement._table import format_table as format_table
from empirical.measurement._table import table_rows as table_rows
from empirical.measurement._tightness import tightness, tightness_markdown

from ._disk import write_atomic

__all__ = [
    "FIGURE_FILES",
    "RUN_FILES",
    "findings",
    "format_table",
    "package_versions",
    "table_rows",
    "write_report",
]

#: The figures :func:`write_report` may draw (see :mod:`empirical.runs._figures`).
FIGURE_FILES = ("delta_t.png", "gap_vs_tau.png", "gap_vs_step_size.png")
#: Every file a verification run writes into its output folder.
RUN_FILES = (
    "results.jsonl",
    "results.jsonl.rejected",
    "report.json",
    "report.md",
    *FIGURE_FILES,
)


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages the numbers depend on."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in (
        "asyncstab",
        "numpy",
        "scipy",
        "scikit-learn",
        "numba",
        "sympy",
        "matplotlib",
    ):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def findings_markdown(f: dict[str, Any]) -> str:
    """The findings in words, with their numbers."""
    lines = [f"- **Diverged** (no measurement): {d}" for d in f.get("diverged", [])]
    if "gap_vs_tau" in f:
        g = f["gap_vs_tau"]
        lines.append(
            f"- **Gap vs tau at fixed step size** ({g['setting']}): over tau = "
            f"{g['taus']}, gap = "
            + ", ".join(_est(e) for e in g["gap"])
            + f". Gap at the largest tau vs tau = 0: {_cmp_txt(g['gap_at_max_vs_tau0'])};"
            f" stability: {_cmp_txt(g['stability_at_max_vs_tau0'])}."
        )
    for c in f.get("rule_tau", []):
        lines.append(
            f"- **[rule-tau] at tau = {c['tau']}**: gap {_est(c['gap_constant'])}"
            f" (constant) vs {_est(c['gap_rule_tau'])} (rule-tau): rule-tau gap "
            f"is {_cmp_txt(c['rule_tau_gap_is'])}; stability is "
            f"{_cmp_txt(c['rule_tau_stability_is'])}."
        )
    if "regatti_vs_delayed" in f:
        r = f["regatti_vs_delayed"]
        m = r["stability_slope_vs_tau_plus_1"]
        ex = r["bound_slopes_vs_tau_plus_1"]
        lines.append(
            f"- **[R-ncvx] (a reconstruction of Regatti et al. 2019) or [D-ncvx]?** "
            f"({r['setting']}): measured stability slope "
            f"against tau+1 = {_slope_txt(m)}; [R-ncvx] (reconstruction) closed form slope "
            f"{_num(ex['regatti-ncvx'])}, [D-ncvx] {_num(ex['delayed-ncvx'])}. "
            + (
                f"Stability at tau = {r['taus'][-1]} over tau = 0: "
                f"{_ratio_txt(r['stability_ratio_max_tau_over_tau0'])} (paired bootstrap); "
                f"bound ratios [R-ncvx] {_num(r['bound_ratios']['regatti-ncvx'])}, "
                f"[D-ncvx] {_num(r['bound_ratios']['delayed-ncvx'])}. "
                if r["stability_ratio_max_tau_over_tau0"]
                else ""
            )
            + f"Measurements follow: **{r['follows']}**."
        )
    for d in f.get("delta_vs_T", []):
        ex = ", ".join(f"{k} {_num(v)}" for k, v in d["bound_exponents"].items())
        lines.append(
            f"- **delta_T vs T** ({d['setting']}): slope "
            f"{_slope_txt(d['measured_slope'])} over t in "
            f"[{d['measured_slope']['t_min']}, {d['measured_slope']['t_max']}]; "
            f"bound exponents: {ex or 'no applicable bound'}."
        )
    for g in f.get("gap_vs_n", []):
        lines.append(
            f"- **gap vs n** ({g['setting']}, n = {g['n']}): gap slope "
            f"{_slope_txt(g['gap_slope'])}, stability slope "
            f"{_slope_txt(g['stability_slope'])}; {g['theorem']} exponent "
            f"{_num(g['bound_exponent'])}."
        )
    lines += tightness_markdown(f)
    return "\n".join(lines)


def _cmp_txt(c: dict[str, Any]) -> str:
    if c["difference"] is None:
        return f"{c['answer']} (separate 95% intervals)"
    return f"{c['answer']} (paired difference {_est(c['difference'])})"


def _ratio_txt(r: dict[str, Any]) -> str:
    return f"{r['mean']:.4f} [{r['low']:.4f}, {r['high']:.4f}]"


def _slope_txt(s: dict[str, Any]) -> str:
    if s.get("slope") is None:
        return f"undefined ({s.get('reason')})"
    return f"{s['slope']:.3f} [{s['low']:.3f}, {s['high']:.3f}]"


def _finite_json(obj: Any) -> Any:
    """Replace non-finite floats by the strings "inf", "-inf" and "nan"."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _finite_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite_json(v) for v in obj]
    return obj


@checked
def write_report(
    out_dir: str | Path,
    records: Sequence[dict[str, Any]],
    *,
    config: dict[str, Any],
    wall_s: float,
    theorems: Sequence[str] | None = None,
    figures: bool = True,
) -> dict[str, Any]:
    """Write report.json, report.md and the figures; return the report dict."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = table_rows(records, theorems)
    f = findings(records)
    f["tightness"] = tightness(rows)
    f["worst_case_run"] = any(r.get("worst_case") for r in records)
    bugs = [task_id for task_id, _ in pathwise_bugs(records)]
    figs: list[str] = []
    if figures:
        # matplotlib (in _figures) is loaded only when figures are drawn
        from ._figures import make_figures

        figs = [p.name for p in make_figures(out, records)]
    n_verdicts = sum(r["status"] in get_args(CheckStatus) for r in rows)
    multiplicity = {
        "verdicts": n_verdicts,
        "gap_verdicts": n_verdicts,
        "one_sided_error_per_verdict": 0.025,
        "correction": "none",
    }
    report = {
        "config": config,
        "multiplicity": multiplicity,
        "versions": package_versions(),
        "wall_s": wall_s,
        "table": rows,
        "findings": f,
        "pathwise_bugs": bugs,
        "figures": figs,
        "records": list(records),
    }
    # Strict JSON for other tools: a bound that overflowed the float range is
    # written as the string "inf" (Python's json would write the non-standard
    # token Infinity).

    write_atomic(  # whole or not at all: a full disk leaves no half report
        out / "report.json",
        json.dumps(_finite_json(report), indent=1, default=float, allow_nan=False),
    )
    md = [
        "# asyncstab verification report",
        "",
        f"Command: `{config.get('command', 'asyncstab verify')}`  ",
        f"Wall time: {wall_s:.1f} s; seed {config.get('seed')}; "
        f"{len(records)} settings.",
        "",
        "Intervals are 95% (Student-t, or BCa bootstrap for skewed samples) over "
        "independent coupled pairs; verdict: upper limit below the closed form = "
        "holds, lower limit above = violated.",
        "",
        f"Multiplicity: the table holds {n_verdicts} stability verdicts and as many "
        "gap verdicts, each a one-sided check at error rate 2.5%, with no "
        "correction: were every bound exactly tight, about "
        f"{0.025 * n_verdicts:.1f} of each would read 'violated' by chance, so a "
        "lone 'violated' is a reason to rerun with more pairs or another seed "
        f"(a Bonferroni reading of the whole table needs level 1 - 0.05/{max(n_verdicts, 1)}).",
        "",
        "Gap verdicts are conditional on the fixed data pool: every pair draws its "
        "training set, replacement and test set from the same finite data set, so "
        "a measured gap is the gap with respect to that pool (its empirical "
        "distribution), not to the unknown population it was sampled from. "
        "Excess-risk rows ([DSL-excess]) take the population to be that pool: "
        "F is the mean loss over the whole data set, w* its minimiser over the "
        "ball (certified to the accuracy eps stated in each measurement, which "
        "widens the upper limit of the measured excess), and S is drawn without "
        "replacement from the pool where the theorem draws i.i.d. samples.",
        "",
        format_table(rows, markdown=True),
        "",
        "## Findings",
        "",
        findings_markdown(f),
        "",
        "## Pathwise check",
        "",
        ("**BUG: pathwise bound exceeded in tasks " + ", ".join(bugs) + "**")
        if bugs
        else "Every simulated pair stayed below its pathwise bound "
        "(relative tolerance 1e-9).",
        "",
        "## Figures",
        "",
    ]
    md += [f"![{n}]({n})" for n in figs]
    write_atomic(out / "report.md", "\n".join(md) + "\n")
    return report
