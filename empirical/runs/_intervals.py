"""Means with 95% intervals kept inside a quantity's range (one helper, shared)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from empirical.measurement._estimate import estimate_mean

__all__ = ["bounded_estimate"]


def bounded_estimate(
    values: list[float],
    lo: float | None = None,
    hi: float | None = None,
    method: Literal["t", "bca"] = "t",
) -> dict[str, Any] | None:
    """Mean and 95% interval, kept inside ``[lo, hi]``; ``None`` below 2 values."""

    x = np.asarray(values, dtype=np.float64)
    if x.size < 2:
        return None
    e = estimate_mean(x, method=method).to_dict()
    if lo is not None:
        e["low"] = max(e["low"], lo)
    if hi is not None:
        e["high"] = min(e["high"], hi)
    return e
