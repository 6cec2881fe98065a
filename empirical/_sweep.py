"""Sweeps: a grid of settings, one task per grid point, results appended as they finish.

A :class:`SweepTask` is plain data (so it pickles to any executor and hashes
stably); :func:`run_task` simulates it and returns a JSON-ready record with the
measurement and a verdict per theorem; :func:`sweep` runs many tasks on an
:class:`~empirical._executors.Executor` and appends every finished record to a
JSON-lines file at once (``flush`` + ``fsync``), so an interrupted sweep loses only
the tasks in flight and ``resume=True`` skips the rest. A task's identity is a hash
of its config, and its result depends only on its config (the seed is part of it),
so results are the same whatever the executor and the order of completion.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bounds import InvalidParameterError
from bounds._validation import (
    check_choice,
    check_int,
    check_positive,
)

__all__ = [
    "SCHEDULES",
    "SweepTask",
    "load_results",
    "make_schedule",
    "make_tasks",
    "parse_grid",
    "run_task",
    "sweep",
]

#: Step-size schedules a task can use ([rule-tau] of THEORY.md in three forms).
SCHEDULES = (
    "constant",
    "rule-tau",
    "decaying",
    "rule-tau-decaying",
    "staleness-adaptive",
)
DELAY_KINDS = ("constant", "uniform", "geometric", "workers", "trace")


@dataclass(frozen=True)
class SweepTask:
    """One grid point: everything that determines a simulation and its verdicts.

    ``step_size`` is ``eta0`` for constant schedules and ``c`` for decaying ones.
    ``delay`` is the delay model's kind (``"uniform"``, ``"constant"``,
    ``"geometric:P"``, ``"workers"``) combined with ``max_delay``, or a full
    ``"trace:PATH"`` / ``"workers:K..."`` spec (the model's own ``max_delay``
    then applies).
    ``theorems`` restricts the verdicts (empty: every registered theorem).
    """

    loss: str = "logistic"
    dataset: str = "breast_cancer"
    n_samples: int = 200
    n_steps: int = 1000
    max_delay: int = 0
    delay: str = "uniform"
    step_size: float = 0.1
    schedule: str = "constant"
    n_pairs: int = 100
    seed: int = 0
    radius: float = 1.0
    theorems: tuple[str, ...] = ()
    tag: str = ""

    def __post_init__(self) -> None:
        from bounds._registry import THEOREMS

        from ._data import DATASETS
        from ._losses import LOSSES

        check_choice(self.loss, "loss", tuple(LOSSES))
        check_choice(self.dataset, "dataset", DATASETS)
        check_int(self.n_samples, "n_samples", min_value=2)
        check_int(self.n_steps, "n_steps", min_value=1)
        check_int(self.max_delay, "max_delay", min_value=0)
        check_positive(self.step_size, "step_size")
        check_choice(self.schedule, "schedule", SCHEDULES)
        check_int(self.n_pairs, "n_pairs", min_value=2)
        check_int(self.seed, "seed", min_value=0)
        check_positive(self.radius, "radius")
        if not isinstance(self.delay, str):
            raise InvalidParameterError(
                f"delay={self.delay!r} must be a delay spec string such as "
                "'uniform', 'geometric:0.3' or 'trace:PATH'"
            )
        kind = self.delay.split(":", 1)[0]
        check_choice(kind, "delay", DELAY_KINDS)
        object.__setattr__(self, "theorems", tuple(self.theorems))
        for key in self.theorems:
            check_choice(key, "theorems", tuple(THEOREMS))

    @property
    def delay_spec(self) -> str:
        """The ``make_delay`` spec, e.g. ``"uniform:8"``."""
        kind, _, rest = self.delay.partition(":")
        if kind == "trace" or (kind == "workers" and rest):
            return self.delay
        if kind == "workers":  # tau + 1 workers, staleness capped at max_delay
            return f"workers:{self.max_delay + 1}:exponential:{self.max_delay}"
        return f"{self.delay}:{self.max_delay}"

    @property
    def task_id(self) -> str:
        """Stable identity: SHA-256 of the canonical JSON of the config.

        ``tag`` is a label for reports, not part of the setting, so two families
        sharing a setting run it once.
        """
        cfg = {k: v for k, v in self.to_dict().items() if k != "tag"}
        blob = json.dumps(cfg, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        d = asdict(self)
        d["theorems"] = list(self.theorems)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SweepTask:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**d, "theorems": tuple(d.get("theorems", ()))})


_FIELD_TYPES: dict[str, Callable[[str], Any]] = {
    f.name: {"int": int, "float": float, "str": str}.get(str(f.type), str)
    for f in dataclasses.fields(SweepTask)
    if f.name not in {"theorems"}
}
_ALIASES = {
    "tau": "max_delay",
    "eta": "step_size",
    "c": "step_size",
    "n": "n_samples",
    "T": "n_steps",
    "pairs": "n_pairs",
}


def parse_grid(specs: Sequence[str]) -> dict[str, list[Any]]:
    """Parse ``["max_delay=0,2,8", "step_size=0.05,0.1"]`` into a grid dict.

    Aliases: ``tau``, ``eta``/``c``, ``n``, ``T``, ``pairs``.

    Examples:
        >>> parse_grid(["tau=0,2", "loss=logistic,sigmoid"])
        {'max_delay': [0, 2], 'loss': ['logistic', 'sigmoid']}
    """
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = _ALIASES.get(name.strip(), name.strip())
        if not sep or not values.strip():
            raise InvalidParameterError(
                f"grid={spec!r} must look like 'name=v1,v2,...'"
            )
        if name not in _FIELD_TYPES:
            raise InvalidParameterError(
                f"grid={spec!r}: {name!r} must be one of "
                f"{', '.join(sorted(set(_FIELD_TYPES) | set(_ALIASES)))}"
            )
        conv = _FIELD_TYPES[name]
        try:
            vals = [conv(v.strip()) for v in values.split(",") if v.strip()]
        except ValueError as exc:
            raise InvalidParameterError(
                f"grid={spec!r}: values must be of type {conv.__name__}"
            ) from exc
        grid[name] = vals
    return grid


def make_tasks(
    base: dict[str, Any], grid: Mapping[str, Sequence[Any]]
) -> list[SweepTask]:
    """The Cartesian product of ``grid`` over ``base`` (deduplicated, in order)."""
    keys = list(grid)
    tasks: dict[str, SweepTask] = {}
    for combo in itertools.product(*(grid[k] for k in keys)):
        t = SweepTask(**{**base, **dict(zip(keys, combo, strict=True))})
        tasks.setdefault(t.task_id, t)
    return list(tasks.values())


def make_schedule(schedule: str, step_size: float, max_delay: int) -> Any:
    """The step-size schedule named ``schedule`` (one of :data:`SCHEDULES`).

    ``step_size`` is ``eta0`` (or ``c`` for the decaying forms); ``max_delay`` is
    the ``tau`` of the [rule-tau] forms (the others ignore it).
    """
    import bounds

    return {
        "constant": lambda: bounds.constant(step_size),
        "rule-tau": lambda: bounds.rule_tau(step_size, max_delay),
        "decaying": lambda: bounds.decaying(step_size),
        "rule-tau-decaying": lambda: bounds.rule_tau_decaying(step_size, max_delay),
        "staleness-adaptive": lambda: bounds.staleness_adaptive(step_size),
    }[check_choice(schedule, "schedule", SCHEDULES)]()


def _schedule(task: SweepTask, max_delay: int | None) -> Any:
    if max_delay is None and task.schedule.startswith("rule-tau"):
        raise InvalidParameterError(
            f"schedule={task.schedule!r} needs a bounded delay model; "
            f"delay={task.delay_spec!r} is unbounded"
        )
    return make_schedule(task.schedule, task.step_size, int(max_delay or 0))


def simulate_task(task: SweepTask) -> Any:
    """Build the problem, delay model and schedule of ``task`` and simulate it."""
    from ._delays import make_delay
    from ._problem import make_problem
    from ._simulate import simulate_pairs

    problem = make_problem(
        task.loss,
        task.dataset,
        n_samples=task.n_samples,
        radius=task.radius,
        seed=task.seed,
    )
    delay = make_delay(task.delay_spec)
    return simulate_pairs(
        problem,
        step_size=_schedule(task, delay.max_delay),
        delay=delay,
        n_steps=task.n_steps,
        n_pairs=task.n_pairs,
        seed=task.seed,
    )


def run_task(task: SweepTask) -> dict[str, Any]:
    """Simulate one task and return its JSON-ready record (measurement + verdicts).

    ``record["timing"]`` is the only field that differs between two runs of the
    same task.
    """
    import numpy as np

    from bounds import THEOREMS  # type: ignore[attr-defined]

    from ._measure import measure
    from ._simulate import DivergenceError
    from ._verdict import verify

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
    keys = task.theorems or tuple(THEOREMS)
    setting = task.to_dict()
    verdicts = [
        verify(rs, THEOREMS[k], measurement=m, setting=setting, curves=True).to_dict()
        for k in keys
    ]
    p = rs.problem
    return {
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
        },
        "verdicts": verdicts,
        "timing": {"wall_s": time.perf_counter() - start},
    }


def _delta_slope(rs: Any) -> dict[str, Any]:
    """Log-log slope of ``E delta_t`` against ``t`` over the record steps ``t >= n``.

    From the first epoch on (``t >= n``) almost every pair has drawn the differing
    index, so ``E delta_t`` is past its start-up transient. The bootstrap over
    pairs keeps the correlation between steps of one run.
    """
    import numpy as np

    from ._measure import bootstrap_slope

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


def load_results(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Records of a results file by task id; an unparsable line (e.g. the last
    line of an interrupted write) is skipped, so that task counts as not done."""
    out: dict[str, dict[str, Any]] = {}
    p = Path(path)
    if not p.exists():
        return out
    for line in p.read_text().splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict) and "task_id" in rec:
            out[rec["task_id"]] = rec
    return out


def _append(path: Path, record: dict[str, Any]) -> None:
    with path.open("a") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def sweep(
    tasks: Iterable[SweepTask],
    *,
    results: str | os.PathLike[str] | None = None,
    executor: Any = None,
    resume: bool = False,
    fn: Callable[[SweepTask], dict[str, Any]] = run_task,
    on_result: Callable[[SweepTask, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every task, append each record to ``results`` as it finishes.

    Args:
        tasks: the grid points (duplicates by id are run once).
        results: JSON-lines file; ``None`` keeps records in memory only.
        executor: an :class:`~empirical._executors.Executor` (default serial).
        resume: skip tasks whose id is already in ``results``. Without it an
            existing non-empty ``results`` file is an error (nothing is overwritten).
        fn: the task runner (module-level, picklable; tests substitute it).
        on_result: called with ``(task, record)`` for every finished task (progress).

    Returns:
        The records of all tasks (loaded and new), in the order of ``tasks``.
    """
    from ._executors import SerialExecutor

    uniq: dict[str, SweepTask] = {}
    for t in tasks:
        uniq.setdefault(t.task_id, t)
    done: dict[str, dict[str, Any]] = {}
    path = Path(results) if results is not None else None
    if path is not None:
        if path.exists() and path.stat().st_size > 0:
            if not resume:
                raise InvalidParameterError(
                    f"results={str(path)!r} already exists; pass resume=True "
                    "(--resume) to continue it, or choose another file"
                )
            done = load_results(path)
            # Rewrite without a damaged tail, so the next append starts a new line.
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text(
                "".join(json.dumps(r, sort_keys=True) + "\n" for r in done.values())
            )
            os.replace(tmp, path)
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
