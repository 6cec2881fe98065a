"""Sweeps: task identity, append-only results, resume after interruption, executors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bounds import InvalidParameterError
from empirical.distributed._executors import (
    LocalProcessExecutor,
    SerialExecutor,
    core_blocks,
    make_executor,
)
from empirical.runs._sweep import load_results, sweep
from empirical.runs._task import SweepTask, make_tasks, parse_grid


def fake_run(task: SweepTask) -> dict[str, Any]:
    """A deterministic stand-in for run_task: a function of the config only."""
    rng = np.random.default_rng([task.seed, task.max_delay, int(task.step_size * 1e6)])
    return {
        "task_id": task.task_id,
        "config": task.to_dict(),
        "value": float(rng.normal()),
        "timing": {"wall_s": 0.0},
    }


class Interrupted(RuntimeError):
    pass


class DiesAfter:
    """Runs ``k`` tasks, then raises (a sweep killed after k finished tasks)."""

    def __init__(self, k: int) -> None:
        self.k = k

    def __call__(self, task: SweepTask) -> dict[str, Any]:
        if self.k == 0:
            raise Interrupted
        self.k -= 1
        return fake_run(task)


def _grid() -> list[SweepTask]:
    return make_tasks(
        {"n_pairs": 4, "n_steps": 10},
        parse_grid(["tau=0,2,4", "step_size=0.05,0.1", "seed=0,1"]),
    )


def _strip(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "timing"} for r in recs]


def test_task_id_is_stable_and_config_sensitive() -> None:
    a = SweepTask(max_delay=2, seed=1)
    assert a.task_id == SweepTask(max_delay=2, seed=1).task_id
    assert a.task_id != SweepTask(max_delay=2, seed=2).task_id
    assert SweepTask.from_dict(json.loads(json.dumps(a.to_dict()))) == a
    # sha256 of canonical JSON: no dependence on the process (unlike hash()),
    # so --resume recognises tasks finished by another process or machine.
    assert len(a.task_id) == 16
    assert int(a.task_id, 16) >= 0


def test_parse_grid_types_aliases_and_errors() -> None:
    g = parse_grid(["tau=0,2", "eta=0.1", "loss=logistic,sigmoid", "T=100"])
    assert g == {
        "max_delay": [0, 2],
        "step_size": [0.1],
        "loss": ["logistic", "sigmoid"],
        "n_steps": [100],
    }
    with pytest.raises(InvalidParameterError, match="must look like"):
        parse_grid(["tau"])
    with pytest.raises(InvalidParameterError, match="'colour' must be one of"):
        parse_grid(["colour=red"])
    with pytest.raises(
        InvalidParameterError, match=r"max_delay=1\.5 must be an integer"
    ):
        parse_grid(["tau=1.5"])
    with pytest.raises(InvalidParameterError, match="repeats the axis max_delay"):
        parse_grid(["tau=1", "max_delay=2"])
    with pytest.raises(InvalidParameterError, match="empty value at position 2"):
        parse_grid(["tau=0,,2"])
    with pytest.raises(InvalidParameterError, match="step_size='1e-400' is below"):
        parse_grid(["eta=1e-400"])


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"loss": "hinge"}, "loss='hinge'"),
        ({"dataset": "mnist"}, "dataset='mnist'"),
        ({"max_delay": -1}, "max_delay=-1"),
        ({"step_size": 0.0}, "step_size=0.0"),
        ({"n_pairs": 1}, "n_pairs=1"),
        ({"schedule": "adam"}, "schedule='adam'"),
        ({"theorems": ("hardt-cvx", "nope")}, "theorems='nope' must be one of"),
        ({"delay": "geometric"}, "delay='geometric' is missing P: write 'geometric:P'"),
        ({"delay": "geometric:0.3:8"}, r"delay='geometric:0.3:8' has 1 field\(s\)"),
        (
            {"delay": "geometric:1.5"},
            r"delay='geometric:1.5': P=1.5 must be in \(0, 1\]",
        ),
        ({"delay": "uniform:8"}, "delay='uniform:8' takes no field"),
        ({"delay": "workers:2.5"}, "delay='workers:2.5': K=2.5 must be an integer"),
        ({"delay": "workers:4:gamma"}, "COMPUTE_TIME='gamma'"),
        ({"delay": "workers:4:lognormal:-1"}, "CAP=-1 must be an integer >= 0"),
        ({"delay": "trace:"}, "delay='trace:' is missing PATH"),
        ({"delay": "poisson:3"}, "the kind 'poisson' must be one of"),
        ({"delay": 3}, "delay=3 must be a delay spec string"),
    ],
    ids=[
        "loss",
        "dataset",
        "tau<0",
        "eta<=0",
        "pairs<2",
        "schedule",
        "theorem",
        "geometric-no-P",
        "geometric-extra",
        "geometric-P>1",
        "uniform-field",
        "workers-K",
        "workers-compute",
        "workers-cap",
        "trace-no-path",
        "kind",
        "not-a-string",
    ],
)
def test_bad_task_raises(kw: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        SweepTask(**kw)


def test_evaluate_trace_rejects_unknown_theorem_before_simulating(
    tmp_path: Path,
) -> None:
    from empirical.distributed._ps_replay import (
        evaluate_trace,  # the replay needs no Ray
    )

    trace = tmp_path / "trace.txt"
    trace.write_text("0\n1\n2\n")
    with pytest.raises(InvalidParameterError, match="theorem='nope' must be one of"):
        evaluate_trace(trace, theorems=("nope",))


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n_samples": 100_000}, "n_samples=100000 must be <= "),
        ({"loss": "mlp"}, "loss='mlp' needs a multiclass data set"),
        (
            {"delay": "trace:/nonexistent.txt"},
            "delay='trace:/nonexistent.txt': trace file ",
        ),
        ({"delay": "workers:4", "schedule": "rule-tau"}, "needs a bounded delay model"),
    ],
    ids=["n-too-large", "loss-data", "trace-missing", "rule-tau-unbounded"],
)
def test_sweep_refuses_a_task_that_cannot_run_before_any_runs(
    kw: dict[str, Any], match: str
) -> None:
    calls: list[Any] = []
    tasks = [SweepTask(), SweepTask(**kw)]
    with pytest.raises(InvalidParameterError, match=match):
        sweep(tasks, fn=fake_run, on_result=lambda t, r: calls.append(t))
    assert calls == []


def test_grid_is_cartesian_and_deduplicated() -> None:
    tasks = _grid()
    assert len(tasks) == 12
    again = make_tasks({}, {"seed": [0, 0, 1]})
    assert len(again) == 2


def test_results_appended_one_line_per_task(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    recs = sweep(_grid(), results=out, fn=fake_run)
    lines = out.read_text().splitlines()
    assert len(lines) == 12
    assert {json.loads(x)["task_id"] for x in lines} == {r["task_id"] for r in recs}


def test_existing_file_without_resume_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    sweep(_grid()[:2], results=out, fn=fake_run)
    with pytest.raises(InvalidParameterError, match="already exists"):
        sweep(_grid(), results=out, fn=fake_run)


@pytest.mark.parametrize("torn_tail", [False, True], ids=["clean-kill", "torn-write"])
def test_resume_after_interruption_equals_uninterrupted(
    tmp_path: Path, torn_tail: bool
) -> None:
    tasks = _grid()
    reference = sweep(tasks, results=tmp_path / "full.jsonl", fn=fake_run)
    out = tmp_path / "r.jsonl"
    with pytest.raises(Interrupted):
        sweep(tasks, results=out, fn=DiesAfter(5))
    assert len(load_results(out)) == 5
    if torn_tail:  # the kill hit in the middle of writing the 5th line
        text = out.read_text()
        out.write_text(text[: len(text) - 40])
        assert len(load_results(out)) == 4
    calls: list[str] = []
    notes: list[str] = []
    resumed = sweep(
        tasks,
        results=out,
        resume=True,
        fn=fake_run,
        on_result=lambda t, r: calls.append(t.task_id),
        on_notice=notes.append,
    )
    assert len(calls) == (8 if torn_tail else 7)  # only the missing tasks ran
    # the torn line is dropped with a notice; nothing is set aside
    assert [("cut off" in n) for n in notes] == ([True] if torn_tail else [])
    assert not out.with_name(out.name + ".rejected").exists()
    assert resumed == reference
    assert len(out.read_text().splitlines()) == 12
    assert load_results(out) == {r["task_id"]: r for r in reference}


@pytest.mark.parametrize(
    "bad",
    [b'{"a": 1}', b"not json", b'{"task_id": "abc", "unfinished', b"\xff\xfe{}"],
    ids=["no-task-id", "not-json", "torn-middle", "not-utf8"],
)
def test_resume_never_deletes_a_bad_middle_line(tmp_path: Path, bad: bytes) -> None:
    tasks = _grid()
    reference = sweep(tasks, results=tmp_path / "full.jsonl", fn=fake_run)
    out = tmp_path / "r.jsonl"
    sweep(tasks[:4], results=out, fn=fake_run)
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join([*lines[:2], bad + b"\n", *lines[2:]]))
    notes: list[str] = []
    resumed = sweep(
        tasks, results=out, resume=True, fn=fake_run, on_notice=notes.append
    )
    assert resumed == reference  # the good records were kept, the rest ran
    rejected = out.with_name(out.name + ".rejected")
    assert rejected.read_bytes() == bad + b"\n"  # kept byte for byte
    (note,) = notes
    assert "line 3" in note
    assert str(rejected) in note
    assert len(out.read_text().splitlines()) == 12


def test_resume_reports_through_a_warning_by_default(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    sweep(_grid()[:2], results=out, fn=fake_run)
    with out.open("ab") as f:
        f.write(b"garbage\n")
    with pytest.warns(UserWarning, match="moved to"):
        sweep(_grid()[:2], results=out, resume=True, fn=fake_run)


@pytest.mark.parametrize(
    "where",
    ["a-folder", "/proc/asyncstab.jsonl", "/proc/1/status"],
    ids=["folder", "virtual-fs-new", "virtual-fs-existing"],
)
def test_unwritable_results_are_refused_before_any_task(
    tmp_path: Path, where: str
) -> None:
    if where.startswith("/proc") and not Path("/proc/1").is_dir():
        pytest.skip("needs Linux /proc")
    path = tmp_path / where if not where.startswith("/") else Path(where)
    if where == "a-folder":
        path.mkdir()
    calls: list[str] = []
    with pytest.raises(InvalidParameterError, match="results="):
        sweep(
            _grid(), results=path, fn=fake_run, on_result=lambda t, r: calls.append(t)
        )
    assert calls == []


def test_serial_and_process_executors_agree() -> None:
    tasks = _grid()[:4]
    serial = sweep(tasks, executor=SerialExecutor(), fn=fake_run)
    parallel = sweep(tasks, executor=LocalProcessExecutor(2), fn=fake_run)
    assert _strip(serial) == _strip(parallel)


def test_make_executor_choices() -> None:
    assert isinstance(make_executor("serial"), SerialExecutor)
    assert isinstance(make_executor("local", workers=1), SerialExecutor)
    with pytest.raises(InvalidParameterError, match="backend='spark'"):
        make_executor("spark")
    with pytest.raises(InvalidParameterError, match="workers=0"):
        LocalProcessExecutor(0)


def _pid_and_cores(_: int) -> tuple[int, frozenset[int]]:
    import time

    time.sleep(0.2)  # long enough for both workers to take tasks
    return os.getpid(), frozenset(os.sched_getaffinity(0))


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux and two usable cores",
)
def test_split_cores_gives_each_worker_a_block_of_its_own() -> None:
    mine = os.sched_getaffinity(0)
    blocks = {frozenset(b) for b in core_blocks(mine, 2)}
    ex = LocalProcessExecutor(2, split_cores=True)
    seen = dict(r for _, r in ex.map_unordered(_pid_and_cores, range(8)))
    assert set(seen.values()) <= blocks  # each worker on one block, not all cores
    assert len(set(seen.values())) == len(seen)  # two workers never share a block
    assert os.sched_getaffinity(0) == mine  # the parent keeps its cores
    # Without it the workers keep the parent's cores.
    plain = dict(
        r for _, r in LocalProcessExecutor(2).map_unordered(_pid_and_cores, range(2))
    )
    assert set(plain.values()) == {frozenset(mine)}


def test_core_blocks_partition_the_cores() -> None:
    for n_cores in range(1, 9):
        for workers in range(1, 10):
            blocks = core_blocks(range(n_cores), workers)
            assert len(blocks) == min(workers, n_cores)
            assert sorted(c for b in blocks for c in b) == list(range(n_cores))
            assert max(map(len, blocks)) - min(map(len, blocks)) <= 1
    with pytest.raises(InvalidParameterError, match="workers=0"):
        core_blocks(range(2), 0)
