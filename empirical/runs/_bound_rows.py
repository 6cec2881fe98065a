"""Bound beside measurement on a summary row: values, ratios, verdicts, slopes.

For a setting whose runs carry a bound block (:mod:`empirical.runs._bound_run`,
models with certified constants), :func:`bound_row` pools the pairs of every
seed (diverged pairs left out) and gives, per applicable theorem:

- ``closed_form``: the registry's closed form at the envelope of the realised
  schedules (the largest over seeds);
- ``recursion``: the mean over pairs of each pair's recursion on its realised
  schedule (conditionally on a pair's schedule the recursion bounds that pair's
  expected probe difference, so the mean bounds the mean);
- the measured quantity the theorem bounds, uniform stability: the mean over
  pairs of ``max_z |f(w_T; z) - f(w'_T; z)|`` with its 95% interval; and, for
  the convex theorem whose proof bounds ``L E delta_T``, that too;
- ``ratio`` = bound / measured mean and the one-sided verdict
  (:func:`~empirical.measurement._verdict.one_sided`: the upper limit below the
  bound "holds", the lower limit above it "violated", else "inconclusive"); a
  violation is a finding, reported as such;
- ``vacuous``: the bound is at least the loss range ``B`` (any loss difference
  is at most ``B``), with the factor ``bound / B``;
- the gap: uniform stability bounds ``|E gap|`` (Hardt et al. 2016, Thm 2.2,
  ``bounds.HARDT_GAP``), checked two-sided against the measured gap;
- the pathwise check's violations (a bug if any).

:func:`bound_slopes` fits, per group, the log-log slope of the measurement
against ``1 + staleness`` (staleness in parameter versions, largest), paired
over (seed, pair) by a bootstrap over pairs, beside the slopes of the bounds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bounds import HARDT_GAP, InvalidParameterError
from empirical.measurement._estimate import Estimate
from empirical.measurement._slopes import bootstrap_slope
from empirical.measurement._verdict import one_sided

from ._intervals import bounded_estimate

__all__ = ["bound_row", "bound_slopes", "gap_verdict"]


def _pooled(recs: list[dict[str, Any]], field: str, sub: str | None = None) -> list:
    """Per-pair values of the bound blocks over seeds; ``None`` for a diverged pair."""
    out: list[float | None] = []
    for r in recs:
        block = r["bounds"] if sub is None else r["bounds"]["theorems"].get(sub, {})
        vals = block.get(field)
        if vals is None:
            vals = [None] * len(r["diverged"])
        for v, bad in zip(vals, r["diverged"], strict=True):
            ok = v is not None and not bad and math.isfinite(v)
            out.append(float(v) if ok else None)
    return out


def _estimate(values: list[float | None], lo: float = 0.0) -> Estimate | None:

    e = bounded_estimate([v for v in values if v is not None], lo, None, "bca")
    return None if e is None else Estimate.from_dict(e)


def gap_verdict(gap: Estimate, bound: float) -> str:
    """Two one-sided checks of ``|E gap| <= bound``.

    Examples:
        >>> gap_verdict(Estimate(0.1, 0.05, 0.15, 8, "t"), 0.2)
        'holds'
        >>> gap_verdict(Estimate(0.1, 0.05, 0.15, 8, "t"), 0.01)
        'violated'
    """
    if gap.low > bound or gap.high < -bound:
        return "violated"
    if gap.high < bound and gap.low > -bound:
        return "holds"
    return "inconclusive"


def _check(bound: float | None, measured: Estimate | None, B: float) -> dict[str, Any]:
    """Value, ratio, verdict and vacuity of one bound against one estimate."""
    if bound is None or measured is None:
        return {"value": bound, "ratio": None, "verdict": "not estimable"}
    # A mean of exactly 0: the replaced point was read by no pair (every probe
    # difference is 0), so there is no ratio to report (not an infinite one).
    ratio = bound / measured.mean if measured.mean > 0 else None
    out: dict[str, Any] = {
        "value": bound,
        "ratio": ratio,
        "verdict": one_sided(measured, bound),
        "vacuous": bool(bound >= B),
        "over_range": bound / B,
    }
    return out


def bound_row(recs: list[dict[str, Any]], gap: dict[str, Any] | None) -> dict[str, Any]:
    """The bound block of a summary row from a setting's run records (see the
    module doc); ``gap`` is the row's measured gap estimate."""
    first = recs[0]["bounds"]
    B = float(first["constants"]["loss_bound"])
    L = float(first["constants"]["lipschitz"])
    probe = _pooled(recs, "pair_probe_diff")
    ldelta = _pooled(recs, "pair_L_delta")
    measured, l_delta = _estimate(probe), _estimate(ldelta)
    gap_e = None if gap is None else Estimate.from_dict(gap)
    theorems: dict[str, Any] = {}
    for key in first["theorems"]:
        entries = [r["bounds"]["theorems"][key] for r in recs]
        reasons = [e["reason"] for e in entries if "reason" in e]
        cfs = [e["closed_form"].get("value") for e in entries]
        closed = None if any(v is None for v in cfs) else max(cfs)
        rec_vals = [v for v in _pooled(recs, "pair_recursion", key) if v is not None]
        recursion = float(np.mean(rec_vals)) if rec_vals and not reasons else None
        t: dict[str, Any] = {
            "closed_form": _check(closed, measured, B),
            "recursion": _check(recursion, measured, B),
            "closed_form_params": entries[0]["closed_form"]["params"],
        }
        why = reasons + [
            e["closed_form"]["reason"] for e in entries if "reason" in e["closed_form"]
        ]
        if why:
            t["reason"] = why[0]
        if key == "delayed-cvx-workers":  # its proof bounds L E delta_T itself
            t["recursion_vs_L_delta"] = _check(recursion, l_delta, B)
        best = min((v for v in (closed, recursion) if v is not None), default=None)
        if best is not None and gap_e is not None:
            gb = float(HARDT_GAP.convert(best))
            t["gap"] = {"bound": gb, "verdict": gap_verdict(gap_e, gb)}
        path = [e.get("pathwise") for e in entries if e.get("pathwise")]
        t["pathwise_violations"] = sum(p["n_violations"] for p in path)
        t["pathwise_checked"] = sum(p["n_checked"] for p in path)
        theorems[key] = t
    return {
        "loss_bound": B,
        "lipschitz": L,
        "measured": None if measured is None else measured.to_dict(),
        "L_delta": None if l_delta is None else l_delta.to_dict(),
        "pair_probe_diff": probe,
        "theorems": theorems,
        "theorems_why": first["theorems_why"],
    }


def _log_slope(x: list[float], y: list[float]) -> float | None:
    if len(x) < 2 or min(y) <= 0 or not all(map(math.isfinite, y)):
        return None
    lx, ly = np.log(x), np.log(y)
    return float(np.polyfit(lx, ly, 1)[0])


def bound_slopes(summary: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per group of rows with bounds: the paired log-log slope of the measurement
    against ``1 + staleness_max`` beside each bound's slope."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in summary:
        if r.get("bounds"):
            groups.setdefault(r["group"], []).append(r)
    out = []
    for group, rows in groups.items():
        rows = sorted(rows, key=lambda r: (r["staleness_max"], r["tau"]))
        if len(rows) < 2:
            continue
        x = [1.0 + r["staleness_max"] for r in rows]
        cols = [r["bounds"]["pair_probe_diff"] for r in rows]
        keep = [
            i
            for i in range(len(cols[0]))
            if all(c[i] is not None and c[i] > 0 for c in cols)
        ]
        entry: dict[str, Any] = {"group": group, "x": x, "n_pairs": len(keep)}
        if len(keep) < 2:
            entry["measured"] = {
                "slope": None,
                "reason": f"not estimable: {len(keep)} of {len(cols[0])} pairs "
                "measure a positive difference at every staleness (a log-log slope "
                "needs it; a pair whose replaced point was never read measures 0)",
            }
        else:
            try:
                samples = np.array([[c[i] for c in cols] for i in keep])
                entry["measured"] = bootstrap_slope(x, samples).to_dict()
            except InvalidParameterError as exc:
                entry["measured"] = {"slope": None, "reason": f"not estimable: {exc}"}
        entry["bounds"] = {}
        for key in rows[0]["bounds"]["theorems"]:
            vals = {}
            for level in ("closed_form", "recursion"):
                ys = [r["bounds"]["theorems"][key][level]["value"] for r in rows]
                vals[level] = None if None in ys else _log_slope(x, ys)
            entry["bounds"][key] = vals
        out.append(entry)
    return out
