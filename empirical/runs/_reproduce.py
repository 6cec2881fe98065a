"""``reproduce``: run an experiment's settings x seeds, resumably, and summarise.

Each (setting, seed) run writes ``runs/<key>-s<seed>.json`` under the output
folder as soon as it finishes; ``resume=True`` skips runs whose file exists with
the same sizes, so an interrupted reproduction continues where it stopped. The
runs go through an executor's ``map_unordered`` (in this process by default;
local processes or Ray tasks on request): each one is a :class:`RunTask`, plain
data that rebuilds its setting where it runs, and its record depends only on the
task, so every executor gives the same ``results.json``. ``results.json`` holds
every run plus the summary; :mod:`empirical.runs._reproduce_report` writes
``report.md`` and the figures.

Measured per run (``P`` coupled pairs, both runs of each pair):
- the paper's curves: ``|test loss - train loss|`` and ``|test error - train
  error|`` against epochs (mean over the ``2P`` runs);
- coupled-pair stability: ``delta_t = ||w_t - w'_t||`` and on-average model
  stability ``mean over pairs of delta_T^2`` (Lei & Ying 2020; THEORY.md, part 2);
- per pair at the end: the signed gap (mean of the pair's two runs) and
  ``delta_T^2``, for intervals pooled over pairs and seeds, and paired
  differences against the group's smallest delay (same seed and pair index:
  same split, replaced point and initial point).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from bounds._errors import InvalidParameterError
from bounds._validation import check_choice, check_int
from empirical.schedules._protocols import applicable_theorems

from ._experiments import Setting, Sizes, experiment_settings

__all__ = ["RunTask", "reproduce", "run_setting", "run_task", "summarise"]


def run_setting(
    setting: Setting, sizes: Sizes, seed: int, *, device: str = "cpu"
) -> dict[str, Any]:
    """Run one setting with one seed; a JSON-ready record."""
    from empirical.simulators.nets._datasets import load_net_data
    from empirical.simulators.nets._simulate import (
        regatti_step_size,
        simulate_net_pairs,
    )

    data = load_net_data("mnist1d", n_points=sizes.n_points)
    proto = setting.protocol
    step: Any = setting.step_size
    if isinstance(step, tuple):
        step = regatti_step_size(step[1], proto.updates_per_epoch(sizes.n_samples))
    st = simulate_net_pairs(
        setting.model,
        data,
        proto,
        n_samples=sizes.n_samples,
        n_pairs=sizes.n_pairs,
        n_steps=setting.n_steps,
        step_size=step,
        seed=seed,
        device=device,
        n_buffer=setting.n_buffer,
    )
    P = st.n_pairs
    gap_l = st.test_loss - st.train_loss  # (E, R)
    gap_e = st.test_error - st.train_error
    return {
        "key": setting.key,
        "seed": seed,
        "n_steps": st.n_steps,
        "gradients_per_update": st.gradients_per_update,
        "epochs": st.epochs.tolist(),
        "abs_gap_loss": np.abs(gap_l).mean(axis=1).tolist(),
        "abs_gap_error": np.abs(gap_e).mean(axis=1).tolist(),
        "delta": st.delta.mean(axis=1).tolist(),
        "stability_avg2": (st.delta**2).mean(axis=1).tolist(),
        "train_error": float(st.train_error[-1].mean()),
        "test_error": float(st.test_error[-1].mean()),
        "pair_gap_loss": ((gap_l[-1, :P] + gap_l[-1, P:]) / 2).tolist(),
        "pair_gap_error": ((gap_e[-1, :P] + gap_e[-1, P:]) / 2).tolist(),
        "pair_delta2": (st.delta[-1] ** 2).tolist(),
        "pair_test_error": (
            (st.test_error[-1, :P] + st.test_error[-1, P:]) / 2
        ).tolist(),
    }


@dataclass(frozen=True)
class RunTask:
    """One (setting, seed) run of an experiment, as plain data.

    A :class:`Setting` holds its network's functions and does not pickle; a task
    names the setting by ``key`` instead, and :func:`run_task` rebuilds it from
    the experiment and sizes wherever it runs (another process, a Ray node).
    """

    experiment: str
    quick: bool
    sizes: Sizes
    key: str
    seed: int
    device: str = "cpu"

    @property
    def stem(self) -> str:
        """The run's file name without ``.json``: ``<key>-s<seed>``."""
        return f"{self.key}-s{self.seed}"


def run_task(task: RunTask) -> dict[str, Any]:
    """Run one task (in any process); its JSON-ready record, sizes included.

    In a local worker process with ``device="gpu"``, the workers share the GPU:
    JAX then takes GPU memory as it needs it instead of 75% of it at start-up
    (the second worker would fail). A Ray task with ``num_gpus=1`` has a GPU of
    its own (and Ray starts a fresh worker for each GPU task by default).
    """
    if task.device == "gpu" and multiprocessing.parent_process() is not None:
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    _, settings = experiment_settings(
        task.experiment, quick=task.quick, sizes=task.sizes
    )
    (setting,) = (s for s in settings if s.key == task.key)
    return {
        **run_setting(setting, task.sizes, task.seed, device=task.device),
        "sizes": task.sizes.__dict__,
    }


def _in_process(tasks: list[RunTask]) -> Iterator[tuple[RunTask, dict[str, Any]]]:
    """The default executor: the tasks one after the other in this process."""
    for t in tasks:
        yield t, run_task(t)


def _estimate(
    values: list[float], method: Literal["auto", "t", "bca"] = "t"
) -> dict[str, Any]:
    """Mean with its 95% interval (Student-t; ``"auto"``: BCa bootstrap when the
    sample is skewed, as squared divergences are: a t interval of a few pairs
    then dips below 0)."""
    from empirical.measurement._estimate import estimate_mean

    x = np.asarray(values, dtype=np.float64)
    return estimate_mean(x, method=method).to_dict()


def summarise(
    settings: list[Setting], runs: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per setting: estimates pooled over pairs and seeds, paired against the
    group's smallest delay; the seeds' curves (mean and min/max band)."""
    rows = []
    base: dict[str, Setting] = {}
    for s in settings:
        if s.group not in base or s.tau < base[s.group].tau:
            base[s.group] = s
    for s in settings:
        recs = sorted(
            (r for r in runs.values() if r["key"] == s.key), key=lambda r: r["seed"]
        )
        b_recs = sorted(
            (r for r in runs.values() if r["key"] == base[s.group].key),
            key=lambda r: r["seed"],
        )

        def pooled(field: str, recs: list[dict[str, Any]] = recs) -> list[float]:
            return [v for r in recs for v in r[field]]

        row: dict[str, Any] = {
            "key": s.key,
            "group": s.group,
            "curve": s.curve,
            "tau": s.tau,
            "protocol": s.protocol.label,
            "model": s.model.name,
            "step_size": s.step_size
            if not isinstance(s.step_size, tuple)
            else f"{s.step_size[1]}/(1+0.05 epoch)",
            "n_steps": s.n_steps,
            "gradients_per_update": float(
                np.mean([r["gradients_per_update"] for r in recs])
            ),
            "theorems": list(applicable_theorems(s.protocol)[0]),
            "test_error": _estimate(pooled("pair_test_error")),
            "gap_loss": _estimate(pooled("pair_gap_loss")),
            "gap_error": _estimate(pooled("pair_gap_error")),
            "stability_avg2": _estimate(pooled("pair_delta2"), method="auto"),
            "epochs": recs[0]["epochs"],
        }
        for f in ("abs_gap_loss", "abs_gap_error", "delta", "stability_avg2"):
            c = np.asarray([r[f] for r in recs])
            row[f"curve_{f}"] = {
                "mean": c.mean(axis=0).tolist(),
                "low": c.min(axis=0).tolist(),
                "high": c.max(axis=0).tolist(),
            }
        if s is not base[s.group]:
            for f, out in (
                ("pair_gap_loss", "paired_gap_loss"),
                ("pair_delta2", "paired_stability_avg2"),
            ):
                diff = np.subtract(pooled(f), pooled(f, b_recs))
                row[out] = _estimate(diff.tolist())
            row["paired_against"] = base[s.group].curve
        rows.append(row)
    return rows


def _family(s: Setting) -> str:
    """The network family of a setting: ``mlp`` or ``cnn1d`` (its name's first word)."""
    return s.model.name.split("-")[0]


def _only_models(settings: list[Setting], models: Sequence[str]) -> list[Setting]:
    """The settings whose network family is one of ``models`` (checked: known, not
    empty)."""
    known = sorted({_family(s) for s in settings})
    names = [models] if isinstance(models, str) else list(models)
    if not names:
        raise InvalidParameterError(
            f"models={models!r} must name at least one of {known}"
        )
    for m in names:
        check_choice(m, "models", known)
    return [s for s in settings if _family(s) in names]


def reproduce(
    name: str,
    output: str | Path,
    *,
    quick: bool = False,
    device: str = "cpu",
    resume: bool = False,
    n_seeds: int | None = None,
    n_pairs: int | None = None,
    epochs: int | None = None,
    figures: bool = True,
    progress: Any = None,
    executor: Any = None,
    models: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Run experiment ``name`` into folder ``output``; returns the results dict.

    Args:
        name: ``"regatti2019"``, ``"deng2024"`` or ``"delay-question"``.
        output: folder for ``results.json``, ``report.md``, figures and ``runs/``.
        quick: the small sizes (minutes on 2 cores) instead of the papers'.
        device: ``"cpu"`` or ``"gpu"``.
        resume: keep finished runs found in ``output/runs``.
        n_seeds, n_pairs, epochs: override the sizes.
        figures: write the PNG figures.
        progress: ``callable(str)`` told about each finished run, or ``None``.
        executor: an :class:`~empirical.distributed._executors.Executor` that runs the
            (setting, seed) runs (``None``: one after the other in this
            process). The results are the same whatever the executor; each
            finished run is written here, by this process, as it arrives.
        models: run only the settings of these network families (``"mlp"``,
            ``"cnn1d"``; e.g. ``["mlp"]``, the cheaper half of ``regatti2019`` on
            a CPU); ``None``: all of them.

    Raises:
        InvalidParameterError: an unknown experiment or a bad size.
    """
    from dataclasses import replace

    sizes, _ = experiment_settings(name, quick=quick)
    over = {}
    for field, v in (("n_seeds", n_seeds), ("n_pairs", n_pairs), ("epochs", epochs)):
        if v is not None:
            over[field] = check_int(v, field, min_value=2 if field == "n_pairs" else 1)
    sizes, settings = experiment_settings(
        name, quick=quick, sizes=replace(sizes, **over)
    )
    if models is not None:
        settings = _only_models(settings, models)
    from empirical.runs._disk import write_atomic
    from empirical.runs._paths import check_writable_dir

    out = check_writable_dir(output, "output")  # before minutes of computing
    (out / "runs").mkdir(parents=True, exist_ok=True)
    runs: dict[str, dict[str, Any]] = {}
    todo: list[RunTask] = []
    for s in settings:
        for seed in range(sizes.n_seeds):
            task = RunTask(name, quick, sizes, s.key, seed, device)
            f = out / "runs" / f"{task.stem}.json"
            if resume and f.exists():
                old = json.loads(f.read_text())
                # A run of other sizes (say --quick, then the full grid) is redone.
                if old.get("sizes") == sizes.__dict__ and old["n_steps"] == s.n_steps:
                    runs[task.stem] = old
                    continue
            todo.append(task)
    if progress is not None and todo:
        kept = f", {len(runs)} kept from {out / 'runs'}" if runs else ""
        progress(f"{name}: {len(todo)} runs to do{kept}")
    finished = (
        _in_process(todo)
        if executor is None
        else executor.map_unordered(run_task, todo)
    )
    for k, (task, rec) in enumerate(finished, 1):
        # Written at once, whole or not at all (a full disk leaves no partial
        # file): an interrupted reproduction keeps every finished run.
        write_atomic(out / "runs" / f"{task.stem}.json", json.dumps(rec))
        runs[task.stem] = rec
        if progress is not None:
            progress(f"{name}: {task.key} seed {task.seed} done ({k}/{len(todo)})")
    results = {
        "experiment": name,
        "quick": quick,
        "device": device,
        "sizes": sizes.__dict__,
        "models": sorted({_family(s) for s in settings}),
        "summary": summarise(settings, runs),
        "runs": [runs[k] for k in sorted(runs)],
    }
    write_atomic(out / "results.json", json.dumps(results, indent=1))
    from ._reproduce_report import write_report

    write_report(results, out, figures=figures)
    return results
