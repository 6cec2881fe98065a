"""Comparisons and slopes of sweep records that may share their random numbers.

Records with the same seed, problem sizes and pair count (:data:`PAIRING_KEYS`)
were run on the same data, replaced samples and index sequences pair by pair
(common random numbers), so differences and slopes between them are estimated on
paired samples; otherwise on independent intervals. Shared by the findings
(:mod:`empirical.measurement._findings`) and the tightness tables
(:mod:`empirical.measurement._tightness`). Works on the JSON records of
:func:`~empirical.runs._sweep.run_task`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bounds import InvalidParameterError

from ._estimate import Estimate, estimate_mean
from ._slopes import bootstrap_slope, fit_slope

__all__ = ["PAIRING_KEYS", "compare_records", "paired_slope"]

PAIRING_KEYS = ("loss", "dataset", "n_samples", "n_steps", "n_pairs", "seed", "radius")


def compare_records(a: dict[str, Any], b: dict[str, Any], q: str) -> dict[str, Any]:
    """Is ``q`` of record b larger or smaller than of record a?

    Records with the same seed and problem sizes share their data, replaced sample
    and index sequence pair by pair (common random numbers), so the difference
    ``b - a`` is estimated on paired samples: a much tighter interval than two
    separate ones. Otherwise two separate intervals must not overlap.
    """

    ca, cb = a["config"], b["config"]
    if all(ca[k] == cb[k] for k in PAIRING_KEYS) and "samples" in a and "samples" in b:
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


def _slope(xs: Sequence[float], ests: Sequence[dict[str, Any]]) -> dict[str, Any]:
    try:
        return fit_slope(xs, [Estimate.from_dict(e) for e in ests]).to_dict()
    except InvalidParameterError as exc:
        return {"slope": None, "reason": str(exc)}


def paired_slope(
    xs: Sequence[float], recs: Sequence[dict[str, Any]], q: str, varying: str = ""
) -> dict[str, Any]:
    """Log-log slope of ``q`` over ``recs`` against ``xs``.

    Records that share seed, problem and pair count (all :data:`PAIRING_KEYS`
    but ``varying``) share their pairs (common random numbers), so their points
    are correlated: the paired bootstrap resamples pairs jointly across all points
    (:func:`~empirical.measurement._slopes.bootstrap_slope`). Otherwise the points are
    independent and :func:`~empirical.measurement._slopes.fit_slope` applies.
    """

    keys = [k for k in PAIRING_KEYS if k != varying]
    c0 = recs[0]["config"]
    paired = all(
        all(r["config"][k] == c0[k] for k in keys) and q in r.get("samples", {})
        for r in recs
    )
    if not paired:
        return _slope(xs, [r["measurement"][q] for r in recs])
    try:
        samples = np.array([r["samples"][q] for r in recs]).T
        return bootstrap_slope(xs, samples).to_dict()
    except InvalidParameterError as exc:
        return {"slope": None, "reason": str(exc)}
