"""The ``asyncstab reproduce`` subcommand (registered by :mod:`empirical.cli._cli`).

Registering it imports neither JAX nor the network modules; they load when the
command runs. Without the ``nets`` extra the command says so in one line and
exits with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from bounds import InvalidParameterError
from bounds.internal import HelpFormatter
from empirical.cli._args import csv_list
from empirical.cli._choices import examples
from empirical.cli._ps_cli import add_ray_arguments

__all__ = ["register", "run"]

_NAMES = ("regatti2019", "deng2024", "delay-question")


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``reproduce`` to an argparse subparsers object."""
    p = sub.add_parser(
        "reproduce",
        help="reproduce a published network experiment (needs the nets extra)",
        description="Coupled pairs of networks (LeNet on real MNIST, or fast "
        "substitutes on MNIST-1D) under a published worker protocol: the papers' gap "
        "curves plus on-average stability and the seed's normalised distance, with "
        "paired intervals. Writes results.json, report.md (opening with the fidelity "
        "table against the authors' code) and figures.",
        epilog=examples(
            "asyncstab reproduce delay-question --quick",
            "asyncstab reproduce regatti2019 --quick --output regatti-run",
            "asyncstab reproduce regatti2019 --quick --models softmax,tanh",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "experiment",
        choices=_NAMES,
        help="the experiment: regatti2019 (Regatti et al. 2019's workers), "
        "deng2024 (Deng et al. 2024's), delay-question (does a larger delay change "
        "the gap, with controls)",
    )
    p.add_argument(
        "--quick", action="store_true", help="small sizes (minutes on 2 cores)"
    )
    p.add_argument("--output", help="results folder (default: reproduce-EXPERIMENT)")
    p.add_argument(
        "--device",
        default="cpu",
        choices=["cpu", "gpu"],
        help="where JAX runs the networks (default cpu; gpu needs a CUDA JAX)",
    )
    p.add_argument(
        "--resume", action="store_true", help="keep finished runs in OUTPUT/runs"
    )
    p.add_argument("--seeds", type=int, help="number of seeds (overrides the size)")
    p.add_argument("--n-pairs", type=int, help="coupled pairs per seed (>= 2)")
    p.add_argument("--epochs", type=int, help="epochs (overrides the size)")
    p.add_argument(
        "--n-samples", type=int, help="training-set size n (overrides the size)"
    )
    p.add_argument(
        "--sampling",
        choices=["shards", "uniform"],
        help="how minibatches read the data: shards (the authors' loaders: a fixed "
        "shard per worker, read in order, reshuffled each pass; the default of "
        "regatti2019 and deng2024) or uniform (every slot drawn uniformly, as the "
        "theorems assume; the default of delay-question)",
    )
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument(
        "--models",
        help="run only these network families' settings, comma-separated: lenet "
        "(real MNIST), mlp, cnn1d (MNIST-1D substitutes), affine (deng2024's convex "
        "experiment), softmax and tanh (on MNIST, projected onto balls, with "
        "certified constants: the registry's bounds beside the measured uniform "
        "stability); default: regatti2019 lenet (--quick: mlp), deng2024 lenet and "
        "affine (--quick: mlp and affine), delay-question mlp",
    )
    p.add_argument(
        "--backend",
        default="serial",
        help="where the (setting, seed) runs go: serial (default: one after the "
        "other in this process; JAX already uses every core for one run) | local "
        "(worker processes, for machines with many cores) | ray (a Ray cluster; "
        "with --device gpu each run requests one GPU)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes of --backend local (default: all cores; 1 with "
        "--device gpu, as they share the GPU)",
    )

    add_ray_arguments(p)  # --address, --ray-num-cpus, --runtime-env (backend ray)
    return p


def _executor(args: argparse.Namespace) -> Any:
    """The executor of ``--backend`` (validated: before any run starts).

    ``None`` for ``serial``: :func:`~empirical.runs._reproduce.reproduce` runs
    in this process. With ``local`` each worker process runs on a block of cores
    of its own. With ``ray`` and ``--device gpu`` each task requests one GPU
    (``num_gpus=1``), so Ray places it on a node with a free GPU.
    """
    # imported here, so that the calculator subcommands load no simulation code
    from empirical.distributed._executors import check_workers, make_executor

    if args.workers is not None:
        check_workers(args.workers)  # also for backend 'serial', which ignores it
    if args.backend == "ray":
        from empirical.cli._ps_cli import ray_executor

        gpus = 1.0 if args.device == "gpu" else 0.0
        return ray_executor(args, num_gpus_per_task=gpus)
    if args.backend == "serial":
        return None
    # split_cores: JAX sizes its CPU thread pool by the cores a process may use
    # (--xla_cpu_multi_thread_eigen=false did not limit it: measured, jax 0.10.2),
    # so each worker gets a block of cores of its own.
    workers = args.workers
    if workers is None and args.device == "gpu":
        # one process per core would put as many CUDA contexts on one GPU
        workers = 1
    return make_executor(args.backend, workers=workers, split_cores=True)


def run(args: argparse.Namespace) -> int:
    """Run ``asyncstab reproduce``; 0 on success, 2 without the nets extra."""
    try:
        import jax  # noqa: F401
        import mlxtend  # noqa: F401
        import mnist1d  # noqa: F401
    except ImportError as exc:
        print(
            f"asyncstab: error: reproduce needs the nets extra ({exc.name} is missing): "
            'pip install -e ".[nets]"',
            file=sys.stderr,
        )
        return 2
    from empirical.runs._flags import did_not_train, staleness_cell
    from empirical.runs._reproduce import reproduce
    from empirical.runs._reproduce_report import delay_verdict

    out = args.output or f"reproduce-{args.experiment}"
    if args.backend != "ray":  # a Ray task finds its GPU on its node, not here
        from empirical.simulators.nets._simulate import check_device

        if args.backend == "local":
            # this process only asks; its workers use the GPU (and take its
            # memory as they need it, as run_task sets for them)
            os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        check_device(args.device)  # one line, before any work
    executor = _executor(args)  # validated; Ray starts with the first task
    kept = _one_run(args, out)  # the last check, then the earlier run moves aside
    res = reproduce(
        args.experiment,
        out,
        quick=args.quick,
        device=args.device,
        resume=args.resume,
        n_seeds=args.seeds,
        n_pairs=args.n_pairs,
        epochs=args.epochs,
        n_samples=args.n_samples,
        figures=not args.no_figures,
        progress=lambda m: print(m, file=sys.stderr, flush=True),
        executor=executor,
        models=None if args.models is None else csv_list(args.models),
        sampling=args.sampling,
    )

    def ci(est: dict[str, Any], fmt: str = ".3g") -> str:
        """``mean [low, high]`` of an estimate (95% interval over pairs and seeds)."""
        return f"{est['mean']:{fmt}} [{est['low']:{fmt}}, {est['high']:{fmt}}]"

    for r in res["summary"]:
        verdict = f"  {delay_verdict(r)}" if "paired_against" in r else ""
        te, gap, st = r["test_error"], r["gap_loss"], r["stability_avg2"]
        print(
            f"{r['group']:<36} {r['curve']:<12} "
            f"staleness {staleness_cell(r)}  "
            f"test error {ci(te, '.3f') if te else 'n/a'}"
            f"{' (did not train)' if did_not_train(r) else ''}  "
            f"gap {ci(gap) if gap else 'n/a'}  "
            f"stability {ci(st) if st else 'n/a'}{verdict}"
        )
    n_runs = len(res["runs"])
    print(
        f"\n{n_runs} runs of {len(res['summary'])} settings "
        f"({n_runs - kept} run now, {kept} kept): "
        + ", ".join(f"{n} {w}" for w, n in _verdict_counts(res["summary"]).items())
        + f"; report: {out}/report.md"
    )
    return 0


def _verdict_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Settings by their paired verdict against the group's smallest delay."""
    # imported here, so that the calculator subcommands load no simulation code
    from empirical.runs._reproduce_report import delay_verdict

    counts = {
        "did not train": 0,
        "smaller gap": 0,
        "larger gap": 0,
        "no detectable change": 0,
        "not estimable": 0,
    }
    base = 0
    for r in rows:
        if "paired_gap_loss" in r:
            # the verdict's first words; it may go on with what the interval
            # allows and how many pairs diverged
            words = delay_verdict(r)
            counts[next(k for k in counts if words.startswith(k))] += 1
        else:
            base += 1
    return {**counts, "baselines": base}


#: The option that sets each recorded setting of ``reproduce`` (for messages).
_FLAGS = {
    "experiment": "EXPERIMENT",
    "quick": "--quick",
    "device": "--device",
    "seeds": "--seeds",
    "n_pairs": "--n-pairs",
    "epochs": "--epochs",
    "n_samples": "--n-samples",
    "models": "--models",
    "sampling": "--sampling",
}


def _one_run(args: argparse.Namespace, out: str) -> int:
    """The output folder holds one run: ``--resume`` continues only a run of
    the same settings (else one line, exit 2); without it, an earlier run is
    moved aside, and the user is told where. Returns the number of run files
    a resume keeps."""

    # imported here, so that the calculator subcommands load no simulation code
    from empirical.runs._paths import check_writable_dir, move_aside
    from empirical.runs._run_settings import (
        SETTINGS_FILE,
        check_resume,
        record_settings,
    )

    _check_sizes(args)  # a bad size is refused before an earlier run is moved
    folder = check_writable_dir(out, "output")
    settings = {
        "experiment": args.experiment,
        "quick": args.quick,
        "device": args.device,
        "seeds": args.seeds,
        "n_pairs": args.n_pairs,
        "epochs": args.epochs,
        "n_samples": args.n_samples,
        "models": None if args.models is None else sorted(csv_list(args.models)),
        "sampling": args.sampling,
    }
    if args.resume:
        if (
            not check_resume(folder, settings, flags=_FLAGS)
            and (folder / "runs").exists()
        ):
            raise _refuse_unrecorded(folder)
    else:
        names = ["runs", "results.json", "report.md", SETTINGS_FILE]
        if folder.is_dir():
            names += sorted(p.name for p in Path(folder).glob("fig-*.png"))
        moved = move_aside(folder, names)
        if moved is not None:
            print(
                f"asyncstab: note: the earlier run in {str(folder)!r} was moved to "
                f"{str(moved)!r}",
                file=sys.stderr,
            )
    folder.mkdir(parents=True, exist_ok=True)
    record_settings(folder, settings)
    runs = folder / "runs"
    return len(list(runs.glob("*.json"))) if args.resume and runs.is_dir() else 0


def _check_sizes(args: argparse.Namespace) -> None:
    """The checks :func:`~empirical.runs._reproduce.reproduce` makes of its sizes
    and models, made first (same functions, same messages)."""

    # imported here, so that the calculator subcommands load no simulation code
    from empirical.runs._experiments import DEFAULT_MODELS, experiment_settings
    from empirical.runs._reproduce import (
        _check_n_samples,
        _only_models,
        size_overrides,
    )

    sizes, _ = experiment_settings(args.experiment, quick=args.quick)
    over = size_overrides(
        n_seeds=args.seeds,
        n_pairs=args.n_pairs,
        epochs=args.epochs,
        n_samples=args.n_samples,
    )
    _, settings = experiment_settings(
        args.experiment,
        quick=args.quick,
        sizes=replace(sizes, **over),
        sampling=args.sampling,
    )
    chosen = (
        DEFAULT_MODELS[args.experiment][0 if args.quick else 1]
        if args.models is None
        else csv_list(args.models)
    )
    settings = _only_models(settings, chosen)
    if "n_samples" in over:
        _check_n_samples(settings, over["n_samples"], replace(sizes, **over))


def _refuse_unrecorded(folder: Any) -> Exception:
    """A folder of runs without recorded settings cannot be checked: refused."""

    return InvalidParameterError(
        f"resume: output={str(folder)!r} holds runs without a record of their "
        "settings, so they cannot be checked against this command's; leave out "
        "--resume to start afresh (the earlier runs are then moved aside)"
    )
