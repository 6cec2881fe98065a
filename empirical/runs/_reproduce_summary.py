"""The summary of a reproduction: estimates per setting, diverged pairs kept out.

Per setting, pooled over the pairs of every seed:
- diverged pairs (:func:`~empirical.runs._reproduce.divergence_threshold`) are
  counted ("diverged: k of m pairs") and left out of every mean, interval and
  curve;
- intervals respect each quantity's range: the test error (in ``[0, 1]``), the
  squared divergence ``delta_T^2`` (``>= 0``) and the seed's normalised
  distance (in ``[0, sqrt 2]``) get a BCa bootstrap interval over pairs (its
  limits are means of resamples, so they stay in the range), clipped to the
  range when the bootstrap falls back to Student-t; signed quantities (gaps and
  paired differences) get Student-t;
- the staleness in parameter versions (mean and largest over every gradient,
  :mod:`empirical.schedules._staleness`) is recorded by each run; results
  written before it was are given the staleness of the setting's schedule
  (:func:`schedule_staleness`: it depends on the schedule only);
- "did not train" (:data:`TRAINED_DROP`): the test error's interval reaches the
  error of the best constant prediction, or the mean training loss fell by less
  than the stated fraction of its value at the start;
- for a model with certified constants, the registry's bounds beside the
  measured quantity (:mod:`empirical.runs._bound_rows`); with a curvature
  estimate, the top Hessian eigenvalue per seed and evaluation;
- paired differences against the group's smallest delay use the pairs with the
  same seed and pair index where neither run diverged (same split, replaced
  point and start; the minibatch positions are drawn per step and worker, so
  they are shared too unless the number of workers differs, as in the (iii)
  rows).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from empirical.simulators.nets._datasets import load_net_data

from ._applicability import theorems_for
from ._bound_rows import bound_row
from ._flags import TRAINED_DROP
from ._intervals import bounded_estimate
from ._settings import RegattiDecay, Setting, Sizes

__all__ = ["RANGES", "TRAINED_DROP", "bounded_estimate", "summarise"]


#: The range of each per-pair quantity (``None``: unbounded on that side).
RANGES: dict[str, tuple[float | None, float | None]] = {
    "pair_test_error": (0.0, 1.0),
    "pair_delta2": (0.0, None),
    "pair_normalised_distance": (0.0, math.sqrt(2.0)),
    "pair_gap_error": (-1.0, 1.0),
    "pair_gap_loss": (None, None),
}


def _pooled(recs: list[dict[str, Any]], field: str) -> list[float | None]:
    """Per-pair values over seeds; ``None`` for a diverged pair."""
    out: list[float | None] = []
    for r in recs:
        for v, bad in zip(r[field], r["diverged"], strict=True):
            out.append(None if bad or v is None else float(v))
    return out


def _kept(v: list[float | None]) -> list[float]:
    return [x for x in v if x is not None]


def _curve(recs: list[dict[str, Any]], field: str) -> dict[str, Any]:
    """Mean over seeds of the per-seed curves (each: mean over kept pairs), with
    the smallest and largest seed mean as the band (NOT a confidence interval)."""
    rows = [[np.nan if v is None else v for v in r[field]] for r in recs]
    c = np.asarray(rows, dtype=np.float64)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, low, high = (
                np.nanmean(c, axis=0),
                np.nanmin(c, axis=0),
                np.nanmax(c, axis=0),
            )

    def lst(a: Any) -> list[float | None]:
        return [float(v) if math.isfinite(v) else None for v in a]

    return {"mean": lst(mean), "low": lst(low), "high": lst(high)}


def _staleness(s: Setting, recs: list[dict[str, Any]]) -> tuple[float, int]:
    """Mean and largest staleness in versions: as the runs recorded them, or, for
    results written before they did, from the setting's schedule (exact: it
    depends on the schedule only)."""
    if recs and all("staleness_mean" in r for r in recs):
        mean = float(np.mean([r["staleness_mean"] for r in recs]))
        return mean, int(max(r["staleness_max"] for r in recs))
    from empirical.schedules._staleness import schedule_staleness

    mean, most, _ = schedule_staleness(s.protocol, s.n_steps)
    return mean, most


def _loss_drop(recs: list[dict[str, Any]]) -> float | None:
    """``1 - mean final training loss / mean initial one`` over kept pairs
    (``None`` for results written before the initial loss was recorded)."""
    if not recs or any("pair_train_loss0" not in r for r in recs):
        return None
    start = _kept(_pooled(recs, "pair_train_loss0"))
    end = _kept(_pooled(recs, "pair_train_loss"))
    if not start or not end or np.mean(start) <= 0:
        return None
    return float(1.0 - np.mean(end) / np.mean(start))


def _train_error(recs: list[dict[str, Any]]) -> float | None:
    """Mean over runs of the final training error (``None`` if none is finite)."""
    vals = [r["train_error"] for r in recs if r.get("train_error") is not None]
    vals = [v for v in vals if math.isfinite(v)]
    return float(np.mean(vals)) if vals else None


def summarise(
    settings: list[Setting], runs: dict[str, dict[str, Any]], sizes: Sizes
) -> list[dict[str, Any]]:
    """One row per setting (see the module doc)."""
    base: dict[str, Setting] = {}
    for s in settings:
        if s.group not in base or s.tau < base[s.group].tau:
            base[s.group] = s
    out = []
    for s in settings:

        def recs_of(key: str) -> list[dict[str, Any]]:
            return sorted(
                (r for r in runs.values() if r["key"] == key), key=lambda r: r["seed"]
            )

        recs, b_recs = recs_of(s.key), recs_of(base[s.group].key)
        n_div = sum(sum(r["diverged"]) for r in recs)
        n_all = sum(len(r["diverged"]) for r in recs)
        keys, why = theorems_for(s.protocol, s.model)
        v_mean, v_max = _staleness(s, recs)
        row: dict[str, Any] = {
            "key": s.key,
            "group": s.group,
            "curve": s.curve,
            "tau": s.tau,
            "protocol": s.protocol.label,
            "model": s.model.name,
            "data": s.data,
            "substitute": s.substitute,
            "step_size": s.step_size
            if not isinstance(s.step_size, RegattiDecay)
            else s.step_size.label,
            "step_rule": s.step_rule,
            "n_steps": s.n_steps,
            "staleness_mean": v_mean,
            "staleness_max": v_max,
            "sampling": recs[0].get("sampling", "uniform") if recs else s.sampling,
            "replaced_on": s.replaced_on,
            "applied": recs[0].get("applied") or recs[0]["updates"],
            "n_samples": s.n_samples or sizes.n_samples,
            "gradients_per_update": float(
                np.mean([r["gradients_per_update"] for r in recs])
            ),
            "theorems": list(keys),
            "theorems_why": why,
            "diverged": n_div,
            "n_pairs_total": n_all,
            "updates": recs[0]["updates"],
            "gradients": recs[0]["gradients"],
            "epochs": recs[0]["epochs"],
            # the test error of a model that learned nothing, for the tables' flag
            "chance_error": load_net_data(
                s.data, n_points=sizes.n_points
            ).constant_error,
        }
        for field, name in (
            ("pair_test_error", "test_error"),
            ("pair_gap_loss", "gap_loss"),
            ("pair_gap_error", "gap_error"),
            ("pair_delta2", "stability_avg2"),
            ("pair_normalised_distance", "normalised_distance"),
        ):
            lo, hi = RANGES[field]
            method: Literal["t", "bca"] = "t" if lo is None or lo < 0 else "bca"
            row[name] = bounded_estimate(_kept(_pooled(recs, field)), lo, hi, method)
        row["loss_drop"] = _loss_drop(recs)
        row["train_error"] = _train_error(recs)
        if recs and all("bounds" in r for r in recs):  # certified constants
            row["bounds"] = bound_row(recs, row["gap_loss"])
        if recs and all("sharpness" in r for r in recs):  # per seed, per evaluation
            row["sharpness"] = [r["sharpness"] for r in recs]
        for f in (
            "abs_gap_loss",
            "abs_gap_error",
            "delta",
            "stability_avg2",
            "normalised_distance",
            "test_error_curve",
        ):
            row[f"curve_{f}"] = _curve(recs, f)
        if s is not base[s.group]:
            for field, name, (lo, hi) in (
                ("pair_gap_loss", "paired_gap_loss", (None, None)),
                ("pair_delta2", "paired_stability_avg2", (None, None)),
                ("pair_test_error", "paired_test_error", (-1.0, 1.0)),
            ):
                a, b = _pooled(recs, field), _pooled(b_recs, field)
                diff = [
                    x - y
                    for x, y in zip(a, b, strict=True)
                    if x is not None and y is not None
                ]
                row[name] = bounded_estimate(diff, lo, hi)
            row["paired_against"] = base[s.group].curve
            row["paired_base"] = {
                "gap_loss": bounded_estimate(_kept(_pooled(b_recs, "pair_gap_loss"))),
                "stability_avg2": bounded_estimate(
                    _kept(_pooled(b_recs, "pair_delta2")), 0.0, None, "bca"
                ),
                "test_error": bounded_estimate(
                    _kept(_pooled(b_recs, "pair_test_error")), 0.0, 1.0, "bca"
                ),
            }
        out.append(row)
    return out
