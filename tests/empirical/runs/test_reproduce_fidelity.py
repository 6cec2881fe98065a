"""Fidelity tables from the definitions; the authors' delay draws; the (iii) control;
applicability by loss and model; diverged pairs and bounded intervals."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

pytest.importorskip("jax")

from empirical.runs import _experiments
from empirical.runs._applicability import theorems_for
from empirical.runs._experiments import (
    DEFAULT_MODELS,
    EXPERIMENTS,
    experiment_settings,
)
from empirical.runs._fidelity import fidelity_table
from empirical.runs._flags import did_not_train
from empirical.runs._reproduce_report import (
    at_chance,
    delay_table,
    delay_verdict,
    error_cell,
)
from empirical.runs._reproduce_summary import bounded_estimate, summarise
from empirical.schedules._delays import ConstantDelay
from empirical.schedules._protocols import OneStale
from empirical.schedules._published_draws import (
    DengDrawn,
    deng_worker_delays,
    held_fixed,
)
from empirical.schedules._staleness import schedule_staleness
from empirical.simulators.nets._models import linear, mlp


def _defaults(name: str, quick: bool) -> list[_experiments.Setting]:
    _, ss = experiment_settings(name, quick=quick)
    return [s for s in ss if s.family in DEFAULT_MODELS[name][0 if quick else 1]]


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_fidelity_table_is_computed_from_the_definitions(name: str) -> None:
    table = fidelity_table(name)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()}
    key_per = "largest staleness (versions) / updates applied per epoch"
    key_all = "largest staleness / all updates applied"
    for quick in (True, False):
        ss = _defaults(name, quick)
        T = ", ".join(f"{t:,}" for t in sorted({s.n_steps for s in ss}, key=str))
        assert T in rows["total updates"]
        # The regime, recomputed here from the schedules: staleness in versions
        # over the updates applied (idle steps excluded), networks only.
        per = tot = 0.0
        for s in ss:
            if s.family == "affine":
                continue
            _, most, share = schedule_staleness(s.protocol, min(s.n_steps, 4096))
            per = max(per, most / max(1.0, s.eval_every * share))
            tot = max(tot, most / max(1.0, s.n_steps * share))
        assert f"{per:.3g}" in rows[key_per]
        assert f"{tot:.3g}" in rows[key_all]
    if name == "regatti2019":  # the seed: D = 64 over 235 updates per epoch
        assert rows[key_per].split(" | ")[1] == "0.272"
        # at full size, the authors' n, workers and batch: their regime exactly
        assert rows["ours / authors' (per epoch; all updates)"].endswith("| 1x; 1x |")
        assert "| 4 (JayanthRR/Async-Distributed-SGD main.py 45) | 4 | 4 |" in table
    if name == "deng2024":  # MNIST's 235 updates per epoch against CIFAR's 196
        assert "0.834x; 0.834x |" in rows["ours / authors' (per epoch; all updates)"]
    if name == "deng2024":
        assert "cannot be obtained offline" in table


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_fidelity_table_has_a_row_per_protocol_and_short_cells(name: str) -> None:
    table = fidelity_table(name)
    lines = [ln for ln in table.splitlines() if ln.startswith("| ")]
    params = [ln.split(" | ")[0].lstrip("| ") for ln in lines]
    labels = {s.protocol.label for s in _defaults(name, True)}
    for label in labels:
        assert f"delays ({label})" in params
        assert f"staleness ({label})" in params
    for row in ("test set", "sampling", "replaced point", "runs per setting"):
        assert row in params
    # Our cells and the reasons are short; a longer reason is a numbered note.
    body = [ln for ln in lines if not ln.startswith("| regime") and "---" not in ln]
    for ln in body:
        cells = [c.strip() for c in ln.strip("|").split(" | ")]
        for c in cells[2:]:
            assert len(c) <= 160, (name, c)
    notes = [ln for ln in table.splitlines() if ln[:3].rstrip(".").isdigit()]
    for i, note in enumerate(notes, 1):
        assert note.startswith(f"{i}. ")
        assert f"[{i}]" in table


def test_the_delay_questions_staleness_row_shows_idle_steps() -> None:
    """(c) with 4 workers of fixed period 17: 3 versions, not 16 (quick)."""
    table = fidelity_table("delay-question")
    row = next(ln for ln in table.splitlines() if ln.startswith("| staleness (c)"))
    assert "of {0, 3, 16}" in row  # fixed: 3; the (iii) control and random: 16


def test_fidelity_table_drifts_with_the_definitions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = fidelity_table("regatti2019")
    sz = _experiments.QUICK["regatti2019"]
    quick = {**_experiments.QUICK, "regatti2019": dataclasses.replace(sz, epochs=7)}
    monkeypatch.setattr(_experiments, "QUICK", quick)
    after = fidelity_table("regatti2019")
    assert after != before
    assert "| 7 | 150 |" in after  # the epochs row follows the definition


def _their_draw(W: int, d: int, seed: int) -> list[int]:
    """Deng et al.'s server.py lines 698-707, after seed_torch: the global RNG."""
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(seed)  # noqa: NPY002
        out = []
        for id_ in range(W):
            if id_ == 0:
                out.append(d)
            elif id_ == 1:
                out.append(1)
            else:
                out.append(np.random.randint(1, 1 + d))  # noqa: NPY002
        return out
    finally:
        np.random.set_state(state)  # noqa: NPY002


@pytest.mark.parametrize("d", [4, 8, 16, 32])
def test_deng_random_delays_match_a_slow_reference_of_their_draw(d: int) -> None:
    assert list(deng_worker_delays(16, d, seed=42)) == _their_draw(16, d, 42)
    assert list(deng_worker_delays(16, d, seed=7)) == _their_draw(16, d, 7)
    # Arrivals: worker m contributes when (step - m) % d_m == 0 (server.py 613).
    periods = deng_worker_delays(16, d)
    p = DengDrawn(16, d, "random", periods=periods)
    ch = p.chunk(np.random.default_rng(0), 1, 3 * d, 100, p.setup(None, 1, 1))  # type: ignore[arg-type]
    for t in range(3 * d):
        want = sum((t - m) % periods[m] == 0 for m in range(16))
        assert ch.weight[0, t].sum() == want


@pytest.mark.parametrize("kind", ["fixed", "random"])
def test_control_iii_holds_gradients_per_update_fixed(kind: str) -> None:
    W = 4
    for tau in (0, 4, 16):
        periods = deng_worker_delays(W, tau + 1, kind)
        ctl = held_fixed(periods)
        p = DengDrawn(len(ctl), tau + 1, kind, batch_size=2, periods=ctl, arrivals=W)
        ch = p.chunk(np.random.default_rng(1), 1, 200, 50, p.setup(None, 2, 200))  # type: ignore[arg-type]
        np.testing.assert_array_equal(ch.weight.sum(axis=2), np.full((2, 200), W))
        # each arrival as stale as its worker: max staleness tau after warm-up
        assert ch.tau[:, tau:].max() == tau
    with pytest.raises(ValueError, match="arrivals=4"):
        DengDrawn(3, 2, "random", periods=(2, 2, 1), arrivals=4)


def test_every_group_evaluates_at_the_same_updates() -> None:
    for name in EXPERIMENTS:
        _, ss = experiment_settings(name, quick=True)
        by: dict[str, set[tuple[int, int]]] = {}
        for s in ss:
            by.setdefault(s.group, set()).add((s.n_steps, s.eval_every))
        assert all(len(v) == 1 for v in by.values()), name


def test_applicability_depends_on_model_and_loss() -> None:
    a = OneStale(ConstantDelay(2))
    assert theorems_for(a, mlp([4, 3]))[0] == ()
    assert "lacks" in theorems_for(a, mlp([4, 3]))[1]
    keys = theorems_for(a, linear(3, loss="logistic"))[0]
    assert "delayed-cvx" in keys
    assert "hardt-cvx" not in keys  # a no-delay theorem, and the delay is 2
    keys = theorems_for(OneStale(ConstantDelay(0)), linear(3, loss="logistic"))[0]
    assert "hardt-cvx" in keys
    assert "hardt-ncvx" not in keys  # logistic loss is unbounded


def test_bounded_intervals_stay_in_range() -> None:
    err = bounded_estimate([0.0, 0.0, 0.01, 0.0, 0.02], 0.0, 1.0, "bca")
    assert err is not None
    assert 0.0 <= err["low"] <= err["mean"] <= err["high"] <= 1.0
    st = bounded_estimate([1e-6, 0.0, 5.0, 1e-5], 0.0, None, "bca")
    assert st is not None
    assert st["low"] >= 0.0
    assert bounded_estimate([1.0]) is None


def _record(key: str, seed: int, gaps: list[float], diverged: list[bool]) -> dict:
    k = len(gaps)
    curve = [0.1, 0.2]
    return {
        "key": key, "seed": seed, "n_steps": 10, "gradients_per_update": 1.0,
        "updates": [5, 10], "gradients": [5.0, 10.0], "epochs": [1.0, 2.0],
        "diverged": diverged,
        **{f: curve for f in ("abs_gap_loss", "abs_gap_error", "delta",
                              "stability_avg2", "normalised_distance",
                              "test_error_curve")},
        "pair_gap_loss": [None if b else g for g, b in zip(gaps, diverged, strict=True)],
        "pair_gap_error": [0.1] * k, "pair_delta2": [0.01 * (i + 1) for i in range(k)],
        "pair_test_error": [0.5 + 0.01 * i for i in range(k)],
        "pair_normalised_distance": [0.1] * k,
    }  # fmt: skip


def test_diverged_pairs_are_counted_and_kept_out() -> None:
    _, ss = experiment_settings("delay-question", quick=True)
    group = [s for s in ss if s.group == "mlp: (a) (i) eta=0.1"][:2]
    runs = {
        "b": _record(group[0].key, 0, [0.1, 0.2, 0.3, 0.2], [False] * 4),
        "x": _record(
            group[1].key, 0, [0.1, 0.2, 1e8, 0.2], [False, False, True, False]
        ),
    }
    rows = summarise(group, runs, experiment_settings("delay-question", quick=True)[0])
    r = rows[1]
    assert (r["diverged"], r["n_pairs_total"]) == (1, 4)
    assert r["gap_loss"]["n"] == 3
    assert r["gap_loss"]["high"] < 1.0  # the 1e8 is not in the mean
    assert r["paired_gap_loss"]["n"] == 3
    assert "diverged: 1 of 4 pairs" in delay_verdict(r)
    assert "no detectable change: the interval allows +-" in delay_verdict(r)


def test_drawn_protocols_share_their_delays_and_refuse_too_few_slots() -> None:
    from bounds import InvalidParameterError
    from empirical.schedules._published_draws import (
        RegattiDrawn,
        max_arrivals,
        regatti_worker_delays,
    )

    d = regatti_worker_delays(4, 64)
    assert d[:2] == (64, 0)
    assert d == regatti_worker_delays(4, 64)  # once per D: trials and lr0 share it
    p = RegattiDrawn(4, 64, batch_size=2, worker_delays=d)
    np.testing.assert_array_equal(p.setup(np.random.default_rng(0), 3, 10), [d] * 3)
    with pytest.raises(InvalidParameterError, match="worker_delays="):
        RegattiDrawn(4, 8, worker_delays=(8, 0, 9, 1))
    periods = deng_worker_delays(16, 8)
    K = max_arrivals(periods, 100)
    assert 1 <= K < 16
    q = DengDrawn(16, 8, "random", periods=periods, slots=K)
    q.chunk(np.random.default_rng(0), 1, 100, 50, q.setup(None, 1, 100))  # type: ignore[arg-type]
    small = DengDrawn(16, 8, "random", periods=periods, slots=K - 1)
    with pytest.raises(InvalidParameterError, match=f"slots={K - 1}"):
        small.chunk(np.random.default_rng(0), 1, 100, 50, q.setup(None, 1, 100))  # type: ignore[arg-type]


# The delay table (report, site and README summary) is generated from the results:
# built here from records (no JAX run).


def _table_results(gaps_last: list[float], diverged_last: list[bool]) -> dict[str, Any]:
    sizes, ss = experiment_settings("delay-question", quick=True)
    group = [s for s in ss if s.group == "mlp: (a) (i) eta=0.1"][:2]
    runs = {
        "b": _record(group[0].key, 0, [0.1, 0.2, 0.3, 0.2], [False] * 4),
        "x": _record(group[1].key, 0, gaps_last, diverged_last),
    }
    return {"summary": summarise(group, runs, sizes)}


def test_one_row_per_group_with_its_paired_change() -> None:
    table = delay_table(
        _table_results([0.1, 0.2, 1e8, 0.2], [False, False, True, False])
    )
    lines = table.splitlines()
    assert len(lines) == 3  # header, rule, the one group
    row = lines[2]
    # staleness in versions (the first 16 steps' shorter delays pull the mean
    # below 16), then the nominal tau, then the gradients per update
    assert row.startswith(
        "| mlp: (a) (i) eta=0.1 | 0 -> 15.9 (max 16) | 0 -> 16 | 1 -> 1 |"
    )
    assert row.endswith("| 0 of 4, 1 of 4 |")
    # The 1e8 of the diverged pair is kept out of every number in the row.
    assert "e+07" not in row
    assert "e+08" not in row
    # The gaps of the pairs left are those of the baseline: no change, and the
    # row says how much the interval allows rather than "does not change".
    assert "no detectable change: the interval allows +-" in row


def test_a_model_at_chance_is_flagged_in_the_table() -> None:
    # MNIST-1D has ten balanced classes: the best constant prediction errs 0.9.
    # _record's test errors are 0.50..0.53: below chance, no flag.
    results = _table_results([0.1, 0.2, 0.3, 0.2], [False] * 4)
    row = delay_table(results).splitlines()[2]
    assert results["summary"][0]["chance_error"] == pytest.approx(0.9)
    assert "learned nothing" not in row
    assert not at_chance(results["summary"][0])
    # A baseline whose interval reaches chance is flagged, with the level.
    first = {**results["summary"][0]}
    first["test_error"] = {**first["test_error"], "mean": 0.899, "high": 0.903}
    assert at_chance(first)
    flagged = error_cell(first)
    assert flagged.endswith("(did not train: not below chance, 0.9)")
    # Results written before the level was recorded: the interval, no flag.
    del first["chance_error"]
    assert not at_chance(first)
    assert "chance" not in error_cell(first)


def test_did_not_train_from_the_training_loss_or_error() -> None:
    """0.863 [0.836, 0.882] against chance 0.9 is below chance, but a training
    loss that fell by less than a quarter still flags it (TRAINED_DROP)."""
    row = {
        "test_error": {"mean": 0.863, "low": 0.836, "high": 0.882},
        "chance_error": 0.9,
        "loss_drop": 0.08,
    }
    assert not at_chance(row)
    assert did_not_train(row)
    assert error_cell(row).endswith("(did not train: training loss fell 8%)")
    assert not did_not_train({**row, "loss_drop": 0.6})
    # Results recorded before the starting loss: the training error, same quarter.
    old = {k: v for k, v in row.items() if k != "loss_drop"}
    assert did_not_train({**old, "train_error": 0.86})
    assert not did_not_train({**old, "train_error": 0.05})
    assert not did_not_train({**old, "train_error": 0.86, "chance_error": None})
    # A group that did not train gets no gap verdict.
    assert delay_verdict({**row, "n_pairs_total": 4}).startswith("did not train")


def test_all_pairs_diverged_is_not_estimable() -> None:
    row = delay_table(_table_results([1e9] * 4, [True] * 4)).splitlines()[2]
    assert "not estimable" in row
    assert row.endswith("| 0 of 4, 4 of 4 |")
