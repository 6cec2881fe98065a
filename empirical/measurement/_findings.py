"""The findings of a verification run: the answers of requirement 7.

The effect of the delay on the gap and stability at fixed step size, the effect of
[rule-tau], whether the measurements follow [R-ncvx] or [D-ncvx], and the slopes of
delta_T against T and of the gap against n, next to the closed forms' exponents.
Works on the JSON records of :func:`~empirical.runs._sweep.run_task`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from bounds import THEOREMS

from ._estimate import Estimate
from ._paired import PAIRING_KEYS, compare_records, paired_slope
from ._slopes import fit_slope
from ._table import setting_label
from ._tightness import deng_vs_part1, model_stability_vs_tau, quadratic_slopes

__all__ = ["findings"]


def _by_tag(records: Sequence[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
    return [r for r in records if r["config"].get("tag") == tag]


def _verdict(rec: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((v for v in rec["verdicts"] if v["theorem"] == key), None)


def _bound_exponent(
    rec: dict[str, Any], key: str, name: str, lo: float, hi: float
) -> float | None:
    """d log(bound) / d log(name) between ``lo`` and ``hi`` (closed form)."""

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
        "diverged": [
            setting_label(r["config"], r.get("realised"))
            for r in records
            if "diverged" in r
        ]
    }
    records = [r for r in records if "diverged" not in r]
    cvx = _by_tag(records, "cvx-tau")
    const = _tau_series(cvx, "constant")
    if len(const) >= 2:
        first, last = const[0], const[-1]
        out["gap_vs_tau"] = {
            "setting": setting_label(first["config"], first.get("realised")),
            "taus": [r["config"]["max_delay"] for r in const],
            "gap": [r["measurement"]["gap"] for r in const],
            "stability": [r["measurement"]["stability"] for r in const],
            "gap_at_max_vs_tau0": compare_records(first, last, "gap"),
            "stability_at_max_vs_tau0": compare_records(first, last, "stability"),
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
                        "rule_tau_gap_is": compare_records(r, rule[tau], "gap"),
                        "stability_constant": r["measurement"]["stability"],
                        "stability_rule_tau": rule[tau]["measurement"]["stability"],
                        "rule_tau_stability_is": compare_records(
                            r, rule[tau], "stability"
                        ),
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
                        "setting": setting_label(r["config"], r.get("realised")),
                        "measured_slope": ds,
                        "bound_exponents": exps,
                    }
                )
    out["model_stability_vs_tau"] = model_stability_vs_tau(records)
    out["quadratic"] = quadratic_slopes(records)
    out["deng_vs_part1"] = deng_vs_part1(records)
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
                "setting": setting_label(rs[0]["config"], rs[0].get("realised")),
                "theorem": key,
                "n": ns,
                "gap": [r["measurement"]["gap"] for r in rs],
                "gap_slope": paired_slope(ns, rs, "gap", "n_samples"),
                "stability_slope": paired_slope(ns, rs, "stability", "n_samples"),
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

    ca, cb = a["config"], b["config"]
    if not all(ca[k] == cb[k] for k in PAIRING_KEYS) or "samples" not in a:
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
    m = paired_slope(x, nc, "stability")
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
        "setting": setting_label(nc[0]["config"], nc[0].get("realised")),
        "taus": taus,
        "stability": stab,
        "delta_T": dT,
        "bounds": bounds_by,
        "stability_ratio_max_tau_over_tau0": ratio,
        "bound_ratios": bound_ratio,
        "stability_slope_vs_tau_plus_1": m,
        "delta_T_slope_vs_tau_plus_1": paired_slope(x, nc, "delta_T"),
        "bound_slopes_vs_tau_plus_1": exps,
        "follows": follows,
    }
