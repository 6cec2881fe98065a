"""Findings of issue 10: tightness per theorem, on-average stability against tau,
and the quadratic loss's slopes against [DSLST-quad]'s claimed exponents.

Works on the JSON records of :func:`~empirical.runs._sweep.run_task`; slopes over
settings that share seeds use the paired bootstrap
(:func:`~empirical.measurement._paired.paired_slope`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bounds import REGISTRY

from ._paired import compare_records, paired_slope
from ._table import setting_label

__all__ = [
    "deng_markdown",
    "deng_vs_part1",
    "model_stability_vs_tau",
    "quadratic_slopes",
    "tightness",
    "tightness_markdown",
]


def tightness(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per theorem: the smallest ``bound / average`` and ``bound / worst-case``
    over the table's applicable rows, with the setting where each occurs."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["status"] == "not applicable":
            continue
        t = out.setdefault(r["theorem"], {"rows": 0})
        t["rows"] += 1
        measured = [f for f in r.get("flags") or [] if f.startswith("measured: ")]
        t["quantity"] = measured[0].removeprefix("measured: ") if measured else None
        for q in ("bound_over_average", "bound_over_worst"):
            v = r.get(q)
            if v is not None and math.isfinite(v) and v > 0:
                best = t.get(q)
                if best is None or v < best["value"]:
                    t[q] = {"value": float(v), "setting": r["setting"]}
    return out


def _series(records: Sequence[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
    return sorted(
        (r for r in records if r["config"].get("tag") == tag and "diverged" not in r),
        key=lambda r: (r["config"]["max_delay"], r["config"]["n_steps"]),
    )


def model_stability_vs_tau(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """On-average model stability (mean delta_T^2) against tau, projected logistic:
    at a fixed step (does it grow?) and in Deng et al.'s Cor. 1 regime
    ``eta = c/(tau sqrt T)`` (does it fall like ``1/tau``?)."""
    out: dict[str, Any] = {}
    fixed = _series(records, "dsl-tau")
    if len(fixed) >= 2 and all("model_stability" in r["measurement"] for r in fixed):
        out["fixed_step"] = {
            "setting": setting_label(fixed[0]["config"]),
            "taus": [r["config"]["max_delay"] for r in fixed],
            "model_stability": [r["measurement"]["model_stability"] for r in fixed],
            "largest_vs_tau0": compare_records(fixed[0], fixed[-1], "model_stability"),
            "slope_vs_tau_plus_1": paired_slope(
                [r["config"]["max_delay"] + 1 for r in fixed], fixed, "model_stability"
            ),
        }
    cor = _series(records, "dsl-cor1")
    if len(cor) >= 2 and all("model_stability" in r["measurement"] for r in cor):
        taus = [r["config"]["max_delay"] for r in cor]
        out["cor1"] = {
            "setting": setting_label(cor[0]["config"]),
            "taus": taus,
            "model_stability": [r["measurement"]["model_stability"] for r in cor],
            "gap": [r["measurement"]["gap"] for r in cor],
            # eta varies with tau here, so the pairs share data and indices but
            # not the step; the paired bootstrap still resamples pairs jointly.
            "model_stability_slope_vs_tau": paired_slope(taus, cor, "model_stability"),
            "gap_slope_vs_tau": paired_slope(taus, cor, "gap"),
            "claimed_gap_exponent": -1.0,
        }
    return out


def quadratic_slopes(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Slopes of the least-squares gap against T (largest tau) and against tau
    (tau > 0, full T), next to [DSLST-quad]'s ``(T - tau)/(n tau)`` exponents."""
    rs = _series(records, "lsq")
    if not rs:
        return {}
    T = max(r["config"]["n_steps"] for r in rs)
    top = max(r["config"]["max_delay"] for r in rs)
    out: dict[str, Any] = {"setting": setting_label(rs[-1]["config"])}
    by_t = sorted(
        (r for r in rs if r["config"]["max_delay"] == top),
        key=lambda r: r["config"]["n_steps"],
    )
    if len(by_t) >= 2:
        ts = [r["config"]["n_steps"] for r in by_t]
        out["gap_vs_T"] = {
            "n_steps": ts,
            "gap": [r["measurement"]["gap"] for r in by_t],
            "slope": paired_slope(ts, by_t, "gap", "n_steps"),
            "claimed_exponent": math.log((ts[-1] - top) / (ts[0] - top))
            / math.log(ts[-1] / ts[0]),
        }
    by_tau = [
        r for r in rs if r["config"]["n_steps"] == T and r["config"]["max_delay"] > 0
    ]
    if len(by_tau) >= 2:
        taus = [r["config"]["max_delay"] for r in by_tau]
        a, b = taus[0], taus[-1]
        out["gap_vs_tau"] = {
            "taus": taus,
            "gap": [r["measurement"]["gap"] for r in by_tau],
            "slope": paired_slope(taus, by_tau, "gap"),
            "claimed_exponent": math.log(((T - b) / b) / ((T - a) / a))
            / math.log(b / a),
        }
    return out


def _slope_txt(s: dict[str, Any]) -> str:
    if s.get("slope") is None:
        return f"undefined ({s.get('reason')})"
    if s.get("method") == "uninformative":
        return f"{s['slope']:.3f} (interval uninformative)"
    return f"{s['slope']:.3f} [{s['low']:.3f}, {s['high']:.3f}] ({s['method']})"


def _est_txt(e: dict[str, Any]) -> str:
    return f"{e['mean']:.3g} [{e['low']:.3g}, {e['high']:.3g}]"


def _labelled(registry_key: str) -> str:
    """The registry key, labelled where the statement is a reconstruction."""

    for t in REGISTRY.values():
        if t.registry_key == registry_key and t.is_reconstruction:
            return f"{registry_key} (reconstruction)"
    return registry_key


def tightness_markdown(f: dict[str, Any]) -> list[str]:
    """The findings of this module in words (Markdown list items)."""
    lines: list[str] = []
    ms = f.get("model_stability_vs_tau", {})
    if "fixed_step" in ms:
        m = ms["fixed_step"]
        c = m["largest_vs_tau0"]
        diff = (
            ""
            if c["difference"] is None
            else f" (paired difference {_est_txt(c['difference'])})"
        )
        lines.append(
            f"- **On-average model stability vs tau at a fixed step** ({m['setting']}):"
            f" mean delta_T^2 over tau = {m['taus']}: "
            + ", ".join(_est_txt(e) for e in m["model_stability"])
            + f"; largest tau vs tau = 0: {c['answer']}{diff}; "
            f"slope against tau + 1 {_slope_txt(m['slope_vs_tau_plus_1'])}."
        )
    if "cor1" in ms:
        m = ms["cor1"]
        lines.append(
            f"- **Deng et al.'s Cor. 1 regime, eta = c/(tau sqrt T)** ({m['setting']}):"
            f" over tau = {m['taus']}, mean delta_T^2 slope against tau "
            f"{_slope_txt(m['model_stability_slope_vs_tau'])}, gap slope "
            f"{_slope_txt(m['gap_slope_vs_tau'])} (claimed: O(1/tau_bar), exponent "
            f"{m['claimed_gap_exponent']:g})."
        )
    q = f.get("quadratic", {})
    for key, name in (("gap_vs_T", "T"), ("gap_vs_tau", "tau")):
        if key in q:
            g = q[key]
            lines.append(
                f"- **Least-squares gap vs {name}** ({q['setting']}): slope "
                f"{_slope_txt(g['slope'])}; [DSLST-quad] (T - tau)/(n tau) claims "
                f"{g['claimed_exponent']:.3f} over this range (rate only)."
            )
    lines += deng_markdown(f.get("deng_vs_part1", []))
    t = f.get("tightness", {})
    if t:
        lines.append(
            "- **Tightness** (smallest bound / measured over the applicable rows; "
            "1 would be tight):"
        )
        for key, v in t.items():
            key = _labelled(key)
            avg = v.get("bound_over_average")
            worst = v.get("bound_over_worst")
            lines.append(
                f"  - {key}: bound/average "
                + (f"{avg['value']:.3g} at {avg['setting']}" if avg else "-")
                + "; bound/worst-case "
                + (
                    f"{worst['value']:.3g} at {worst['setting']}"
                    if worst
                    else _no_worst(v.get("quantity"), bool(f.get("worst_case_run")))
                )
            )
    return lines


def _no_worst(quantity: str | None, searched: bool) -> str:
    """Why a theorem has no ``bound / worst-case`` ratio."""
    if quantity is not None:
        return f"- (not applicable: the worst-case search estimates uniform stability, this bound the {quantity})"
    return (
        "- (no worst-case estimate on its rows)"
        if searched
        else "- (run without --no-worst-case)"
    )


def deng_vs_part1(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """[DSL-gen] against the uniform-stability bounds of part 1 on the same runs.

    Both bound the expected generalization gap ([DSL-gen] through Lei & Ying's
    conversion of [DSL-cvx], uniform stability by Hardt et al. 2016, Thm 2.2),
    so their ratio compares like with like. One entry per setting where
    [DSL-gen] and at least one part-1 bound apply.
    """
    out = []
    for r in records:
        if "diverged" in r:
            continue
        vs = {v["theorem"]: v for v in r["verdicts"] if v["bound"] is not None}
        gen = vs.get("deng-gen")
        part1 = {
            v["registry_key"]: v["bound"]
            for v in vs.values()
            if v.get("quantity", "uniform stability") == "uniform stability"
        }
        if gen is None or not part1:
            continue
        best = min(part1, key=lambda k: part1[k])
        out.append(
            {
                "setting": setting_label(r["config"]),
                "deng_gen": gen["bound"],
                "deng_cvx": (vs.get("deng-cvx") or {}).get("bound"),
                "part1": part1,
                "tightest_part1": best,
                "deng_gen_over_tightest_part1": gen["bound"] / part1[best],
                "measured_gap": r["measurement"]["gap"],
            }
        )
    return out


def deng_markdown(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The [DSL-gen] against part 1 comparison in words."""
    if not rows:
        return []
    ratios = [r["deng_gen_over_tightest_part1"] for r in rows]
    lo = min(range(len(rows)), key=lambda i: ratios[i])
    hi = max(range(len(rows)), key=lambda i: ratios[i])
    return [
        f"- **[DSL-gen] against part 1 on the same runs** ({len(rows)} settings, "
        "both bound the expected gap): [DSL-gen] / tightest part-1 bound ranges from "
        f"{ratios[lo]:.3g} ({_labelled(rows[lo]['tightest_part1'])}, "
        f"{rows[lo]['setting']}) to {ratios[hi]:.3g} "
        f"({_labelled(rows[hi]['tightest_part1'])}, {rows[hi]['setting']}); "
        f"[DSL-gen] is the tighter at {sum(x < 1 for x in ratios)} of them."
    ]
