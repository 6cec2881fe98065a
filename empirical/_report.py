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

COLUMNS = ("theorem", "setting", "stability [95% CI]", "gap [95% CI]", "closed form",
           "recursion", "ratio", "verdict", "flags")


def _est(d: dict[str, Any] | None) -> str:
    return "-" if d is None else str(Estimate.from_dict(d))


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def setting_label(cfg: dict[str, Any]) -> str:
    """Short text of a setting: loss/data, n, T, step, schedule, delay."""
    step = "c" if "decaying" in cfg["schedule"] else "eta"
    delay = cfg["delay"] if cfg["delay"].startswith("trace:") else (
        f"tau={cfg['max_delay']} ({cfg['delay']})")
    return (f"{cfg['loss']}/{cfg['dataset']} n={cfg['n_samples']} T={cfg['n_steps']} "
            f"{step}={cfg['step_size']:g} {cfg['schedule']} {delay}")


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
        applicable = [v for v in rec["verdicts"] if v["status"] != "not applicable"]
        if not applicable and rec["verdicts"]:
            # No theorem covers this setting (e.g. the MLP: unbounded nonconvex
            # loss); show its measurements and pathwise checks anyway.
            vs = rec["verdicts"]
            pw = [f"pathwise {v['registry_key']} {v['pathwise']['status']}"
                  for v in vs if v["pathwise"]]
            rows.append({
                "theorem": "(none)", "setting": setting_label(rec["config"]),
                "stability": vs[0]["measured"], "gap": vs[0]["gap"], "bound": None,
                "recursion": None, "ratio": None, "status": "not applicable",
                "flags": [*vs[0]["flags"], *pw,
                          "no theorem applies: " + "; ".join(sorted(
                              {v["reason"] for v in vs if v["reason"]}))],
                "key": "(none)", "task_id": rec["task_id"],
            })
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
            rows.append({
                "theorem": v["registry_key"], "setting": setting_label(rec["config"]),
                "stability": v["measured"], "gap": v["gap"], "bound": v["bound"],
                "recursion": v["recursion"], "ratio": v["ratio"], "status": v["status"],
                "flags": v["flags"], "key": key, "task_id": rec["task_id"],
            })
    for key in order:
        if key not in seen:
            reason = reasons[key].most_common(1)[0][0]
            reg = next(v["registry_key"] for r in records for v in r["verdicts"]
                       if v["theorem"] == key)
            rows.append({"theorem": reg, "setting": f"every setting: {reason}",
                         "stability": None, "gap": None, "bound": None,
                         "recursion": None, "ratio": None, "status": "not applicable",
                         "flags": [], "key": key, "task_id": None})
    rank = {k: i for i, k in enumerate([*order, "(none)"])}
    rows.sort(key=lambda r: rank[r["key"]])
    return rows


def _cells(r: dict[str, Any]) -> list[str]:
    return [r["theorem"], r["setting"], _est(r["stability"]), _est(r["gap"]),
            _num(r["bound"]), _num(r["recursion"]), _num(r["ratio"]), r["status"],
            ", ".join(r["flags"])]


def format_table(rows: Sequence[dict[str, Any]], *, markdown: bool = False) -> str:
    """The verification table as aligned text (or a Markdown table)."""
    body = [_cells(r) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(c.replace("|", "/") for c in b) + " |" for b in body]
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


def _compare(a: dict[str, Any], b: dict[str, Any]) -> str:
    """Is estimate b above / below / indistinguishable from a (non-overlapping CIs)?"""
    if b["low"] > a["high"]:
        return "larger"
    if b["high"] < a["low"]:
        return "smaller"
    return "not distinguishable (95% intervals overlap)"


def _slope(xs: Sequence[float], ests: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from bounds import InvalidParameterError

    try:
        return fit_slope(xs, [Estimate.from_dict(e) for e in ests]).to_dict()
    except InvalidParameterError as exc:
        return {"slope": None, "reason": str(exc)}


def _bound_exponent(rec: dict[str, Any], key: str, name: str, lo: float, hi: float
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
    return sorted((r for r in recs if r["config"]["schedule"] == schedule),
                  key=lambda r: r["config"]["max_delay"])


def findings(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The answers of requirement 7, computed from the suite's records."""
    out: dict[str, Any] = {}
    cvx = _by_tag(records, "cvx-tau")
    const = _tau_series(cvx, "constant")
    if len(const) >= 2:
        first, last = const[0], const[-1]
        out["gap_vs_tau"] = {
            "setting": setting_label(first["config"]),
            "taus": [r["config"]["max_delay"] for r in const],
            "gap": [r["measurement"]["gap"] for r in const],
            "stability": [r["measurement"]["stability"] for r in const],
            "gap_at_max_vs_tau0": _compare(first["measurement"]["gap"],
                                           last["measurement"]["gap"]),
            "stability_at_max_vs_tau0": _compare(first["measurement"]["stability"],
                                                 last["measurement"]["stability"]),
        }
    rule = {r["config"]["max_delay"]: r for r in _tau_series(cvx, "rule-tau")}
    if rule:
        cmp = []
        for r in const:
            tau = r["config"]["max_delay"]
            if tau in rule:
                cmp.append({
                    "tau": tau,
                    "gap_constant": r["measurement"]["gap"],
                    "gap_rule_tau": rule[tau]["measurement"]["gap"],
                    "rule_tau_gap_is": _compare(r["measurement"]["gap"],
                                                rule[tau]["measurement"]["gap"]),
                    "stability_constant": r["measurement"]["stability"],
                    "stability_rule_tau": rule[tau]["measurement"]["stability"],
                    "rule_tau_stability_is": _compare(
                        r["measurement"]["stability"],
                        rule[tau]["measurement"]["stability"]),
                })
        out["rule_tau"] = cmp
    nc = _tau_series(_by_tag(records, "ncvx-tau"), "decaying")
    if len(nc) >= 2 and nc[-1]["config"]["max_delay"] > 0:
        out["regatti_vs_delayed"] = _r_vs_d(nc)
    out["delta_vs_T"] = []
    for tag in ("cvx-tau", "ncvx-tau"):
        for r in _by_tag(records, tag):
            if r["config"]["schedule"] in ("constant", "decaying") and r["config"][
                    "max_delay"] in (0, max(x["config"]["max_delay"]
                                            for x in _by_tag(records, tag))):
                ds = r["delta_slope"]
                if ds.get("slope") is None:
                    continue
                exps = {v["registry_key"]: _bound_exponent(
                    r, v["theorem"], "n_steps", ds["t_min"], ds["t_max"])
                    for v in r["verdicts"] if v["status"] != "not applicable"}
                out["delta_vs_T"].append({"setting": setting_label(r["config"]),
                                          "measured_slope": ds, "bound_exponents": exps})
    out["gap_vs_n"] = []
    cn = _by_tag(records, "cvx-n")
    for tau in sorted({r["config"]["max_delay"] for r in cn}):
        rs = sorted((r for r in cn if r["config"]["max_delay"] == tau),
                    key=lambda r: r["config"]["n_samples"])
        if len(rs) < 2:
            continue
        ns = [r["config"]["n_samples"] for r in rs]
        key = "hardt-cvx" if tau == 0 else "delayed-cvx"
        out["gap_vs_n"].append({
            "setting": setting_label(rs[0]["config"]), "theorem": key, "n": ns,
            "gap": [r["measurement"]["gap"] for r in rs],
            "gap_slope": _slope(ns, [r["measurement"]["gap"] for r in rs]),
            "stability_slope": _slope(ns, [r["measurement"]["stability"] for r in rs]),
            "bound_exponent": _bound_exponent(rs[0], key, "n_samples", ns[0], ns[-1]),
        })
    return out


def _r_vs_d(nc: list[dict[str, Any]]) -> dict[str, Any]:
    taus = [r["config"]["max_delay"] for r in nc]
    x = [t + 1 for t in taus]
    stab = [r["measurement"]["stability"] for r in nc]
    dT = [r["measurement"]["delta_T"] for r in nc]
    bounds_by = {k: [(_verdict(r, k) or {}).get("bound") for r in nc]
                 for k in ("regatti-ncvx", "delayed-ncvx")}
    exps: dict[str, float | None] = {}
    for k, b in bounds_by.items():
        if any(v is None for v in b):
            exps[k] = None
            continue
        fit = fit_slope(x, [Estimate(v, v, v, 2, "exact") for v in b])
        exps[k] = fit.slope
    m = _slope(x, stab)
    follows = "undetermined"
    if m.get("slope") is not None and None not in exps.values():
        inside = [k for k, e in exps.items() if e is not None and m["low"] <= e <= m["high"]]
        if len(inside) == 1:
            follows = inside[0]
        elif not inside:
            follows = min(exps, key=lambda k: abs((exps[k] or 0.0) - m["slope"]))
            follows += " (closest; neither exponent inside the interval)"
        else:
            follows = "both inside the interval"
    return {"setting": setting_label(nc[0]["config"]), "taus": taus,
            "stability": stab, "delta_T": dT, "bounds": bounds_by,
            "stability_slope_vs_tau_plus_1": m, "delta_T_slope_vs_tau_plus_1":
            _slope(x, dT), "bound_slopes_vs_tau_plus_1": exps, "follows": follows}


# -------------------------------------------------------------------- output
def package_versions() -> dict[str, str]:
    """Versions of Python and the packages the numbers depend on."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("asyncstab", "numpy", "scipy", "scikit-learn", "numba", "sympy",
                "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def findings_markdown(f: dict[str, Any]) -> str:
    """The findings in words, with their numbers."""
    lines = []
    if "gap_vs_tau" in f:
        g = f["gap_vs_tau"]
        lines.append(f"- **Gap vs tau at fixed step size** ({g['setting']}): over tau = "
                     f"{g['taus']}, gap = " + ", ".join(_est(e) for e in g["gap"])
                     + f". At the largest tau the gap is {g['gap_at_max_vs_tau0']} than at"
                     f" tau = 0; stability is {g['stability_at_max_vs_tau0']}.")
    for c in f.get("rule_tau", []):
        lines.append(f"- **[rule-tau] at tau = {c['tau']}**: gap {_est(c['gap_constant'])}"
                     f" (constant) vs {_est(c['gap_rule_tau'])} (rule-tau): rule-tau gap "
                     f"is {c['rule_tau_gap_is']}; stability is "
                     f"{c['rule_tau_stability_is']}.")
    if "regatti_vs_delayed" in f:
        r = f["regatti_vs_delayed"]
        m = r["stability_slope_vs_tau_plus_1"]
        ex = r["bound_slopes_vs_tau_plus_1"]
        lines.append(
            f"- **[R-ncvx] or [D-ncvx]?** ({r['setting']}): measured stability slope "
            f"against tau+1 = {_slope_txt(m)}; [R-ncvx] closed form slope "
            f"{_num(ex['regatti-ncvx'])}, [D-ncvx] {_num(ex['delayed-ncvx'])}. "
            f"Measurements follow: **{r['follows']}**.")
    for d in f.get("delta_vs_T", []):
        ex = ", ".join(f"{k} {_num(v)}" for k, v in d["bound_exponents"].items())
        lines.append(f"- **delta_T vs T** ({d['setting']}): slope "
                     f"{_slope_txt(d['measured_slope'])} over t in "
                     f"[{d['measured_slope']['t_min']}, {d['measured_slope']['t_max']}]; "
                     f"bound exponents: {ex or 'no applicable bound'}.")
    for g in f.get("gap_vs_n", []):
        lines.append(f"- **gap vs n** ({g['setting']}, n = {g['n']}): gap slope "
                     f"{_slope_txt(g['gap_slope'])}, stability slope "
                     f"{_slope_txt(g['stability_slope'])}; {g['theorem']} exponent "
                     f"{_num(g['bound_exponent'])}.")
    return "\n".join(lines)


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
    bugs = [r["task_id"] for r in records for v in r["verdicts"]
            if v["pathwise"] and v["pathwise"]["status"] == "violated"]
    figs: list[str] = []
    if figures:
        from ._figures import make_figures

        figs = [p.name for p in make_figures(out, records)]
    report = {"config": config, "versions": package_versions(), "wall_s": wall_s,
              "table": rows, "findings": f, "pathwise_bugs": bugs, "figures": figs,
              "records": list(records)}
    (out / "report.json").write_text(json.dumps(report, indent=1, default=float))
    md = ["# asyncstab verification report", "",
          f"Command: `{config.get('command', 'asyncstab verify')}`  ",
          f"Wall time: {wall_s:.1f} s; seed {config.get('seed')}; "
          f"{len(records)} settings.", "",
          "Intervals are 95% (Student-t, or BCa bootstrap for skewed samples) over "
          "independent coupled pairs; verdict: upper limit below the closed form = "
          "holds, lower limit above = violated.", "",
          format_table(rows, markdown=True), "", "## Findings", "", findings_markdown(f),
          "", "## Pathwise check", "",
          ("**BUG: pathwise bound exceeded in tasks " + ", ".join(bugs) + "**")
          if bugs else "Every simulated pair stayed below its pathwise bound "
          "(relative tolerance 1e-9).", "", "## Figures", ""]
    md += [f"![{n}]({n})" for n in figs]
    (out / "report.md").write_text("\n".join(md) + "\n")
    return report
