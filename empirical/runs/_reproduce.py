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

Measured per run (``P`` coupled pairs, both runs of each pair), at every
evaluation (the updates done and the minibatch gradients computed are recorded
with it, so curves are drawn against either, never against an "epoch"):
- the papers' curves: ``|test loss - train loss|`` and ``|test error - train
  error|``, and the test error;
- coupled-pair stability: ``delta_t = ||w_t - w'_t||``, on-average model
  stability ``mean over pairs of delta_T^2`` (Lei & Ying 2020) and the seed's
  normalised distance ``sqrt(||w - w'||^2 / (||w||^2 + ||w'||^2))`` (Regatti et
  al.'s code, ``src/server.py``, ``compute_parameter_distances``);
- per pair at the end: the signed gaps, ``delta_T^2``, the test error and the
  normalised distance, and whether the pair diverged
  (:func:`divergence_threshold`); :mod:`empirical.runs._reproduce_summary` pools
  them over pairs and seeds, without the diverged pairs.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bounds import InvalidParameterError
from bounds.internal import check_choice, check_int, checked
from empirical.runs._disk import write_atomic
from empirical.runs._paths import check_writable_dir
from empirical.schedules._sampling import check_sampling

from ._bound_rows import bound_slopes
from ._edge import delay_analysis
from ._experiments import (
    DEFAULT_MODELS,
    DEFAULT_SAMPLING,
    Setting,
    Sizes,
    experiment_settings,
)
from ._reproduce_report import write_report
from ._reproduce_summary import summarise
from ._settings import RegattiDecay

if TYPE_CHECKING:
    from empirical.distributed._executors import Executor

__all__ = [
    "DIVERGED_FACTOR",
    "RunTask",
    "divergence_threshold",
    "reproduce",
    "run_setting",
    "run_task",
    "size_overrides",
    "summarise",
]


#: A pair has diverged when a run's final training loss is non-finite or above
#: this many times the loss of the zero predictor (cross-entropy: log K; squared
#: one-hot: 1/K; logistic: log 2): ten times what guessing costs is no longer
#: training, and its numbers (1e8 and up) would swamp every mean.
DIVERGED_FACTOR = 10.0


def divergence_threshold(
    loss: str | Callable[[Any, Any], Any], n_classes: int
) -> float:
    """The training loss above which a run counts as diverged (a callable loss:
    the logistic loss's level)."""
    base = {"cross_entropy": math.log(n_classes), "squared": 1.0 / n_classes}
    key = loss if isinstance(loss, str) else ""
    return DIVERGED_FACTOR * base.get(key, math.log(2.0))


def _finite_list(a: Any) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(a).ravel()]


def run_setting(
    setting: Setting, sizes: Sizes, seed: int, *, device: str = "cpu"
) -> dict[str, Any]:
    """Run one setting with one seed; a JSON-ready record (non-finite: ``None``)."""
    # the nets extra (JAX) is loaded only by a network run
    from empirical.simulators.nets._datasets import load_net_data
    from empirical.simulators.nets._simulate import (
        regatti_step_size,
        simulate_net_pairs,
    )

    data = load_net_data(setting.data, n_points=sizes.n_points)
    n = setting.n_samples or sizes.n_samples
    proto = setting.protocol
    rule = setting.step_size
    step = (
        regatti_step_size(rule.lr0, proto.updates_per_epoch(n))
        if isinstance(rule, RegattiDecay)
        else rule
    )
    sharp: list[float | None] = []
    monitor = None
    if setting.curvature:
        monitor = _curvature_monitor(setting, data, n, seed, sharp, sizes.n_pairs)
    with np.errstate(all="ignore"):
        st = simulate_net_pairs(
            setting.model,
            data,
            proto,
            n_samples=n,
            n_pairs=sizes.n_pairs,
            n_steps=setting.n_steps,
            step_size=step,
            seed=seed,
            device=device,
            n_buffer=setting.n_buffer,
            eval_every=setting.eval_every or None,
            raise_on_divergence=False,
            sampling=setting.sampling,
            replaced_on=setting.replaced_on,
            monitor=monitor,
        )
        P = st.n_pairs
        limit = divergence_threshold(setting.model.loss, data.n_classes)
        last = st.train_loss[-1]
        bad = ~np.isfinite(last) | (last > limit)
        diverged = bad[:P] | bad[P:] | ~np.isfinite(st.delta[-1])
        ok = ~diverged
        gap_l = st.test_loss - st.train_loss  # (E, R)
        gap_e = st.test_error - st.train_error
        # The seed's normalised distance sqrt(|p - q|^2 / (|p|^2 + |q|^2)).
        ndist = st.delta / np.sqrt(st.norm2[:, :P] + st.norm2[:, P:])

        def pair_mean(a: Any) -> Any:  # (E, R) -> (E, P)
            return (a[:, :P] + a[:, P:]) / 2

        def curve(a: Any) -> list[float | None]:  # (E, P) -> mean over kept pairs
            if not ok.any():
                return [None] * a.shape[0]
            return _finite_list(a[:, ok].mean(axis=1))

        record = {
            "key": setting.key,
            "seed": seed,
            "n_steps": st.n_steps,
            "gradients_per_update": st.gradients_per_update,
            "updates": st.eval_steps.tolist(),
            "gradients": st.gradients.tolist(),
            "applied": st.applied.tolist(),
            "staleness_mean": st.staleness_mean,
            "staleness_max": st.staleness_max,
            "sampling": st.sampling,
            "replaced_on": st.replaced_on,
            "epochs": st.epochs.tolist(),
            "diverged": diverged.tolist(),
            "abs_gap_loss": curve(pair_mean(np.abs(gap_l))),
            "abs_gap_error": curve(pair_mean(np.abs(gap_e))),
            "delta": curve(st.delta),
            "stability_avg2": curve(st.delta**2),
            "normalised_distance": curve(ndist),
            "test_error_curve": curve(pair_mean(st.test_error)),
            "train_error": float(np.nanmean(st.train_error[-1])),
            "test_error": float(np.nanmean(st.test_error[-1])),
            "pair_gap_loss": _finite_list(pair_mean(gap_l)[-1]),
            "pair_gap_error": _finite_list(pair_mean(gap_e)[-1]),
            "pair_delta2": _finite_list(st.delta[-1] ** 2),
            "pair_test_error": _finite_list(pair_mean(st.test_error)[-1]),
            "pair_normalised_distance": _finite_list(ndist[-1]),
            "pair_train_loss0": _finite_list(pair_mean(st.train_loss0[None, :])[0]),
            "pair_train_loss": _finite_list(pair_mean(st.train_loss)[-1]),
            # per evaluation and pair (E x P), for comparisons at matched progress
            "pair_train_loss_curve": _rows(pair_mean(st.train_loss)),
            "pair_gap_loss_curve": _rows(pair_mean(gap_l)),
            "pair_delta_curve": _rows(st.delta),
        }
        if setting.curvature:
            record["sharpness"] = sharp
        if setting.model.constants is not None:
            from ._bound_run import certified_record

            eta = np.asarray(
                step(np.arange(1, st.n_steps + 1))
                if callable(step)
                else np.full(st.n_steps, float(step)),
                dtype=np.float64,
            )
            record["bounds"] = certified_record(
                setting, st, data, n=n, seed=seed, step_sizes=eta
            )
        return record


def _rows(a: Any) -> list[list[float | None]]:
    """An ``(E, P)`` array as E lists (non-finite: ``None``)."""
    return [_finite_list(r) for r in np.asarray(a)]


def _curvature_monitor(
    setting: Setting,
    data: Any,
    n: int,
    seed: int,
    out: list[float | None],
    n_pairs: int,
) -> Callable[[int, Any], None]:
    """Appends, at every evaluation, the top Hessian eigenvalue of the training
    loss of pair 0's run on ``S`` (:mod:`empirical.simulators.nets._curvature`)."""
    import jax.numpy as jnp

    from empirical.simulators.nets._curvature import top_hessian_eigenvalue
    from empirical.simulators.nets._models import label_dtype
    from empirical.simulators.nets._simulate import pair_draws

    dr = pair_draws(
        data, setting.protocol, n_samples=n, n_pairs=n_pairs, n_steps=1, seed=seed
    )
    rows = dr.rows[0]
    X = jnp.asarray(data.X[rows], dtype="float32")
    y = jnp.asarray(data.y[rows], dtype=label_dtype(setting.model, data.y, "float32"))

    def monitor(done: int, W: Any) -> None:
        lam = top_hessian_eigenvalue(setting.model, W[0], X, y, seed=seed)
        out.append(lam if math.isfinite(lam) else None)

    return monitor


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
    sampling: str | None = None

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
        task.experiment, quick=task.quick, sizes=task.sizes, sampling=task.sampling
    )
    (setting,) = (s for s in settings if s.key == task.key)
    return {
        **run_setting(setting, task.sizes, task.seed, device=task.device),
        "sizes": task.sizes.__dict__,
    }


def _per_run(sizes: dict[str, Any] | None) -> dict[str, Any] | None:
    """The sizes that decide one (setting, seed) run: all but ``n_seeds``."""
    if sizes is None:
        return None
    return {k: v for k, v in sizes.items() if k != "n_seeds"}


def _check_n_samples(settings: list[Setting], n: int, sizes: Sizes) -> None:
    """Refuse an ``n_samples`` that a chosen image data set cannot hold."""
    from empirical.simulators.nets._datasets import load_net_data

    for s in settings:
        if s.n_samples != n:  # a setting with its own n (the convex experiment)
            continue
        data = load_net_data(s.data, n_points=sizes.n_points)
        most = data.train_pool - (1 if data.n_train is not None else 2)
        if n > most:
            raise InvalidParameterError(
                f"n_samples={n} must be <= {most} for {s.data!r} ({data.train_pool:,} "
                "training points: a replacement"
                + (")" if data.n_train is not None else " and a test set)")
            )


def _in_process(tasks: list[RunTask]) -> Iterator[tuple[RunTask, dict[str, Any]]]:
    """The default executor: the tasks one after the other in this process."""
    for t in tasks:
        yield t, run_task(t)


def _family(s: Setting) -> str:
    """The network family of a setting: its model name's first word."""
    return s.family


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


def size_overrides(**sizes: int | None) -> dict[str, int]:
    """The sizes given (not ``None``), validated: ``n_seeds``, ``n_pairs``,
    ``epochs``, ``n_samples`` (the fields of :class:`Sizes` they override).

    Raises:
        InvalidParameterError: a size out of range, by name.
    """
    over = {}
    for field, v in sizes.items():
        if v is not None:
            low = {"n_pairs": 2, "n_samples": 10}.get(field, 1)
            over[field] = check_int(v, field, min_value=low)
    return over


@checked
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
    progress: Callable[[str], None] | None = None,
    executor: Executor | None = None,
    models: Sequence[str] | None = None,
    n_samples: int | None = None,
    sampling: str | None = None,
) -> dict[str, Any]:
    """Run experiment ``name`` into folder ``output``; returns the results dict.

    Args:
        name: ``"regatti2019"``, ``"deng2024"`` or ``"delay-question"``.
        output: folder for ``results.json``, ``report.md``, figures and ``runs/``.
        quick: the small sizes (minutes on 2 cores) instead of the full ones
            (neither is the papers'; the fidelity table in the report compares).
        device: ``"cpu"`` or ``"gpu"``.
        resume: keep finished runs found in ``output/runs``.
        n_seeds, n_pairs, epochs, n_samples: override the sizes (``n_samples``:
            the training-set size of the image data; at most 4,998).
        figures: write the PNG figures.
        progress: ``callable(str)`` told about each finished run, or ``None``.
        executor: an :class:`~empirical.distributed._executors.Executor` that runs the
            (setting, seed) runs (``None``: one after the other in this
            process). The results are the same whatever the executor; each
            finished run is written here, by this process, as it arrives.
        models: run only the settings of these network families (``"lenet"``,
            ``"mlp"``, ``"cnn1d"``, ``"affine"``); ``None``: the experiment's
            defaults (:data:`~empirical.runs._experiments.DEFAULT_MODELS`).
        sampling: ``"shards"`` (the authors' per-worker shard loaders) or
            ``"uniform"`` (the theorems' assumption); ``None``: the
            experiment's default (:data:`~empirical.runs._experiments.DEFAULT_SAMPLING`).

    Raises:
        InvalidParameterError: an unknown experiment or a bad size.
    """

    sizes, _ = experiment_settings(name, quick=quick)
    over = size_overrides(
        n_seeds=n_seeds, n_pairs=n_pairs, epochs=epochs, n_samples=n_samples
    )
    flags = {"n_seeds": "--seeds", "n_pairs": "--n-pairs", "epochs": "--epochs"}
    flags["n_samples"] = "--n-samples"
    how = DEFAULT_SAMPLING[name] if sampling is None else check_sampling(sampling)
    sizes, settings = experiment_settings(
        name, quick=quick, sizes=replace(sizes, **over), sampling=how
    )
    chosen = DEFAULT_MODELS[name][0 if quick else 1] if models is None else models
    settings = _only_models(settings, chosen)
    if "n_samples" in over:
        _check_n_samples(settings, over["n_samples"], sizes)
    command = " ".join(
        ["asyncstab reproduce", name]
        + (["--quick"] if quick else [])
        + [f"{flags[k]} {v}" for k, v in over.items()]
        + (
            [f"--models {models if isinstance(models, str) else ','.join(models)}"]
            if models is not None
            else []
        )
        + ([f"--sampling {how}"] if sampling is not None else [])
    )

    out = check_writable_dir(output, "output")  # before minutes of computing
    (out / "runs").mkdir(parents=True, exist_ok=True)
    runs: dict[str, dict[str, Any]] = {}
    todo: list[RunTask] = []
    for s in settings:
        for seed in range(sizes.n_seeds):
            task = RunTask(name, quick, sizes, s.key, seed, device, how)
            f = out / "runs" / f"{task.stem}.json"
            if resume and f.exists():
                old = json.loads(f.read_text())
                # A run of other sizes (say --quick, then the full grid) is redone;
                # the number of seeds is not one: a (setting, seed) run is the same
                # whichever the number of seeds around it, so it is kept.
                if (
                    _per_run(old.get("sizes")) == _per_run(sizes.__dict__)
                    and old["n_steps"] == s.n_steps
                    and old.get("sampling", "uniform") == s.sampling
                ):
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
    summary = summarise(settings, runs, sizes)
    results: dict[str, Any] = {
        "experiment": name,
        "command": command,
        "overridden": sorted(over),
        "quick": quick,
        "device": device,
        "sampling": how,
        "sizes": sizes.__dict__,
        "models": sorted({_family(s) for s in settings}),
        "summary": summary,
        "runs": [runs[k] for k in sorted(runs)],
    }
    slopes = bound_slopes(summary)
    if slopes:  # models with certified constants: bounds against staleness
        results["bound_slopes"] = slopes
    if name == "delay-question":
        results["delay_analysis"] = delay_analysis(results)
    write_atomic(out / "results.json", json.dumps(results, indent=1))

    write_report(results, out, figures=figures, settings=settings)
    return results
