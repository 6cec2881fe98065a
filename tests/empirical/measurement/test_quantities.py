"""Each bound is compared with the measured estimate of the quantity it bounds.

Issue 9 adds quantities to :class:`bounds.Quantity` (on-average model stability,
generalization gap, excess risk); the harness maps them by the member's name.
Here stand-in theorems (a registry theorem with another quantity) check that
mapping and the data-dependent parameters, independently of the new registry.
"""

from __future__ import annotations

import dataclasses
import enum

import pytest

from bounds import THEOREMS
from empirical.measurement._measure import measure
from empirical.measurement._verdict import theorem_params, verify
from empirical.problems._problem import make_problem
from empirical.schedules._delays import UniformDelay
from empirical.simulators.linear._simulate import simulate_pairs


class StandIn(str, enum.Enum):
    ON_AVERAGE_MODEL_STABILITY = "on-average model stability (squared l2)"
    GENERALIZATION_GAP = "expected generalization gap"
    EXCESS_RISK = "excess risk"


@pytest.fixture(scope="module")
def run():
    prob = make_problem("logistic", "breast_cancer", n_samples=100, diameter=4.0)
    return simulate_pairs(
        prob, step_size=0.5, delay=UniformDelay(0), n_steps=400, n_pairs=40, seed=0
    )


def _as(quantity):
    return dataclasses.replace(THEOREMS["hardt-cvx"], quantity=quantity)


def test_model_stability_bound_is_compared_with_mean_delta_sq(run):
    m = measure(run)
    v = verify(run, _as(StandIn.ON_AVERAGE_MODEL_STABILITY), measurement=m)
    assert v.quantity == "on-average model stability"
    assert v.measured == m.model_stability
    assert v.ratio == pytest.approx(m.model_stability.mean / v.bound)
    assert v.gap_status is None  # a different quantity: needs the conversion


def test_gap_bound_is_compared_with_the_gap(run):
    m = measure(run)
    v = verify(run, _as(StandIn.GENERALIZATION_GAP), measurement=m)
    assert v.measured == m.gap
    assert v.quantity == "generalization gap"


def test_excess_risk_is_measured_on_projected_runs_only(run):
    m = measure(run)
    v = verify(run, _as(StandIn.EXCESS_RISK), measurement=m)
    assert v.quantity == "excess risk"
    assert m.excess_risk is not None
    assert v.measured == m.excess_risk
    free = make_problem("logistic", "breast_cancer", n_samples=100)
    unprojected = simulate_pairs(
        free, step_size=0.5, delay=UniformDelay(0), n_steps=100, n_pairs=10, seed=0
    )
    v = verify(unprojected, _as(StandIn.EXCESS_RISK))
    assert v.status == "not applicable"
    assert "projected runs" in (v.reason or "")


def test_uniform_stability_unchanged(run):
    m = measure(run)
    v = verify(run, THEOREMS["hardt-cvx"], measurement=m)
    assert v.measured == m.stability
    assert v.quantity == "uniform stability"
    assert v.gap_status is not None


def test_data_dependent_parameters_are_upper_estimates(run):
    m = measure(run)

    class Fake:
        parameters = ("diameter", "init_distance", "train_loss", "optimal_risk")

    p = theorem_params(Fake(), run, m)
    # a projected convex linear-model run: the certified pool optimum replaces the
    # test loss's upper confidence limit and r (both are upper estimates, tighter)
    assert m.optimal_risk is not None
    assert m.init_distance is not None
    assert p == {
        "diameter": 4.0,
        "init_distance": m.init_distance,
        "train_loss": m.train_loss.high,
        "optimal_risk": m.optimal_risk,
    }
    assert m.init_distance <= 4.0
    assert m.optimal_risk <= m.test_loss.high
    # without a certified optimum: the estimates r and the test loss's UCL
    bare = dataclasses.replace(m, optimal_risk=None, init_distance=None)
    assert theorem_params(Fake(), run, bare) == {
        "diameter": 4.0,
        "init_distance": 4.0,
        "train_loss": m.train_loss.high,
        "optimal_risk": m.test_loss.high,
    }
    assert theorem_params(Fake(), run) == {"diameter": 4.0, "init_distance": 4.0}
