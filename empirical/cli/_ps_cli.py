"""The ``asyncstab ps`` subcommand, and the Ray options of ``asyncstab sweep``.

``register(sub)`` adds the parser, ``run(args)`` runs it (both called by
:mod:`empirical.cli._cli`). Ray is imported only when a command runs.

``asyncstab ps`` runs asynchronous SGD on a parameter server (:mod:`empirical.distributed._ps`),
prints the staleness statistics and the model's losses and accuracy, writes the
trace and a JSON summary to ``--output``, and (unless ``--no-evaluate``) replays
the trace in the coupled simulator and prints every theorem on it next to the
real run's gap (:func:`empirical.distributed._ps_replay.evaluate_trace`). Several rules
(``--rule constant,staleness,rule-tau``) run one after the other on the same Ray
instance, and a last table compares their gaps.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TYPE_CHECKING, Any

from bounds import InvalidParameterError
from bounds.internal import HelpFormatter, check_choice, check_positive

from ._args import csv_list as _csv
from ._choices import DATASET_NAMES, LOSS_NAMES, examples

if TYPE_CHECKING:  # Ray is an optional extra, loaded by --backend ray
    from empirical.distributed._ray_backend import RayExecutor

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "add_ray_arguments",
    "ray_executor",
    "register",
    "run",
]

#: Default of ``--max-retries`` (Ray's own default for tasks).
DEFAULT_MAX_RETRIES = 3


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in _csv(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} must be comma-separated numbers"
        ) from exc


def add_ray_arguments(p: argparse.ArgumentParser, *, tasks: bool = True) -> None:
    """``--address``, ``--ray-num-cpus`` and ``--runtime-env`` (JSON); with
    ``tasks`` (``sweep``, ``reproduce``: one Ray task per grid point) also
    ``--max-retries``."""
    g = p.add_argument_group("Ray")
    g.add_argument(
        "--address", help="existing Ray cluster (default: start a local one)"
    )
    g.add_argument("--ray-num-cpus", type=float, help="CPUs of a local Ray instance")
    g.add_argument(
        "--runtime-env", help="Ray runtime environment as JSON, e.g. '{\"pip\": [...]}'"
    )
    if tasks:
        g.add_argument(
            "--max-retries",
            type=int,
            help="times a task lost with its node (or worker process) is run again "
            f"on another (default {DEFAULT_MAX_RETRIES}; 0: none)",
        )


def _runtime_env(args: argparse.Namespace) -> dict[str, Any] | None:
    text = getattr(args, "runtime_env", None)
    if not text:
        return None
    try:
        env = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"runtime_env={text!r} is not valid JSON") from exc
    if not isinstance(env, dict):
        raise InvalidParameterError(f"runtime_env={text!r} must be a JSON object")
    return env


def ray_executor(args: argparse.Namespace, **options: Any) -> RayExecutor:
    """The Ray executor of ``--backend ray`` (``sweep``, ``reproduce``) from its
    options; ``options`` go to :class:`~empirical.distributed._ray_backend.RayExecutor`."""
    # imported here, so that the calculator subcommands load no simulation code
    from empirical.distributed._ray_backend import RayExecutor, import_ray

    import_ray()  # a clear error now if Ray is missing
    workers = getattr(args, "workers", None)
    cpus = getattr(args, "ray_num_cpus", None)
    if cpus is not None and not (
        math.isfinite(cpus) and cpus.is_integer() and cpus >= 1
    ):
        # Ray starts a local instance with a whole number of CPUs; no silent clip.
        raise InvalidParameterError(f"ray_num_cpus={cpus!r} must be an integer >= 1")
    if cpus is not None and workers is None:
        workers = int(cpus)
    retries = getattr(args, "max_retries", None)
    return RayExecutor(
        workers,
        address=getattr(args, "address", None),
        runtime_env=_runtime_env(args),
        max_retries=DEFAULT_MAX_RETRIES if retries is None else retries,
        **options,
    )


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the ``ps`` subcommand to an argparse subparsers object."""
    p = sub.add_parser(
        "ps",
        help="asynchronous SGD on a Ray parameter server; staleness trace and bounds",
        description="Run asynchronous SGD on a parameter server (Ray actors), record "
        "each update's staleness, replay the trace in the simulator and check the bounds.",
        epilog=examples(
            "asyncstab ps -K 4 --n-steps 2000 --output ps-run",
            "asyncstab ps -K 4 --slowdowns 1,1,1,5 --rule constant,staleness",
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "--loss",
        default="logistic",
        help=f"the loss: one of {', '.join(LOSS_NAMES)} (default logistic)",
    )
    p.add_argument(
        "--dataset",
        default="breast_cancer",
        help=f"the data set: one of {', '.join(DATASET_NAMES)} (default breast_cancer)",
    )
    p.add_argument(
        "--n-samples",
        type=int,
        default=400,
        help="training-set size n (samples; default 400)",
    )
    p.add_argument(
        "-K", "--n-workers", type=int, default=4, help="worker actors (default 4)"
    )
    p.add_argument("--n-steps", type=int, default=2000, help="updates T (default 2000)")
    p.add_argument("--step-size", type=float, default=0.5, help="eta0 (default 0.5)")
    p.add_argument(
        "--rule",
        type=_csv,
        default=["constant"],
        help="constant | staleness (eta0/(tau_t+1)) | rule-tau (eta0/(tau+1)); "
        "comma-separated runs each and compares",
    )
    p.add_argument("--tau", type=int, help="tau of rule-tau (default K - 1)")
    p.add_argument(
        "--batch-size",
        type=int,
        default=1,
        help="samples per gradient a worker computes (default 1)",
    )
    p.add_argument(
        "--compute-time", default="exponential", help="exponential | lognormal | fixed"
    )
    p.add_argument(
        "--mean-compute-ms",
        type=float,
        default=2.0,
        help="simulated compute time per gradient, ms (default 2)",
    )
    p.add_argument(
        "--slowdowns",
        type=_floats,
        help="per-worker factors on the compute time, e.g. 1,1,1,5",
    )
    p.add_argument(
        "--worker-cpus",
        type=float,
        help="Ray CPUs per worker (default: available / (K + 1))",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the data, the sampling and the compute times (default 0)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="give up a run after this many seconds (default 600)",
    )
    p.add_argument(
        "--output", default="asyncstab-ps", help="folder for traces and summary"
    )
    p.add_argument("--no-evaluate", action="store_true", help="skip the trace replay")
    p.add_argument(
        "--n-pairs", type=int, default=64, help="pairs of the replay (default 64)"
    )
    p.add_argument("--theorems", type=_csv, help="theorem keys of the replay")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    add_ray_arguments(p, tasks=False)
    return p


def _print_run(res: Any) -> None:
    s = res.summary()
    hist = res.histogram
    print(
        f"rule={res.config.rule}: {s['n_updates']} updates by {res.config.n_workers} "
        f"workers in {res.wall_s:.2f} s ({res.updates_per_s:.0f} updates/s)"
    )
    print(
        f"  staleness of the real run: mean {s['staleness_mean']:.3f}, "
        f"max {s['staleness_max']}, K-1 = {res.config.n_workers - 1}"
    )
    print("  histogram: " + ", ".join(f"{k}:{int(c)}" for k, c in enumerate(hist) if c))
    acc = "-" if res.accuracy is None else f"{res.accuracy:.3f}"
    base = "-" if res.baseline_accuracy is None else f"{res.baseline_accuracy:.3f}"
    print(
        f"  train loss {res.train_loss:.4f}, test loss {res.test_loss:.4f}, "
        f"gap {res.gap:.4f}; test accuracy {acc} (majority class {base})"
    )
    for k, why in sorted(res.dead_workers.items()):
        print(f"  worker {k} died: {why} (run continued with the others)")


def run(args: argparse.Namespace) -> int:
    """Run ``asyncstab ps``: exit status 0, or 1 (with one line) if the run failed."""

    # imported here, so that the calculator subcommands load no simulation code
    from empirical.distributed._ps import PSFailureError

    try:
        return _run(args)
    except PSFailureError as exc:
        print(f"asyncstab: ps failed: {exc}", file=sys.stderr)
        return 1


def _move_earlier_run(out: Any) -> None:
    """The output folder holds one run: an earlier run's traces and summary are
    moved into a sibling folder (never deleted), and the user is told where."""

    # imported here, so that the calculator subcommands load no simulation code
    from empirical.runs._paths import move_aside

    if not out.is_dir():
        return
    names = ["summary.json", *sorted(p.name for p in out.glob("trace*.txt"))]
    moved = move_aside(out, names)
    if moved is not None:
        print(
            f"asyncstab: note: the earlier run in {str(out)!r} was moved to "
            f"{str(moved)!r}",
            file=sys.stderr,
        )


def _run(args: argparse.Namespace) -> int:
    # imported here, so that the calculator subcommands load no simulation code
    from empirical.distributed._ps import (
        RULES,
        PSConfig,
        PSFailureError,
        PSRun,
        PSServerLostError,
    )
    from empirical.distributed._ps_replay import evaluate_trace
    from empirical.distributed._ray_backend import ray_session
    from empirical.problems._problem import check_problem
    from empirical.runs._paths import check_writable_dir

    if not args.rule:
        raise InvalidParameterError(
            f"rule='' must name at least one of {', '.join(map(repr, RULES))}"
        )
    rules = [check_choice(r, "rule", RULES) for r in args.rule]
    if args.theorems is not None and not args.theorems:
        raise InvalidParameterError(
            "theorems='' must name at least one theorem key (leave out "
            "--theorems to check every theorem)"
        )
    theorems = tuple(args.theorems or ())
    if theorems:
        from bounds import get_theorem

        theorems = tuple(get_theorem(t).key for t in theorems)
    configs = [
        PSConfig(
            loss=args.loss,
            dataset=args.dataset,
            n_samples=args.n_samples,
            n_workers=args.n_workers,
            n_steps=args.n_steps,
            step_size=args.step_size,
            rule=r,
            tau=args.tau,
            batch_size=args.batch_size,
            compute_time=args.compute_time,
            mean_compute_s=args.mean_compute_ms / 1e3,
            slowdowns=args.slowdowns,
            seed=args.seed,
            worker_cpus=args.worker_cpus,
            timeout_s=args.timeout,
        )
        for r in rules
    ]
    # Everything Ray does not decide is checked before Ray starts (~20 s).
    _, _, n = check_problem(
        args.loss, args.dataset, n_samples=args.n_samples, seed=args.seed
    )
    if args.n_workers > n:
        raise InvalidParameterError(
            f"n_workers={args.n_workers} must be <= n_samples={n} (one shard each)"
        )
    if args.ray_num_cpus is not None:
        check_positive(args.ray_num_cpus, "ray_num_cpus")
    runtime_env = _runtime_env(args)
    out = check_writable_dir(args.output, "output")
    _move_earlier_run(out)
    out.mkdir(parents=True, exist_ok=True)
    results = []

    def trace_name(rule: str) -> str:
        return "trace.txt" if len(configs) == 1 else f"trace-{rule}.txt"

    with ray_session(address=args.address, num_cpus=args.ray_num_cpus,
                     runtime_env=runtime_env):  # fmt: skip
        for cfg in configs:
            try:
                results.append(PSRun(cfg).wait())
            except PSServerLostError as exc:
                # The trace up to the loss is exact: saved, and replayable.
                path = exc.write_trace(out / trace_name(cfg.rule))
                raise PSFailureError(
                    f"rule={cfg.rule}: {exc}; their staleness trace is in "
                    f"{str(path)!r} (replay it with --delay trace:{path})"
                ) from None
    summary: list[dict[str, Any]] = []
    for res in results:
        path = res.write_trace(out / trace_name(res.config.rule))
        entry = {**res.summary(), "trace": str(path)}
        if not args.json:
            _print_run(res)
            print(f"  trace: {path}")
        if not args.no_evaluate:
            ev = evaluate_trace(
                path,
                loss=args.loss,
                dataset=args.dataset,
                n_samples=args.n_samples,
                step_size=args.step_size,
                rule=res.config.rule,
                n_pairs=args.n_pairs,
                seed=args.seed,
                theorems=theorems,
                real_gap=res.gap,
            )
            entry["replay"] = ev.to_dict()
            if not args.json:
                print("\n" + ev.table() + "\n")
        summary.append(entry)
    if len(results) > 1 and not args.json:
        print("step-size rule   mean eta   gap (real run)   test accuracy")
        for res in results:
            acc = "-" if res.accuracy is None else f"{res.accuracy:.3f}"
            print(
                f"{res.config.rule:<16} {res.step_sizes.mean():<10.4g} "
                f"{res.gap:<16.4g} {acc}"
            )
    (out / "summary.json").write_text(
        json.dumps(summary, indent=2, default=float) + "\n"
    )
    if args.json:
        print(json.dumps(summary, default=float))
    # every written file named: the traces above, the summary here (on stderr
    # after --json, whose stdout is the JSON)
    where = f"summary: {out / 'summary.json'}"
    print(where, file=sys.stderr if args.json else sys.stdout)
    return 0
