"""The ``asyncstab`` command: calculator subcommands (bound, compare, ...) plus ``verify`` and ``sweep``.

Thin: parse, call, print. The calculator subcommands come from
:func:`bounds._cli.register`; the empirical modules are imported inside the
commands, so ``asyncstab bound ...`` never loads the simulator. Bad input (an
:class:`~bounds.InvalidParameterError`) prints one line
``asyncstab: error: <message>`` and exits with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bounds import InvalidParameterError
from bounds.internal import (
    HelpFormatter,
    OneLineParser,
    check_choice,
    check_int,
    parse_number,
    parse_values,
    register_calculator,
    run_calculator,
)

from . import _nets_cli as nets_cli
from . import _ps_cli as ps_cli
from ._args import csv_list as _csv
from ._choices import DATASET_NAMES, LOSS_NAMES, SCHEDULE_NAMES, examples
from ._conflicts import check_conflicts
from ._failures import grid_labels, lost_message, space_message
from ._resume import check_sweep_resume, check_verify_resume

if TYPE_CHECKING:
    from empirical.distributed._executors import Executor

__all__ = ["EXIT_BROKEN_PIPE", "build_parser", "main"]

CALCULATOR_COMMANDS = ("bound", "compare", "step-size", "samples", "list", "show")

#: What each verification suite costs, as measured (the README says the same):
#: CPU time (user + system, every process) on a 2-core x86_64 machine with
#: Python 3.11; the quick suite's first run, compiling the kernels, included.
#: Wall time there: 3.2 and 16 minutes beside other jobs (load 8 and 10).
QUICK_TIME = "45 settings; first run: 80 s of CPU time, 2-core x86_64, Python 3.11"
FULL_TIME = "68 settings; 227 s of CPU time, 2-core x86_64, Python 3.11"


def _int_list(text: str, name: str) -> list[int]:
    """``"0,2,8"`` as non-negative ints, parsed as ``--grid`` values are."""
    return parse_values(
        text, name, lambda x: check_int(parse_number(x, name), name, min_value=0)
    )


#: Defaults of ``sweep``'s constant flags (applied after parsing, see above).
_SWEEP_DEFAULTS: dict[str, Any] = {
    "loss": "logistic",
    "dataset": "breast_cancer",
    "n_samples": 200,
    "n_steps": 1000,
    "max_delay": 0,
    "delay": "uniform",
    "step_size": 0.1,
    "schedule": "constant",
}


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--theorems", type=_csv, help="theorem keys, comma-separated")
    p.add_argument("--n-pairs", type=int, help="coupled pairs per setting (>= 2)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: all cores)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``asyncstab`` (room for a ``ps`` subcommand later)."""
    parser = OneLineParser(
        prog="asyncstab",
        description="Stability bounds of delayed SGD: calculator and empirical checks.",
        epilog=examples(
            "asyncstab bound --theorem delayed-cvx --n-samples 500 --n-steps 1000 "
            "--step-size 0.01 --lipschitz 1 --smoothness 1 --grid max_delay=0,8,32",
            "asyncstab verify",
        )
        + "\n\nasyncstab COMMAND --help explains each command.",
        formatter_class=HelpFormatter,
    )
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        help="the calculator (bound, compare, step-size, samples, list, show) or "
        "an empirical check (verify, sweep, ps, reproduce)",
    )
    for calculator in register_calculator(sub).values():
        calculator.set_defaults(func=_run_calculator)
    v = sub.add_parser(
        "verify",
        help="run the verification suite on real data",
        description="Run delayed SGD on coupled pairs of neighbouring data sets and "
        "check every theorem against the quantity it bounds. Prints a summary by "
        "theorem (the full table with --table) and writes OUTPUT/report.md, "
        "report.json, results.jsonl and figures.",
        epilog=examples(
            "asyncstab verify",
            "asyncstab verify --full --output full-run --table",
        ),
        formatter_class=HelpFormatter,
    )
    v.set_defaults(func=_cmd_verify)
    size = v.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        action="store_true",
        help=f"the quick suite: the default ({QUICK_TIME})",
    )
    size.add_argument(
        "--full",
        action="store_true",
        help=f"the full suite: more losses, delays and pairs ({FULL_TIME})",
    )
    v.add_argument(
        "--table",
        action="store_true",
        help="print the full verification table (default: a summary by theorem; "
        "the table is always in OUTPUT/report.md)",
    )
    v.add_argument(
        "--losses",
        type=_csv,
        help=f"keep these losses' settings, comma-separated: {', '.join(LOSS_NAMES)}",
    )
    v.add_argument(
        "--datasets",
        type=_csv,
        help=f"run on these data sets, comma-separated: {', '.join(DATASET_NAMES)}",
    )
    v.add_argument(
        "--max-delays",
        help="delay grid tau (in updates), comma-separated, e.g. 0,2,8",
    )
    v.add_argument(
        "--delays-from",
        metavar="TRACE",
        help="staleness trace file, or example:NAME for a recorded trace shipped "
        "with the package (BCD_sun_MNIST, BCD_Davis_RCV1, PIAG_sun_MNIST)",
    )
    v.add_argument(
        "--output",
        default="asyncstab-results",
        help="results folder (default asyncstab-results)",
    )
    v.add_argument(
        "--resume",
        action="store_true",
        help="continue OUTPUT/results.jsonl instead of starting afresh",
    )
    v.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    v.add_argument(
        "--worst-case",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the worst-case search for uniform stability, with its bound/worst "
        "column (default: on; --no-worst-case skips it, about 20%% faster)",
    )
    _add_common(v)
    s = sub.add_parser(
        "sweep",
        help="run a grid of settings, append results to a file",
        description="Run delayed SGD on coupled pairs for every point of a grid of "
        "settings and append one JSON line per setting to --results.",
        epilog=examples(
            "asyncstab sweep --results sweep.jsonl --grid max_delay=0,4,16 "
            "--grid step_size=0.05,0.1",
            "asyncstab sweep --results sweep.jsonl --resume --grid max_delay=0,4,16 "
            "--grid step_size=0.05,0.1",
        ),
        formatter_class=HelpFormatter,
    )
    s.set_defaults(func=_cmd_sweep)
    s.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="grid axis (repeatable): max_delay|tau, step_size|eta|c, "
        "n_samples|n, n_steps|T, loss, dataset, schedule, seed, ...",
    )
    # The constants default to None so that a grid axis repeating a constant the
    # user typed is refused (bounds._grid); _SWEEP_DEFAULTS fills the rest.
    s.add_argument(
        "--loss", help=f"the loss: one of {', '.join(LOSS_NAMES)} (default logistic)"
    )
    s.add_argument(
        "--dataset",
        help=f"the data set: one of {', '.join(DATASET_NAMES)} (default breast_cancer)",
    )
    s.add_argument(
        "--n-samples", type=int, help="training-set size n (samples; default 200)"
    )
    s.add_argument(
        "--n-steps", type=int, help="SGD updates T (not epochs; default 1000)"
    )
    s.add_argument(
        "--max-delay",
        type=int,
        help="largest staleness tau (in updates; default 0)",
    )
    s.add_argument(
        "--delay",
        metavar="SPEC",
        help="delay model: 'constant' (tau_t = MAX), 'uniform' (on 0..MAX), "
        "'geometric:P' (P in (0, 1], truncated at MAX), 'workers' (MAX + 1 "
        "simulated workers, staleness capped at MAX), all with MAX = --max-delay; "
        "or, with their own maximum (--max-delay unused): "
        "'workers:K[:exponential|lognormal[:CAP]]' (K workers, compute times, "
        "optional cap) and 'trace:PATH' (a recorded trace, one delay a line; "
        "PATH may be example:NAME, a trace shipped with the package); "
        "default uniform",
    )
    s.add_argument(
        "--step-size",
        type=float,
        help="step size eta0, or c of eta_t = c/t for a decaying schedule (default "
        "0.1)",
    )
    s.add_argument(
        "--schedule",
        help=f"step-size schedule: one of {', '.join(SCHEDULE_NAMES)} (default "
        "constant)",
    )
    s.add_argument(
        "--diameter",
        type=float,
        help="projected SGD onto the ball ||w|| <= D/2 (needed by logistic-l2, "
        "least-squares)",
    )
    s.add_argument(
        "--max-grid-points",
        type=int,
        default=None,
        metavar="N",
        help="refuse a --grid of more than N points (default 1000)",
    )
    s.add_argument(
        "--results", required=True, help="JSON-lines results file (appended to)"
    )
    s.add_argument(
        "--resume", action="store_true", help="skip tasks already in --results"
    )
    s.add_argument(
        "--backend",
        default="local",
        help="where the tasks run: local (worker processes, default) | serial (this "
        "process) | ray (a Ray cluster)",
    )
    _add_common(s)
    ps_cli.add_ray_arguments(
        s
    )  # --address, --ray-num-cpus, --runtime-env (backend ray)
    ps_cli.register(sub).set_defaults(func=_run_ps)
    nets_cli.register(sub).set_defaults(func=_run_reproduce)
    return parser


#: What a subcommand runs: the parsed arguments and the command line as typed
#: (``verify`` and ``sweep`` record it and check which options were typed) ->
#: exit status. Each subcommand's parser sets it as its ``func`` default.
Command = Callable[[argparse.Namespace, Sequence[str]], int]


def _run_calculator(args: argparse.Namespace, argv: Sequence[str]) -> int:
    return int(run_calculator(args))


def _run_ps(args: argparse.Namespace, argv: Sequence[str]) -> int:
    return ps_cli.run(args)


def _run_reproduce(args: argparse.Namespace, argv: Sequence[str]) -> int:
    return nets_cli.run(args)


def _check_names(names: Sequence[str] | None, known: Sequence[str], what: str) -> None:
    for x in names or ():
        check_choice(x, what, tuple(known))


def _theorem_keys(names: Sequence[str] | None) -> tuple[str, ...]:
    from bounds import get_theorem  # the registry (sympy): only when asked

    if names is not None and not names:
        raise InvalidParameterError(
            "theorems='' must name at least one theorem key (leave out "
            "--theorems to check every theorem)"
        )
    return tuple(get_theorem(x).key for x in names or ())


def _executor(backend: str, workers: int | None) -> Executor:
    # imported here, so that the calculator subcommands load no simulation code
    from empirical.distributed._executors import check_workers, make_executor

    if workers is not None:
        check_workers(workers)  # also for backend 'serial', which ignores it
    return make_executor(backend, workers=workers)


def _progress(total: int, desc: str) -> Any:
    # imported here, so that the calculator subcommands load no simulation code
    from empirical.runs._progress import Progress

    # A bar on a terminal; one line per finished setting otherwise (CI, pipes).
    return Progress(total, desc)


def _notice(message: str) -> None:
    print(f"asyncstab: note: {message}", file=sys.stderr)


def _table_width() -> int | None:
    """Columns of the terminal standard output is, at least 80; None for a file
    or a pipe (the table is then never wrapped: one row a line)."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):  # a closed or replaced stdout
        return None
    return max(80, shutil.get_terminal_size((120, 24)).columns)


def _report_bugs(records: Sequence[dict[str, Any]]) -> int:
    # imported here, so that the calculator subcommands load no simulation code
    from empirical.measurement._table import pathwise_bugs

    bugs = pathwise_bugs(records)
    for tid, key in bugs:
        print(
            f"asyncstab: BUG: pathwise bound {key} exceeded in task {tid}",
            file=sys.stderr,
        )
    return 1 if bugs else 0


def _cmd_verify(args: argparse.Namespace, argv: Sequence[str]) -> int:
    # imported here, so that the calculator subcommands load no simulation code
    from empirical.measurement._table import format_table
    from empirical.problems._data import DATASETS
    from empirical.problems._losses import LOSSES
    from empirical.runs._report import write_report
    from empirical.runs._suite import build_suite, delay_changes
    from empirical.runs._summary import results_line
    from empirical.runs._sweep import sweep

    if args.table and args.json:
        raise InvalidParameterError(
            "table=True contradicts --json (the JSON holds the table): give one"
        )
    quick = not args.full  # the quick suite is the default; --quick says so
    _check_names(args.losses, tuple(LOSSES), "losses")
    _check_names(args.datasets, DATASETS, "datasets")
    theorems = _theorem_keys(args.theorems)
    taus = None if args.max_delays is None else _int_list(args.max_delays, "max_delays")
    if args.n_pairs is not None and args.n_pairs < 2:
        raise InvalidParameterError(f"n_pairs={args.n_pairs!r} must be >= 2")
    from empirical.runs._paths import check_writable_dir, move_aside
    from empirical.runs._report import FIGURE_FILES, RUN_FILES

    out = check_writable_dir(args.output, "output")
    tasks = build_suite(
        quick=quick,
        losses=args.losses,
        datasets=args.datasets,
        max_delays=taus,
        n_pairs=args.n_pairs,
        seed=args.seed,
        theorems=theorems,
        delays_from=args.delays_from,
        worst_case=args.worst_case,
    )
    executor = _executor("local", args.workers)
    from empirical.runs._run_settings import SETTINGS_FILE, record_settings

    settings = {
        "quick": quick,
        "seed": args.seed,
        "n_pairs": args.n_pairs,
        "max_delays": taus,
        "theorems": list(theorems),
        "losses": args.losses,
        "datasets": args.datasets,
        "delays_from": args.delays_from,
        "worst_case": args.worst_case,
    }
    results = out / "results.jsonl"
    if args.resume:
        check_verify_resume(out, settings, tasks)
    # Said once every check has passed, so that a refusal stays one line.
    if taus is not None and (note := delay_changes(tasks, taus)) is not None:
        _notice(note)  # the families add (or leave out) delays of their own
    out.mkdir(parents=True, exist_ok=True)
    # The folder holds one run: a new run moves the files of an earlier one aside;
    # a resumed run keeps its results but moves its old figures aside (they are
    # redrawn, or absent from this run's report with --no-figures).
    moved = move_aside(
        out, FIGURE_FILES if args.resume else (*RUN_FILES, SETTINGS_FILE)
    )
    if moved is not None:
        _notice(f"the earlier run's files in {str(out)!r} were moved to {str(moved)!r}")
    record_settings(out, settings)
    start = time.perf_counter()
    with _progress(len(tasks), "verify") as bar:
        records = sweep(
            tasks,
            results=results,
            executor=executor,
            resume=args.resume,
            on_result=bar.update,
            on_notice=_notice,
        )
    wall = time.perf_counter() - start
    config = {
        "command": "asyncstab " + shlex.join(argv),
        "quick": quick,
        "seed": args.seed,
        "n_pairs": args.n_pairs,
        "max_delays": taus,
        "theorems": list(theorems),
        "losses": args.losses,
        "datasets": args.datasets,
        "delays_from": args.delays_from,
        "workers": getattr(executor, "workers", 1),
        "tasks": [t.to_dict() for t in tasks],
    }
    report = write_report(
        out,
        records,
        config=config,
        wall_s=wall,
        theorems=theorems or None,
        figures=not args.no_figures,
    )
    if args.json:
        print(
            json.dumps(
                {
                    k: report[k]
                    for k in ("table", "findings", "pathwise_bugs", "wall_s")
                },
                default=float,
            )
        )
    elif args.table:
        print(format_table(report["table"], width=_table_width()))
        print()
    else:
        from ._verify_summary import summary_lines

        print("summary by theorem (the full table: --table, or report.md):")
        print("\n".join(summary_lines(records, report["table"])))
        print()
    # The closing line, also after --json (on stderr there: stdout is the JSON).
    line = results_line(
        records, what="settings", where=f"report: {out / 'report.md'}", wall_s=wall
    )
    print(line, file=sys.stderr if args.json else sys.stdout)
    return _report_bugs(records)


def _cmd_sweep(args: argparse.Namespace, argv: Sequence[str]) -> int:
    # imported here, so that the calculator subcommands load no simulation code
    from empirical.measurement._table import format_table, table_rows
    from empirical.runs._summary import results_line
    from empirical.runs._sweep import sweep
    from empirical.runs._task import MAX_SWEEP_POINTS, make_tasks, parse_grid

    given = {
        name: getattr(args, name)
        for name in (*_SWEEP_DEFAULTS, "diameter", "n_pairs")
        if getattr(args, name) is not None
    }
    # --seed has a default shared with verify; argparse also takes "--se", "--see".
    if any(a.split("=")[0] in ("--se", "--see", "--seed") for a in argv):
        given["seed"] = args.seed
    base = {
        **_SWEEP_DEFAULTS,
        **given,
        "seed": args.seed,
        "theorems": _theorem_keys(args.theorems),
        "diameter": args.diameter,
    }
    limit = MAX_SWEEP_POINTS if args.max_grid_points is None else args.max_grid_points
    tasks = make_tasks(base, parse_grid(args.grid, given=given, max_points=limit))
    from empirical.runs._paths import check_writable_file
    from empirical.runs._sweep import check_tasks

    check_tasks(tasks)  # problems, delay models, trace files: before any work
    check_writable_file(args.results, "results")
    if args.resume:
        check_sweep_resume(args.results, tasks)
    executor: Executor
    if args.backend == "ray":
        executor = ps_cli.ray_executor(args)
    else:
        executor = _executor(args.backend, args.workers)
    start = time.perf_counter()
    from empirical.distributed._executors import TasksLostError

    with _progress(len(tasks), "sweep") as bar:
        try:
            records = sweep(
                tasks,
                results=args.results,
                executor=executor,
                resume=args.resume,
                on_result=bar.update,
                on_notice=_notice,
            )
        except TasksLostError as exc:
            exc.labels = grid_labels(exc.tasks, tasks)  # type: ignore[attr-defined]
            raise
    wall = time.perf_counter() - start
    rows = table_rows(records)
    if args.json:
        print(json.dumps(rows, default=float))
    else:
        print(format_table(rows, width=_table_width()))
        print()
    line = results_line(
        records, what="tasks", where=f"results: {args.results}", wall_s=wall
    )
    print(line, file=sys.stderr if args.json else sys.stdout)
    return _report_bugs(records)


def _one_line(exc: BaseException) -> str:
    """An error's message on one line (a path or a value may hold a line break)."""
    from bounds.internal import one_line

    return one_line(str(exc))


#: Exit status after the reader of standard output went away (``asyncstab list |
#: head -1``): 128 + SIGPIPE, what a shell reports for a tool that SIGPIPE ended.
EXIT_BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``asyncstab`` console script.

    When standard output is a pipe whose reader closes early (``| head``), the
    command stops quietly with :data:`EXIT_BROKEN_PIPE`: no traceback, and no
    "Exception ignored" message when Python flushes standard output at exit (it
    is pointed at ``os.devnull``, as the Python documentation advises for
    SIGPIPE).
    """
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``) and run the command."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        check_conflicts(parser, args, args_list)
        command: Command = args.func
        return command(args, args_list)
    except InvalidParameterError as exc:
        print(f"asyncstab: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        from empirical.distributed._executors import TasksLostError
        from empirical.distributed._ray_backend import RayStartError

        if isinstance(exc, TasksLostError):
            print(f"asyncstab: error: {lost_message(exc, args)}", file=sys.stderr)
            return 1
        if not isinstance(exc, RayStartError):
            raise
        print(
            f"asyncstab: error: {_one_line(exc)}", file=sys.stderr
        )  # a runtime failure
        return 1
    except OSError as exc:
        from empirical.runs._disk import is_out_of_space

        if not is_out_of_space(exc):
            raise
        print(f"asyncstab: error: {space_message(exc, args)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "asyncstab: interrupted (finished tasks are in the results file; "
            "rerun with --resume)",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
