"""Reports of a verification run: the table, the findings, report.json and report.md.

Works on the JSON records of :func:`~empirical._sweep.run_task`, so a report can be
rebuilt from a results file without simulating again.
"""

from __future__ import annotations

import json
import math
import platform
import sys
from collections import Counter
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from ._measure import Estimate, fit_slope

__all__ = ["findings", "format_table", "package_versions", "table_rows", "write_report"]

COLUMNS = (
    "theorem",
    "setting",
    "stability [95% CI]",
    "gap [95% CI]",
    "closed form",
    "recursion",
    "ratio",
    "verdict",
    "flags",
)


def _est(d: dict[str, Any] | None) -> str:
    return "-" if d is None else str(Estimate.from_dict(d))


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def setting_label(cfg: dict[str, Any]) -> str:
    """Short text of a setting: loss/data, n, T, step, schedule, delay."""
    step = "c" if "decaying" in cfg["schedule"] else "eta"
    delay = (
        cfg["delay"]
        if cfg["delay"].startswith("trace:")
        else (f"tau={cfg['max_delay']} ({cfg['delay']})")
    )
    return (
        f"{cfg['loss']}/{cfg['dataset']} n={cfg['n_samples']} T={cfg['n_steps']} "
        f"{step}={cfg['step_size']:g} {cfg['schedule']} {delay}"
    )


def table_rows(
    records: Sequence[dict[str, Any]], theorems: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """One row per applicable (theorem, setting); a theorem never applicable gets one
    "not applicable" row with its most common reason, so every theorem appears."""
    rows: list[dict[str, Any]] = []
    reasons: dict[str, Counter[str]] = {}
    seen: set[str] = set()
    order: list[str] = []
    for rec in records:
        if "diverged" in rec:
            rows.append(
                {
                    "theorem": "(none)",
                    "setting": setting_label(rec["config"]),
                    "stability": None,
                    "gap": None,
                    "bound": None,
                    "recursion": None,
                    "ratio": None,
                    "status": "not applicable",
                    "flags": ["diverged: " + rec["diverged"]],
                    "key": "(none)",
                    "task_id": rec["task_id"],
                }
            )
            continue
        applicable = [v for v in rec["verdicts"] if v["status"] != "not applicable"]
        if not applicable and rec["verdicts"]:
            # No theorem covers this setting (e.g. the MLP: unbounded nonconvex
            # loss); show its measurements and pathwise checks anyway.
            vs = rec["verdicts"]
            pw = [
                f"pathwise {v['registry_key']} {v['pathwise']['status']}"
                for v in vs
                if v["pathwise"]
            ]
            rows.append(
                {
                    "theorem": "(none)",
                    "setting": setting_label(rec["config"]),
                    "stability": vs[0]["measured"],
                    "gap": vs[0]["gap"],
                    "bound": None,
                    "recursion": None,
                    "ratio": None,
                    "status": "not applicable",
                    "flags": [
                        *vs[0]["flags"],
                        *pw,
                        "no theorem applies: "
                        + "; ".join(sorted({v["reason"] for v in vs if v["reason"]})),
                    ],
                    "key": "(none)",
                    "task_id": rec["task_id"],
                }
            )
        for v in rec["verdicts"]:
            key = v["theorem"]
            if theorems and key not in theorems:
                continue
            if key not in order:
                order.append(key)
            if v["status"] == "not applicable":
                reasons.setdefault(key, Counter())[v["reason"]] += 1
                continue
            seen.add(key)
            rows.append(
                {
                    "theorem": v["registry_key"],
                    "setting": setting_label(rec["config"]),
                    "stability": v["measured"],
                    "gap": v["gap"],
                    "bound": v["bound"],
                    "recursion": v["recursion"],
                    "ratio": v["ratio"],
                    "status": v["status"],
                    "flags": v["flags"],
                    "key": key,
                    "task_id": rec["task_id"],
                }
            )
    for key in order:
        if key not in seen:
            reason = reasons[key].most_common(1)[0][0]
            reg = next(
                v["registry_key"]
                for r in records
                for v in r["verdicts"]
                if v["theorem"] == key
            )
            rows.append(
                {
                    "theorem": reg,
                    "setting": f"every setting: {reason}",
                    "stability": None,
                    "gap": None,
                    "bound": None,
                    "recursion": None,
                    "ratio": None,
                    "status": "not applicable",
                    "flags": [],
                    "key": key,
                    "task_id": None,
                }
            )
    rank = {k: i for i, k in enumerate([*order, "(none)"])}
    rows.sort(key=lambda r: rank[r["key"]])
    return rows


def _cells(r: dict[str, Any]) -> list[str]:
    return [
        r["theorem"],
        r["setting"],
        _est(r["stability"]),
        _est(r["gap"]),
        _num(r["bound"]),
        _num(r["recursion"]),
        _num(r["ratio"]),
        r["status"],
        ", ".join(r["flags"]),
    ]


def format_table(rows: Sequence[dict[str, Any]], *, markdown: bool = False) -> str:
    """The verification table as aligned text (or a Markdown table)."""
    body = [_cells(r) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += [
            "| " + " | ".join(c.replace("|", "/") for c in b) + " |" for b in body
        ]
        return "\n".join(lines)
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(COLUMNS)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([fmt.format(*COLUMNS), sep, *(fmt.format(*b) for b in body)])


# ------------------------------------------------------------------ findings
def _by_tag(records: Sequence[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
    return [r for r in records if r["config"].get("tag") == tag]


def _verdict(rec: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((v for v in rec["verdicts"] if v["theorem"] == key), None)


_PAIRING_KEYS = ("loss", "dataset", "n_samples", "n_steps", "n_pairs", "seed", "radius")


def _compare(a: dict[str, Any], b: dict[str, Any], q: str) -> dict[str, Any]:
    """Is ``q`` of record b larger or smaller than of record a?

    Records with the same seed and problem sizes share their data, replaced sample
    and index sequence pair by pair (common random numbers), so the difference
    ``b - a`` is estimated on paired samples: a much tighter interval than two
    separate ones. Otherwise two separate intervals must not overlap.
    """
    from ._measure import estimate_mean

    ca, cb = a["config"], b["config"]
    if all(ca[k] == cb[k] for k in _PAIRING_KEYS) and "samples" in a and "samples" in b:
        import numpy as np

        d = estimate_mean(np.asarray(b["samples"][q]) - np.asarray(a["samples"][q]))
        word = (
            "larger"
            if d.low > 0
            else "smaller"
            if d.high < 0
            else ("not distinguishable")
        )
        return {"answer": word, "difference": d.to_dict(), "paired": True}
    ea, eb = a["measurement"][q], b["measurement"][q]
    word = (
        "larger"
        if eb["low"] > ea["high"]
        else "smaller"
        if eb["high"] < ea["low"]
        else "not distinguishable"
    )
    return {"answer": word, "difference": None, "paired": False}


def _cmp_txt(c: dict[str, Any]) -> str:
    if c["difference"] is None:
        return f"{c['answer']} (separate 95% intervals)"
    return f"{c['answer']} (paired difference {_est(c['difference'])})"


def _slope(xs: Sequence[float], ests: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from bounds import InvalidParameterError

    try:
        return fit_slope(xs, [Estimate.from_dict(e) for e in ests]).to_dict()
    except InvalidParameterError as exc:
        return {"slope": None, "reason": str(exc)}


def _bound_exponent(
    rec: dict[str, Any], key: str, name: str, lo: float, hi: float
) -> float | None:
    """d log(bound) / d log(name) between ``lo`` and ``hi`` (closed form)."""
    from bounds import THEOREMS

    v = _verdict(rec, key)
    if v is None or not v["params"] or name not in v["params"]:
        return None
    th = THEOREMS[key]
    a = th.evaluate(**{**v["params"], name: lo})
    b = th.evaluate(**{**v["params"], name: hi})
    return float(math.log(b / a) / math.log(hi / lo))


def _tau_series(recs: list[dict[str, Any]], schedule: str) -> list[dict[str, Any]]:
    return sorted(
        (r for r in recs if r["config"]["schedule"] == schedule),
        key=lambda r: r["config"]["max_delay"],
    )


def findings(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The answers of requirement 7, computed from the suite's records."""
    out: dict[str, Any] = {
        "diverged": [setting_label(r["config"]) for r in records if "diverged" in r]
    }
    records = [r for r in records if "diverged" not in r]
    cvx = _by_tag(records, "cvx-tau")
    const = _tau_series(cvx, "constant")
    if len(const) >= 2:
        first, last = const[0], const[-1]
        out["gap_vs_tau"] = {
            "setting": setting_label(first["config"]),
            "taus": [r["config"]["max_delay"] for r in const],
            "gap": [r["measurement"]["gap"] for r in const],
            "stability": [r["measurement"]["stability"] for r in const],
            "gap_at_max_vs_tau0": _compare(first, last, "gap"),
            "stability_at_max_vs_tau0": _compare(first, last, "stability"),
        }
    rule = {r["config"]["max_delay"]: r for r in _tau_series(cvx, "rule-tau")}
    if rule:
        cmp = []
        for r in const:
            tau = r["config"]["max_delay"]
            if tau in rule:
                cmp.append(
                    {
                        "tau": tau,
                        "gap_constant": r["measurement"]["gap"],
                        "gap_rule_tau": rule[tau]["measurement"]["gap"],
                        "rule_tau_gap_is": _compare(r, rule[tau], "gap"),
                        "stability_constant": r["measurement"]["stability"],
                        "stability_rule_tau": rule[tau]["measurement"]["stability"],
                        "rule_tau_stability_is": _compare(r, rule[tau], "stability"),
                    }
                )
        out["rule_tau"] = cmp
    nc = _tau_series(_by_tag(records, "ncvx-tau"), "decaying")
    if len(nc) >= 2 and nc[-1]["config"]["max_delay"] > 0:
        out["regatti_vs_delayed"] = _r_vs_d(nc)
    out["delta_vs_T"] = []
    for tag in ("cvx-tau", "ncvx-tau"):
        for r in _by_tag(records, tag):
            if r["config"]["schedule"] in ("constant", "decaying") and r["config"][
                "max_delay"
            ] in (0, max(x["config"]["max_delay"] for x in _by_tag(records, tag))):
                ds = r["delta_slope"]
                if ds.get("slope") is None:
                    continue
                exps = {
                    v["registry_key"]: _bound_exponent(
                        r, v["theorem"], "n_steps", ds["t_min"], ds["t_max"]
                    )
                    for v in r["verdicts"]
                    if v["status"] != "not applicable"
                }
                out["delta_vs_T"].append(
                    {
                        "setting": setting_label(r["config"]),
                        "measured_slope": ds,
                        "bound_exponents": exps,
                    }
                )
    out["gap_vs_n"] = []
    cn = _by_tag(records, "cvx-n")
    for tau in sorted({r["config"]["max_delay"] for r in cn}):
        rs = sorted(
            (r for r in cn if r["config"]["max_delay"] == tau),
            key=lambda r: r["config"]["n_samples"],
        )
        if len(rs) < 2:
            continue
        ns = [r["config"]["n_samples"] for r in rs]
        key = "hardt-cvx" if tau == 0 else "delayed-cvx"
        out["gap_vs_n"].append(
            {
                "setting": setting_label(rs[0]["config"]),
                "theorem": key,
                "n": ns,
                "gap": [r["measurement"]["gap"] for r in rs],
                "gap_slope": _slope(ns, [r["measurement"]["gap"] for r in rs]),
                "stability_slope": _slope(
                    ns, [r["measurement"]["stability"] for r in rs]
                ),
                "bound_exponent": _bound_exponent(
                    rs[0], key, "n_samples", ns[0], ns[-1]
                ),
            }
        )
    return out


def _paired_ratio(
    a: dict[str, Any],
    b: dict[str, Any],
    q: str,
    *,
    n_resamples: int = 2000,
    seed: int = 0,
) -> dict[str, Any] | None:
    """``mean(b) / mean(a)`` with a paired-bootstrap 95% percentile interval
    (pairs resampled jointly, fixed seed); None when the records are not paired."""
    import numpy as np

    ca, cb = a["config"], b["config"]
    if not all(ca[k] == cb[k] for k in _PAIRING_KEYS) or "samples" not in a:
        return None
    x, y = np.asarray(a["samples"][q]), np.asarray(b["samples"][q])
    idx = np.random.default_rng(seed).integers(0, x.size, (n_resamples, x.size))
    boot = y[idx].mean(axis=1) / x[idx].mean(axis=1)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return {
        "mean": float(y.mean() / x.mean()),
        "low": float(lo),
        "high": float(hi),
        "n": int(x.size),
        "method": "paired-bootstrap",
        "confidence": 0.95,
    }


def _r_vs_d(nc: list[dict[str, Any]]) -> dict[str, Any]:
    taus = [r["config"]["max_delay"] for r in nc]
    x = [t + 1 for t in taus]
    stab = [r["measurement"]["stability"] for r in nc]
    dT = [r["measurement"]["delta_T"] for r in nc]
    bounds_by = {
        k: [(_verdict(r, k) or {}).get("bound") for r in nc]
        for k in ("regatti-ncvx", "delayed-ncvx")
    }
    exps: dict[str, float | None] = {}
    for k, b in bounds_by.items():
        if any(v is None for v in b):
            exps[k] = None
            continue
        fit = fit_slope(
            x,
            [
                Estimate(float(v), float(v), float(v), 2, "exact")
                for v in b
                if v is not None
            ],
        )
        exps[k] = round(fit.slope, 10)
    m = _slope(x, stab)
    follows = "undetermined"
    ratio = _paired_ratio(nc[0], nc[-1], "stability")
    bound_ratio = {
        k: (
            float(b[-1]) / float(b[0])
            if b[0] is not None and b[-1] is not None
            else None
        )
        for k, b in bounds_by.items()
    }
    if ratio is not None and None not in bound_ratio.values():
        inside = [
            k
            for k, r in bound_ratio.items()
            if r is not None and ratio["low"] <= r <= ratio["high"]
        ]
        follows = (
            inside[0]
            if len(inside) == 1
            else (
                "both inside the interval"
                if inside
                else min(
                    bound_ratio,
                    key=lambda k: abs(
                        math.log((bound_ratio[k] or 1.0) / ratio["mean"])
                    ),
                )
                + " (closest; neither ratio inside the interval)"
            )
        )
    elif m.get("slope") is not None and None not in exps.values():
        inside = [
            k for k, e in exps.items() if e is not None and m["low"] <= e <= m["high"]
        ]
        if len(inside) == 1:
            follows = inside[0]
        elif not inside:
            follows = min(exps, key=lambda k: abs((exps[k] or 0.0) - m["slope"]))
            follows += " (closest; neither exponent inside the interval)"
        else:
            follows = "both inside the interval"
    return {
        "setting": setting_label(nc[0]["config"]),
        "taus": taus,
        "stability": stab,
        "delta_T": dT,
        "bounds": bounds_by,
        "stability_ratio_max_tau_over_tau0": ratio,
        "bound_ratios": bound_ratio,
        "stability_slope_vs_tau_plus_1": m,
        "delta_T_slope_vs_tau_plus_1": _slope(x, dT),
        "bound_slopes_vs_tau_plus_1": exps,
        "follows": follows,
    }


# -------------------------------------------------------------------- output
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
            f"- **[R-ncvx] or [D-ncvx]?** ({r['setting']}): measured stability slope "
            f"against tau+1 = {_slope_txt(m)}; [R-ncvx] closed form slope "
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
    return "\n".join(lines)


def _ratio_txt(r: dict[str, Any]) -> str:
    return f"{r['mean']:.4f} [{r['low']:.4f}, {r['high']:.4f}]"


def _slope_txt(s: dict[str, Any]) -> str:
    if s.get("slope") is None:
        return f"undefined ({s.get('reason')})"
    return f"{s['slope']:.3f} [{s['low']:.3f}, {s['high']:.3f}]"


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
    bugs = [
        r["task_id"]
        for r in records
        for v in r["verdicts"]
        if v["pathwise"] and v["pathwise"]["status"] == "violated"
    ]
    figs: list[str] = []
    if figures:
        from ._figures import make_figures

        figs = [p.name for p in make_figures(out, records)]
    report = {
        "config": config,
        "versions": package_versions(),
        "wall_s": wall_s,
        "table": rows,
        "findings": f,
        "pathwise_bugs": bugs,
        "figures": figs,
        "records": list(records),
    }
    (out / "report.json").write_text(json.dumps(report, indent=1, default=float))
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
    (out / "report.md").write_text("\n".join(md) + "\n")
    return report
