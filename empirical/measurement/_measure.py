"""The measurement of one run: every quantity a bound is checked against.

:class:`Measurement` holds, with their intervals (:mod:`._estimate`), the
stability, the gap, the training and test losses, ``delta_t``, on-average model
stability and, for projected runs of a convex linear-model loss, the excess risk
against the certified pool optimum (:mod:`._excess`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from bounds import InvalidParameterError
from bounds.internal import checked

from ._estimate import Estimate, estimate_mean, estimate_means
from ._excess import excess_samples, init_distance

if TYPE_CHECKING:  # the simulator (numba) is loaded only by a run, not for a type
    from empirical.simulators.linear._simulate import RunStats

__all__ = ["Measurement", "excess_risk", "measure", "model_stability"]


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


@checked
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
        i = int(np.flatnonzero(d < 0)[0])
        raise InvalidParameterError(
            f"delta_T[{i}]={float(d[i])!r} must be >= 0 (a norm)"
        )
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


@checked
def measure(run_stats: RunStats, *, confidence: float = 0.95) -> Measurement:
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
    # measured for projected runs only (``average_iterates``), which have a ball
    diameter = None if opt is None else run_stats.problem.diameter

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
            if opt is None or diameter is None
            else init_distance(
                opt,
                getattr(run_stats, "starts", None),
                float(diameter),
            )
        ),
    )
