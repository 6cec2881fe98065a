"""``asyncstab verify`` on the worker protocols: settings, verdicts, rows.

Each setting of protocol (b) or (c) is checked against the part-3 theorems
(docs/theory.md, part 3); the one-gradient theorems say why they do not apply.
"""

from __future__ import annotations

import pytest

from bounds import InvalidParameterError
from empirical.measurement._table import table_rows
from empirical.runs._suite import build_suite
from empirical.runs._sweep import run_task
from empirical.runs._task import SweepTask, make_protocol

SMALL = dict(n_samples=120, n_steps=300, n_pairs=24, max_delay=4, delay="constant")


def _verdicts(record: dict) -> dict[str, dict]:
    return {v["theorem"]: v for v in record["verdicts"]}


def test_regatti_protocol_is_checked_by_the_nonconvex_workers_theorem() -> None:
    task = SweepTask(
        loss="sigmoid",
        step_size=10.0,
        schedule="decaying",
        protocol="b:4",
        batch_size=4,
        worst_case=True,
        **SMALL,
    )
    rec = run_task(task)
    v = _verdicts(rec)
    ncvx = v["delayed-ncvx-workers"]
    assert ncvx["status"] in ("holds", "inconclusive")
    assert ncvx["pathwise"]["status"] == "ok"
    assert ncvx["params"]["step_weight"] == 1.0  # averaged: K = 1
    assert ncvx["params"]["arrivals"] == 4
    # clipped: the convex argument fails, and the one-gradient theorems are
    # stated for another update rule
    assert v["delayed-cvx-workers"]["status"] == "not applicable"
    assert "clips at 1" in v["delayed-cvx-workers"]["reason"]
    assert v["delayed-ncvx"]["status"] == "not applicable"
    assert "one single-sample gradient" in v["delayed-ncvx"]["reason"]
    # the worst-case search ran the protocol, and the ratio is on the row
    assert "estimate" in rec["worst_case"]
    assert ncvx["bound_over_worst"] is not None
    rows = [r for r in table_rows([rec]) if r["key"] == "delayed-ncvx-workers"]
    assert [r["protocol"] for r in rows] == ["b"]


@pytest.mark.parametrize("kind", ["fixed", "random"])
def test_deng_protocol_is_checked_by_the_convex_workers_theorem(kind: str) -> None:
    task = SweepTask(
        loss="logistic", step_size=0.5, protocol=f"c:8:{kind}", batch_size=2, **SMALL
    )
    rec = run_task(task)
    cvx = _verdicts(rec)["delayed-cvx-workers"]
    assert cvx["status"] in ("holds", "inconclusive")
    assert cvx["pathwise"]["status"] == "ok"
    # summed arrivals: K = the most workers arriving together (8 at most)
    assert 1 <= cvx["params"]["step_weight"] <= 8
    # the closed form bounds the level-2 recursion on the realised schedule
    assert cvx["bound"] >= cvx["recursion"]
    # every row of this setting is labelled (None: a summary over settings)
    rows = table_rows([rec])
    assert {r["protocol"] for r in rows if r["task_id"] is not None} == {"c"}


def test_one_gradient_runs_leave_the_workers_theorems_to_their_counterparts() -> None:
    rec = run_task(SweepTask(loss="logistic", step_size=0.5, **SMALL))
    v = _verdicts(rec)
    assert v["delayed-cvx"]["status"] in ("holds", "inconclusive")
    assert v["delayed-cvx-workers"]["status"] == "not applicable"
    assert "delayed-cvx itself" in v["delayed-cvx-workers"]["reason"]


def test_quick_suite_has_protocol_b_and_c_settings() -> None:
    tasks = build_suite(quick=True)
    kinds = {t.protocol.split(":")[0] for t in tasks}
    assert kinds == {"a", "b", "c"}
    assert any(t.protocol == "a" and t.batch_size > 1 for t in tasks)
    # (b) on a bounded loss, where [D-ncvx-W] applies
    assert {t.loss for t in tasks if t.protocol.startswith("b")} == {"sigmoid"}


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(protocol="d:4"), "protocol='d:4' must be"),
        (dict(protocol="c:4:sometimes"), "protocol='c:4:sometimes' must be"),
        (dict(protocol="b:1"), "n_workers=1"),
        (dict(protocol="b:4", schedule="rule-tau"), "schedule='rule-tau' with"),
        (dict(protocol="b:4", loss="logistic-l2", diameter=4.0), "loss='logistic-l2'"),
        (dict(protocol="b:4", delay="uniform"), "delay='uniform' with protocol"),
        (dict(batch_size=500), "batch_size=500 must be <= n_samples=120"),
    ],
)
def test_bad_protocol_tasks_are_refused_by_name(kwargs: dict, pattern: str) -> None:
    cfg = {**SMALL, **kwargs}
    with pytest.raises(InvalidParameterError, match=pattern):
        SweepTask(**cfg)


def test_make_protocol() -> None:
    assert make_protocol("a", 4) is None
    assert make_protocol("a", 4, 8).batch_size == 8
    assert make_protocol("b:4", 8).max_delay == 8
    assert make_protocol("c:16:random", 16).period == 17
