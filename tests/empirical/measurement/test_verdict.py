"""Verdict logic on constructed runs (no simulator): thresholds and the pathwise alarm."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from bounds import THEOREMS
from empirical.measurement._estimate import Estimate
from empirical.measurement._verdict import PathwiseViolationWarning, one_sided, verify

N, T, ETA, PAIRS = 100, 100, 0.01, 40
# [H-cvx] with L = 1: 2 L^2 eta T / n = 2 * 0.01 * 100 / 100 = 0.02.
HCVX_BOUND = 0.02


def _problem(**kw: Any) -> SimpleNamespace:
    base = {
        "n_samples": N,
        "lipschitz": 1.0,
        "smoothness": 0.25,
        "loss_bound": None,
        "convex": True,
        "constants_estimated": False,
        "constants_method": "exact",
    }
    return SimpleNamespace(**{**base, **kw})


def _run(
    probe: np.ndarray, *, tau: int = 0, delta: np.ndarray | None = None, **problem: Any
) -> SimpleNamespace:
    pairs = probe.size
    hits = np.zeros((pairs, T), dtype=bool)
    hits[:, 10] = True  # each pair draws the differing index once, at step 11
    steps = np.array([5, 50, 100])
    if delta is None:
        delta = np.zeros((pairs, 3))
    return SimpleNamespace(
        problem=_problem(**problem),
        n_pairs=pairs,
        n_steps=T,
        seed=0,
        backend="fake",
        max_delay=tau,
        record_steps=steps,
        delta=delta,
        delays=np.full((pairs, T), tau, dtype=np.int64),
        step_sizes=np.full((pairs, T), ETA),
        hits=hits,
        train_loss=np.zeros(pairs),
        test_loss=probe,
        train_loss_prime=np.zeros(pairs),
        test_loss_prime=probe,
        probe_diff=probe,
    )


def _centered(center: float, half_spread: float) -> np.ndarray:
    # Symmetric samples with a known mean; the t interval's half-width is about
    # t_{39} * sd / sqrt(40) = 2.02 * half_spread * 1.0 / 6.3, i.e. 0.32 half_spread.
    return center + half_spread * np.tile([-1.0, 1.0], PAIRS // 2)


@pytest.mark.parametrize(
    ("center", "expected"),
    [(0.010, "holds"), (0.020, "inconclusive"), (0.030, "violated")],
    ids=["upper-limit-below", "interval-straddles", "lower-limit-above"],
)
def test_status_thresholds_against_closed_form(center: float, expected: str) -> None:
    v = verify(_run(_centered(center, 0.005)), THEOREMS["hardt-cvx"])
    assert v.bound == pytest.approx(HCVX_BOUND, rel=1e-12)  # float rounding only
    assert v.status == expected
    assert v.ratio == pytest.approx(center / HCVX_BOUND, rel=1e-12)
    assert v.pathwise is not None
    assert v.pathwise.status == "ok"


def test_one_sided_boundaries_are_strict() -> None:
    e = Estimate(1.0, 0.5, 1.5, 10, "t")
    assert one_sided(e, 1.5) == "inconclusive"  # upper limit equal to the bound
    assert one_sided(e, 0.5) == "inconclusive"  # lower limit equal to the bound
    assert one_sided(e, 1.5 + 1e-12) == "holds"
    assert one_sided(e, 0.5 - 1e-12) == "violated"


def test_not_applicable_reasons_are_reported() -> None:
    rs = _run(_centered(0.01, 0.005), tau=4)
    v = verify(rs, THEOREMS["hardt-cvx"])
    assert v.status == "not applicable"
    assert v.reason == "requires no delay (tau = 0)"
    v = verify(_run(_centered(0.01, 0.005)), THEOREMS["delayed-ncvx"])
    assert (v.status, v.reason) == ("not applicable", "requires a bounded loss")
    v = verify(_run(_centered(0.01, 0.005), convex=False), THEOREMS["delayed-cvx"])
    assert (v.status, v.reason) == ("not applicable", "requires a convex loss")


def test_step_size_condition_makes_it_not_applicable() -> None:
    rs = _run(_centered(0.01, 0.005), smoothness=1000.0)  # eta=0.01 > 2/beta
    v = verify(rs, THEOREMS["hardt-cvx"])
    assert v.status == "not applicable"
    assert v.reason is not None
    assert "violates" in v.reason


def test_delayed_bound_and_recursion_on_constant_delay() -> None:
    v = verify(_run(_centered(0.01, 0.005), tau=3), THEOREMS["delayed-cvx"])
    assert v.status != "not applicable"
    assert v.bound is not None
    assert v.recursion is not None
    # The recursion reads tau_t as min(tau, t - 1), so it is below the closed form
    # (which uses tau for every t); equality up to rounding is allowed.
    assert v.recursion <= v.bound * (1 + 1e-12)


def test_pathwise_excess_is_a_loud_bug() -> None:
    # The [H-cvx] pathwise bound is 2 eta L = 0.02 after the hit at step 11.
    delta = np.zeros((PAIRS, 3))
    delta[:, 1:] = 0.02
    delta[7, 2] = 0.02 * (1 + 1e-6)  # beyond the 1e-9 relative tolerance
    with pytest.warns(PathwiseViolationWarning, match="BUG: pathwise bound"):
        v = verify(_run(_centered(0.01, 0.005), delta=delta), THEOREMS["hardt-cvx"])
    assert v.bug
    assert v.pathwise is not None
    assert (v.pathwise.n_violations, v.pathwise.worst_pair, v.pathwise.worst_step) == (
        1,
        7,
        100,
    )
    assert "BUG: pathwise bound exceeded" in v.flags


def test_pathwise_equality_within_rounding_passes() -> None:
    delta = np.zeros((PAIRS, 3))
    delta[:, 1:] = 0.02 * (1 + 1e-12)  # float rounding level: below the tolerance
    v = verify(_run(_centered(0.01, 0.005), delta=delta), THEOREMS["hardt-cvx"])
    assert v.pathwise is not None
    assert v.pathwise.status == "ok"


def test_flags_vacuous_and_constants_estimated() -> None:
    rs = _run(_centered(0.01, 0.005), loss_bound=0.001, constants_estimated=True)
    v = verify(rs, THEOREMS["hardt-cvx"])
    assert "vacuous" in v.flags
    assert "constants estimated" in v.flags


def test_gap_status_two_sided() -> None:
    rs = _run(_centered(0.01, 0.005))
    rs.test_loss = -_centered(0.03, 0.005)  # E gap = -0.03 < -bound
    v = verify(rs, THEOREMS["hardt-cvx"])
    assert v.gap_status == "violated"


def test_verify_table_labels_the_reconstruction() -> None:
    from empirical.measurement._table import _row, format_table

    rows = [
        _row("[R-ncvx]", "s", flags=[], key="regatti-ncvx", task_id=None),
        _row("[D-ncvx]", "s", flags=[], key="delayed-ncvx", task_id=None),
    ]
    for text in (format_table(rows), format_table(rows, markdown=True)):
        assert "[R-ncvx] (reconstruction)" in text  # report.md uses the markdown form
        assert "[D-ncvx] (reconstruction)" not in text
