"""Estimates and slope fits: coverage on synthetic data with known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bounds import InvalidParameterError
from empirical.measurement._estimate import Estimate, estimate_mean
from empirical.measurement._slopes import bootstrap_slope, fit_slope

# Coverage study: 2000 intervals of nominal level 95%. The empirical coverage is
# Binomial(2000, 0.95)/2000 with standard deviation sqrt(.95*.05/2000) = 0.0049;
# the band [0.93, 0.97] is +-4 sd, so a correct interval fails this test with
# probability < 1e-4 (the false-alarm rate), and the seed is fixed anyway.
N_REPS = 2000
COVERAGE_BAND = (0.93, 0.97)


@pytest.mark.parametrize("n", [10, 50])
def test_t_interval_covers_normal_mean_at_nominal_rate(n: int) -> None:
    rng = np.random.default_rng(1234)
    truth = 0.3
    hits = 0
    for _ in range(N_REPS):
        e = estimate_mean(rng.normal(truth, 2.0, size=n), method="t")
        hits += e.low <= truth <= e.high
    assert COVERAGE_BAND[0] <= hits / N_REPS <= COVERAGE_BAND[1]


def test_auto_interval_covers_skewed_mean() -> None:
    # Exponential samples (skewness 2): "auto" picks BCa; its coverage at n = 50 is
    # close to nominal but can be a little low (BCa's known under-coverage at this
    # skewness is ~1-2%). 400 reps give sd 0.011, so 4 sd is 0.044: the band is
    # 0.95 - 0.02 - 0.044 ~ 0.89 to 0.95 + 0.044 ~ 0.99.
    rng = np.random.default_rng(99)
    hits, n_reps = 0, 400  # BCa is ~100x slower than t
    for _ in range(n_reps):
        e = estimate_mean(rng.exponential(1.0, size=50))
        hits += e.low <= 1.0 <= e.high
    assert 0.89 <= hits / n_reps <= 0.99


def test_auto_uses_t_for_symmetric_and_bca_for_skewed() -> None:
    rng = np.random.default_rng(0)
    assert estimate_mean(rng.normal(size=100)).method == "t"
    assert estimate_mean(rng.exponential(size=100) ** 3).method == "bca"


def test_constant_samples_are_uninformative() -> None:
    # no spread says nothing about the mean's uncertainty: not a zero-width interval
    e = estimate_mean(np.full(5, 0.25))
    assert (e.mean, e.low, e.high, e.method) == (
        0.25,
        -math.inf,
        math.inf,
        "uninformative",
    )


@pytest.mark.parametrize(
    ("samples", "match"),
    [([1.0], "at least 2"), ([1.0, np.nan], "finite"), ([], "at least 2")],
    ids=["one-sample", "nan", "empty"],
)
def test_bad_samples_raise(samples: list[float], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        estimate_mean(samples)


def test_estimate_roundtrips_through_dict() -> None:
    e = Estimate(1.0, 0.5, 1.5, 10, "t")
    assert Estimate.from_dict(e.to_dict()) == e


def test_fit_slope_recovers_power_law_and_covers_truth() -> None:
    rng = np.random.default_rng(7)
    x = np.array([100, 200, 400, 800, 1600])
    covered = 0
    for _ in range(200):
        ests = [
            estimate_mean(xi**-1.0 * rng.lognormal(0, 0.2, size=40), method="t")
            for xi in x
        ]
        f = fit_slope(x, ests)
        covered += f.low <= -1.0 <= f.high
    # The lognormal noise makes log(mean) biased by a constant only, so the slope
    # is unbiased; >= 90% of 200 nominal-95% intervals (sd 1.5%) is a 3-sd band.
    assert covered / 200 >= 0.90


def test_fit_slope_rejects_nonpositive_means() -> None:
    es = [Estimate(-1.0, -2.0, 0.0, 5, "t"), Estimate(1.0, 0.5, 1.5, 5, "t")]
    with pytest.raises(
        InvalidParameterError, match=r"estimates.mean\[0\]=-1.0 must be finite and > 0"
    ):
        fit_slope([1, 2], es)


def test_bootstrap_slope_of_exact_power_law() -> None:
    x = np.array([1.0, 2.0, 4.0, 8.0])
    s = np.outer(np.linspace(1, 2, 30), x**0.5)  # every row ~ x^0.5
    f = bootstrap_slope(x, s)
    # Every resample is an exact power law: the slope and its interval are 0.5
    # up to float64 rounding of logs (1e-12).
    assert f.slope == pytest.approx(0.5, abs=1e-12)
    assert f.low == pytest.approx(0.5, abs=1e-12)
    assert f.high == pytest.approx(0.5, abs=1e-12)


_ESTS = [Estimate(1.0, 0.9, 1.1, 50, "t"), Estimate(2.0, 1.8, 2.2, 50, "t")]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: estimate_mean([1.0, 2.0], confidence=1.0), r"confidence=1.0 must"),
        (lambda: estimate_mean([1.0, 2.0], confidence=0), r"confidence=0 must"),
        # Equal samples return early: the method is still checked first.
        (lambda: estimate_mean([1.0, 1.0], method="z"), "method='z' must be one of"),
        (lambda: fit_slope([1, 2], _ESTS, confidence=2), r"confidence=2 must"),
        (
            lambda: bootstrap_slope([1, 2], [[1, 2], [2, 3]], confidence=-1),
            r"confidence=-1 must",
        ),
        (
            lambda: bootstrap_slope([1, 2], [[1, 2], [2, 3]], n_resamples=0),
            "n_resamples=0 must be >= 1",
        ),
    ],
    ids=[
        "mean-confidence-1",
        "mean-confidence-0",
        "mean-method-equal-samples",
        "fit-confidence",
        "bootstrap-confidence",
        "bootstrap-resamples",
    ],
)
def test_bad_levels_and_methods_name_the_argument(call, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        call()


def test_estimate_means_equals_one_call_per_column() -> None:
    from empirical.measurement._estimate import estimate_means

    rng = np.random.default_rng(3)
    x = np.column_stack(
        [
            rng.normal(1.0, 0.2, 300),  # symmetric: t
            rng.exponential(1.0, 300) ** 3,  # skewed: BCa
            np.zeros(300),  # no variation: uninformative
            rng.lognormal(0.0, 1.5, 300),  # skewed: BCa
        ]
    )
    batched = estimate_means(x)
    single = [estimate_mean(x[:, j]) for j in range(x.shape[1])]
    assert [e.method for e in batched] == ["t", "bca", "uninformative", "bca"]
    for a, b in zip(batched, single, strict=True):
        assert a.method == b.method
        # same resample indices (same seed); the vectorised mean over a batch of
        # columns may sum in another order: rounding-level differences only
        np.testing.assert_allclose([a.low, a.high], [b.low, b.high], rtol=1e-12)
