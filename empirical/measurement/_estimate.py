"""Estimates with uncertainty: the mean over coupled pairs and its interval.

Every empirical number of the harness is an :class:`Estimate`: a mean over
independent coupled pairs with a confidence interval from their spread.

Choice of interval. The pairs of one run are independent and identically
distributed (independent index sequences, delays and replaced samples), so the
mean over ``n`` pairs is a sum of i.i.d. terms with finite variance (every
measured quantity is bounded: losses on a bounded domain, ``delta_T`` by the
pathwise bound). The Student-t interval ``mean +- t_{n-1} s / sqrt(n)`` is then
asymptotically exact, and for the sample sizes used here (``n >= 30`` pairs in the
suite) its coverage error is of order ``skewness / sqrt(n)``. The stability
samples are nonnegative and can be strongly right-skewed (most pairs barely
diverge, a few draw the differing index early), so ``method="auto"`` switches to a
BCa bootstrap (fixed seed, 2000 resamples), which corrects for skewness, when the
sample skewness exceeds :data:`SKEW_THRESHOLD`. The method used is recorded in
:attr:`Estimate.method`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from bounds import InvalidParameterError
from bounds.internal import check_choice, check_finite, checked

__all__ = ["SKEW_THRESHOLD", "Estimate", "estimate_mean", "estimate_means"]

#: Above this absolute sample skewness ``method="auto"`` uses the BCa bootstrap.
#: With ``|skew| <= 1`` and ``n >= 30`` the t interval's coverage error is a few
#: percent at most (Edgeworth term ``~ skew / (6 sqrt(n))`` on each tail).
SKEW_THRESHOLD = 1.0

_BOOTSTRAP_RESAMPLES = 2000
_BOOTSTRAP_SEED = 20240601
_METHODS = ("auto", "t", "bca")


def _check_confidence(confidence: Any) -> float:
    """Return a two-sided confidence level; raise unless it lies in (0, 1)."""
    conf = check_finite(confidence, "confidence")
    if not 0.0 < conf < 1.0:
        raise InvalidParameterError(f"confidence={confidence!r} must be in (0, 1)")
    return conf


@dataclass(frozen=True)
class Estimate:
    """A mean with a two-sided confidence interval ``[low, high]``.

    Attributes:
        mean: the sample mean.
        low, high: confidence limits (``confidence`` two-sided, so each one-sided
            limit has error rate ``(1 - confidence) / 2``).
        n: number of independent samples.
        method: ``"t"`` (Student-t), ``"bca"`` (bootstrap), ``"uninformative"``
            (all samples equal: the interval is ``(-inf, inf)``) or ``"exact"``
            (a deterministic value, e.g. a bound, wrapped as an estimate).
        confidence: the nominal two-sided coverage.
    """

    mean: float
    low: float
    high: float
    n: int
    method: str
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Estimate:
        """Inverse of :meth:`to_dict`."""
        return cls(**d)

    def __str__(self) -> str:
        return f"{self.mean:.3g} [{self.low:.3g}, {self.high:.3g}]"


@checked
def estimate_mean(
    samples: ArrayLike,
    *,
    confidence: float = 0.95,
    method: Literal["auto", "t", "bca"] = "auto",
) -> Estimate:
    """Mean of i.i.d. ``samples`` with a two-sided confidence interval.

    Args:
        samples: 1-d array of at least two finite values (one per coupled pair).
        confidence: two-sided coverage, in (0, 1).
        method: ``"t"`` Student-t; ``"bca"`` BCa bootstrap; ``"auto"`` (default)
            uses t unless ``|skewness| > SKEW_THRESHOLD``.

    Returns:
        :class:`Estimate`.

    Raises:
        InvalidParameterError: fewer than two samples, NaN/inf, a bad level or
            an unknown method.

    Examples:
        >>> e = estimate_mean([1.0, 2.0, 3.0], method="t")
        >>> (e.mean, round(e.low, 3), round(e.high, 3), e.method)
        (2.0, -0.484, 4.484, 't')
    """
    conf = _check_confidence(confidence)
    check_choice(method, "method", _METHODS)
    x = np.asarray(samples, dtype=np.float64).ravel()
    if x.size < 2:
        raise InvalidParameterError(
            f"samples has {x.size} value(s); an interval needs at least 2 (n_pairs >= 2)"
        )
    if not np.isfinite(x).all():
        raise InvalidParameterError("samples must be finite (got NaN or inf)")
    n = int(x.size)
    mean = float(x.mean())
    sd = float(x.std(ddof=1))
    if sd == 0.0 or sd <= 1e-15 * max(abs(mean), 1e-300):
        # All samples (numerically) equal, e.g. no pair drew the differing index:
        # the spread says nothing about the mean's uncertainty (a zero-width
        # interval would claim certainty), so the interval is uninformative.
        return Estimate(mean, -math.inf, math.inf, n, "uninformative", conf)
    if method == "auto":
        skew = float(stats.skew(x, bias=False))
        method = "bca" if abs(skew) > SKEW_THRESHOLD else "t"
    if method == "t":
        half = float(stats.t.ppf(0.5 + conf / 2, n - 1)) * sd / math.sqrt(n)
        return Estimate(mean, mean - half, mean + half, n, "t", conf)
    res = stats.bootstrap(  # method == "bca"
        (x,),
        np.mean,
        confidence_level=conf,
        n_resamples=_BOOTSTRAP_RESAMPLES,
        method="BCa",
        rng=np.random.default_rng(_BOOTSTRAP_SEED),
    )
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if not (math.isfinite(lo) and math.isfinite(hi)):  # degenerate resamples
        return estimate_mean(x, confidence=conf, method="t")
    return Estimate(mean, min(lo, mean), max(hi, mean), n, "bca", conf)


@checked
def estimate_means(
    samples: ArrayLike, *, confidence: float = 0.95
) -> tuple[Estimate, ...]:
    """:func:`estimate_mean` (``method="auto"``) of every column of ``samples``.

    The same estimates as one call per column, with every BCa column bootstrapped
    in one vectorised call: the resample indices come from the same fixed seed, so
    each column's interval is the one its own call would give.
    """
    conf = _check_confidence(confidence)
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2:
        raise InvalidParameterError(f"samples must be 2-d (n, k), got shape {x.shape}")
    out: list[Estimate | None] = [None] * x.shape[1]
    bca: list[int] = []
    for j in range(x.shape[1]):
        col = x[:, j]
        e = estimate_mean(col, confidence=conf, method="t")
        if e.method == "t" and abs(float(stats.skew(col, bias=False))) > SKEW_THRESHOLD:
            bca.append(j)
        else:
            out[j] = e
    if bca:
        res = stats.bootstrap(
            (x[:, bca],),
            np.mean,
            confidence_level=conf,
            n_resamples=_BOOTSTRAP_RESAMPLES,
            method="BCa",
            rng=np.random.default_rng(_BOOTSTRAP_SEED),
            axis=0,
        )
        lows = np.atleast_1d(res.confidence_interval.low)
        highs = np.atleast_1d(res.confidence_interval.high)
        for j, lo, hi in zip(bca, lows, highs, strict=True):
            mean = float(x[:, j].mean())
            if math.isfinite(lo) and math.isfinite(hi):
                out[j] = Estimate(
                    mean,
                    min(float(lo), mean),
                    max(float(hi), mean),
                    x.shape[0],
                    "bca",
                    conf,
                )
            else:  # degenerate resamples: the t interval, as estimate_mean does
                out[j] = estimate_mean(x[:, j], confidence=conf, method="t")
    return tuple(e for e in out if e is not None)
