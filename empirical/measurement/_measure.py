"""Measurements with uncertainty: estimates over coupled pairs and log-log slopes.

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
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from bounds import InvalidParameterError
from bounds._validation import check_choice, check_finite, check_int

from ._excess import excess_samples, init_distance

__all__ = [
    "SKEW_THRESHOLD",
    "Estimate",
    "Measurement",
    "SlopeFit",
    "bootstrap_slope",
    "estimate_mean",
    "estimate_means",
    "excess_risk",
    "fit_slope",
    "measure",
    "model_stability",
]

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


@dataclass(frozen=True)
class Measurement:
    """What one simulated batch of coupled pairs measured.

    Attributes:
        stability: mean over pairs of ``max_z |f(w_T; z) - f(w'_T; z)|`` on the
            probe set (an estimate of the uniform-stability quantity the theorems
            bound: each proof bounds ``E max_z |...|`` through ``L E delta_T``).
        gap: test loss minus train loss of the run on ``S`` (the generalization
            gap; its expectation is bounded in absolute value by the stability).
        gap_prime: the same for the run on ``S'`` (a second, correlated sample).
        delta_T: final parameter divergence ``||w_T - w'_T||``.
        train_loss, test_loss: final losses of the run on ``S``.
        record_steps: steps ``t`` at which ``delta_t`` was recorded.
        delta_curve: estimate of ``E delta_t`` at each record step.
        model_stability: on-average model stability, the mean over pairs of
            ``delta_T^2 = ||w_T - w'_T||^2`` (Lei & Ying 2020, Definition 4,
            squared l2): each pair draws ``S``, the replaced index ``i`` uniformly,
            ``z'_i`` and the algorithm's randomness, so the mean is an unbiased
            estimate of ``E_{S,S',A} (1/n) sum_i ||A(S) - A(S^(i))||^2``.
        excess_risk: mean over pairs of ``F(wbar_T) - F(w*)`` of the run on ``S``
            (projected runs of a convex linear-model loss; else ``None``): ``F``
            the risk on the whole data pool, ``wbar_T`` the weighted average of
            Deng et al. 2024, Theorem 3 (:mod:`empirical.measurement._excess`). The upper
            limit includes the solver's certified accuracy ``eps``.
        optimal_risk: ``F(w_hat) >= F(w*)``, the value the [DSL-excess] bound gets.
        optimal_risk_accuracy: ``eps`` with ``F(w_hat) - F(w*) <= eps``.
        init_distance: an upper bound on ``||w_1 - w*||``.
    """

    stability: Estimate
    gap: Estimate
    gap_prime: Estimate
    delta_T: Estimate
    train_loss: Estimate
    test_loss: Estimate
    record_steps: tuple[int, ...]
    delta_curve: tuple[Estimate, ...]
    model_stability: Estimate | None = None
    excess_risk: Estimate | None = None
    optimal_risk: float | None = None
    optimal_risk_accuracy: float | None = None
    init_distance: float | None = None

    @property
    def train_loss_ucl(self) -> float:
        """Upper confidence limit of the expected training loss, for the
        data-dependent bounds (one-sided level ``(1 + confidence) / 2``)."""
        return self.train_loss.high

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        d: dict[str, Any] = {
            k: getattr(self, k).to_dict()
            for k in (
                "stability",
                "gap",
                "gap_prime",
                "delta_T",
                "train_loss",
                "test_loss",
            )
        }
        d["record_steps"] = list(self.record_steps)
        d["delta_curve"] = [e.to_dict() for e in self.delta_curve]
        if self.model_stability is not None:
            d["model_stability"] = self.model_stability.to_dict()
        if self.excess_risk is not None:  # absent from older results files
            d["excess_risk"] = self.excess_risk.to_dict()
            d["optimal_risk"] = self.optimal_risk
            d["optimal_risk_accuracy"] = self.optimal_risk_accuracy
            d["init_distance"] = self.init_distance
        d["train_loss_ucl"] = self.train_loss_ucl
        return d


def model_stability(delta_T: ArrayLike, *, confidence: float = 0.95) -> Estimate:
    """On-average model stability from the final divergences of coupled pairs.

    ``mean(delta_T^2)`` with its interval (:func:`estimate_mean`); see
    :attr:`Measurement.model_stability` for what it estimates.

    Examples:
        >>> model_stability([0.0, 1.0, 2.0, 3.0], confidence=0.9).mean
        3.5
    """
    d = np.asarray(delta_T, dtype=np.float64).ravel()
    if (d < 0).any():
        raise InvalidParameterError("delta_T must be >= 0 (a norm)")
    return estimate_mean(d**2, confidence=confidence)


def excess_risk(
    samples: ArrayLike, accuracy: float, *, confidence: float = 0.95
) -> Estimate:
    """Mean excess risk from per-run ``F(wbar) - F(w_hat)`` and the certificate.

    Each sample is below the true ``F(wbar) - F(w*)`` by at most ``accuracy``
    (``0 <= F(w_hat) - F(w*) <= accuracy``), so the interval of
    :func:`estimate_mean` keeps its lower limit and its upper limit is raised by
    ``accuracy``: a verdict "holds" or "violated" is then about the true excess.

    Examples:
        >>> e = excess_risk([0.1, 0.2, 0.3], 0.01, confidence=0.9)
        >>> round(e.high - estimate_mean([0.1, 0.2, 0.3], confidence=0.9).high, 12)
        0.01
    """
    e = estimate_mean(samples, confidence=confidence)
    return Estimate(
        e.mean, e.low, e.high + float(accuracy), e.n, e.method, e.confidence
    )


def measure(run_stats: Any, *, confidence: float = 0.95) -> Measurement:
    """Estimates with intervals from a :class:`~empirical.simulators.linear._simulate.RunStats`.

    Examples:
        >>> from types import SimpleNamespace
        >>> import numpy as np
        >>> rs = SimpleNamespace(
        ...     probe_diff=np.array([0.1, 0.2, 0.3]), delta=np.ones((3, 2)),
        ...     record_steps=np.array([5, 10]), train_loss=np.zeros(3),
        ...     test_loss=np.full(3, 0.5), train_loss_prime=np.zeros(3),
        ...     test_loss_prime=np.full(3, 0.5))
        >>> m = measure(rs)
        >>> round(m.stability.mean, 6), m.gap.mean, m.delta_T.method
        (0.2, 0.5, 'uninformative')
    """
    delta = np.asarray(run_stats.delta, dtype=np.float64)
    ex = excess_samples(run_stats)
    opt = None if ex is None else ex[1]

    def est(v: ArrayLike) -> Estimate:
        return estimate_mean(v, confidence=confidence)

    return Measurement(
        stability=est(run_stats.probe_diff),
        gap=est(np.asarray(run_stats.test_loss) - np.asarray(run_stats.train_loss)),
        gap_prime=est(
            np.asarray(run_stats.test_loss_prime)
            - np.asarray(run_stats.train_loss_prime)
        ),
        delta_T=est(delta[:, -1]),
        train_loss=est(run_stats.train_loss),
        test_loss=est(run_stats.test_loss),
        record_steps=tuple(int(t) for t in np.asarray(run_stats.record_steps)),
        delta_curve=estimate_means(delta, confidence=confidence),
        model_stability=model_stability(delta[:, -1], confidence=confidence),
        excess_risk=(
            None
            if ex is None
            else excess_risk(ex[0], ex[1].accuracy, confidence=confidence)
        ),
        optimal_risk=None if opt is None else opt.risk,
        optimal_risk_accuracy=None if opt is None else opt.accuracy,
        init_distance=(
            None
            if opt is None
            else init_distance(
                opt,
                getattr(run_stats, "starts", None),
                float(run_stats.problem.diameter),
            )
        ),
    )
