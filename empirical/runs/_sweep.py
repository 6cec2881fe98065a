"""Sweeps: a grid of settings, one task per grid point, results appended as they finish.

A :class:`SweepTask` is plain data (so it pickles to any executor and hashes
stably); :func:`run_task` simulates it and returns a JSON-ready record with the
measurement and a verdict per theorem; :func:`sweep` runs many tasks on an
:class:`~empirical.distributed._executors.Executor` and appends every finished record to a
JSON-lines file at once (``flush`` + ``fsync``), so an interrupted sweep loses only
the tasks in flight and ``resume=True`` skips the rest. A task's identity is a hash
of its config, and its result depends only on its config (the seed is part of it),
so results are the same whatever the executor and the order of completion.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bounds import REGISTRY, InvalidParameterError, StepSize
from bounds.internal import checked
from empirical.distributed._executors import SerialExecutor
from empirical.measurement._excess import excess_samples
from empirical.measurement._measure import measure
from empirical.measurement._slopes import bootstrap_slope
from empirical.measurement._status import WorstStatus
from empirical.measurement._verdict import verify
from empirical.measurement._worst_case import worst_case_stability
from empirical.problems._linear_loss import LinearLoss
from empirical.problems._problem import Problem, check_problem, make_problem
from empirical.schedules._delays import AbstractDelay, make_delay
from empirical.simulators.linear._simulate import (
    DivergenceError,
    RunStats,
    simulate_pairs,
)
from empirical.simulators.linear._simulate_protocol import simulate_protocol_pairs

from ._disk import append_line, write_atomic
from ._paths import check_writable_file
from ._task import SweepTask, make_protocol, make_schedule, unique_tasks

if TYPE_CHECKING:
    from empirical.distributed._executors import Executor

__all__ = [
    "ResultsScan",
    "check_tasks",
    "load_results",
    "run_task",
    "scan_results",
    "simulate_task",
    "sweep",
]


def _schedule(task: SweepTask, max_delay: int | None) -> StepSize:
    if max_delay is None and task.schedule.startswith("rule-tau"):
        raise InvalidParameterError(
            f"schedule={task.schedule!r} needs a bounded delay model; "
            f"delay={task.delay_spec!r} is unbounded"
        )
    return make_schedule(task.schedule, task.step_size, int(max_delay or 0))


def check_tasks(tasks: Iterable[SweepTask]) -> None:
    """Refuse, before any work, a task that would fail when it runs.

    A :class:`SweepTask` validates its own fields; what it cannot see alone is
    checked here, once per distinct value: the problem (a loss that fits the
    data set, ``n_samples`` the data set can hold), the delay model (a trace file
    is read) and a [rule-tau] schedule on an unbounded delay model.

    Raises:
        InvalidParameterError: the first such task, by its field names.
    """

    problems, delays = set(), {}
    for t in tasks:
        key = (t.loss, t.dataset, t.n_samples, t.radius, t.seed)
        if key not in problems:
            check_problem(
                t.loss, t.dataset, n_samples=t.n_samples, radius=t.radius, seed=t.seed
            )
            problems.add(key)
        if t.delay_spec not in delays:
            try:
                delays[t.delay_spec] = make_delay(t.delay_spec).max_delay
            except InvalidParameterError as exc:
                why = str(exc).replace("path=", "trace file ", 1)
                raise InvalidParameterError(f"delay={t.delay!r}: {why}") from None
        _schedule(t, delays[t.delay_spec])


def _setup(task: SweepTask) -> tuple[Problem, AbstractDelay, StepSize]:
    """The problem, delay model and step-size schedule of ``task``."""

    problem = make_problem(
        task.loss,
        task.dataset,
        n_samples=task.n_samples,
        radius=task.radius,
        seed=task.seed,
        diameter=task.diameter,
    )
    delay = make_delay(task.delay_spec)
    return problem, delay, _schedule(task, delay.max_delay)


def simulate_task(task: SweepTask) -> RunStats:
    """Build the problem, delay model and schedule of ``task`` and simulate it
    (a worker protocol's runs when the task names one)."""

    problem, delay, schedule = _setup(task)
    protocol = make_protocol(task.protocol, task.max_delay, task.batch_size)
    if protocol is not None:
        return simulate_protocol_pairs(
            problem,
            protocol,
            step_size=schedule,
            n_steps=task.n_steps,
            n_pairs=task.n_pairs,
            seed=task.seed,
        )
    return simulate_pairs(
        problem,
        step_size=schedule,
        delay=delay,
        n_steps=task.n_steps,
        n_pairs=task.n_pairs,
        seed=task.seed,
    )


def _worst_case(task: SweepTask, verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    """The worst-case estimate of ``task`` and, on each verdict, the tightness
    ``bound / worst-case`` with ``worst_status``: "violated" when the lower
    confidence limit of this lower estimate of uniform stability exceeds the
    bound, else "consistent" (a lower estimate cannot show that a bound holds)."""

    problem, delay, schedule = _setup(task)
    if not isinstance(problem.loss, LinearLoss):
        return {"skipped": f"loss={task.loss!r} is not a linear-model loss"}
    try:
        wc = worst_case_stability(
            problem,
            step_size=schedule,
            delay=delay,
            n_steps=task.n_steps,
            seed=task.seed,
            protocol=make_protocol(task.protocol, task.max_delay, task.batch_size),
        )
    except DivergenceError as exc:
        return {"skipped": str(exc)}
    est = wc.estimate
    for v in verdicts:  # the worst case estimates uniform stability only
        if v["bound"] is not None and v["quantity"] == "uniform stability":
            v["bound_over_worst"] = v["bound"] / est.mean if est.mean > 0 else None
            worst: WorstStatus = "violated" if est.low > v["bound"] else "consistent"
            v["worst_status"] = worst
    return wc.to_dict()


def run_task(task: SweepTask) -> dict[str, Any]:
    """Simulate one task and return its JSON-ready record (measurement + verdicts).

    ``record["timing"]`` is the only field that differs between two runs of the
    same task.
    """

    start = time.perf_counter()
    try:
        rs = simulate_task(task)
    except DivergenceError as exc:
        # A diverging setting is a result (step size too large for the delay),
        # not a crash of the whole sweep.
        return {
            "task_id": task.task_id,
            "config": task.to_dict(),
            "diverged": str(exc),
            "verdicts": [],
            "timing": {"wall_s": time.perf_counter() - start},
        }
    m = measure(rs)
    keys = task.theorems or tuple(REGISTRY)  # parts 1 and 2 of the registry
    setting = task.to_dict()
    verdicts = [
        verify(rs, REGISTRY[k], measurement=m, setting=setting, curves=True).to_dict()
        for k in keys
    ]
    p = rs.problem
    extra = {"worst_case": _worst_case(task, verdicts)} if task.worst_case else {}
    return {
        **extra,
        "delta_slope": _delta_slope(rs),
        "task_id": task.task_id,
        "config": task.to_dict(),
        "problem": {
            "n_samples": int(p.n_samples),
            "lipschitz": float(p.lipschitz),
            "smoothness": float(p.smoothness),
            "loss_bound": p.loss_bound,
            "convex": bool(p.convex),
            "constants_estimated": bool(p.constants_estimated),
            "constants_method": p.constants_method,
            "diameter": p.diameter,
            "strong_convexity": p.strong_convexity,
        },
        "realised": {
            "max_delay": int(rs.max_delay),
            "mean_delay": float(np.mean(rs.delays)),
            "max_observed_delay": int(np.max(rs.delays)),
            "mean_step_size": float(np.mean(rs.step_sizes)),
            "backend": rs.backend,
        },
        "measurement": m.to_dict(),
        # Per-pair samples: tasks with the same seed, n_pairs and problem share
        # S, S', indices and replaced sample pair by pair (common random numbers),
        # so their difference is estimated on paired samples.
        "samples": {
            "gap": (np.asarray(rs.test_loss) - np.asarray(rs.train_loss)).tolist(),
            "stability": np.asarray(rs.probe_diff).tolist(),
            "delta_T": np.asarray(rs.delta)[:, -1].tolist(),
            "model_stability": (np.asarray(rs.delta)[:, -1] ** 2).tolist(),
            **_excess_samples(rs),
        },
        "verdicts": verdicts,
        "timing": {"wall_s": time.perf_counter() - start},
    }


def _excess_samples(rs: RunStats) -> dict[str, Any]:
    """Per-pair ``F(wbar_T) - F(w_hat)`` where the excess risk is measured."""

    ex = excess_samples(rs)
    return {} if ex is None else {"excess_risk": ex[0].tolist()}


def _delta_slope(rs: RunStats) -> dict[str, Any]:
    """Log-log slope of ``E delta_t`` against ``t`` over the record steps ``t >= n``.

    From the first epoch on (``t >= n``) almost every pair has drawn the differing
    index, so ``E delta_t`` is past its start-up transient. The bootstrap over
    pairs keeps the correlation between steps of one run.
    """

    steps = np.asarray(rs.record_steps)
    delta = np.asarray(rs.delta)
    keep = (steps >= rs.problem.n_samples) & (delta.mean(axis=0) > 0)
    if keep.sum() < 3:
        return {"slope": None, "reason": "fewer than 3 record steps with t >= n"}
    fit = bootstrap_slope(steps[keep], delta[:, keep])
    return {
        **fit.to_dict(),
        "t_min": int(steps[keep][0]),
        "t_max": int(steps[keep][-1]),
    }


@dataclass(frozen=True)
class ResultsScan:
    """What :func:`scan_results` found in a results file.

    ``records`` by task id (a later line of the same task wins); ``rejected`` the
    lines that are not a JSON object with a ``task_id`` (1-based line number, raw
    bytes), except a ``truncated_tail``: an unparsable last line without its
    newline, the artefact of a write interrupted by a crash.
    """

    records: dict[str, dict[str, Any]]
    rejected: tuple[tuple[int, bytes], ...] = ()
    truncated_tail: bool = False


def scan_results(path: str | os.PathLike[str]) -> ResultsScan:
    """Read a results file line by line (bytes: a non-UTF-8 line is rejected, not fatal)."""
    p = Path(path)
    if not p.exists():
        return ResultsScan({})
    data = p.read_bytes()
    lines = data.split(b"\n")
    complete = lines[-1] == b""  # the file ends with a newline
    if complete:
        lines.pop()
    out: dict[str, dict[str, Any]] = {}
    rejected: list[tuple[int, bytes]] = []
    truncated = False
    for i, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            rec = None
        if isinstance(rec, dict) and isinstance(rec.get("task_id"), str):
            out[rec["task_id"]] = rec
        elif i == len(lines) and not complete and rec is None:
            truncated = True
        else:
            rejected.append((i, raw))
    return ResultsScan(out, tuple(rejected), truncated)


@checked
def load_results(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Records of a results file by task id; an unreadable line (e.g. the last
    line of an interrupted write) is skipped, so that task counts as not done
    (:func:`scan_results` says which lines were skipped)."""
    return scan_results(path).records


def _repair(path: Path, notice: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """Records of ``path``; rejected lines moved to ``<path>.rejected``, never deleted.

    The file is rewritten with its good records only (so the next append starts
    on a new line) after the rejected lines are safely in the ``.rejected`` file.
    """
    scan = scan_results(path)
    if scan.rejected:
        rej = path.with_name(path.name + ".rejected")
        with rej.open("ab") as f:
            f.write(b"".join(raw + b"\n" for _, raw in scan.rejected))
            f.flush()
            os.fsync(f.fileno())
        nums = ", ".join(str(i) for i, _ in scan.rejected[:10])
        more = ", ..." if len(scan.rejected) > 10 else ""
        notice(
            f"{len(scan.rejected)} line(s) of {str(path)!r} are not results "
            f"(line {nums}{more}: not a JSON object with a task_id); "
            f"moved to {str(rej)!r}"
        )
    if scan.truncated_tail:
        notice(
            f"the last line of {str(path)!r} was cut off (an interrupted write); "
            "it is dropped and its task runs again"
        )

    write_atomic(
        path,
        "".join(json.dumps(r, sort_keys=True) + "\n" for r in scan.records.values()),
    )
    return scan.records


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


def _append(path: Path, record: dict[str, Any]) -> None:
    # Whole records only: a full disk truncates the file back to its last one.
    append_line(path, json.dumps(record, sort_keys=True))


@checked
def sweep(
    tasks: Iterable[SweepTask],
    *,
    results: str | os.PathLike[str] | None = None,
    executor: Executor | None = None,
    resume: bool = False,
    fn: Callable[[SweepTask], dict[str, Any]] = run_task,
    on_result: Callable[[SweepTask, dict[str, Any]], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every task, append each record to ``results`` as it finishes.

    Args:
        tasks: the grid points (duplicates by id are run once).
        results: JSON-lines file; ``None`` keeps records in memory only.
        executor: an :class:`~empirical.distributed._executors.Executor` (default serial).
        resume: skip tasks whose id is already in ``results``. Without it an
            existing non-empty ``results`` file is an error (nothing is overwritten).
        fn: the task runner (module-level, picklable; tests substitute it).
        on_result: called with ``(task, record)`` for every finished task (progress).
        on_notice: called with a sentence when resuming set lines of ``results``
            aside (default: a :class:`UserWarning`).

    Returns:
        The records of all tasks (loaded and new), in the order of ``tasks``.

    Raises:
        InvalidParameterError: ``results`` cannot be written, a task cannot run
            (:func:`check_tasks`), both checked before any task runs; or
            ``results`` exists without ``resume``.

    On resume, a line of ``results`` that is not a record is never deleted: it is
    moved to ``<results>.rejected`` and reported through ``on_notice``; only a
    cut-off last line (an interrupted write) is dropped, with a notice.
    """

    uniq = {t.task_id: t for t in unique_tasks(tasks)}
    done: dict[str, dict[str, Any]] = {}
    path = Path(results) if results is not None else None
    if path is not None:
        check_writable_file(path, "results")
    check_tasks(uniq.values())
    if path is not None:
        if path.exists() and path.stat().st_size > 0:
            if not resume:
                raise InvalidParameterError(
                    f"results={str(path)!r} already exists; pass resume=True "
                    "(--resume) to continue it, or choose another file"
                )
            done = _repair(path, on_notice or _warn)
        path.parent.mkdir(parents=True, exist_ok=True)
    todo = [t for tid, t in uniq.items() if tid not in done]
    ex = executor if executor is not None else SerialExecutor()
    for task, rec in ex.map_unordered(fn, todo):
        done[task.task_id] = rec
        if path is not None:
            _append(path, rec)
        if on_result is not None:
            on_result(task, rec)
    return [done[tid] for tid in uniq]
