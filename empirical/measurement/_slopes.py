"""Log-log slopes of measured quantities, with confidence intervals.

:func:`fit_slope` treats the points as independent estimates (weighted least
squares with delta-method variances); :func:`bootstrap_slope` resamples whole rows
of correlated columns (pairs shared by every point of the fit: the paired
bootstrap of settings with common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from bounds import InvalidParameterError
from bounds.internal import check_int, checked

from ._estimate import _BOOTSTRAP_SEED, Estimate, _check_confidence

__all__ = ["SlopeFit", "bootstrap_slope", "fit_slope"]


@dataclass(frozen=True)
class SlopeFit:
    """Least-squares slope of ``log y`` against ``log x`` with a confidence interval."""

    slope: float
    low: float
    high: float
    intercept: float
    n_points: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.slope:.3f} [{self.low:.3f}, {self.high:.3f}]"


def _positive_log(x: NDArray[np.float64], name: str) -> NDArray[np.float64]:
    if (x <= 0).any() or not np.isfinite(x).all():
        i = int(np.flatnonzero(~(x > 0) | ~np.isfinite(x))[0])
        raise InvalidParameterError(
            f"{name}[{i}]={float(x[i])!r} must be finite and > 0 for a log-log slope"
        )
    return np.log(x)


@checked
def fit_slope(
    x: ArrayLike, estimates: Sequence[Estimate], *, confidence: float = 0.95
) -> SlopeFit:
    """Weighted log-log slope of independent estimates against ``x``.

    Each point ``log(mean_i)`` gets the delta-method variance
    ``(stderr_i / mean_i)^2`` with ``stderr_i`` read off its interval. The slope's
    standard error is the larger of the weighted-least-squares one (known
    variances) and the one from the residual scatter, so that a curve that is not
    a power law widens the interval instead of hiding it; the interval uses
    Student-t with ``n_points - 2`` degrees of freedom (normal when that is 0).

    Raises:
        InvalidParameterError: fewer than two points, a nonpositive mean or x,
            or a confidence level outside (0, 1).

    Examples:
        >>> es = [Estimate(v, 0.9 * v, 1.1 * v, 50, "t") for v in (1.0, 4.0, 16.0)]
        >>> round(fit_slope([1, 2, 4], es).slope, 6)
        2.0
    """
    conf = _check_confidence(confidence)
    xs = np.asarray(x, dtype=np.float64).ravel()
    if xs.size != len(estimates) or xs.size < 2:
        raise InvalidParameterError(
            f"fit_slope needs >= 2 points and len(x) == len(estimates), "
            f"got {xs.size} and {len(estimates)}"
        )
    lx = _positive_log(xs, "x")
    informative = [math.isfinite(e.high - e.low) for e in estimates]
    if sum(informative) < 2:
        raise InvalidParameterError(
            "fit_slope needs >= 2 estimates with a finite interval; "
            f"{len(estimates) - sum(informative)} of {len(estimates)} are uninformative"
        )
    if not all(informative):  # an uninformative point carries no weight
        keep = np.array(informative)
        return fit_slope(
            xs[keep],
            [e for e, k in zip(estimates, informative, strict=True) if k],
            confidence=conf,
        )
    means = np.array([e.mean for e in estimates])
    ly = _positive_log(means, "estimates.mean")
    z = stats.norm.ppf(0.5 + estimates[0].confidence / 2)
    se = np.array([(e.high - e.low) / (2 * z) for e in estimates]) / means
    # A zero-width interval ("exact") would get infinite weight; floor it at the
    # smallest positive one (or 1e-12 relative) so one exact point cannot dominate.
    pos = se[se > 0]
    se = np.maximum(se, pos.min() if pos.size else 1e-12)
    w = 1.0 / se**2
    xb = np.sum(w * lx) / np.sum(w)
    yb = np.sum(w * ly) / np.sum(w)
    sxx = float(np.sum(w * (lx - xb) ** 2))
    if sxx == 0:
        raise InvalidParameterError("x must contain at least two distinct values")
    slope = float(np.sum(w * (lx - xb) * (ly - yb)) / sxx)
    icpt = float(yb - slope * xb)
    se_known = math.sqrt(1.0 / sxx)
    dof = xs.size - 2
    if dof > 0:
        chi2 = float(np.sum(w * (ly - icpt - slope * lx) ** 2)) / dof
        se_slope = se_known * math.sqrt(max(1.0, chi2))
        q = float(stats.t.ppf(0.5 + conf / 2, dof))
    else:
        se_slope, q = se_known, float(stats.norm.ppf(0.5 + conf / 2))
    return SlopeFit(
        slope, slope - q * se_slope, slope + q * se_slope, icpt, int(xs.size), "wls"
    )


@checked
def bootstrap_slope(
    x: ArrayLike,
    samples: ArrayLike,
    *,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = _BOOTSTRAP_SEED,
) -> SlopeFit:
    """Log-log slope of the mean curve of correlated columns, bootstrapped over rows.

    ``samples`` has shape ``(n_pairs, k)``: the same pairs measured at ``k`` values
    of ``x`` (``delta_t`` at the record steps of one run, or one quantity over
    settings that share seeds: common random numbers give pair ``p`` the same data,
    replaced sample and index sequence in every setting). The columns are
    correlated, so :func:`fit_slope`'s independence is wrong; resampling whole rows
    (pairs jointly across all points of the fit: the paired bootstrap) keeps the
    correlation. Percentile interval, fixed seed. With no variation across pairs,
    or when more than ``(1 - confidence)/2`` of the resampled mean curves are not
    positive, the interval is ``(-inf, inf)`` (method ``"uninformative"``).

    Raises:
        InvalidParameterError: a wrong shape, a nonpositive x or mean, a
            confidence level outside (0, 1) or ``n_resamples < 1``.
    """
    conf = _check_confidence(confidence)
    n_boot = check_int(n_resamples, "n_resamples", min_value=1)
    xs = np.asarray(x, dtype=np.float64).ravel()
    s = np.asarray(samples, dtype=np.float64)
    if s.ndim != 2 or s.shape[1] != xs.size or xs.size < 2 or s.shape[0] < 2:
        raise InvalidParameterError(
            f"samples must have shape (n_pairs >= 2, {xs.size}), got {s.shape}"
        )
    lx = _positive_log(xs, "x")
    lx_c = lx - lx.mean()

    def slope_of(m: NDArray[np.float64]) -> NDArray[np.float64]:
        ly = np.log(m)
        return ((ly - ly.mean(axis=-1, keepdims=True)) @ lx_c) / float(lx_c @ lx_c)

    mean = s.mean(axis=0)
    _positive_log(mean, "mean curve")
    slope = float(slope_of(mean))
    icpt = float(np.log(mean).mean() - slope * lx.mean())
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, s.shape[0], size=(n_boot, s.shape[0]))
    boots = s[idx].mean(axis=1)  # (n_resamples, k)
    ok = (boots > 0).all(axis=1)
    alpha = (1 - conf) / 2
    flat = bool((s == s[:1]).all())  # every pair measured the same: no spread
    if flat or (~ok).mean() > alpha:
        # No variation, or so many resampled mean curves touch zero that the
        # percentile limits depend on how those are treated: say so instead of
        # printing a zero-width or arbitrary interval.
        return SlopeFit(slope, -math.inf, math.inf, icpt, int(xs.size), "uninformative")
    b = slope_of(boots[ok])
    lo, hi = np.quantile(b, [alpha, 1 - alpha])
    return SlopeFit(slope, float(lo), float(hi), icpt, int(xs.size), "bootstrap-pairs")
