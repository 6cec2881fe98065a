"""Bounds beside measurements (certified models) and the delay question's edge.

Fast tests on synthetic run records; one slow test runs a tiny certified model
end to end through ``run_setting``.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

import bounds
from empirical.runs._bound_report import bound_lines, bound_section
from empirical.runs._bound_rows import bound_row, bound_slopes
from empirical.runs._edge import (
    delay_analysis,
    edge_answer,
    first_reaching,
    heuristic_edge,
    matched_progress,
    stability_edges,
)

N, T, L, BETA, B = 400, 50, math.sqrt(2.0), 0.5, 5.0


def _cvx_params(lipschitz: float = L) -> dict[str, Any]:
    return {
        "n_samples": N,
        "n_steps": T,
        "step_size": 0.05,
        "max_delay": 3,
        "lipschitz": lipschitz,
        "smoothness": BETA,
        "step_weight": 1.0,
    }


def _record(seed: int, probe: list[float], lipschitz: float = L) -> dict[str, Any]:
    """A run record's bound block, its bounds computed by the registry with the
    given Lipschitz constant (the measurement is fixed)."""
    key = "delayed-cvx-workers"
    th = bounds.THEOREMS[key]
    eta = np.full((len(probe), T), 0.05)
    rec = bounds.recursion_bound(
        th,
        step_sizes=eta,
        delays=np.full((len(probe), T), 3),
        n_samples=N,
        lipschitz=lipschitz,
        smoothness=BETA,
    )
    return {
        "key": "s",
        "seed": seed,
        "diverged": [False] * len(probe),
        "bounds": {
            "constants": {"loss_bound": B, "lipschitz": lipschitz},
            "theorems_why": "test",
            "pair_probe_diff": probe,
            "pair_L_delta": [2 * p for p in probe],
            "theorems": {
                key: {
                    "closed_form": {
                        "value": th.evaluate(**_cvx_params(lipschitz)),
                        "params": _cvx_params(lipschitz),
                    },
                    "pair_recursion": list(np.atleast_1d(rec)),
                    "pathwise": {"n_checked": 10, "n_violations": 0},
                },
            },
        },
    }


def _gap() -> dict[str, Any]:
    return {"mean": 0.01, "low": 0.0, "high": 0.02, "n": 8, "method": "t"}


def test_bound_row_carries_the_registry_values() -> None:
    probe = [0.010, 0.012, 0.011, 0.013]
    recs = [_record(0, probe), _record(1, probe)]
    row = bound_row(recs, _gap())
    t = row["theorems"]["delayed-cvx-workers"]
    expected = bounds.THEOREMS["delayed-cvx-workers"].evaluate(**_cvx_params())
    assert t["closed_form"]["value"] == pytest.approx(expected, rel=1e-12)
    assert t["closed_form"]["ratio"] == pytest.approx(expected / np.mean(probe))
    assert t["recursion"]["value"] <= t["closed_form"]["value"]
    assert t["closed_form"]["verdict"] == "holds"
    assert t["recursion"]["verdict"] == "holds"
    assert t["gap"]["verdict"] == "holds"
    assert t["closed_form"]["vacuous"] is False
    assert row["measured"]["low"] <= row["measured"]["mean"] <= row["measured"]["high"]


def test_a_constant_too_small_is_reported_violated(tmp_path: Any) -> None:
    # L a thousand times too small: the bound (~L^2) falls far below what was
    # measured, which must be a violation, listed as a finding.
    probe = [0.010, 0.012, 0.011, 0.013]
    recs = [_record(0, probe, L / 1000), _record(1, probe, L / 1000)]
    row = bound_row(recs, _gap())
    t = row["theorems"]["delayed-cvx-workers"]
    assert t["closed_form"]["verdict"] == "violated"
    assert t["recursion"]["verdict"] == "violated"
    results = {
        "experiment": "x",
        "summary": [
            {"group": "g", "curve": "c", "bounds": row, "gap_loss": _gap()}
            | {"staleness_mean": 3.0, "staleness_max": 3}
        ],
    }
    text = "\n".join(bound_section(results, tmp_path, figures=False))
    assert "**Finding: delayed-cvx-workers (closed form) violated**" in text
    assert "No bound is violated" not in text


def test_a_bound_above_the_loss_range_is_vacuous() -> None:
    probe = [0.010, 0.012, 0.011, 0.013]
    rec = _record(0, probe)
    th = rec["bounds"]["theorems"]["delayed-cvx-workers"]
    th["closed_form"]["value"] = 3 * B
    row = bound_row([rec, _record(1, probe)], _gap())
    cf = row["theorems"]["delayed-cvx-workers"]["closed_form"]
    assert cf["vacuous"] is True
    assert cf["over_range"] == pytest.approx(3.0)


def test_slopes_pair_the_measurement_over_seeds_and_pairs() -> None:
    rows = []
    for v, scale in ((0, 1.0), (3, 2.0), (15, 8.0)):
        probe = list(scale * np.array([0.010, 0.012, 0.011, 0.013]))
        row = bound_row([_record(0, probe), _record(1, probe)], _gap())
        rows.append({"group": "g", "tau": v, "staleness_max": v, "bounds": row})
    (s,) = bound_slopes(rows)
    # measured = 1, 2, 8 times at 1 + staleness = 1, 4, 16: slope 0.75 exactly
    assert s["measured"]["slope"] == pytest.approx(0.75)
    assert s["bounds"]["delayed-cvx-workers"]["closed_form"] == pytest.approx(0.0)
    assert len(bound_lines(rows)) == 3


def test_heuristic_edge_shrinks_with_the_delay() -> None:
    edges = [heuristic_edge(10.0, tau) for tau in (0, 1, 4, 16)]
    assert edges[0] == pytest.approx(0.2)
    assert all(a > b for a, b in itertools.pairwise(edges))
    assert heuristic_edge(0.0, 3) is None


def _row(fam: str, eta: float, tau: int, *, drop: float, div: int = 0) -> dict:
    return {
        "key": f"{fam}-{eta}-{tau}",
        "group": f"{fam}: (a) grid eta={eta:g}",
        "curve": f"tau={tau}",
        "tau": tau,
        "staleness_max": tau,
        "loss_drop": drop,
        "diverged": div,
        "n_pairs_total": 4,
        "sharpness": [[1.0, 2.0 + tau], [1.5, None]],
    }


def test_stability_edge_is_the_largest_step_that_trains() -> None:
    summary = [
        _row("mlp", 0.01, 0, drop=0.5),
        _row("mlp", 0.1, 0, drop=0.5),
        _row("mlp", 1.0, 0, drop=0.0, div=4),
        _row("mlp", 0.01, 16, drop=0.5),
        _row("mlp", 0.1, 16, drop=0.1),  # did not train: below the quarter
        _row("mlp", 1.0, 16, drop=0.5, div=1),  # a diverged pair: past the edge
    ]
    e0, e16 = stability_edges(summary)
    assert (e0["edge"], e0["next_step"]) == (0.1, 1.0)
    assert (e16["edge"], e16["next_step"]) == (0.01, 0.1)
    assert e0["trains"] == [True, True, False]
    # lambda: the largest estimate along the trained runs of that staleness
    assert e16["curvature"] == 18.0
    assert e16["heuristic_edge"] == pytest.approx(heuristic_edge(18.0, 16))


def _run(key: str, seed: int, losses: list[list[float]], gaps: list[list[float]]):
    return {
        "key": key,
        "seed": seed,
        "diverged": [False] * len(losses[0]),
        "updates": [10 * (i + 1) for i in range(len(losses))],
        "gradients": [10.0 * (i + 1) for i in range(len(losses))],
        "pair_train_loss": losses[-1],
        "pair_train_loss_curve": losses,
        "pair_gap_loss_curve": gaps,
        "pair_delta_curve": gaps,
    }


def test_matched_progress_pairs_first_reaching_updates() -> None:
    assert first_reaching([3.0, 2.0, 1.0], 2.0) == 1
    # Per evaluation (rows) and pair (columns): the slow run reaches the target
    # 1.0 (its final loss, the larger end) one evaluation later in every pair.
    fast = [[2.0, 2.0, 2.0], [1.0, 1.0, 1.0], [0.5, 0.5, 0.5]]
    slow = [[2.0, 2.0, 2.0], [1.5, 1.5, 1.5], [1.0, 1.0, 1.0]]
    g_fast = [[0.0] * 3, [0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]
    g_slow = [[0.0] * 3, [0.05] * 3, [0.1, 0.2, 0.3]]
    runs = [_run("a", s, fast, g_fast) for s in (0, 1)]
    runs += [_run("b", s, slow, g_slow) for s in (0, 1)]
    m = matched_progress({"key": "a"}, {"key": "b"}, runs)
    assert m["target"] == pytest.approx(1.0)
    assert m["not_reached"] == 0
    assert m["updates_to_target"]["mean"] == pytest.approx(10.0)
    # at matched progress the gaps are equal; at equal updates the slow is smaller
    assert m["gap_at_target"]["mean"] == pytest.approx(0.0)
    assert m["gap_equal_updates"]["mean"] == pytest.approx(-0.3)
    assert m["gap_equal_gradients"]["mean"] == pytest.approx(-0.3)


def test_one_evaluation_per_run_matches_no_progress() -> None:
    """Runs evaluated only at the end reach any target there or never: matched
    progress would be the end again, so it is not reported (with the reason),
    while the comparisons at equal updates and gradients stay."""
    runs = [_run("a", s, [[1.0, 0.9, 0.8]], [[0.1, 0.2, 0.3]]) for s in (0, 1)]
    runs += [_run("b", s, [[1.2, 1.1, 1.0]], [[0.0, 0.1, 0.2]]) for s in (0, 1)]
    m = matched_progress({"key": "a"}, {"key": "b"}, runs)
    assert m["gap_at_target"] is None
    assert m["updates_to_target"] is None
    assert "one evaluation per run" in m["reason"]
    assert m["gap_equal_updates"]["mean"] == pytest.approx(-0.1)


def test_delay_analysis_answers_stable_and_past_the_edge() -> None:
    fast = [[2.0, 2.0], [1.0, 1.0]]
    slow = [[2.0, 2.0], [1.2, 1.3]]
    g = [[0.0, 0.0], [0.1, 0.12]]
    rows = [
        _row("mlp", 0.01, 0, drop=0.5) | {"key": "a"},
        _row("mlp", 0.01, 16, drop=0.5) | {"key": "b"},
        _row("mlp", 1.0, 0, drop=0.5) | {"key": "c"},
        _row("mlp", 1.0, 16, drop=0.0) | {"key": "d"},
    ]
    runs = [_run("a", 0, fast, g), _run("b", 0, slow, g)]
    a = delay_analysis({"summary": rows, "runs": runs})
    text = edge_answer(a)
    assert "did not train or diverged at staleness 16" in text
    assert "mlp: (a) grid eta=0.01" in text
    assert "At stable steps (1 groups" in text


@pytest.mark.slow
def test_certified_run_carries_bounds_from_the_registry() -> None:
    pytest.importorskip("jax")
    pytest.importorskip("mnist1d")
    from empirical.runs._bound_run import replay_schedule
    from empirical.runs._reproduce import run_setting
    from empirical.runs._settings import Setting, Sizes
    from empirical.schedules._published_draws import DengDrawn, deng_worker_delays
    from empirical.simulators.nets._certified import softmax_ball
    from empirical.simulators.nets._datasets import load_net_data

    periods = deng_worker_delays(4, 3, "random")
    proto = DengDrawn(4, 3, "random", batch_size=4, periods=periods, slots=4)
    model = softmax_ball(40, 10, radius=3.0, input_radius=1.0)
    s = Setting(
        key="k", group="g", curve="c", tau=3, model=model, protocol=proto,
        step_size=0.05, n_steps=40, n_buffer=4, n_samples=100, eval_every=10,
    )  # fmt: skip
    sizes = Sizes(n_samples=100, n_pairs=3, n_seeds=1, epochs=1)
    rec = run_setting(s, sizes, 0)
    b = rec["bounds"]
    assert set(b["theorems"]) == {"delayed-ncvx-workers", "delayed-cvx-workers"}
    data = load_net_data("mnist1d", n_points=sizes.n_points)
    tau, a, _ = replay_schedule(s, data, n=100, n_pairs=3, seed=0)
    c = model.constants
    assert c is not None
    for key, t in b["theorems"].items():
        th = bounds.THEOREMS[key]
        assert t["closed_form"]["value"] == pytest.approx(
            th.evaluate(**t["closed_form"]["params"])
        )
        clip = None
        want = bounds.recursion_bound(
            th, step_sizes=np.full((3, 40), 0.05), weights=a, delays=tau,
            batch_size=4, n_samples=100, lipschitz=c.lipschitz,
            smoothness=c.smoothness, loss_bound=c.loss_bound, clip=clip,
        )  # fmt: skip
        assert t["pair_recursion"] == pytest.approx(list(want))
        assert t["pathwise"]["n_violations"] == 0
    # the measurement is below every bound, and below L delta_T
    probe, ld = np.array(b["pair_probe_diff"]), np.array(b["pair_L_delta"])
    assert (probe <= ld + 1e-7).all()
    assert (
        probe <= np.array(b["theorems"]["delayed-cvx-workers"]["pair_recursion"])
    ).all()


def test_a_measurement_of_zero_has_no_ratio_and_no_slope() -> None:
    """Where no pair read its replaced point every probe difference is 0: the
    ratio bound / measured does not exist (not infinite) and the log-log slope
    of the measurement is not estimable, said in words, not as an internal error."""
    from empirical.measurement._estimate import Estimate
    from empirical.runs._bound_rows import _check, bound_slopes

    c = _check(1.0, Estimate(0.0, 0.0, 0.0, 8, "bca"), 2.0)
    assert c["ratio"] is None
    assert c["value"] == 1.0

    def row(s: int, probe: list[float]) -> dict:
        th = {"closed_form": {"value": 1.0 + s}, "recursion": {"value": 0.5 + s}}
        return {
            "group": "g",
            "staleness_max": s,
            "tau": s,
            "bounds": {"pair_probe_diff": probe, "theorems": {"k": th}},
        }

    (entry,) = bound_slopes([row(0, [0.0, 0.1, 0.0]), row(3, [0.2, 0.0, 0.0])])
    assert entry["measured"]["slope"] is None
    assert entry["measured"]["reason"].startswith("not estimable: 0 of 3 pairs")
    assert entry["bounds"]["k"]["recursion"] is not None  # the bound's slope stays
